// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/jobs/measure_job.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <utility>

#include "backends/device.h"
#include "common/locations.h"
#include "common/progress.h"
#include "store/measurement_store.h"
#include "ui/style/format.h"
#include "workflows/analyze_model.h"
#include "workflows/devices.h"
#include "workflows/measure_models.h"

namespace km::ui {

namespace {

MeasuredLatency latencyOf(const QString& deviceId, const LatencyStats& s, const std::string& taken) {
    MeasuredLatency m;
    m.deviceId = deviceId;
    m.medianMs = s.medianMs;
    m.p10Ms = s.p10Ms;
    m.p90Ms = s.p90Ms;
    m.takenAtUtc = QString::fromStdString(taken);
    return m;
}

// The machine's phase during stored measurement `m` against the device's earlier ones; empty
// when within 10%, when nothing tells, or without a database.
QString machinePhaseOf(MeasurementStore* store, const StoredMeasurement& m) {
    if (!store) return {};
    const std::string w = storedPhaseWarning(*store, m, "the model was");
    if (w.empty()) return {};
    return asSentence(QString::fromStdString(w) + QCoreApplication::translate("MeasureJob", "; the measured time carries that."));
}

// Where `m` was taken when the device it belongs to has another machine now (as the device's last
// check or this machine tells, without starting an agent); empty when the same or not known.
QString takenElsewhere(const StoredMeasurement& m) {
    if (m.machine.logicalCores == 0) return {};  // imported: no machine recorded
    const Result<Device> device = findDevice(m.deviceId);
    if (!device) return {};
    const HostComparison c = compareHost({m.machine.cpuModel, m.machine.logicalCores, m.runtimeVersion, {}, {}}, device.value());
    if (!c.mismatch()) return {};
    return QStringLiteral("%1 (%2 cores), %3 %4")
        .arg(QString::fromStdString(m.machine.cpuModel))
        .arg(m.machine.logicalCores)
        .arg(QString::fromStdString(device.value().runtime), QString::fromStdString(m.runtimeVersion));
}

}  // namespace

MeasureJob::MeasureJob(QObject* parent) : QObject(parent) { qRegisterMetaType<km::ui::MeasuredLatency>(); }

MeasureJob::~MeasureJob() { cancel(); }

QString MeasureJob::agentPath() { return QString::fromStdString(siblingProgram(kAgentProgram).value_or(kAgentProgram)); }

void MeasureJob::lookUp(const QString& path, const QString& modelSha256, const QStringList& deviceIds) {
    std::vector<std::string> ids;
    for (const QString& id : deviceIds) ids.push_back(id.toStdString());
    m_lookups.run(
        [this, path, hash = modelSha256.toStdString(), ids](const JobContext& context) {
            Result<std::map<std::string, StoredMeasurement>> stored = storedMeasurementsOf(hash, ids, defaultDatabasePath());
            if (!stored) {
                context.post([this, path, message = QString::fromStdString(stored.error().message)] { emit failed(path, message); });
                return 0;
            }
            std::unique_ptr<MeasurementStore> store;  // for the machine's phase; none: not told
            if (!stored.value().empty())
                if (auto opened = MeasurementStore::open(defaultDatabasePath()); opened) store = std::move(opened).value();
            for (const auto& [id, m] : stored.value()) {
                MeasuredLatency l = latencyOf(QString::fromStdString(id), m.stats, m.takenAtUtc);
                l.takenElsewhere = takenElsewhere(m);
                l.machinePhase = machinePhaseOf(store.get(), m);
                l.referenceRatio = m.reference.median;
                l.cpuModel = QString::fromStdString(m.machine.cpuModel);
                context.post([this, path, l] { emit found(path, l); });  // `this` only on the UI thread, guarded
            }
            return 0;
        },
        [](quint64, int) {});
}

bool MeasureJob::measure(const QString& path, const QStringList& deviceIds) {
    if (m_running) return false;
    m_running = true;
    m_measuring.run(
        [this, path, deviceIds, protocol = m_protocol](const JobContext& context) {
            // `this` is used only inside context.post (on the UI thread, while it exists).
            auto report = [&](const QString& message) { context.post([this, path, message] { emit failed(path, message); }); };
            auto store = MeasurementStore::open(defaultDatabasePath());
            if (!store) report(QString::fromStdString(store.error().message));
            QElapsedTimer clock;
            clock.start();
            int measured = 0;
            for (int d = 0; d < deviceIds.size() && !context.cancelled(); ++d) {
                const Result<Device> device = findDevice(deviceIds[d].toStdString());
                if (!device) {
                    report(QString::fromStdString(device.error().message));
                    continue;
                }
                MeasureModelsOptions o;  // the device's own agent and transport
                o.protocol = protocol;
                o.store = store ? store.value().get() : nullptr;
                o.remeasure = true;  // asked for explicitly: a new measurement, not the stored one
                Progress* running = nullptr;
                Progress progress([&, d](double f, const std::string& message) {
                    if (context.cancelled() && running) running->cancel();  // the UI's cancel reaches measureModels here
                    const double done = (double(d) + f) / double(deviceIds.size());
                    const double seconds = double(clock.elapsed()) / 1000.0;
                    const double left = done > 0.02 ? seconds / done * (1 - done) : -1;
                    const QString text = deviceIds[d] + ": " + QString::fromStdString(message);
                    context.post([this, done, text, left] { emit this->progress(done, text, left); });
                });
                running = &progress;
                const std::vector<ModelReport> r = measureModels({path.toStdString()}, device.value(), o, &progress);
                if (r.empty() || context.cancelled()) continue;
                if (!r[0].ok) {
                    report(QString::fromStdString(device.value().id + ": " + r[0].error));
                    continue;
                }
                MeasuredLatency l =
                    latencyOf(deviceIds[d], r[0].stats, QDateTime::currentDateTimeUtc().toString(Qt::ISODate).toStdString());
                if (o.store)  // as stored: its reference time against the device's earlier measurements
                    if (Result<std::optional<StoredMeasurement>> saved = o.store->latest(r[0].modelHash, device.value().id);
                        saved && saved.value())
                        l.machinePhase = machinePhaseOf(o.store, *saved.value());
                l.referenceRatio = r[0].reference.median;
                l.cpuModel = QString::fromStdString(r[0].machine.cpuModel);
                l.unsteady = QString::fromStdString(unsteadyWarning(r[0], "this measurement"));
                if (!l.unsteady.isEmpty()) l.unsteady[0] = l.unsteady[0].toUpper();
                context.post([this, path, l] { emit found(path, l); });
                ++measured;
            }
            return std::pair<bool, int>{context.cancelled(), measured};
        },
        [this, path, asked = int(deviceIds.size())](quint64, std::pair<bool, int> outcome) {
            m_running = false;
            emit finished(path, outcome.first, outcome.second, asked);
        });
    return true;
}

void MeasureJob::cancel() { m_measuring.cancel(); }

}  // namespace km::ui

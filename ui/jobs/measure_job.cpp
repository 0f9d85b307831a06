// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/jobs/measure_job.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QPointer>
#include <QThreadPool>

#include "backends/device.h"
#include "common/locations.h"
#include "common/progress.h"
#include "store/measurement_store.h"
#include "workflows/analyze_model.h"
#include "workflows/measure_models.h"

namespace km::ui {

// What the worker and the UI share: the cancel flag (the worker passes it on to the running
// measurement through its Progress).
struct MeasureJob::State {
    std::atomic<bool> cancelled{false};
};

namespace {

MeasuredLatency latencyOf(const QString& deviceId, const LatencyStats& s, const std::string& taken) {
    return {deviceId, s.medianMs, s.p10Ms, s.p90Ms, QString::fromStdString(taken)};
}

// Runs `f` on the UI thread if `self` still exists.
template <class F>
void onUiThread(const QPointer<MeasureJob>& self, F f) {
    QMetaObject::invokeMethod(
        QCoreApplication::instance(),
        [self, f = std::move(f)]() mutable {
            if (self) f(self.data());
        },
        Qt::QueuedConnection);
}

}  // namespace

MeasureJob::MeasureJob(QObject* parent) : QObject(parent) { qRegisterMetaType<km::ui::MeasuredLatency>(); }

MeasureJob::~MeasureJob() { cancel(); }

QString MeasureJob::agentPath() { return QString::fromStdString(siblingProgram(kAgentProgram).value_or(kAgentProgram)); }

void MeasureJob::lookUp(const QString& path, const QString& modelSha256, const QStringList& deviceIds) {
    QPointer<MeasureJob> self(this);
    std::vector<std::string> ids;
    for (const QString& id : deviceIds) ids.push_back(id.toStdString());
    QThreadPool::globalInstance()->start([self, path, hash = modelSha256.toStdString(), ids] {
        Result<std::map<std::string, StoredMeasurement>> stored = storedMeasurementsOf(hash, ids, defaultDatabasePath());
        if (!stored) {
            onUiThread(self, [path, message = QString::fromStdString(stored.error().message)](MeasureJob* job) {
                emit job->failed(path, message);
            });
            return;
        }
        for (const auto& [id, m] : stored.value()) {
            const MeasuredLatency l = latencyOf(QString::fromStdString(id), m.stats, m.takenAtUtc);
            onUiThread(self, [path, l](MeasureJob* job) { emit job->found(path, l); });
        }
    });
}

bool MeasureJob::measure(const QString& path, const QStringList& deviceIds) {
    if (m_running) return false;
    m_running = true;
    m_state = std::make_shared<State>();
    QPointer<MeasureJob> self(this);
    const std::string agent = agentPath().toStdString();
    QThreadPool::globalInstance()->start([self, state = m_state, path, deviceIds, agent, protocol = m_protocol] {
        auto report = [&](const QString& message) {
            onUiThread(self, [path, message](MeasureJob* job) { emit job->failed(path, message); });
        };
        auto store = MeasurementStore::open(defaultDatabasePath());
        if (!store) report(QString::fromStdString(store.error().message));
        QElapsedTimer clock;
        clock.start();
        for (int d = 0; d < deviceIds.size() && !state->cancelled; ++d) {
            const std::optional<Device> device = findBuiltinDevice(deviceIds[d].toStdString());
            if (!device) {
                report(tr("%1: unknown device").arg(deviceIds[d]));
                continue;
            }
            MeasureModelsOptions o;
            o.agent.agentPath = agent;
            o.protocol = protocol;
            o.store = store ? store.value().get() : nullptr;
            o.remeasure = true;  // asked for explicitly: a new measurement, not the stored one
            Progress* running = nullptr;
            Progress progress([&, d](double f, const std::string& message) {
                if (state->cancelled && running) running->cancel();  // the UI's cancel reaches measureModels here
                const double done = (double(d) + f) / double(deviceIds.size());
                const double seconds = double(clock.elapsed()) / 1000.0;
                const double left = done > 0.02 ? seconds / done * (1 - done) : -1;
                const QString text = deviceIds[d] + ": " + QString::fromStdString(message);
                onUiThread(self, [done, text, left](MeasureJob* job) { emit job->progress(done, text, left); });
            });
            running = &progress;
            const std::vector<ModelReport> r = measureModels({path.toStdString()}, *device, o, &progress);
            if (r.empty() || state->cancelled) continue;
            if (!r[0].ok) {
                report(QString::fromStdString(device->id + ": " + r[0].error));
                continue;
            }
            const MeasuredLatency l =
                latencyOf(deviceIds[d], r[0].stats, QDateTime::currentDateTimeUtc().toString(Qt::ISODate).toStdString());
            onUiThread(self, [path, l](MeasureJob* job) { emit job->found(path, l); });
        }
        const bool cancelled = state->cancelled;
        onUiThread(self, [path, cancelled](MeasureJob* job) {
            job->m_running = false;
            emit job->finished(path, cancelled);
        });
    });
    return true;
}

void MeasureJob::cancel() {
    if (m_state) m_state->cancelled = true;
}

}  // namespace km::ui

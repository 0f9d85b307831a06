// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/models/analysis_text.h"

#include <QFileInfo>
#include <QObject>
#include <QStringList>
#include <algorithm>
#include <cmath>
#include <map>

#include "predict/accuracy.h"
#include "ui/style/format.h"
#include "workflows/adapt_predictor.h"
#include "workflows/evaluation_data.h"
#include "workflows/measure_models.h"

namespace km::ui {
namespace {

QString esc(const std::string& s) { return QString::fromStdString(s).toHtmlEscaped(); }

QString ints(const std::vector<int64_t>& v) {
    QStringList parts;
    for (int64_t x : v) parts << QString::number(x);
    return parts.join('x');
}

}  // namespace

QString shortReason(const DeviceAnalysis& device) {
    QString reason = QString::fromStdString(device.error).section(':', 0, 0);
    reason.remove(QStringLiteral(" for device %1").arg(QString::fromStdString(device.deviceId)));
    return reason;
}

QString provenanceText(const DeviceAnalysis& d) {
    if (!d.ok()) return QString::fromStdString(d.error);
    const PredictorSet& p = *d.predictor;
    const std::string runtime = predictorRuntimeText(p);
    QString text =
        (p.adaptation ? QObject::tr("predictor adapted %1 on %2%3, from %4") : QObject::tr("predictor built %1 on %2%3, from %4"))
            .arg(QString::fromStdString(p.builtAtUtc), QString::fromStdString(p.timesSource()),
                 runtime.empty() ? QString() : QStringLiteral(" (%1)").arg(QString::fromStdString(runtime)),
                 QString::fromStdString(d.predictorSource));
    if (const QString host = hostMismatchText(d); !host.isEmpty()) text += "\n" + host;
    if (!d.speedNote.empty()) text += "\n" + asSentence(QString::fromStdString(d.speedNote));
    return text;
}

QString hostMismatchText(const DeviceAnalysis& d) {
    if (!d.host || !d.host->mismatch()) return {};
    // Another device's predictor (of another runtime or thread count), or this device's made on another machine.
    if (d.host->notThisDevice()) return QObject::tr("Not this device's predictor: %1").arg(QString::fromStdString(d.host->message));
    return QObject::tr("Not this device's machine: %1").arg(QString::fromStdString(d.host->message));
}

QString hostMismatchBrief(const DeviceAnalysis& d) {
    if (!d.host || !d.host->mismatch() || d.host->predictedFor.empty()) return hostMismatchText(d);
    return QObject::tr("Not this device's machine: %1; %2 reports %3. %4 in the Predictor tab.")
        .arg(QString::fromStdString(d.host->predictedFor), QString::fromStdString(d.deviceId), QString::fromStdString(d.host->reports),
             asSentence(QString::fromStdString(d.host->ways)));
}

QString adaptationText(const PredictorSet& p) {
    if (!p.adaptation) return {};
    const Adaptation& a = *p.adaptation;
    QString text = QObject::tr(
                       "Adapted from %1's predictor (%2 %3 on %4, built %5) on %6 networks (%7): %8. RMSPE %9 on them; left out one "
                       "at a time %10, %11 within 10%.")
                       .arg(QString::fromStdString(a.sourceDevice), QString::fromStdString(a.sourceRuntime),
                            QString::fromStdString(a.sourceRuntimeVersion),
                            QString::fromStdString(a.sourceCpuModel.empty() ? "an unrecorded CPU" : a.sourceCpuModel),
                            QString::fromStdString(a.sourceBuiltAtUtc))
                       .arg(a.networks.size())
                       .arg(QString::fromStdString(a.timesFrom), QString::fromStdString(a.terms), formatPercent(a.rmspe),
                            formatPercent(a.leaveOneOutRmspe), formatPercent(a.leaveOneOutWithin10));
    if (const ErrorBand band = transferBandOf(a.networks); band.kernels > 0)
        text += QObject::tr(" Its intervals run from %1 to %2 times each prediction: the left-out errors' 80% band.")
                    .arg(band.low, 0, 'f', 2)
                    .arg(band.high, 0, 'f', 2);
    if (!a.kernelGroups.empty()) {
        size_t kernels = 0;
        for (const AdaptedKernelGroup& k : a.kernelGroups) kernels += k.kernels;
        const QString where =
            a.kernelDevice.empty()
                ? QObject::tr("the device")
                : QObject::tr("%1 (the device's runtime at the source's threads)").arg(QString::fromStdString(a.kernelDevice));
        text += QObject::tr(" %1 of the source's kernels in %2 groups were measured on %3 too.")
                    .arg(kernels)
                    .arg(a.kernelGroups.size())
                    .arg(where);
        const auto byWork =
            std::count_if(a.kernelGroups.begin(), a.kernelGroups.end(), [](const AdaptedKernelGroup& k) { return k.pricedByWork; });
        if (byWork > 0)
            text += QObject::tr(
                        " %1 of those groups are priced by their kernels' MFLOPs and MB moved, which told their times better "
                        "than the source's times did.")
                        .arg(byWork);
    }
    if (const std::string note = adaptationPhaseNote(p); !note.empty()) text += " " + asSentence(QString::fromStdString(note));
    return text;
}

QString intervalCoverageText(const DatasetPredictions& data) {
    std::vector<double> predicted, low, high, measured;
    for (const PredictedVsMeasured& m : data.models) {
        predicted.push_back(m.predictedMs);
        low.push_back(m.lowMs);
        high.push_back(m.highMs);
        measured.push_back(m.measuredMs);
    }
    const IntervalCoverage c = intervalCoverageOf(predicted, low, high, measured);
    if (c.models == 0) return {};
    return QObject::tr("intervals held %1 of them, a median %2 to %3 times the prediction")
        .arg(formatPercent(c.inside))
        .arg(c.medianLow, 0, 'f', 2)
        .arg(c.medianHigh, 0, 'f', 2);
}

QString speedGapText(const DeviceAnalysis& d, const MeasuredLatency& m) {
    if (!d.predictor || !(m.medianMs > 0)) return {};
    // Carried to the device's usual speed, the times are at the speed of the CPU it reports now,
    // whatever the predictor was built on (a measurement there is compared at that speed).
    const std::string speedCpu = d.predictor->speedScale != 1 && d.host ? d.host->deviceCpu : std::string();
    const double at = atPredictorSpeedMs(*d.predictor, m.referenceRatio, m.cpuModel.toStdString(), speedCpu);
    if (!(at > 0) || std::abs(m.medianMs / at - 1) <= kPhaseTolerance) return {};
    const double error = 100 * (d.prediction.totalMs / at - 1);
    // Times carried to the machine's usual speed are compared at that speed, not the build's.
    const QString speed = d.predictor->speedScale != 1 ? QObject::tr("at the machine's usual speed")
                          : d.predictor->adaptation    ? QObject::tr("during the predictor's adaptation")
                                                       : QObject::tr("during the predictor's build");
    return QObject::tr("By the reference workload the machine ran %1% %2 during this measurement than %3: at %4 the prediction is %5%6%.")
        .arg(100 * std::abs(m.medianMs / at - 1), 0, 'f', 0)
        .arg(m.medianMs > at ? QObject::tr("slower") : QObject::tr("faster"), speed,
             d.predictor->speedScale != 1 ? QObject::tr("that speed") : QObject::tr("the predictor's machine speed"),
             error >= 0 ? QStringLiteral("+") : QString())
        .arg(error, 0, 'f', 1);
}

QStringList measuredSpeedNotes(const DeviceAnalysis& d, const MeasuredLatency& m) {
    QStringList notes;
    const bool carried = d.predictor && d.predictor->speedScale != 1;
    if (!m.unsteady.isEmpty()) notes << m.unsteady;
    if (!m.machinePhase.isEmpty() && !carried) notes << m.machinePhase;
    if (const QString gap = speedGapText(d, m); !gap.isEmpty()) notes << gap;
    return notes;
}

QString summaryHtml(const ModelAnalysis& a, QString* deviceHints, const std::map<QString, MeasuredLatency>& measured) {
    const Graph& g = *a.graph;
    const NodeMetrics& t = a.metrics.total;
    QString latency, hints;
    // Devices whose predictors were made on one other machine (the built-in ones on a new CPU) are
    // told so once, under the list, instead of the same lines under every total.
    auto hostKey = [](const DeviceAnalysis& d) {
        if (!d.ok() || !d.host || !d.host->mismatch() || d.host->predictedFor.empty()) return std::string();
        return d.host->predictedFor + '\n' + d.host->reports + '\n' + d.host->ways;
    };
    std::map<std::string, std::vector<const DeviceAnalysis*>> sharedHost;
    for (const DeviceAnalysis& d : a.devices)
        if (const std::string key = hostKey(d); !key.empty()) sharedHost[key].push_back(&d);
    for (const DeviceAnalysis& d : a.devices) {
        const QString id = esc(d.deviceId);
        if (!d.ok()) {
            latency += QObject::tr("%1: <span style='color:#777'>%2</span><br>").arg(id, shortReason(d).toHtmlEscaped());
            hints += QString::fromStdString(d.error) + "\n";
            continue;
        }
        const ModelPrediction& p = d.prediction;
        latency += QObject::tr("%1: <b>%2 ms</b> [%3, %4], %5 kernels<br>")
                       .arg(id, QString::number(p.totalMs, 'f', 2), QString::number(p.lowMs, 'f', 2), QString::number(p.highMs, 'f', 2))
                       .arg(p.kernels.size());
        if (d.predictor && d.predictor->speedScale != 1) {  // the full sentence is in the provenance
            QString usual = QObject::tr("&nbsp;&nbsp;at the machine's usual speed: %1 times the predictor's own")
                                .arg(d.predictor->speedScale, 0, 'f', 2);
            // A machine with phases: how far its sessions were apart, in the same unit.
            const UsualSpeed& u = d.usual;
            if (u.fastestSessionMs > 0 && u.slowestSessionMs > (1 + kPhaseTolerance) * u.fastestSessionMs && d.predictor->referenceMs > 0)
                usual += QObject::tr(" (its sessions %1-%2)")
                             .arg(u.fastestSessionMs / d.predictor->referenceMs, 0, 'f', 2)
                             .arg(u.slowestSessionMs / d.predictor->referenceMs, 0, 'f', 2);
            latency += "<span style='color:#555'>" + usual + "</span><br>";
        }
        if (const std::string key = hostKey(d); !key.empty() && sharedHost[key].size() > 1)
            latency += "<span style='color:#b3261e'>&#9888; " + QObject::tr("Not this device's machine (below)") + "</span><br>";
        else if (const QString host = hostMismatchBrief(d); !host.isEmpty())
            latency += "<span style='color:#b3261e'>&#9888; " + host.toHtmlEscaped() + "</span><br>";
        if (const std::string note = d.predictor ? adaptationPhaseNote(*d.predictor) : std::string(); !note.empty())
            latency += "<span style='color:#b26a00'>&#9888; " + asSentence(QString::fromStdString(note)).toHtmlEscaped() +
                       "</span><br>";  // its ms are a phase's
        if (auto m = measured.find(QString::fromStdString(d.deviceId)); m != measured.end() && m->second.medianMs > 0) {
            latency += QObject::tr("&nbsp;&nbsp;measured %1 ms (prediction %2%3%)<br>")
                           .arg(formatMs(m->second.medianMs), p.totalMs >= m->second.medianMs ? QStringLiteral("+") : QString())
                           .arg(100 * (p.totalMs / m->second.medianMs - 1), 0, 'f', 1);
            if (!m->second.takenElsewhere.isEmpty())
                latency += "<span style='color:#b26a00'>&#9888; " +
                           QObject::tr(
                               "that measurement was taken on %1, not on the machine %2 has now: measure again "
                               "(Tools > Measure on the chosen devices).")
                               .arg(m->second.takenElsewhere, QString::fromStdString(d.deviceId))
                               .toHtmlEscaped() +
                           "</span><br>";
            for (const QString& note : measuredSpeedNotes(d, m->second))
                latency += "<span style='color:#b26a00'>&#9888; " + note.toHtmlEscaped() + "</span><br>";
        }
        for (const auto& w : p.warnings) latency += "<span style='color:#b26a00'>" + esc(w) + "</span><br>";
    }
    for (const auto& [key, devices] : sharedHost) {
        if (devices.size() < 2) continue;
        QStringList ids;
        for (const DeviceAnalysis* d : devices) ids << QString::fromStdString(d->deviceId);
        const HostComparison& h = *devices.front()->host;
        const QString text = QObject::tr("Not these devices' machine (%1): %2; they report %3. %4 in the Predictor tab.")
                                 .arg(ids.join(", "), QString::fromStdString(h.predictedFor), QString::fromStdString(h.reports),
                                      asSentence(QString::fromStdString(h.ways)));
        latency += "<span style='color:#b3261e'>&#9888; " + text.toHtmlEscaped() + "</span><br>";
    }
    if (!latency.isEmpty()) latency = QObject::tr("<p><b>Predicted latency</b><br>%1</p>").arg(latency);
    if (deviceHints) *deviceHints = hints.trimmed();
    std::map<std::string, int> ops;
    for (const auto& n : g.nodes()) ++ops[n.opType];
    QString opList;
    for (const auto& [op, count] : ops) opList += QStringLiteral("%1 %2<br>").arg(count).arg(esc(op));
    QString warnings;
    for (const auto& w : g.warnings) warnings += "<p style='color:#b26a00'>" + esc(w) + "</p>";
    return QObject::tr("<h3>%1</h3>%2%3<br>%4 nodes<br>%5 MACs<br>%6 FLOPs<br>%7 params%8<p>%9</p>%10")
        .arg(QFileInfo(QString::fromStdString(a.file)).fileName().toHtmlEscaped(), esc(g.info.format),
             g.info.opset ? QObject::tr(", opset %1").arg(g.info.opset) : QString())
        .arg(g.nodes().size())
        .arg(formatCount(t.macs), formatCount(t.flops), formatCount(t.params), latency, opList, warnings);
}

QString kernelHtml(const ModelAnalysis& a, int kernelDevice, int kernelId) {
    if (kernelDevice < 0 || size_t(kernelDevice) >= a.devices.size()) return {};
    const DeviceAnalysis& d = a.devices[size_t(kernelDevice)];
    if (!d.ok() || kernelId < 0 || size_t(kernelId) >= d.partition.kernels.size()) return {};
    const Kernel& k = d.partition.kernels[size_t(kernelId)];
    const Graph& g = *d.graph;
    QString html = QObject::tr("<h3>kernel #%1 %2</h3>").arg(kernelId).arg(esc(k.type));
    html += QObject::tr("<b>%n node(s)</b> on %1:<br>", "", int(k.nodes.size())).arg(esc(d.deviceId));
    for (size_t n : k.nodes) html += esc(g.nodes()[n].name) + " <i>(" + esc(g.nodes()[n].opType) + ")</i><br>";
    QStringList in;
    for (const auto& s : k.config.inputShapes) in << ints(s);
    html += QObject::tr("<p>in %1<br>out %2").arg(in.join(", "), ints(k.config.outputShape));
    const Attributes& at = k.config.attrs;
    if (const auto kernel = at.getInts("kernel"); !kernel.empty()) {
        html += QObject::tr("<br>window %1, stride %2").arg(ints(kernel), ints(at.getInts("stride")));
        if (const int64_t groups = at.getInt("groups", 1); groups > 1) html += QObject::tr(", groups %1").arg(groups);
        if (const auto dil = at.getInts("dilation"); !dil.empty() && dil[0] > 1) html += QObject::tr(", dilation %1").arg(ints(dil));
    }
    const NodeMetrics& m = d.kernelMetrics[size_t(kernelId)];
    html += QObject::tr("<br>%1 FLOPs, %2 params, %3B moved</p>")
                .arg(formatCount(m.flops), formatCount(m.params), formatCount(m.bytesRead + m.bytesWritten));
    // Each device's time for these ops: its kernels that start inside this one.
    html += QObject::tr("<p><b>Predicted</b><br>");
    for (size_t o = 0; o < a.devices.size(); ++o) {
        const DeviceAnalysis& other = a.devices[o];
        if (!other.ok()) continue;
        const AttributedTime t = attributeToKernels(a, size_t(kernelDevice), o)[size_t(kernelId)];
        if (t.kernels == 0) {
            // This device runs these ops inside a kernel that starts in an earlier row: name it.
            int inside = -1;
            for (size_t i = 0; i < d.kernelOfModelNode.size() && inside < 0; ++i)
                if (d.kernelOfModelNode[i] == kernelId) inside = other.kernelOfModelNode[i];
            if (inside >= 0) {
                const KernelPrediction& p = other.prediction.kernels[size_t(inside)];
                html += QObject::tr("%1: inside its kernel #%2 %3 (%4 ms), counted where that kernel starts<br>")
                            .arg(esc(other.deviceId))
                            .arg(inside)
                            .arg(esc(p.type), formatMs(p.ms));
                continue;
            }
        }
        const double share = other.prediction.totalMs > 0 ? t.ms / other.prediction.totalMs : 0;
        html += QObject::tr("%1: <b>%2 ms</b> %3, %4 of total")
                    .arg(esc(other.deviceId), formatMs(t.ms), formatInterval(t.lowMs, t.highMs), formatPercent(share));
        if (!t.sameBoundary) html += QObject::tr(" (fused differently: %n kernel(s) start here)", "", t.kernels);
        if (t.source != "regressor" && !t.source.empty()) html += " <span style='color:#b3261e'>" + esc(t.source) + "</span>";
        html += "<br>";
    }
    return html + "</p>";
}

}  // namespace km::ui

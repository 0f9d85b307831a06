// SPDX-License-Identifier: Apache-2.0
#include "workflows/device_analyzer.h"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>
#include <unordered_map>

#include "store/measurement_store.h"
#include "workflows/data_sources.h"
#include "workflows/evaluation_data.h"

namespace km {

namespace {

// Per kernel, the model nodes holding any of its file nodes.
std::vector<std::vector<size_t>> modelNodesOfKernels(const Graph& model, const Graph& device, const KernelPartition& partition) {
    std::vector<std::vector<size_t>> out(partition.kernels.size());
    std::unordered_map<std::string, size_t> modelNodeOfSource;
    for (size_t i = 0; i < model.nodes().size(); ++i)
        for (const auto& s : model.nodes()[i].sourceNodes) modelNodeOfSource.emplace(s, i);
    for (size_t k = 0; k < partition.kernels.size(); ++k) {
        for (size_t n : partition.kernels[k].nodes)
            for (const auto& s : device.nodes()[n].sourceNodes)
                if (auto it = modelNodeOfSource.find(s); it != modelNodeOfSource.end()) out[k].push_back(it->second);
        std::sort(out[k].begin(), out[k].end());
        out[k].erase(std::unique(out[k].begin(), out[k].end()), out[k].end());
    }
    return out;
}

// Model node -> device kernel, through the file node names both graphs keep.
std::vector<int> mapKernelsToModel(const Graph& model, const Graph& device, const KernelPartition& partition) {
    if (&model == &device) return partition.kernelOfNode;
    std::vector<int> out(model.nodes().size(), -1);
    std::unordered_map<std::string, int> kernelOfSource;
    for (size_t i = 0; i < device.nodes().size(); ++i)
        for (const auto& s : device.nodes()[i].sourceNodes) kernelOfSource.emplace(s, partition.kernelOfNode[i]);
    for (size_t i = 0; i < model.nodes().size(); ++i)
        for (const auto& s : model.nodes()[i].sourceNodes)
            if (auto it = kernelOfSource.find(s); it != kernelOfSource.end()) {
                out[i] = it->second;
                break;
            }
    return out;
}

// The device's usual speed on the machine `host` describes, from the measurements in `db`; none
// without a database, a known CPU and runtime version, or enough measurements.
UsualSpeed usualSpeedOn(const std::string& deviceId, const HostComparison& host, const std::string& db) {
    const std::string path = db.empty() ? defaultDatabasePath() : db;
    std::error_code ec;
    if (host.deviceCpu.empty() || host.deviceRuntimeVersion.empty() || !std::filesystem::exists(path, ec)) return {};
    Result<std::unique_ptr<MeasurementStore>> store = openStoreForReading(path);
    if (!store) return {};
    return usualSpeed(earlierReferenceTimes(*store.value(), deviceId, host.deviceCpu, host.deviceRuntimeVersion, {}));
}

}  // namespace

std::optional<Error> tableOnlyDeviceError(const std::string& deviceId, const std::string& db) {
    Result<Device> device = findDevice(deviceId, db);
    if (!device || device.value().runtime != kNoRuntime) return std::nullopt;
    // The dataset holding most of its times (NAME when the database cannot say).
    std::string dataset = "NAME";
    if (auto timed = datasetsTimedOn(deviceId, db); timed && !timed.value().empty()) dataset = timed.value().front().first;
    return unsupported(
        fmt::format("no predictor for device {} yet: its times were measured elsewhere (a table-only device), so it can neither detect "
                    "fusion rules nor build a predictor; adapt one from a predictor of this machine on the dataset its times "
                    "were imported into: `kernelmeter-cli adapt --device {} --from xnnpack-t1 --dataset {}` (docs/adapt.md).",
                    deviceId, deviceId, dataset));
}

std::optional<Error> missingPredictorError(const std::string& deviceId, const std::string& db, bool hasRules) {
    if (std::optional<Error> table = tableOnlyDeviceError(deviceId, db)) return table;
    Result<Device> target = findDevice(deviceId, db);
    if (!target || !target.value().canMeasure()) return std::nullopt;
    std::string source;
    bool sameThreads = false;
    for (const Device& d : allDevices(db)) {
        if (d.id == deviceId || d.runtime != target.value().runtime ||
            (!source.empty() && (sameThreads || d.threads != target.value().threads)))
            continue;
        std::string used;
        Result<PredictorSet> p = devicePredictorHeader(d.id, db, used);
        if (!p || !(p.value().kernelScale > 0)) continue;  // adapted with kernel costs: no kernel times to carry
        source = d.id;
        sameThreads = d.threads == target.value().threads;
    }
    if (source.empty()) return std::nullopt;
    const MakeMinutes minutes = makeMinutesFor(target.value(), db);
    const int detectMinutes = int(std::lround(kDetectRulesMinutesTypical * minutes.slowdown));
    return unsupported(fmt::format(
        "no {} for device {}: adapt {}'s predictor to it from 10 networks measured on it (`kernelmeter-cli adapt --device {} --from "
        "{}`, {}; it carries {}'s fusion rules), or {}build its own (`kernelmeter-cli build-predictor --device {}`, {}); or give {}.",
        hasRules ? "predictor" : "fusion rules", deviceId, source, deviceId, source, aboutDuration(minutes.adapt), source,
        hasRules ? ""
                 : fmt::format("detect its fusion rules (`kernelmeter-cli detect-rules --device {}`, {}) and ", deviceId,
                               aboutDuration(detectMinutes)),
        deviceId, aboutDuration(minutes.build), hasRules ? "--predictor FILE" : "--rules FILE and --predictor FILE"));
}

DevicePredictorStatus devicePredictorStatus(const Device& d, const std::string& db, bool explain) {
    DevicePredictorStatus s;
    s.database = db;
    // Its provenance only (the regressors are most of a predictor and take a second to read); the
    // rules too: predicting needs both, from the device or carried by the predictor.
    Result<PredictorSet> p = devicePredictorHeader(d.id, db, s.source);
    std::string rulesUsed;
    std::optional<Error> rulesError;  // read once: the device's rules when the predictor carries none
    if (!p || p.value().rulesJson.empty())
        if (Result<RuleSet> r = deviceRules(d.id, "", rulesUsed); !r) rulesError = r.error();
    const bool rules = !rulesError;
    if (!p || !rules) {
        if (explain) {
            const Error e = rulesError ? *rulesError : p.error();  // a broken file: its own error
            s.error = (e.code == ErrorCode::Unsupported ? missingPredictorError(d.id, db, rules).value_or(e) : e).message;
        }
        return s;
    }
    s.host = compareHost(builtOnOf(p.value()), d, db);
    s.predictor = std::move(p.value());
    return s;
}

std::string predictorRuntimeText(const PredictorSet& p) {
    if (p.runtime.empty() || p.runtime == kNoRuntime) return {};
    return p.runtimeVersion.empty() ? p.runtime : p.runtime + " " + p.runtimeVersion;
}

std::string predictorStatusLine(const DevicePredictorStatus& s) {
    if (!s.predictor) return "none";
    const PredictorSet& p = *s.predictor;
    std::string line = p.adaptation ? fmt::format("adapted {} from {}", p.builtAtUtc.substr(0, 10), p.adaptation->sourceDevice)
                                    : fmt::format("built {}", p.builtAtUtc.substr(0, 10));
    line += s.source == (s.database.empty() ? defaultDatabasePath() : s.database) ? ", yours" : ", shipped";
    if (s.host.notThisDevice())
        line += fmt::format("; {}'s", p.deviceId);
    else if (s.host.mismatch())
        line += fmt::format("; other {}", fmt::join(s.host.differences, ", "));
    return line;
}

std::string usualSpeedNote(const PredictorSet& predictor, const std::string& deviceId, const UsualSpeed& usual) {
    if (!(usual.referenceMs > 0) || !(predictor.referenceMs > 0)) return {};
    std::string note = fmt::format(
        "predicted at {}'s usual speed: its reference workload took {:.4f} ms there (median over {} measuring session{} of {} "
        "measurements) against {:.4f} ms at the predictor's {}, so every time is {:.3f} times the predictor's",
        deviceId, usual.referenceMs, usual.sessions, usual.sessions == 1 ? "" : "s", usual.measurements, predictor.referenceMs,
        predictor.adaptation ? "adaptation" : "build", usual.referenceMs / predictor.referenceMs);
    // A machine with phases (a VM whose neighbours come and go) has no one speed: say how far its
    // sessions were apart, which is how far a measurement in another phase can be from these times.
    if (usual.fastestSessionMs > 0 && usual.slowestSessionMs > (1 + kPhaseTolerance) * usual.fastestSessionMs)
        note += fmt::format(
            "; its sessions ranged from {:.4f} to {:.4f} ms, so a measurement in a faster or slower phase of the machine can be "
            "{:.0f}% away from these times (its ratio to the reference workload is not: `evaluate --at-reference-speed`)",
            usual.fastestSessionMs, usual.slowestSessionMs, 100 * (usual.slowestSessionMs / usual.fastestSessionMs - 1));
    return note;
}

UsualSpeed usualSpeedNow(const std::string& deviceId, const PredictorSet& predictor, const std::string& db) {
    if (!(predictor.referenceMs > 0)) return {};
    Result<Device> device = findDevice(deviceId, db);
    if (!device) return {};
    return usualSpeedOn(deviceId, compareHost(builtOnOf(predictor), device.value(), db), db);
}

DeviceAnalyzer DeviceAnalyzer::load(const std::string& deviceId, const DeviceDataSources& sources) {
    DeviceAnalyzer a;
    a.m_deviceId = deviceId;
    Result<RuleSet> rules = deviceRules(deviceId, sources.rulesFile, a.m_rulesSource);
    // The predictor is read first when it may carry the rules (an adapted one predicts its
    // source's kernel types, so its source's rules win over the device's unless a file is given;
    // an exported one carries the rules it was built with, workflows/predictor_files.h).
    std::optional<Result<PredictorSet>> predictor;
    if (!sources.rulesOnly || !rules) predictor = devicePredictor(deviceId, sources.predictorFile, sources.db, a.m_predictorSource);
    if (predictor && *predictor && !predictor->value().rulesJson.empty() && sources.rulesFile.empty()) {
        const PredictorSet& p = predictor->value();
        const std::string where =
            p.adaptation
                ? fmt::format("{} (the rules of {}, carried by the adapted predictor)", a.m_predictorSource, p.adaptation->sourceDevice)
                : fmt::format("{} (the rules it was built with, carried by the predictor)", a.m_predictorSource);
        Result<RuleSet> carried = parseRuleSet(p.rulesJson, where);
        if (carried) a.m_rulesSource = where;
        if (carried || !rules) rules = std::move(carried);
    }
    // Rules or a predictor that are absent get the quickest way to them; a broken file its own error.
    auto missing = [&](const Error& e, bool hasRules) {
        return e.code == ErrorCode::Unsupported ? missingPredictorError(deviceId, sources.db, hasRules).value_or(e)
                                                : tableOnlyDeviceError(deviceId, sources.db).value_or(e);
    };
    if (!rules) {
        a.m_error = missing(rules.error(), false);
        return a;
    }
    a.m_rules = std::make_shared<const RuleSet>(std::move(rules).value());
    if (sources.rulesOnly) return a;
    if (!*predictor)
        a.m_error = sources.predictorFile.empty() ? missing(predictor->error(), true) : predictor->error();
    else
        a.m_predictor = std::make_shared<const PredictorSet>(std::move(*predictor).value());
    if (a.m_predictor)
        if (Result<Device> device = findDevice(deviceId, sources.db); device)
            a.m_host = std::make_shared<const HostComparison>(compareHost(builtOnOf(*a.m_predictor), device.value(), sources.db));
    if (sources.atUsualSpeed && a.m_host && a.m_predictor->referenceMs > 0)
        if (const UsualSpeed usual = usualSpeedOn(deviceId, *a.m_host, sources.db); usual.referenceMs > 0) {
            a.m_usual = usual;
            a.m_speedNote = usualSpeedNote(*a.m_predictor, deviceId, usual);
            auto carried = std::make_shared<PredictorSet>(*a.m_predictor);
            carried->speedScale = usual.referenceMs / a.m_predictor->referenceMs;
            a.m_predictor = std::move(carried);
        }
    return a;
}

DeviceAnalyzer::DeviceAnalyzer(std::string deviceId, std::shared_ptr<const RuleSet> rules, std::shared_ptr<const PredictorSet> predictor,
                               std::string rulesSource, std::string predictorSource)
    : m_deviceId(std::move(deviceId)),
      m_rulesSource(std::move(rulesSource)),
      m_predictorSource(std::move(predictorSource)),
      m_rules(std::move(rules)),
      m_predictor(std::move(predictor)) {
    if (!m_rules)
        m_error = unsupported(fmt::format("no fusion rules for {}.", m_deviceId));
    else if (!m_predictor)
        m_error = unsupported(fmt::format("no predictor for {}.", m_deviceId));
}

DeviceAnalysis DeviceAnalyzer::describe() const {
    DeviceAnalysis d;
    d.deviceId = m_deviceId;
    d.rulesSource = m_rulesSource;
    d.predictorSource = m_predictorSource;
    d.rules = m_rules;  // also without a predictor (one can then be built on them)
    d.predictor = m_predictor;
    d.host = m_host;
    d.usual = m_usual;
    d.speedNote = m_speedNote;
    if (m_error) d.error = m_error->message;
    return d;
}

DeviceAnalysis DeviceAnalyzer::analyze(const ModelFile& model) const {
    DeviceAnalysis d = describe();
    if (!m_rules) return d;
    const std::shared_ptr<const Graph> modelGraph = model.canonical();
    d.graph = model.canonical(m_rules->literalSpellings());
    if (m_predictor && m_predictor->dropsUnreadOps) {
        size_t removed = 0;
        Graph pruned = withoutUnreadNodes(*d.graph, &removed);
        if (removed) d.graph = std::make_shared<const Graph>(std::move(pruned));
    }
    d.metrics = model.metricsOf(d.graph);
    d.partition = partitionGraph(*d.graph, *m_rules);
    if (m_predictor) d.prediction = predictModel(d.partition, d.metrics->perNode, *m_predictor);
    d.kernelOfModelNode = mapKernelsToModel(*modelGraph, *d.graph, d.partition);
    d.modelNodesOfKernel = modelNodesOfKernels(*modelGraph, *d.graph, d.partition);
    d.kernelMetrics.resize(d.partition.kernels.size());
    for (size_t k = 0; k < d.partition.kernels.size(); ++k)
        for (size_t n : d.partition.kernels[k].nodes) d.kernelMetrics[k] += d.metrics->perNode[n];
    return d;
}

}  // namespace km

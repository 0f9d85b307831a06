// SPDX-License-Identifier: Apache-2.0
#include "workflows/measure_models.h"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "common/sha256.h"
#include "common/utc_time.h"
#include "workflows/devices.h"
#include "workflows/model_file.h"
#include "workflows/reference_workload.h"

namespace km {
namespace {

struct Prepared {
    size_t reportIndex;
    Graph graph;
    ModelInput input;
};

OnnxDialect dialectFor(const Device& d) {
    const RuntimeTraits& t = runtimeTraits(d.runtime);
    return t.opencvOnnxDialect ? OnnxDialect::OpenCvDnn : t.makesOwnWeights ? OnnxDialect::WeightShapesOnly : OnnxDialect::Standard;
}

// A runtime layer name is an ONNX node name, or (for unnamed nodes) the name of its first output.
std::string nodeNameFor(const Graph& g, const std::string& layer) {
    if (g.indexOf(layer)) return layer;
    if (auto p = g.producerOf(layer)) return g.nodes()[*p].name;
    for (const auto& n : g.nodes())  // a node merged into a pattern keeps its name in sourceNodes
        for (const auto& s : n.sourceNodes)
            if (s == layer) return n.name;
    // Runtimes add internal sub-layers named "<node>/<part>" (OpenCV's Flatten); fold them in.
    if (auto slash = layer.rfind('/'); slash != std::string::npos && slash > 0)
        if (std::string parent = nodeNameFor(g, layer.substr(0, slash)); g.indexOf(parent)) return parent;
    return layer;
}

void fill(ModelReport& r, const Graph& g, const ModelMeasurement& m, const MeasureResponse& resp) {
    r.ok = m.ok;
    r.error = m.error;
    r.stats = m.stats;
    r.roundMedians = m.roundMedians;
    r.runtimeVersion = resp.runtimeVersion;
    r.machine = resp.machine;
    // One entry per graph node, in execution order; layers that map to the same node add up.
    std::unordered_map<std::string, size_t> at;
    for (const auto& l : m.layers) {
        const std::string node = nodeNameFor(g, l.layer);
        auto [it, fresh] = at.emplace(node, r.layers.size());
        if (fresh) r.layers.push_back({node, 0.0});
        r.layers[it->second].ms += l.ms;
    }
    for (const auto& group : m.fusionGroups) {
        std::vector<std::string> names;
        for (const auto& layer : group) {
            std::string n = nodeNameFor(g, layer);
            if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
        }
        if (names.size() > 1) r.fusionGroups.push_back(std::move(names));
    }
}

// Per model, what the agent processes of one batch reported so far.
struct Pool {
    bool failed = false;
    bool refused = false;  // the agent answered that the runtime cannot load or run this model
    std::string error;
    std::vector<std::vector<double>> rounds;             // one entry per process instance
    std::vector<int> processes;                          // which process each entry came from
    std::map<std::string, std::vector<double>> layerMs;  // per layer, one value per process
    std::vector<std::string> layerOrder;
    std::vector<std::vector<std::string>> fusionGroups;
    MeasureResponse meta;  // runtime version and machine
};

// The reference's rounds from the same processes as `processes` (one entry each; empty where the
// reference has no rounds from that process).
std::vector<std::vector<double>> referenceRoundsFor(const std::vector<int>& processes, const Pool& ref) {
    std::vector<std::vector<double>> out;
    for (int p : processes) {
        auto it = std::find(ref.processes.begin(), ref.processes.end(), p);
        out.push_back(it == ref.processes.end() ? std::vector<double>{} : ref.rounds[size_t(it - ref.processes.begin())]);
    }
    return out;
}

// Measures `which` (indices into paths/reports). Each instance of the protocol is a separate agent
// process (a process can settle in a slow or fast mode for its whole life, so repeating inside one
// process does not show it); every process measures the batch interleaved. Noisy models get extra
// processes. If a process dies or hangs, its models are measured again one per process, so the bad
// model fails alone.
// `fastReferenceMs`: for a multi-thread device, the lowest p10 of a batch's reference rounds so far
// in this campaign (0: none yet), the machine's fast level that tells the rounds in phase.
void measureBatch(const std::vector<std::string>& paths, const std::vector<size_t>& which, const Device& device,
                  const MeasureModelsOptions& options, std::vector<ModelReport>& reports, Progress* progress, double& fastReferenceMs) {
    std::vector<Prepared> prepared;
    for (size_t i : which) {
        // Read and parsed once here; layers are reported per node of the file, as the runtime ran
        // them (the literal graph: no spelling merged).
        Result<std::shared_ptr<const ModelFile>> file = ModelFile::read(paths[i], options.load, ModelFile::Keep::Bytes);
        if (!file) {
            reports[i].error = file.error().message;
            continue;
        }
        if (file.value()->literal().info.format != "onnx") {
            reports[i].error = paths[i] + ": only ONNX files can be measured (nn-Meter IR graphs carry no weights).";
            continue;
        }
        if (file.value()->sha256() != reports[i].modelHash) {
            reports[i].error = paths[i] + ": the file changed while it was being measured; measure it again.";
            continue;
        }
        Result<std::string> bytes = file.value()->runtimeBytes(dialectFor(device));
        if (!bytes) {
            reports[i].error = bytes.error().message;
            continue;
        }
        Prepared p{i, file.value()->literal(), {}};
        p.input.name = fmt::format("m{}", i);
        p.input.bytes = std::move(bytes).value();
        for (const auto& in : p.graph.inputs) p.input.inputs.push_back({in, p.graph.tensor(in)->shape.dims});
        prepared.push_back(std::move(p));
    }
    if (prepared.empty()) return;

    // The reference workload rides along in every process (the last model of each request).
    std::optional<ModelInput> reference;
    std::string referenceError;
    if (options.reference) {
        Result<ModelInput> ref = referenceWorkload();
        if (ref)
            reference = std::move(ref).value();
        else
            referenceError = ref.error().message;
    }
    Pool refPool;

    MeasureOptions perProcess = options.protocol;
    perProcess.instances = 1;
    perProcess.maxExtraInstances = 0;
    const int plannedProcesses = std::max(options.protocol.instances, 1) + std::max(options.protocol.maxExtraInstances, 0);
    int processesDone = 0;
    int processCount = 0;  // agent processes started, failed ones included
    std::vector<Pool> pools(prepared.size());

    auto runProcess = [&](const std::vector<size_t>& ks) -> Result<MeasureResponse> {
        // The models' bytes are lent to the request and given back after it, not copied: a copy
        // per process of a large model costs seconds on a VM (page faults of fresh memory).
        MeasureRequest req{device, perProcess, {}};
        for (size_t k : ks) req.models.push_back(std::move(prepared[k].input));
        if (reference && !refPool.failed) req.models.push_back(*reference);
        AgentClient agent(options.agent);
        Result<MeasureResponse> r = agent.measure(req, options.timeoutSeconds, [&](int done, int total) {
            if (progress && total > 0) progress->report((processesDone + double(done) / total) / plannedProcesses, "measuring");
        });
        for (size_t j = 0; j < ks.size(); ++j) prepared[ks[j]].input = std::move(req.models[j]);
        // The device's last hello, so that predictions can name its machine without starting it.
        if (r && options.store && agent.lastHello()) (void)options.store->saveHello(device.id, StoredHello{*agent.lastHello(), 0, 0, ""});
        return r;
    };
    std::function<void(const std::vector<size_t>&)> runAndPool = [&](const std::vector<size_t>& ks) {
        if (ks.empty()) return;
        Result<MeasureResponse> r = runProcess(ks);
        const int process = processCount++;
        if (!r) {
            if (ks.size() == 1) {
                pools[ks[0]].failed = true;
                pools[ks[0]].error = r.error().message;
                return;
            }
            for (size_t k : ks) runAndPool({k});
            return;
        }
        const auto& results = r.value().results;
        if (results.size() > ks.size()) {
            const ModelMeasurement& ref = results.back();
            if (!ref.ok) {
                refPool.failed = true;
                referenceError = ref.error;
            }
            for (const auto& rounds : ref.roundMedians) {
                refPool.rounds.push_back(rounds);
                refPool.processes.push_back(process);
            }
        }
        for (size_t j = 0; j < ks.size(); ++j) {
            Pool& pool = pools[ks[j]];
            const ModelMeasurement& m = results.at(j);
            if (!m.ok) {
                pool.failed = pool.refused = true;
                pool.error = m.error;
                continue;
            }
            pool.rounds.insert(pool.rounds.end(), m.roundMedians.begin(), m.roundMedians.end());
            pool.processes.insert(pool.processes.end(), m.roundMedians.size(), process);
            for (const auto& l : m.layers) {
                auto& v = pool.layerMs[l.layer];
                if (v.empty()) pool.layerOrder.push_back(l.layer);
                v.push_back(l.ms);
            }
            if (pool.fusionGroups.empty()) pool.fusionGroups = m.fusionGroups;
            pool.meta.runtimeVersion = r.value().runtimeVersion;
            pool.meta.machine = r.value().machine;
        }
    };
    auto healthy = [&](auto&& keep) {
        std::vector<size_t> ks;
        for (size_t k = 0; k < pools.size(); ++k)
            if (!pools[k].failed && keep(pools[k])) ks.push_back(k);
        return ks;
    };
    for (int p = 0; p < std::max(options.protocol.instances, 1); ++p, ++processesDone) {
        if (progress && progress->isCancelled()) break;
        runAndPool(healthy([](const Pool&) { return true; }));
    }
    // A multi-thread device keeps the rounds in which the machine ran at its fast level (the
    // lowest batch p10 of the reference so far): rounds in a phase where its threads did not all
    // get a core slow models unlike the reference (measurement.h, kInPhaseTolerance).
    auto maxInPhaseMs = [&]() {
        if (device.threads == 1 || !runtimeTraits(device.runtime).ratiosBreakInSlowPhases || refPool.failed) return 0.0;
        std::vector<double> all;
        for (const auto& rounds : refPool.rounds) all.insert(all.end(), rounds.begin(), rounds.end());
        if (all.empty()) return 0.0;
        // The first batch of a campaign may meet a slow phase from start to end: the device's
        // earlier measurements on this CPU and runtime tell its fast level (their reference times' p10).
        if (!(fastReferenceMs > 0) && options.store) {
            auto done = std::find_if(pools.begin(), pools.end(), [](const Pool& p) { return !p.failed && !p.rounds.empty(); });
            if (done != pools.end()) {
                std::vector<double> earlier;
                for (const StoredReferenceTime& t :
                     earlierReferenceTimes(*options.store, device.id, done->meta.machine.cpuModel, done->meta.runtimeVersion, {}))
                    earlier.push_back(t.referenceMs);
                if (earlier.size() >= kMinEarlierReferenceTimes) fastReferenceMs = quantile(earlier, 0.1);
            }
        }
        const double p10 = quantile(all, 0.1);
        if (!(fastReferenceMs > 0) || p10 < fastReferenceMs) fastReferenceMs = p10;
        return (1 + kInPhaseTolerance) * fastReferenceMs;
    };
    double maxRefMs = maxInPhaseMs();
    for (int extra = 0; extra < options.protocol.maxExtraInstances; ++extra, ++processesDone) {
        if (progress && progress->isCancelled()) break;
        // Instances that disagree in the rounds in phase, or too few rounds in phase: again.
        const auto noisy = healthy([&](const Pool& pool) {
            const InPhaseRounds in = inPhaseRounds(pool.rounds, referenceRoundsFor(pool.processes, refPool), maxRefMs);
            return !in.enough || instancesDisagree(in.model, in.reference, options.protocol.maxSpread);
        });
        if (noisy.empty()) break;
        runAndPool(noisy);
        maxRefMs = maxInPhaseMs();
    }
    for (size_t k = 0; k < prepared.size(); ++k) {
        ModelReport& r = reports[prepared[k].reportIndex];
        const Pool& pool = pools[k];
        if (pool.failed || pool.rounds.empty()) {
            // Runtime and agent messages do not know the file; name it here.
            r.error = r.path + ": " + (pool.failed ? pool.error : "measuring was cancelled.");
            r.refusedByRuntime = pool.refused;
            continue;
        }
        ModelMeasurement merged;
        merged.ok = true;
        std::vector<std::vector<double>> refRounds = referenceRoundsFor(pool.processes, refPool);
        const InPhaseRounds in = inPhaseRounds(pool.rounds, refRounds, maxRefMs);
        merged.stats = summarizeRounds(in.model, options.protocol.runsPerRound);
        merged.roundMedians = pool.rounds;  // all of them, as measured
        for (const auto& layer : pool.layerOrder) merged.layers.push_back({layer, quantile(pool.layerMs.at(layer), 0.5)});
        merged.fusionGroups = pool.fusionGroups;
        fill(r, prepared[k].graph, merged, pool.meta);
        r.reference = ratioToReference(in.model, in.reference);
        r.referenceRounds = std::move(refRounds);
        if (in.enough && maxRefMs > 0) {
            r.inPhaseMaxReferenceMs = maxRefMs;
            r.outOfPhaseRounds = in.dropped;
        }
        r.tooFewInPhase = !in.enough;
        r.referenceError = options.reference && r.reference.pairs == 0
                               ? (referenceError.empty() ? "the reference workload was not measured." : referenceError)
                               : "";
    }
}

void fromStored(ModelReport& r, const StoredMeasurement& m) {
    r.ok = true;
    r.fromStore = true;
    r.stats = m.stats;
    auto rounds = nlohmann::json::parse(m.roundMediansJson, nullptr, false);
    if (rounds.is_array()) r.roundMedians = rounds.get<std::vector<std::vector<double>>>();
    if (m.referenceId == kReferenceWorkloadId) {
        r.reference = m.reference;
        auto refRounds = nlohmann::json::parse(m.referenceRoundsJson, nullptr, false);
        if (refRounds.is_array()) r.referenceRounds = refRounds.get<std::vector<std::vector<double>>>();
    }
    r.runtimeVersion = m.runtimeVersion;
    r.machine = m.machine;
    if (auto protocol = nlohmann::json::parse(m.protocolJson, nullptr, false); protocol.is_object()) {  // stored there (save below)
        r.machine.allocation = protocol.value("allocation", "");
        if (const auto in = protocol.find("in_phase"); in != protocol.end() && in->is_object()) {
            r.inPhaseMaxReferenceMs = in->value("reference_at_most_ms", 0.0);
            r.outOfPhaseRounds = in->value("rounds_left_out", 0);
        }
    }
    auto layers = nlohmann::json::parse(m.layersJson, nullptr, false);
    if (layers.is_array())
        for (const auto& l : layers) r.layers.push_back({l.value("node", ""), l.value("ms", 0.0)});
    auto groups = nlohmann::json::parse(m.fusionGroupsJson, nullptr, false);
    if (groups.is_array()) r.fusionGroups = groups.get<std::vector<std::vector<std::string>>>();
}

Status save(MeasurementStore& store, const ModelReport& r, const Device& device, const MeasureOptions& protocol) {
    StoredMeasurement m;
    m.modelHash = r.modelHash;
    m.modelPath = r.path;
    m.deviceId = device.id;
    m.stats = r.stats;
    m.runtimeVersion = r.runtimeVersion;
    m.machine = r.machine;
    m.protocolJson = encodeMeasureOptions(protocol);
    if (!r.machine.allocation.empty() || r.inPhaseMaxReferenceMs > 0) {
        nlohmann::json p = nlohmann::json::parse(m.protocolJson);
        if (!r.machine.allocation.empty()) p["allocation"] = r.machine.allocation;  // how the agent placed buffers
        // Which rounds the stats and the ratio came from (a multi-thread device's rounds in phase).
        if (r.inPhaseMaxReferenceMs > 0)
            p["in_phase"] = {{"reference_at_most_ms", r.inPhaseMaxReferenceMs}, {"rounds_left_out", r.outOfPhaseRounds}};
        m.protocolJson = p.dump();
    }
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& l : r.layers) layers.push_back({{"node", l.node}, {"ms", l.ms}});
    m.layersJson = layers.dump();
    m.fusionGroupsJson = nlohmann::json(r.fusionGroups).dump();
    m.roundMediansJson = nlohmann::json(r.roundMedians).dump();
    if (r.reference.median > 0) {
        m.referenceId = kReferenceWorkloadId;
        m.reference = r.reference;
        m.referenceRoundsJson = nlohmann::json(r.referenceRounds).dump();
    }
    return store.add(m);
}

// Baselines are per device, CPU, core count and runtime version: what the reference's speed
// depends on (not the hostname, which changes with every VM of the same kind).
std::string machineKey(const ModelReport& r) {
    return fmt::format("{}|{}|{}", r.machine.cpuModel, r.machine.logicalCores, r.runtimeVersion);
}

// Fills normalizedMs for reports with a reference ratio. The baseline comes from the store (taken
// there on first use) or, without a store, from the first report of this call that has one.
Status normalize(std::vector<ModelReport>& reports, const std::vector<size_t>& which, const Device& device, MeasurementStore* store,
                 std::map<std::string, double>& baselines) {
    for (size_t i : which) {
        ModelReport& r = reports[i];
        if (!r.ok || r.reference.median <= 0 || r.reference.referenceMs <= 0) continue;
        const std::string key = machineKey(r);
        auto it = baselines.find(key);
        if (it == baselines.end()) {
            double ms = r.reference.referenceMs;
            if (store) {
                Result<double> stored = store->referenceBaselineMs(device.id, key, kReferenceWorkloadId, ms);
                if (!stored) return stored.error();
                ms = stored.value();
            }
            it = baselines.emplace(key, ms).first;
        }
        r.referenceBaselineMs = it->second;
        r.normalizedMs = r.reference.median * it->second;
    }
    return Ok{};
}

}  // namespace

std::string unsteadyWarning(const ModelReport& r, const std::string& name) {
    if (!r.ok || r.fromStore || r.stats.medianMs <= 0) return {};
    if (r.tooFewInPhase)
        return fmt::format(
            "{}: fewer than {} of its rounds met the machine at its fast level (the reference workload within {:.0f}% of it): its "
            "threads did not all get a core, which slows it unlike the reference; measure it again with nothing else running.",
            name, kMinInPhaseRounds, 100 * kInPhaseTolerance);
    const double spread = (r.stats.p90Ms - r.stats.p10Ms) / r.stats.medianMs;
    if (spread <= kUnsteadySpread) return {};
    return fmt::format(
        "{}: its rounds spread {:.0f}% (p10 {:.3g} ms, p90 {:.3g} ms) over {} processes: its median is not a stable time; measure "
        "it again with nothing else running.",
        name, spread * 100, r.stats.p10Ms, r.stats.p90Ms, r.stats.instances);
}

namespace {

std::string whereTaken(const MachineInfo& machine, const std::string& runtime, const std::string& version) {
    return fmt::format("{} ({} logical cores), {} {}", machine.cpuModel, machine.logicalCores, runtime, version);
}

// Stored reports taken on another CPU, core count or runtime version than the device has now are
// reset (with storedElsewhere set) and returned, to be measured again. What the device has now: a
// model measured in this call, else one hello to a fresh agent (locally a few ms; one more
// connection on a board). An imported time (no core count, no runtime version: its source stands
// where a CPU would) is not held against it; an agent that does not answer leaves them all (the
// models to measure say why it failed).
std::vector<size_t> storedElsewhere(std::vector<ModelReport>& reports, const Device& device, const MeasureModelsOptions& options) {
    if (std::none_of(reports.begin(), reports.end(), [](const ModelReport& r) { return r.fromStore; })) return {};
    MachineInfo now;
    std::string version;
    for (const ModelReport& r : reports)
        if (r.ok && !r.fromStore && r.machine.logicalCores > 0) {
            now = r.machine;
            version = r.runtimeVersion;
            break;
        }
    if (now.logicalCores == 0) {
        AgentClient agent(options.agent);
        const Result<AgentHello> hello = agent.start(options.timeoutSeconds);
        agent.stop();
        if (!hello) return {};
        now = hello.value().machine;
        for (const auto& [name, v] : hello.value().runtimes)
            if (name == device.runtime) version = v;
    }
    std::vector<size_t> again;
    for (size_t i = 0; i < reports.size(); ++i) {
        ModelReport& r = reports[i];
        if (!r.fromStore) continue;
        const bool otherCpu =
            r.machine.logicalCores > 0 && (r.machine.cpuModel != now.cpuModel || r.machine.logicalCores != now.logicalCores);
        const bool otherRuntime = !r.runtimeVersion.empty() && !version.empty() && r.runtimeVersion != version;
        if (!otherCpu && !otherRuntime) continue;
        ModelReport fresh;
        fresh.path = r.path;
        fresh.modelHash = r.modelHash;
        fresh.storedElsewhere = whereTaken(r.machine, device.runtime, r.runtimeVersion);
        r = std::move(fresh);
        again.push_back(i);
    }
    return again;
}

}  // namespace

std::string referenceUnusableReason(const std::vector<ModelReport>& reports, const std::vector<std::string>& names) {
    for (size_t i = 0; i < reports.size(); ++i) {
        const ModelReport& r = reports[i];
        const std::string& name = i < names.size() ? names[i] : r.path;
        if (r.reference.median <= 0 || r.reference.referenceMs <= 0) {
            std::string why = r.referenceError.empty() ? "it was not measured with it" : r.referenceError;
            if (why.back() == '.') why.pop_back();
            return fmt::format("{} has no ratio to the reference workload ({})", name, why);
        }
        if (r.reference.referenceSpread > kUnusableReferenceSpread)
            return fmt::format("the reference workload's rounds beside {} spread {:.0f}% of their median {:.3g} ms", name,
                               100 * r.reference.referenceSpread, r.reference.referenceMs);
    }
    return {};
}

UsualSpeed usualSpeed(std::vector<StoredReferenceTime> earlier) {
    earlier.erase(std::remove_if(earlier.begin(), earlier.end(), [](const StoredReferenceTime& t) { return !(t.referenceMs > 0); }),
                  earlier.end());
    UsualSpeed usual;
    usual.measurements = earlier.size();
    if (usual.measurements < kMinEarlierReferenceTimes) return usual;
    std::stable_sort(earlier.begin(), earlier.end(),
                     [](const StoredReferenceTime& a, const StoredReferenceTime& b) { return a.takenAtUtc < b.takenAtUtc; });
    std::vector<double> sessionMedians, session;
    std::optional<int64_t> previous;
    for (const StoredReferenceTime& t : earlier) {
        const std::optional<int64_t> at = secondsSinceEpochUtc(t.takenAtUtc);
        if (!session.empty() && (!at || !previous || *at - *previous >= kSessionGapSeconds))
            sessionMedians.push_back(quantile(std::move(session), 0.5)), session.clear();
        session.push_back(t.referenceMs);
        previous = at;
    }
    sessionMedians.push_back(quantile(std::move(session), 0.5));
    usual.sessions = sessionMedians.size();
    const auto [fastest, slowest] = std::minmax_element(sessionMedians.begin(), sessionMedians.end());
    usual.fastestSessionMs = *fastest;
    usual.slowestSessionMs = *slowest;
    usual.referenceMs = quantile(std::move(sessionMedians), 0.5);
    return usual;
}

std::string machinePhaseWarning(const std::string& what, const std::string& deviceId, double sessionMs, const UsualSpeed& usual) {
    return machinePhaseWarning(what, deviceId, sessionMs, usual.referenceMs, usual.measurements);
}

std::string machinePhaseWarning(const std::string& what, const std::string& deviceId, double sessionMs, double usual, size_t n) {
    if (!(sessionMs > 0) || !(usual > 0) || n < kMinEarlierReferenceTimes) return {};
    const double ratio = sessionMs / usual;
    if (std::abs(ratio - 1) <= kPhaseTolerance) return {};
    return fmt::format(
        "while {} measured on {}, the reference workload took {:.3f} ms against {:.3f} ms, its usual time over {} earlier "
        "measurements there: the machine ran {:.0f}% {} than then",
        what, deviceId, sessionMs, usual, n, 100 * std::abs(ratio - 1), ratio > 1 ? "slower" : "faster");
}

std::vector<StoredReferenceTime> earlierReferenceTimes(MeasurementStore& store, const std::string& deviceId, const std::string& cpuModel,
                                                       const std::string& runtimeVersion, const std::set<std::string>& excludeHashes,
                                                       const std::string& takenBeforeUtc) {
    Result<std::vector<StoredReferenceTime>> stored = store.referenceTimes(deviceId, kReferenceWorkloadId, cpuModel, runtimeVersion);
    if (!stored) return {};  // nothing to compare with: no warning, not an error
    std::vector<StoredReferenceTime> times = std::move(stored).value();
    times.erase(std::remove_if(times.begin(), times.end(),
                               [&](const StoredReferenceTime& t) {
                                   return excludeHashes.count(t.modelHash) || (!takenBeforeUtc.empty() && t.takenAtUtc >= takenBeforeUtc);
                               }),
                times.end());
    return times;
}

std::string storedPhaseWarning(MeasurementStore& store, const StoredMeasurement& m, const std::string& what) {
    if (m.referenceId != kReferenceWorkloadId || m.takenAtUtc.empty()) return {};
    return machinePhaseWarning(
        what, m.deviceId, m.reference.referenceMs,
        usualSpeed(earlierReferenceTimes(store, m.deviceId, m.machine.cpuModel, m.runtimeVersion, {m.modelHash}, m.takenAtUtc)));
}

static bool measuredNow(const ModelReport& r) { return r.ok && !r.fromStore && r.reference.referenceMs > 0; }

std::vector<double> referenceTimesMeasuredNow(const std::vector<ModelReport>& reports) {
    std::vector<double> ms;
    for (const ModelReport& r : reports)
        if (measuredNow(r)) ms.push_back(r.reference.referenceMs);
    return ms;
}

std::string measuredPhaseWarning(const std::vector<ModelReport>& reports, MeasurementStore& store, const std::string& deviceId,
                                 const std::string& what, const std::string& startedAtUtc) {
    const auto fresh = std::find_if(reports.begin(), reports.end(), measuredNow);
    if (fresh == reports.end()) return {};
    std::set<std::string> hashes;
    if (startedAtUtc.empty())  // without the start: the session's own models' stored times are left out
        for (const ModelReport& r : reports) hashes.insert(r.modelHash);
    return machinePhaseWarning(
        what, deviceId, quantile(referenceTimesMeasuredNow(reports), 0.5),
        usualSpeed(earlierReferenceTimes(store, deviceId, fresh->machine.cpuModel, fresh->runtimeVersion, hashes, startedAtUtc)));
}

std::vector<ModelReport> measureModels(const std::vector<std::string>& paths, const Device& device,
                                       const MeasureModelsOptions& givenOptions, Progress* progress) {
    std::vector<ModelReport> reports(paths.size());
    std::vector<size_t> todo;
    MeasureModelsOptions options = givenOptions;
    if (options.agent.agentPath.empty()) {
        const AgentLaunch own = agentLaunchFor(device);
        options.agent.agentPath = own.agentPath;
        options.agent.transportPrefix = own.transportPrefix;
    }
    if (!device.canMeasure())
        for (auto& r : reports)
            r.error =
                fmt::format("{} has no runtime (its times or its predictor were imported): models cannot be measured on it.", device.id);
    else if (options.store)
        if (Status s = options.store->upsertDevice(device); !s)
            for (auto& r : reports) r.error = s.error().message;
    for (size_t i = 0; i < paths.size(); ++i) {
        ModelReport& r = reports[i];
        r.path = paths[i];
        if (!r.error.empty()) continue;
        Result<std::string> hash = sha256OfFile(paths[i]);
        if (!hash) {
            r.error = hash.error().message;
            continue;
        }
        r.modelHash = hash.value();
        if (options.store && !options.remeasure) {
            auto stored = options.store->latest(r.modelHash, device.id);
            if (!stored) {
                r.error = stored.error().message;
                continue;
            }
            if (stored.value()) {
                fromStored(r, *stored.value());
                continue;
            }
        }
        if (options.storedOnly) {
            r.error = fmt::format("{}: not in the database for {} (stored-only run).", paths[i], device.id);
            continue;
        }
        todo.push_back(i);
    }
    std::map<std::string, double> baselines;  // machine key -> reference baseline (ms)
    auto normalizeOrFail = [&](const std::vector<size_t>& which) {
        if (Status s = normalize(reports, which, device, options.store, baselines); !s)
            for (size_t i : which) reports[i].referenceError = s.error().message;
    };
    std::vector<size_t> stored;
    for (size_t i = 0; i < reports.size(); ++i)
        if (reports[i].fromStore) stored.push_back(i);
    normalizeOrFail(stored);
    const size_t batch = static_cast<size_t>(std::max(options.batchSize, 1));
    double fastReferenceMs = 0;  // the machine's fast level so far (multi-thread devices; measureBatch)
    auto measureInBatches = [&](const std::vector<size_t>& which) {
        for (size_t start = 0; start < which.size(); start += batch) {
            if (progress && progress->isCancelled()) break;
            const std::vector<size_t> part(which.begin() + start, which.begin() + std::min(which.size(), start + batch));
            Progress inner([&](double f, const std::string& msg) {
                if (progress) progress->report((double(start) + f * double(part.size())) / double(which.size()), msg);
            });
            measureBatch(paths, part, device, options, reports, &inner, fastReferenceMs);
            normalizeOrFail(part);
            if (options.store)
                for (size_t i : part)
                    if (reports[i].ok)
                        if (Status s = save(*options.store, reports[i], device, options.protocol); !s) {
                            reports[i].ok = false;
                            reports[i].error = s.error().message;
                        }
        }
    };
    measureInBatches(todo);
    if (!options.storedOnly && !(progress && progress->isCancelled())) measureInBatches(storedElsewhere(reports, device, options));
    return reports;
}

}  // namespace km

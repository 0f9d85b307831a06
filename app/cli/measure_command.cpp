// SPDX-License-Identifier: Apache-2.0
// `kernelmeter-cli measure` (docs/cli.md).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <unistd.h>
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "common/utc_time.h"
#include "workflows/measure_models.h"
#include "workflows/reference_workload.h"

namespace km::cli {
namespace {

using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;

Json statsJson(const LatencyStats& s) {
    return {{"median_ms", s.medianMs}, {"p10_ms", s.p10Ms},  {"p90_ms", s.p90Ms},       {"min_round_ms", s.minRoundMs}, {"cv", s.cv},
            {"runs", s.runs},          {"rounds", s.rounds}, {"instances", s.instances}};
}

Json referenceJson(const ModelReport& r) {
    if (r.reference.median <= 0) return nullptr;
    return {{"id", kReferenceWorkloadId},
            {"ratio", r.reference.median},
            {"ratio_p10", r.reference.p10},
            {"ratio_p90", r.reference.p90},
            {"reference_ms", r.reference.referenceMs},
            {"reference_spread", r.reference.referenceSpread},
            {"baseline_ms", r.referenceBaselineMs}};
}

// A campaign during which the reference moved this much (p90 - p10 over median) gets a warning.
constexpr double kMachineMovedSpread = 0.15;

}  // namespace

int runMeasure(const MeasureArgs& args) {
    std::optional<Device> device;
    if (args.device == "test" && args.enableTestRuntime) device = Device{"test", "test runtime", "test", 1, "", {}, "", false};
    if (!device) {
        Result<Device> found = deviceFor(args.device, true);
        if (!found) return reportError(found.error());
        device = found.value();
    }
    MeasureModelsOptions options;
    options.protocol.rounds = args.rounds;
    options.protocol.instances = args.instances;
    options.protocol.runsPerRound = args.runsPerRound;
    options.protocol.warmupRuns = args.warmupRuns;
    options.protocol.warmupMinMs = args.warmupMinMs;
    options.protocol.maxExtraInstances = args.maxExtraInstances;
    options.timeoutSeconds = args.timeoutSeconds;
    options.agent = agentLaunchFor(*device);  // --transport and --agent override the device's for this run
    if (!args.agentCommand.empty()) options.agent.agentPath = args.agentCommand;
    if (!args.transport.empty()) options.agent.transportPrefix = args.transport;
    options.agent.enableTestRuntime = args.enableTestRuntime;
    options.agent.memoryLimitMb = args.memoryLimitMb;
    options.batchSize = args.batchSize;
    options.remeasure = args.remeasure;
    // The test runtime runs text commands, not ONNX: it cannot run the reference network.
    options.reference = !args.noReference && device->runtime != "test";
    std::unique_ptr<MeasurementStore> store;
    if (!args.noDb) {
        auto opened = MeasurementStore::open(args.db.empty() ? defaultDatabasePath() : args.db);
        if (!opened) return reportError(opened.error());
        store = std::move(opened).value();
        options.store = store.get();
    }
    Progress progress([&](double fraction, const std::string& message) {
        if (!args.quiet && isatty(STDERR_FILENO)) std::cerr << fmt::format("\r{} {:3.0f}%", message, fraction * 100) << std::flush;
    });
    const std::string startedAtUtc = utcNowIso8601();  // what the store held before this campaign is the device's past
    const std::vector<ModelReport> reports = measureModels(args.models, *device, options, &progress);
    if (!args.quiet && isatty(STDERR_FILENO)) std::cerr << "\r" << std::string(20, ' ') << "\r";

    int failures = 0;
    bool internal = false;
    double worstSpread = 0;
    for (const auto& r : reports) {
        if (!r.ok) {
            ++failures;
            std::cerr << "kernelmeter-cli: " << r.error << "\n";
            internal = internal || r.error.find("the agent") != std::string::npos;
        } else if (!r.fromStore) {
            if (!r.storedElsewhere.empty())
                std::cerr << fmt::format(
                    "kernelmeter-cli: warning: {}: measured again: the database's time was taken on {}, and {} now runs on {} ({} "
                    "logical cores), {} {}.\n",
                    r.path, r.storedElsewhere, device->id, r.machine.cpuModel, r.machine.logicalCores, device->runtime, r.runtimeVersion);
            if (!r.referenceError.empty()) std::cerr << "kernelmeter-cli: warning: " << r.path << ": " << r.referenceError << "\n";
            if (const std::string w = unsteadyWarning(r, r.path); !w.empty()) std::cerr << "kernelmeter-cli: warning: " << w << "\n";
            worstSpread = std::max(worstSpread, r.reference.referenceSpread);
        }
    }
    if (worstSpread > kMachineMovedSpread)
        std::cerr << fmt::format(
            "kernelmeter-cli: warning: the machine's speed moved during this measurement (the reference "
            "workload's rounds spread {:.0f}%); normalized_ms corrects for it, median_ms does not.\n",
            worstSpread * 100);
    // This session's machine speed against the device's earlier measurements on the same machine.
    if (store)
        if (const std::string w = measuredPhaseWarning(reports, *store, device->id, "these models were", startedAtUtc); !w.empty())
            std::cerr << "kernelmeter-cli: warning: " << w
                      << "; median_ms carries that, normalized_ms (at the device's reference baseline) does not.\n";
    if (args.json) {
        Json out{{"schema", "kernelmeter.measure/1"}, {"device", device->id}, {"models", Json::array()}};
        for (const auto& r : reports) {
            Json m{{"file", r.path},
                   {"sha256", r.modelHash},
                   {"ok", r.ok},
                   {"from_database", r.fromStore},
                   {"replaces_stored_from", r.storedElsewhere.empty() ? Json(nullptr) : Json(r.storedElsewhere)}};
            if (!r.ok)
                m["error"] = r.error;
            else {
                m["stats"] = statsJson(r.stats);
                m["normalized_ms"] = r.normalizedMs > 0 ? Json(r.normalizedMs) : Json(nullptr);
                m["reference"] = referenceJson(r);
                m["in_phase"] = r.inPhaseMaxReferenceMs > 0
                                    ? Json{{"reference_at_most_ms", r.inPhaseMaxReferenceMs}, {"rounds_left_out", r.outOfPhaseRounds}}
                                    : Json(nullptr);
                m["runtime_version"] = r.runtimeVersion;
                m["machine"] = {{"cpu_model", r.machine.cpuModel},
                                {"logical_cores", r.machine.logicalCores},
                                {"kernel", r.machine.kernel},
                                {"allocation", r.machine.allocation}};
                Json layers = Json::array();
                for (const auto& l : r.layers) layers.push_back({{"node", l.node}, {"ms", l.ms}});
                m["layers"] = layers;
                m["fusion_groups"] = r.fusionGroups;
            }
            out["models"].push_back(std::move(m));
        }
        std::cout << out.dump(1) << "\n";
    } else {
        std::cout << fmt::format("{:<40}  {:>10}  {:>9}  {:>9}  {:>6}  {:>5}  {:>9}  {:>9}  {}\n", "model", "median_ms", "p10_ms", "p90_ms",
                                 "cv", "runs", "instances", "norm_ms", "source");
        for (const auto& r : reports) {
            if (!r.ok) {
                std::cout << fmt::format("{:<40}  failed\n", r.path);
                continue;
            }
            const std::string norm = r.normalizedMs > 0 ? fmt::format("{:.3f}", r.normalizedMs) : "-";
            std::cout << fmt::format("{:<40}  {:>10.3f}  {:>9.3f}  {:>9.3f}  {:>6.3f}  {:>5}  {:>9}  {:>9}  {}\n", r.path, r.stats.medianMs,
                                     r.stats.p10Ms, r.stats.p90Ms, r.stats.cv, r.stats.runs, r.stats.instances, norm,
                                     r.fromStore ? "database" : "measured");
            if (args.layers) {
                for (const auto& l : r.layers) std::cout << fmt::format("    {:<60} {:>9.3f} ms\n", l.node, l.ms);
                for (const auto& g : r.fusionGroups) {
                    std::string members;
                    for (size_t i = 1; i < g.size(); ++i) members += (i > 1 ? ", " : "") + g[i];
                    std::cout << fmt::format("    fused into {}: {}\n", g[0], members);
                }
            }
        }
    }
    if (failures == 0) return 0;
    return internal ? 1 : 2;
}

}  // namespace km::cli

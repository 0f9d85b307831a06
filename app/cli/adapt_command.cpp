// SPDX-License-Identifier: Apache-2.0
// kernelmeter-cli adapt: a device's predictor from another device's and a few measured networks
// (core/workflows/adapt_predictor.h, docs/adapt.md).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/events.h"
#include "workflows/adapt_predictor.h"
#include "workflows/devices.h"

namespace km::cli {
namespace {

// Per family of fits, by name: its best GCV RMSPE and its lowest left-out RMSPE (fractions; -1:
// not tried).
nlohmann::ordered_json familyScores(const TransferFit& fit) {
    nlohmann::ordered_json out;
    const char* names[] = {"source times", "kernel costs", "work rates"};
    for (size_t k = 0; k < 3; ++k)
        out[names[k]] = {{"gcv_rmspe", fit.familyGeneralisedCvRmspe[k]}, {"leave_one_out_rmspe", fit.familyLeaveOneOutRmspe[k]}};
    return out;
}

}  // namespace

int runAdapt(const AdaptArgs& args, const std::string& commandLine) {
    const EventStream events(args.events, args.quiet);
    events.emit("start", {{"command", "adapt"}, {"device", args.device}, {"from", args.from}});
    const bool measuring = args.dataset.empty();
    Result<Device> target = deviceFor(args.device, measuring, args.db);
    if (!target) return events.fail(target.error());
    Result<Device> sourceDevice = deviceFor(args.from, false, args.db, "--from");
    if (!sourceDevice) return events.fail(sourceDevice.error());
    if (!args.models.empty() && args.models.size() < 3)
        return events.fail(badInput(fmt::format("--models: at least 3 networks are needed, {} given.", args.models.size())));
    const std::string db = args.db.empty() ? defaultDatabasePath() : args.db;
    const DeviceAnalyzer source = DeviceAnalyzer::load(args.from, {"", args.sourcePredictorFile, args.db});
    if (!source.predictor())
        return events.fail(badInput(fmt::format("adapt: the source {} has no predictor to adapt: {}", args.from,
                                                source.error() ? source.error()->message : "none found")));
    // A predictor file of a device of another runtime or thread count than --from's: its kernels
    // would be timed at --from's threads and recorded as --from's, so refused, naming both.
    if (!args.sourcePredictorFile.empty())
        if (const HostComparison c = compareHost(builtOnOf(*source.predictor()), sourceDevice.value(), args.db); c.notThisDevice())
            return events.fail(badInput(fmt::format(
                "--source-predictor {}: it is {}'s predictor ({}), and --from {} runs {} at {} thread{}: give the device it was made "
                "for as --from.",
                args.sourcePredictorFile, source.predictor()->deviceId, source.predictor()->runtime, args.from,
                sourceDevice.value().runtime, sourceDevice.value().threads, sourceDevice.value().threads == 1 ? "" : "s")));
    // Across runtimes, said once and before anything is measured (the user may stop there),
    // naming the devices whose predictors know the target's runtime's kernels.
    const bool acrossRuntimes = measuring && source.predictor()->runtime != target.value().runtime;
    if (acrossRuntimes) {
        std::vector<std::string> better;
        for (const Device& d : allDevices(args.db))
            if (d.id != args.from && d.runtime == target.value().runtime)
                if (const DeviceAnalyzer other = DeviceAnalyzer::load(d.id, {"", "", args.db});
                    other.predictor() && other.predictor()->runtime == target.value().runtime)
                    better.push_back(d.id);
        const std::string what = fmt::format("{} runs {}, {} {}: adapted across runtimes, a predictor is much less accurate",
                                             target.value().id, target.value().runtime, args.from, source.predictor()->runtime);
        if (better.empty())
            events.warning(fmt::format("{} than one adapted from a device of {} or built on {} (docs/adapt.md).", what,
                                       target.value().runtime, target.value().id));
        else
            events.warning(
                fmt::format("{}; {} {} a predictor of {}, and `kernelmeter-cli adapt --device {} --from {}` starts from the "
                            "kernels {} runs (docs/adapt.md).",
                            what, fmt::join(better, ", "), better.size() == 1 ? "has" : "have", target.value().runtime, target.value().id,
                            better.front(), target.value().id));
    }
    auto store = MeasurementStore::open(db);
    if (!store) return events.fail(store.error());
    AdaptOptions o;
    o.runtimeWarningGiven = acrossRuntimes;
    o.networks = args.networks;
    o.inputSize = args.inputSize;
    o.seed = args.seed;
    o.modelPaths = args.models;
    o.dataset = args.dataset;
    o.datasetDb = args.db;
    o.cacheDir = args.cacheDir.empty() ? userCacheDir("kernel-models") : args.cacheDir;
    o.measure.store = store.value().get();
    o.measure.protocol.rounds = args.rounds;
    o.measure.protocol.instances = args.instances;
    o.kernelsPerGroup = args.kernelsPerGroup;
    o.atUsualSpeed = !args.atSessionSpeed;
    o.sourceThreads = sourceDevice.value().threads;
    if (measuring && o.kernelsPerGroup > 0)
        o.kernelDevice = kernelDeviceFor(target.value(), source.predictor()->runtime, o.sourceThreads, allDevices(""));
    o.command = commandLine;
    Progress progress = events.progress();
    Result<AdaptReport> report = adaptPredictor(target.value(), source, o, &progress);
    if (!report) return events.fail(report.error());
    const AdaptReport& r = report.value();
    for (const std::string& w : r.warnings) events.warning(w);
    Result<std::string> where = savePredictor(r.predictor, *store.value(), db, args.output);
    if (!where) return events.fail(where.error());
    const Adaptation& a = *r.predictor.adaptation;
    const ErrorBand band = transferBandOf(a.networks);  // what every prediction's interval will be
    if (args.json) {
        nlohmann::ordered_json nets = nlohmann::ordered_json::array();
        for (const AdaptedNetwork& n : a.networks)
            nets.push_back({{"name", n.name},
                            {"measured_ms", n.measuredMs},
                            {"source_ms", n.sourceMs},
                            {"fitted_ms", n.fittedMs},
                            {"leave_one_out_ms", n.leaveOneOutMs},
                            {"weight", n.weight}});
        std::cout << nlohmann::ordered_json{{"schema", "kernelmeter.adaptation/1"},
                                            {"device", r.predictor.deviceId},
                                            {"source", a.sourceDevice},
                                            {"times_from", a.timesFrom},
                                            {"terms", a.terms},
                                            {"overhead_ms", r.fit.overheadMs},
                                            {"per_kernel_ms", r.fit.perKernelMs},
                                            {"common_scale", r.fit.commonScale},
                                            {"group_scale", r.fit.groupScale},
                                            {"group_fixed_ms", r.fit.groupFixedMs},
                                            {"group_exponent", r.fit.groupExponent},
                                            {"kernel_groups", nlohmann::ordered_json(kernelGroupsToJson(a.kernelGroups))},
                                            {"kernel_device",
                                             a.kernelGroups.empty()
                                                 ? nlohmann::ordered_json(nullptr)
                                                 : nlohmann::ordered_json(a.kernelDevice.empty() ? r.predictor.deviceId : a.kernelDevice)},
                                            {"group_kernel_ms", r.fit.groupKernelMs},
                                            {"work_rates", r.fit.workRates || !r.fit.groupMsPerMb.empty()
                                                               ? nlohmann::ordered_json{{"group_ms_per_mflop", r.fit.groupMsPerMflop},
                                                                                        {"group_ms_per_mb", r.fit.groupMsPerMb},
                                                                                        {"ms_per_mflop", r.fit.msPerMflop},
                                                                                        {"ms_per_mb", r.fit.msPerMb}}
                                                               : nlohmann::ordered_json(nullptr)},
                                            {"rmspe", r.fit.rmspe},
                                            {"leave_one_out_rmspe", r.fit.leaveOneOutRmspe},
                                            {"leave_one_out_within10", r.fit.leaveOneOutWithin10},
                                            {"interval", {band.low, band.high}},
                                            {"gcv_rmspe", r.fit.generalisedCvRmspe},
                                            {"families", familyScores(r.fit)},
                                            {"uncovered_types", r.uncoveredTypes},
                                            {"networks", nets},
                                            {"saved_in", where.value()}}
                         .dump(1)
                  << "\n";
        return 0;
    }
    std::ostream& out = events.text();  // stderr while events own stdout
    out << fmt::format("adapted {}'s predictor ({} on {}) to {} from {} networks ({})\n", a.sourceDevice, a.sourceRuntime,
                       a.sourceCpuModel.empty() ? "an unrecorded CPU" : a.sourceCpuModel, r.predictor.deviceId, a.networks.size(),
                       a.timesFrom);
    out << fmt::format("{:<46} {:>11} {:>11} {:>11} {:>13}     {:>6}\n", "network", "measured", "source", "adapted", "left out", "weight");
    for (const AdaptedNetwork& n : a.networks)
        out << fmt::format("{:<46.46} {:>8.3f} ms {:>8.3f} ms {:>8.3f} ms {:>8.3f} ms {:+4.0f}% {:>6.2f}\n", n.name, n.measuredMs,
                           n.sourceMs, n.fittedMs, n.leaveOneOutMs, 100 * (n.leaveOneOutMs / n.measuredMs - 1), n.weight);
    out << fmt::format("fit        {}: overhead {:.3f} ms, {:.4f} ms per kernel, common scale {:.3f}\n", a.terms, r.fit.overheadMs,
                       r.fit.perKernelMs, r.fit.commonScale);
    // What each group's kernels cost on the target: a scale of the source's times, a cost per
    // kernel, or a price of their MFLOPs.
    auto listed = [](const std::map<std::string, double>& values, const char* format) {
        std::string text;
        for (const auto& [g, v] : values) text += (text.empty() ? "" : ", ") + g + " " + fmt::format(fmt::runtime(format), v);
        return text;
    };
    if (r.fit.kernelCosts)
        out << fmt::format("ms/kernel  {}\n", listed(r.fit.groupKernelMs, "{:.4f}"));
    else if (r.fit.workRates)
        out << fmt::format("ms/MFLOP   {} (other groups {:.5f}); {:.4f} ms per MB moved\n", listed(r.fit.groupMsPerMflop, "{:.5f}"),
                           r.fit.msPerMflop, r.fit.msPerMb);
    else
        out << fmt::format("scales     {}\n", listed(r.fit.groupScale, "{:.2f}"));
    if (!r.fit.groupFixedMs.empty()) out << fmt::format("+ms/kernel {}\n", listed(r.fit.groupFixedMs, "{:.4f}"));
    if (!a.kernelGroups.empty()) {
        std::string text;
        size_t kernels = 0;
        for (const AdaptedKernelGroup& k : a.kernelGroups) {
            text += fmt::format("{}{} {:.2f} ({:.2f}-{:.2f}, {})", text.empty() ? "" : ", ", k.group, k.ratio, k.lowRatio, k.highRatio,
                                k.kernels);
            kernels += k.kernels;
        }
        out << fmt::format("kernels    {} of the source's kernels measured{}; target/source per group, median (range, kernels): {}\n",
                           kernels, a.kernelDevice.empty() ? "" : " on " + a.kernelDevice, text);
        std::string byWork;
        for (const AdaptedKernelGroup& k : a.kernelGroups)
            if (k.pricedByWork)
                byWork += fmt::format("{}{} {:.0f}% ({:.0f}%)", byWork.empty() ? "" : ", ", k.group, 100 * k.workLeaveOneOutRmspe,
                                      100 * k.leaveOneOutRmspe);
        if (!byWork.empty())
            out << fmt::format("by work    groups priced by their kernels' MFLOPs and MB, kernels left out (by the source's times): {}\n",
                               byWork);
    }
    out << fmt::format("accuracy   {:.1f}% RMSPE on the networks, {:.1f}% left out one at a time ({:.0f}% within 10%)\n", 100 * r.fit.rmspe,
                       100 * r.fit.leaveOneOutRmspe, 100 * r.fit.leaveOneOutWithin10);
    out << fmt::format(
        "interval   every prediction {:.2f} to {:.2f} times its time, from the left-out errors (at least {:.2f} to {:.2f})\n", band.low,
        band.high, 1 / kMinTransferBand, kMinTransferBand);
    {
        std::string families;
        const nlohmann::ordered_json byFamily = familyScores(r.fit);
        for (const auto& [name, scores] : byFamily.items())
            if (const double gcv = scores["gcv_rmspe"].get<double>(); gcv >= 0)
                families += fmt::format("{}{} {:.1f}% ({:.1f}%)", families.empty() ? "" : ", ", name, 100 * gcv,
                                        100 * scores["leave_one_out_rmspe"].get<double>());
        out << fmt::format(
            "families   GCV RMSPE of each family's best fit (lowest left out): {}; the others need 20% below the source times\n", families);
    }
    if (!r.uncoveredTypes.empty())
        out << fmt::format("note       no network had these kernel types (they keep the common scale): {}\n",
                           fmt::join(r.uncoveredTypes, ", "));
    out << fmt::format("saved in   {}\n", where.value());
    events.emit("done", {{"predictor", where.value()},
                         {"networks", a.networks.size()},
                         {"leave_one_out_rmspe", r.fit.leaveOneOutRmspe},
                         {"leave_one_out_within10", r.fit.leaveOneOutWithin10}});
    return 0;
}

}  // namespace km::cli

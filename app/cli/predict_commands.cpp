// SPDX-License-Identifier: Apache-2.0
// `kernelmeter-cli build-predictor` and `predict` (docs/cli.md, docs/predictors.md).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "cli/commands.h"
#include "cli/events.h"
#include "store/measurement_store.h"
#include "workflows/adapt_predictor.h"
#include "workflows/build_predictor.h"
#include "workflows/calibrate_predictor.h"
#include "workflows/device_analyzer.h"
#include "workflows/kernel_coverage.h"
#include "workflows/predictor_files.h"

namespace km::cli {
namespace {

using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;

// A number with at least `decimals` decimals and at least 3 significant digits: a device that
// runs a network in 0.0015 ms reads "0.00152 ms", not "0.002 ms".
std::string digitsText(double value, int decimals) {
    if (value > 0 && std::isfinite(value)) decimals = std::max(decimals, std::min(9, 2 - int(std::floor(std::log10(value)))));
    return fmt::format("{:.{}f}", value, decimals);
}

// Measures `networks` generated calibration networks (0: skip) and fits the predictor's overhead
// and kernel scale; prints one line per network and the fit.
Status calibrateIfAsked(const Device& device, const RuleSet& rules, PredictorSet& set, MeasurementStore& store, const std::string& cacheDir,
                        int networks, const EventStream& events, bool quiet, const std::vector<std::string>& models = {},
                        bool referenceTimeOnly = false, std::optional<std::chrono::steady_clock::time_point> deadline = {}) {
    if (networks <= 0 && models.empty()) return Ok{};
    CalibratePredictorOptions c;
    c.referenceTimeOnly = referenceTimeOnly;
    c.deadline = deadline;
    if (deadline) c.measure.batchSize = 2;  // a batch in flight at the deadline overruns it by less
    c.measure.store = &store;
    c.cacheDir = cacheDir;
    c.networks = networks;
    c.modelPaths = models;
    Progress progress = events.progress();
    if (!quiet)
        std::cerr << (models.empty() ? fmt::format("calibrating on {} generated networks\n", networks)
                                     : fmt::format("calibrating on {} given networks\n", models.size()));
    Result<CalibrationReport> r = calibratePredictor(device, rules, set, c, &progress);
    if (!quiet && !events.enabled() && isatty(STDERR_FILENO)) std::cerr << "\n";
    if (!r) return r.error();
    for (const auto& w : r.value().warnings) events.warning(w);
    if (referenceTimeOnly) {
        events.text() << fmt::format("{:<44} {:>12} {:>16}\n", "calibration network", "measured ms", "reference ms");
        for (size_t i = 0; i < r.value().referenceMsAtExact.size() && i < r.value().measuredMs.size(); ++i)
            events.text() << fmt::format("{:<44} {:>12.3f} {:>16.4f}\n", r.value().descriptions[i].substr(0, 44), r.value().measuredMs[i],
                                         r.value().referenceMsAtExact[i]);
        events.text() << fmt::format(
            "reference time of the predictor: {:.4f} ms (median over {} networks; the reference workload's time "
            "at which its predictions are unbiased); model terms unchanged\n",
            set.referenceMs, r.value().referenceMsAtExact.size());
        return Ok{};
    }
    events.text() << fmt::format("{:<44} {:>12} {:>12} {:>12}\n", "calibration network", "kernels ms", "measured ms", "fitted err%");
    const ModelCalibration& f = r.value().fit;
    for (size_t i = 0; i < r.value().measuredMs.size(); ++i) {
        const double fitted = f.overheadMs + f.kernelScale * r.value().kernelSumMs[i] + f.perKernelMs * r.value().kernelCounts[i];
        events.text() << fmt::format("{:<44} {:>12.3f} {:>12.3f} {:>+12.1f}\n", r.value().descriptions[i], r.value().kernelSumMs[i],
                                     r.value().measuredMs[i], 100 * (fitted / r.value().measuredMs[i] - 1));
    }
    events.text() << fmt::format(
        "fit ({}) on {} networks: overhead {:.4f} ms, kernel scale {:.3f}, per kernel {:.4f} ms; {:.0f}% within 10%, "
        "RMSPE {:.1f}%\n",
        f.terms, f.models, f.overheadMs, set.kernelScale, f.perKernelMs, 100 * f.within10, 100 * f.rmspe);
    if (set.referenceMs > 0)
        events.text() << fmt::format(
            "times at the reference workload's median speed over the build ({:.4f} ms; database baseline {:.4f} ms)\n", set.referenceMs,
            set.regressorReferenceMs);
    return Ok{};
}

}  // namespace

// (commands.h) Stores the predictor in the database (and writes its JSON to `output` if given); where it went.
Result<std::string> savePredictor(const PredictorSet& set, MeasurementStore& store, const std::string& dbPath, const std::string& output) {
    if (Status s = store.addPredictor(set.deviceId, set.builtAtUtc, set.toJson()); !s) return s.error();
    std::string where = dbPath;
    if (!output.empty()) {
        const fs::path out(output);
        std::error_code ec;
        if (!out.parent_path().empty()) fs::create_directories(out.parent_path(), ec);
        std::ofstream file(out, std::ios::trunc);
        file << set.toJson() << "\n";
        if (!file) return ioError(fmt::format("{}: cannot write the predictor.", out.string()));
        where += " and " + out.string();
    }
    return where;
}

int runBuildPredictor(const BuildPredictorArgs& args, const std::string& commandLine) {
    const EventStream events(args.events, args.quiet);
    events.emit("start", {{"command", "build-predictor"}, {"device", args.device}});
    Result<Device> device = deviceFor(args.device, true);
    if (!device) return events.fail(device.error());
    std::string rulesUsed;
    Result<RuleSet> rules = deviceRules(device.value().id, args.rulesFile, rulesUsed);
    if (!rules) return events.fail(rules.error());
    // The default: every kernel type the device's rules make of the zoo's families and the
    // bundled examples, the most widely used first (a build out of budget leaves out the rarest).
    Result<KernelTypeCoverage> coverage = kernelTypeCoverage(rules.value());
    if (!coverage) return events.fail(coverage.error());
    if (args.listTypes) {
        for (const std::string& type : coverage.value().types) {
            std::vector<std::string> families;
            for (const auto& [family, kernels] : coverage.value().kernels.at(type))
                families.push_back(fmt::format("{} {}", family, kernels));
            std::cout << fmt::format("{:<28} {}\n", type, fmt::join(families, ", "));
        }
        return 0;
    }
    std::vector<std::string> types = args.types.empty() ? coverage.value().types : args.types;
    const auto prior = shippedDataPath("priors/conv.csv");
    if (!prior) return events.fail(unsupported("the kernel-configuration prior (datasets/priors) is missing from this installation."));
    BuildPredictorOptions o;
    o.measure.protocol = kernelSamplingProtocol();
    o.priorDir = fs::path(*prior).parent_path().string();
    o.kernelTypes = types;
    // The budget covers the calibration at the end too. Whole networks up to 224 x 224 take from
    // seconds to minutes each with the model protocol (30 of them took over 10 minutes on the
    // project's VM), so the kernels get four fifths of the budget and the calibration measures
    // networks until the budget's end less two minutes (the batch then in flight finishes).
    const auto startedAt = std::chrono::steady_clock::now();
    const bool calibrating = args.calibrationNetworks > 0 && !args.storedOnly;
    o.budgetMinutes = calibrating ? args.budgetMinutes * 0.8 : args.budgetMinutes;
    // Types the kernels' share left unstarted get a floor-sized round from the calibration's share,
    // up to 4 minutes before the calibration's own end.
    if (calibrating && std::isfinite(args.budgetMinutes)) o.firstRoundGraceMinutes = std::max(0.0, args.budgetMinutes * 0.2 - 4.0);
    std::optional<std::chrono::steady_clock::time_point> calibrationDeadline;
    if (calibrating && std::isfinite(args.budgetMinutes))
        calibrationDeadline = startedAt + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                              std::chrono::duration<double>(std::max(0.0, args.budgetMinutes - 2.0) * 60.0));
    o.command = commandLine;
    o.adaptive.initialSamples = size_t(args.initialSamples);
    o.adaptive.probeSamples = size_t(args.probeSamples);
    o.adaptive.validationSamples = size_t(args.validationSamples);
    o.adaptive.maxRounds = args.maxRounds;
    o.cacheDir = args.cacheDir.empty() ? userCacheDir("kernel-models") : args.cacheDir;
    auto store = MeasurementStore::open(args.db.empty() ? defaultDatabasePath() : args.db);
    if (!store) return events.fail(store.error());
    o.measure.store = store.value().get();
    o.measure.storedOnly = args.storedOnly;
    const int calibrationNetworks = args.storedOnly ? 0 : args.calibrationNetworks;
    Progress progress = events.progress();
    if (!args.quiet && !args.events)
        std::cerr << fmt::format("building {} kernel types for {} within {} minutes: {}\n", types.size(), device.value().id,
                                 args.budgetMinutes, fmt::join(types, ", "));
    std::function<void(const std::string&, const RoundMetrics&)> onRound;
    if (args.events)
        onRound = [&events](const std::string& type, const RoundMetrics& m) {
            events.emit("round", {{"type", type},
                                  {"round", m.round},
                                  {"samples", m.samples},
                                  {"within10", m.within10},
                                  {"within5", m.within5},
                                  {"rmspe", m.rmspe}});
        };
    Result<BuildPredictorReport> report = buildPredictor(device.value(), o, &progress, onRound);
    if (!args.quiet && !args.events && isatty(STDERR_FILENO)) std::cerr << "\n";
    if (!report) return events.fail(report.error());
    for (const auto& w : report.value().warnings) events.warning(w);
    PredictorSet& set = report.value().predictor;
    if (set.types.empty()) return events.fail(unsupported(fmt::format("no kernel type of {} could be built.", device.value().id)));
    // The kernel regressors are kept even when calibration fails (the overhead then stays the
    // overhead models' median, scale 1).
    if (Status s = calibrateIfAsked(device.value(), rules.value(), set, *store.value(), o.cacheDir, calibrationNetworks, events, args.quiet,
                                    {}, false, calibrationDeadline);
        !s)
        events.warning("the predictor is not calibrated: " + s.error().message);
    Result<std::string> where = savePredictor(set, *store.value(), args.db.empty() ? defaultDatabasePath() : args.db, args.output);
    if (!where) return events.fail(where.error());
    events.text() << fmt::format("{:<28} {:>8} {:>7} {:>10} {:>10} {:>9}\n", "kernel type", "samples", "rounds", "within10%", "within5%",
                                 "rmspe%");
    std::set<std::string> builtTypes;
    for (const auto& [type, p] : set.types) builtTypes.insert(type);
    const std::map<std::string, int> fallingBack = familiesFallingBack(coverage.value(), builtTypes);
    for (const auto& [type, p] : set.types) {
        const RoundMetrics& m = p.rounds.back();
        events.text() << fmt::format("{:<28} {:>8} {:>7} {:>10.1f} {:>10.1f} {:>9.1f}\n", type, p.samples, p.rounds.size(),
                                     100 * m.within10, 100 * m.within5, 100 * m.rmspe);
    }
    events.text() << fmt::format("tail cost {:.3f} ns per element; overhead per model {:.4f} ms, kernel scale {:.3f}; saved in {}\n",
                                 1e6 * report.value().tailMsPerElement, set.overheadMs, set.kernelScale, where.value());
    if (fallingBack.empty()) {
        events.text() << "every kernel type of the zoo's families and the bundled examples has its regressor\n";
    } else {
        std::vector<std::string> names;
        for (const auto& [family, kernels] : fallingBack) names.push_back(fmt::format("{} ({} kernels)", family, kernels));
        events.warning(fmt::format("kernels of these families fall back to the generic regressor (their type was not built): {}",
                                   fmt::join(names, ", ")));
    }
    Json built = Json::object();
    for (const auto& [type, p] : set.types)
        built[type] = {
            {"samples", p.samples}, {"rounds", p.rounds.size()}, {"within10", p.rounds.empty() ? 0.0 : p.rounds.back().within10}};
    events.emit("done", {{"saved_in", where.value()}, {"types", built}});
    return 0;
}

int runCalibrate(const CalibrateArgs& args, const std::string& commandLine) {
    Result<Device> device = deviceFor(args.device);
    if (!device) return reportError(device.error());
    std::string rulesUsed, predictorUsed;
    Result<RuleSet> rules = deviceRules(device.value().id, args.rulesFile, rulesUsed);
    if (!rules) return reportError(rules.error());
    const std::string db = args.db.empty() ? defaultDatabasePath() : args.db;
    Result<PredictorSet> predictor = devicePredictor(device.value().id, args.predictorFile, db, predictorUsed);
    if (!predictor) return reportError(predictor.error());
    auto store = MeasurementStore::open(db);
    if (!store) return reportError(store.error());
    const std::string cache = args.cacheDir.empty() ? userCacheDir("kernel-models") : args.cacheDir;
    if (args.referenceTimeOnly && predictor.value().referenceMs > 0)
        return reportError(badInput(fmt::format("--reference-time-only: the predictor of {} ({}) has a reference time already ({:.4f} ms).",
                                                device.value().id, predictorUsed, predictor.value().referenceMs)));
    const EventStream noEvents(false, args.quiet);
    if (Status s = calibrateIfAsked(device.value(), rules.value(), predictor.value(), *store.value(), cache, args.networks, noEvents,
                                    args.quiet, args.models, args.referenceTimeOnly);
        !s)
        return reportError(s.error());
    predictor.value().command += "; " + commandLine;
    Result<std::string> where = savePredictor(predictor.value(), *store.value(), db, args.output);
    if (!where) return reportError(where.error());
    std::cout << fmt::format("calibrated the predictor from {}; saved in {}\n", predictorUsed, where.value());
    return 0;
}

Json hostMismatchJson(const HostComparison& host) {
    return {{"state", host.state},
            {"differences", host.differences},
            {"device_cpu", host.deviceCpu},
            {"device_cores", host.deviceCores},
            {"device_runtime_version", host.deviceRuntimeVersion},
            {"hello_at_utc", host.helloAtUtc},
            {"message", host.message}};
}

namespace {

// One device of `predict`: its analyzer and what is said about its predictor once.
struct PredictDevice {
    Device device;
    DeviceAnalyzer analyzer;
    HostComparison host;    // unknown: a remote device never checked
    std::string phaseNote;  // an adapted predictor's ms are a phase's
};

Json predictionJson(const PredictDevice& d, Json models) {
    const PredictorSet& predictor = *d.analyzer.predictor();
    Json out{
        {"schema", "kernelmeter.prediction/1"},
        {"device", d.device.id},
        {"predictor", d.analyzer.predictorSource()},
        {"kernel_scale", predictor.kernelScale},
        {"per_kernel_ms", predictor.perKernelMs},
        {"reference_ms", predictor.speedReferenceMs()},
        {"built_on",
         {{"cpu_model", predictor.cpuModel}, {"logical_cores", predictor.logicalCores}, {"runtime_version", predictor.runtimeVersion}}},
        {"host_mismatch", d.host.state == "unknown" ? Json(nullptr) : Json(d.host.mismatch())},
        {"host", hostMismatchJson(d.host)}};
    if (!d.phaseNote.empty()) out["predictor_warnings"] = Json::array({d.phaseNote});
    const UsualSpeed& usual = d.analyzer.usual();
    out["usual_speed"] = usual.referenceMs > 0 ? Json{{"reference_ms", usual.referenceMs},
                                                      {"measurements", usual.measurements},
                                                      {"sessions", usual.sessions},
                                                      {"session_range_ms", Json::array({usual.fastestSessionMs, usual.slowestSessionMs})},
                                                      {"predictor_reference_ms", predictor.referenceMs},
                                                      {"scale", predictor.speedScale},
                                                      {"note", d.analyzer.speedNote()}}
                                               : Json(nullptr);
    out["models"] = std::move(models);
    return out;
}

Json modelJson(const std::string& path, const DeviceAnalysis& analysis) {
    const Graph& g = *analysis.graph;
    const ModelPrediction& p = analysis.prediction;
    Json kernels = Json::array();
    for (size_t i = 0; i < p.kernels.size(); ++i) {
        Json nodes = Json::array();
        for (size_t n : analysis.partition.kernels[i].nodes)
            for (const auto& name : g.nodes()[n].sourceNodes) nodes.push_back(name);
        kernels.push_back({{"id", p.kernels[i].kernelId},
                           {"type", p.kernels[i].type},
                           {"nodes", nodes},
                           {"predicted_ms", p.kernels[i].ms},
                           {"low_ms", p.kernels[i].lowMs},
                           {"high_ms", p.kernels[i].highMs},
                           {"source", p.kernels[i].source}});
    }
    return {{"file", path},       {"total_ms", p.totalMs}, {"low_ms", p.lowMs}, {"high_ms", p.highMs}, {"overhead_ms", p.overheadMs},
            {"kernels", kernels}, {"warnings", p.warnings}};
}

// The provenance line of a device's predictor: where it is, its runtime, when and where it was built.
std::string predictorLine(const PredictDevice& d) {
    const PredictorSet& predictor = *d.analyzer.predictor();
    const std::string runtime = predictorRuntimeText(predictor);
    return fmt::format("{} ({}built {} on {})", d.analyzer.predictorSource(), runtime.empty() ? "" : runtime + ", ", predictor.builtAtUtc,
                       predictor.timesSource());
}

void printKernels(const std::string& path, const PredictDevice& d, const DeviceAnalysis& analysis) {
    const PredictorSet& predictor = *d.analyzer.predictor();
    const Graph& g = *analysis.graph;
    const ModelPrediction& p = analysis.prediction;
    std::cout << fmt::format(
        "model      {}\ndevice     {}\npredictor  {}\n{}total      {} ms [{}, {}] ({} kernels at scale {} + {} ms each + {} ms "
        "overhead)\n\n",
        path, d.device.id, predictorLine(d), d.host.mismatch() ? "MISMATCH   " + d.host.message + "\n" : "", digitsText(p.totalMs, 3),
        digitsText(p.lowMs, 3), digitsText(p.highMs, 3), p.kernels.size(), digitsText(predictor.kernelScale * predictor.speedScale, 3),
        digitsText(predictor.perKernelMs * predictor.speedScale, 4), digitsText(p.overheadMs, 3));
    std::cout << fmt::format("{:>4}  {:<26} {:>10}  {:<21} {:<10} {}\n", "#", "type", "ms", "interval", "source", "nodes");
    for (size_t i = 0; i < p.kernels.size(); ++i) {
        std::string names;
        for (size_t n : analysis.partition.kernels[i].nodes)
            for (const auto& name : g.nodes()[n].sourceNodes) names += (names.empty() ? "" : ", ") + name;
        std::cout << fmt::format("{:>4}  {:<26} {:>10}  [{}, {}]{:<4} {:<10} {}\n", p.kernels[i].kernelId, p.kernels[i].type,
                                 digitsText(p.kernels[i].ms, 4), digitsText(p.kernels[i].lowMs, 4), digitsText(p.kernels[i].highMs, 4), "",
                                 p.kernels[i].source, names);
    }
    for (const auto& w : p.warnings) std::cerr << "kernelmeter-cli: warning: " << path << ": " << w << "\n";
    std::cout << "\n";
}

}  // namespace

int runPredict(const PredictArgs& args) {
    std::vector<std::string> ids;
    for (const std::string& id : args.devices)
        if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
    if (!args.predictorFile.empty() && ids.size() > 1)
        return reportError(badInput("--predictor FILE is one device's predictor: give one --device with it."));
    std::vector<PredictDevice> devices;
    for (const std::string& id : ids) {
        Result<Device> device = deviceFor(id, false, args.db);
        if (!device) return reportError(device.error());
        DeviceDataSources sources{args.rulesFile, args.predictorFile, args.db};
        sources.atUsualSpeed = !args.atBuildSpeed;
        DeviceAnalyzer analyzer = DeviceAnalyzer::load(device.value().id, sources);
        if (analyzer.error()) return reportError(*analyzer.error());
        // Whether the numbers belong to this device's machine: from its last stored hello (or this
        // machine for a local device); the agent is not started.
        HostComparison host = analyzer.host() ? *analyzer.host() : HostComparison{};
        std::string phaseNote = adaptationPhaseNote(*analyzer.predictor());
        devices.push_back({device.value(), std::move(analyzer), std::move(host), std::move(phaseNote)});
    }
    Result<LoadOptions> options = loadOptionsFrom(args.inputShapes);
    if (!options) return reportError(options.error());
    for (const PredictDevice& d : devices) {
        if (!args.json && d.host.state == "unknown") std::cerr << "kernelmeter-cli: note: " << d.host.message << "\n";
        if (!d.phaseNote.empty()) std::cerr << "kernelmeter-cli: warning: " << d.phaseNote << "\n";
        if (!args.json && !d.analyzer.speedNote().empty())
            std::cerr << "kernelmeter-cli: note: " << d.analyzer.speedNote() << " (--at-build-speed: the predictor's own).\n";
    }
    if (args.summary) {  // the devices' predictors once, above the table
        for (const PredictDevice& d : devices) {
            std::cout << fmt::format("{:<10} {}\n", d.device.id, predictorLine(d));
            if (d.host.mismatch()) std::cout << fmt::format("{:<10} MISMATCH {}\n", "", d.host.message);
        }
        std::cout << "\n";
    }
    std::vector<Json> json(devices.size(), Json::array());
    // --summary: one row per model, a column group per device; a warning once per device with the
    // models it concerns.
    std::vector<std::vector<std::string>> rows;
    std::vector<std::map<std::string, std::vector<std::string>>> warned(devices.size());
    int failures = 0;
    for (const auto& path : args.models) {
        Result<std::shared_ptr<const ModelFile>> model = ModelFile::read(path, options.value());
        if (!model) {
            reportError(model.error());
            ++failures;
            continue;
        }
        std::vector<std::string> row{path};
        for (size_t i = 0; i < devices.size(); ++i) {
            const DeviceAnalysis analysis = devices[i].analyzer.analyze(*model.value());
            if (args.json) {
                json[i].push_back(modelJson(path, analysis));
            } else if (args.summary) {
                const ModelPrediction& p = analysis.prediction;
                row.push_back(digitsText(p.totalMs, 3));
                row.push_back(fmt::format("[{}, {}]", digitsText(p.lowMs, 3), digitsText(p.highMs, 3)));
                row.push_back(std::to_string(p.kernels.size()));
                for (const auto& w : p.warnings) warned[i][w].push_back(path);
            } else {
                printKernels(path, devices[i], analysis);
            }
        }
        if (args.summary && !args.json) rows.push_back(std::move(row));
    }
    if (args.json) {
        if (devices.size() == 1) {
            std::cout << predictionJson(devices[0], std::move(json[0])).dump(1) << "\n";
        } else {
            Json all = Json::array();
            for (size_t i = 0; i < devices.size(); ++i) all.push_back(predictionJson(devices[i], std::move(json[i])));
            std::cout << Json{{"schema", "kernelmeter.predictions/1"}, {"devices", all}}.dump(1) << "\n";
        }
    } else if (args.summary) {
        size_t width = 5;
        for (const auto& row : rows) width = std::max(width, row[0].size());
        std::vector<size_t> interval(devices.size(), 8);
        for (const auto& row : rows)
            for (size_t i = 0; i < devices.size(); ++i) interval[i] = std::max(interval[i], row[2 + 3 * i].size());
        std::string header = fmt::format("{:<{}}", "model", width);
        for (size_t i = 0; i < devices.size(); ++i)
            header += fmt::format("  {:>10}  {:<{}}  {:>7}", devices[i].device.id + " ms", "interval", interval[i], "kernels");
        std::cout << header << "\n";
        for (const auto& row : rows) {
            std::string line = fmt::format("{:<{}}", row[0], width);
            for (size_t i = 0; i < devices.size(); ++i)
                line += fmt::format("  {:>{}}  {:<{}}  {:>7}", row[1 + 3 * i], std::max<size_t>(10, devices[i].device.id.size() + 3),
                                    row[2 + 3 * i], interval[i], row[3 + 3 * i]);
            std::cout << line << "\n";
        }
        for (size_t i = 0; i < devices.size(); ++i)
            for (const auto& [warning, paths] : warned[i]) {
                const std::string text = warning.ends_with('.') ? warning.substr(0, warning.size() - 1) : warning;
                const std::string which = paths.size() == rows.size() ? "" : fmt::format(": {}", fmt::join(paths, ", "));
                std::cerr << fmt::format("kernelmeter-cli: warning: {}: {} (in {} of {} models{}).\n", devices[i].device.id, text,
                                         paths.size(), rows.size(), which);
            }
    }
    return failures ? 2 : 0;
}

int runPredictorExport(const PredictorFileArgs& args) {
    if (Result<Device> device = deviceFor(args.device, false, args.db); !device) return reportError(device.error());
    Result<std::string> from = exportPredictor(args.device, args.file, args.db);
    if (!from) return reportError(from.error());
    Result<PredictorFile> written = readPredictorFile(args.file);  // what the receiving side will read
    if (!written) return reportError(written.error());
    std::cout << fmt::format("wrote {}: {} (from {}, with its fusion rules)\n", args.file, written.value().description, from.value());
    return 0;
}

int runPredictorImport(const PredictorFileArgs& args) {
    Result<PredictorFile> file = readPredictorFile(args.file);
    if (!file) return reportError(file.error());
    Result<PredictorImport> r = importPredictor(file.value(), args.device, args.db);
    if (!r) return reportError(r.error());
    const PredictorImport& i = r.value();
    const std::string db = args.db.empty() ? defaultDatabasePath() : args.db;
    std::cout << fmt::format("{}\n", file.value().description);
    if (i.alreadyThere)
        std::cout << fmt::format("already {}'s newest predictor in {}: nothing added\n", i.deviceId, db);
    else
        std::cout << fmt::format("added to {} as {}'s newest predictor\n", db, i.deviceId);
    if (i.definedDevice)
        std::cout << fmt::format("defined device {} (runtime none: it predicts, it cannot measure; kernelmeter-cli device show {})\n",
                                 i.deviceId, i.deviceId);
    if (!i.runtimeToMeasure.empty())
        std::cout << fmt::format(
            "to measure on it too, say how it is reached (its predictor stays): kernelmeter-cli device add {} --runtime {} --threads N "
            "--transport PREFIX --replace (docs/devices.md)\n",
            i.deviceId, i.runtimeToMeasure);
    for (const std::string& note : i.notes) std::cerr << "kernelmeter-cli: warning: " << note << "\n";
    return 0;
}

}  // namespace km::cli

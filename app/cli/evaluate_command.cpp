// SPDX-License-Identifier: Apache-2.0
// kernelmeter-cli evaluate: a predictor against measured models beside the baselines
// (core/workflows/evaluate.h; docs/results.md).
#include <fmt/format.h>
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "cli/commands.h"
#include "workflows/evaluate.h"
#include "workflows/evaluate_transfer.h"
#include "workflows/evaluation_data.h"
#include "zoo/zoo.h"

namespace km::cli {
namespace {

using Json = nlohmann::ordered_json;

Json metricsJson(const AccuracyMetrics& a) {
    return {{"models", a.models},    {"rmse_ms", a.rmseMs},     {"rmspe", a.rmspe},        {"mape", a.mape},
            {"within_5", a.within5}, {"within_10", a.within10}, {"within_15", a.within15}, {"spearman", a.spearman}};
}

Json coverageJson(const IntervalCoverage& c) {
    return {{"models", c.models},
            {"inside", c.inside},
            {"below", c.below},
            {"above", c.above},
            {"median_low_ratio", c.medianLow},
            {"median_high_ratio", c.medianHigh}};
}

// One line on how often a predictor's intervals held the measured times, and how wide they are.
std::string coverageLine(const std::string& method, const IntervalCoverage& c) {
    if (c.models == 0) return fmt::format("{}'s intervals: no model to score.", method);
    return fmt::format(
        "{}'s intervals held {:.1f}% of the {} measured times ({:.1f}% ran faster, {:.1f}% slower); median interval "
        "{:.2f} to {:.2f} times the prediction",
        method, 100 * c.inside, c.models, 100 * c.below, 100 * c.above, c.medianLow, c.medianHigh);
}

Json scoresJson(const std::vector<MethodScores>& scores) {
    Json out = Json::object();
    for (const MethodScores& s : scores) {
        Json families = Json::object();
        for (const auto& [family, a] : s.perFamily) families[family] = metricsJson(a);
        out[s.method] = {{"overall", metricsJson(s.overall)}, {"families", families}};
    }
    return out;
}

// An adapted predictor: scored on the measured models it was not fitted on, beside the baselines
// that see the same networks (workflows/evaluate_transfer.h).
int printTransferEvaluation(const EvaluateArgs& args, const std::vector<EvaluationModel>& models, const DeviceAnalyzer& device,
                            const std::string& datasetName, double unitMs, const std::vector<std::string>& notes,
                            const std::string& usualNote) {
    const Adaptation& a = *device.predictor()->adaptation;
    const DeviceAnalyzer source = DeviceAnalyzer::load(a.sourceDevice, {"", "", args.db});
    if (source.error())
        return reportError(badInput(fmt::format("evaluate: the adaptation's source {} has no predictor here to compare with: {}",
                                                a.sourceDevice, source.error()->message)));
    Progress progress = stderrProgress(args.json);
    Result<TransferEvaluation> r = evaluateTransfer(models, device, source, &progress);
    if (!r) return reportError(r.error());
    TransferEvaluation t = std::move(r).value();
    t.warnings.insert(t.warnings.end(), notes.begin(), notes.end());
    if (args.json) {
        Json models = Json::array();
        for (const TransferModelRow& m : t.models) {
            Json predicted = Json::object();
            for (size_t k = 0; k < t.methods.size() && k < m.predictedMs.size(); ++k)
                predicted[t.methods[k]] = m.predictedMs[k] > 0 ? Json(m.predictedMs[k]) : Json(nullptr);
            models.push_back({{"name", m.name},
                              {"family", m.family},
                              {"measured_ms", m.measuredMs},
                              {"predicted_ms", predicted},
                              {"interval_ms", m.lowMs > 0 ? Json{m.lowMs, m.highMs} : Json(nullptr)},
                              {"beyond_adaptation", m.beyondAdaptation}});
        }
        std::cout << Json{{"schema", "kernelmeter.evaluate-transfer/1"},
                          {"device", args.device},
                          {"source", a.sourceDevice},
                          {"dataset", datasetName.empty() ? Json(nullptr) : Json(datasetName)},
                          {"reference_unit_ms", unitMs > 0 ? Json(unitMs) : Json(nullptr)},
                          {"usual_speed_note", usualNote.empty() ? Json(nullptr) : Json(usualNote)},
                          {"fitted_on", t.fittedOn},
                          {"methods", t.methods},
                          {"held_out", scoresJson(t.scores)},
                          {"interval", coverageJson(t.interval)},
                          {"beyond_adaptation", {{"warned", metricsJson(t.beyond)}, {"others", metricsJson(t.within)}}},
                          {"models", models},
                          {"warnings", t.warnings}}
                         .dump(1)
                  << "\n";
    } else {
        std::cout << fmt::format("{}: predictor adapted from {} ({}) on {} networks ({}); scored on the {} other measured models{}\n\n",
                                 args.device, a.sourceDevice, a.sourceCpuModel, t.fittedOn, a.timesFrom, t.scores.front().overall.models,
                                 unitMs > 0 ? fmt::format(", at the reference speed ({:.4f} ms)", unitMs) : "");
        if (!usualNote.empty()) std::cout << usualNote << "\n\n";
        size_t width = 6;  // the longest method name ("source at reference speed")
        for (const MethodScores& s : t.scores) width = std::max(width, s.method.size());
        std::cout << fmt::format("{:<{}} {:>7} {:>7} {:>7} {:>9} {:>8}\n", "method", width, "±5%", "±10%", "±15%", "Spearman", "RMSPE");
        for (const MethodScores& s : t.scores)
            std::cout << fmt::format("{:<{}} {:>6.1f}% {:>6.1f}% {:>6.1f}% {:>9.3f} {:>7.1f}%\n", s.method, width, 100 * s.overall.within5,
                                     100 * s.overall.within10, 100 * s.overall.within15, s.overall.spearman, 100 * s.overall.rmspe);
        std::cout << "\n" << coverageLine(t.methods.front(), t.interval) << "\n";
        if (t.beyond.models > 0)
            std::cout << fmt::format(
                "{} of the held-out models got a warning that the adaptation's fit did not reach them (kernel types none of its "
                "networks had, or times far outside theirs): adapted put {:.1f}% of them within 10% ({:.1f}% of the other {}).\n",
                t.beyond.models, 100 * t.beyond.within10, 100 * t.within.within10, t.within.models);
    }
    for (const std::string& w : t.warnings) std::cerr << "kernelmeter-cli: warning: " << w << "\n";
    return 0;
}

// One table: a row per family and "overall", a column per method with its +-10% share and RMSPE.
void printTable(const std::string& title, const std::vector<MethodScores>& scores) {
    std::cout << title << "\n" << fmt::format("{:<14} {:>6}", "family", "models");
    for (const MethodScores& s : scores) std::cout << fmt::format(" {:>18}", s.method);
    std::cout << "\n";
    auto row = [&](const std::string& name, auto metricsOf) {
        const AccuracyMetrics first = metricsOf(scores.front());
        std::cout << fmt::format("{:<14} {:>6}", name, first.models);
        for (const MethodScores& s : scores) {
            const AccuracyMetrics a = metricsOf(s);
            std::cout << (a.models == 0 ? fmt::format(" {:>18}", "-")
                                        : fmt::format(" {:>8.0f}% {:>7.1f}%", a.within10 * 100, a.rmspe * 100));
        }
        std::cout << "\n";
    };
    for (const auto& [family, a] : scores.front().perFamily)
        row(family, [&, family = family](const MethodScores& s) {
            auto it = s.perFamily.find(family);
            return it == s.perFamily.end() ? AccuracyMetrics{} : it->second;
        });
    row("overall", [](const MethodScores& s) { return s.overall; });
    std::cout << "(each cell: share within 10%, RMSPE)\n\n";
}

// Which machines and agents took the scored measurements (each model's newest): raw times of two
// CPUs, or of agents that placed buffers differently (docs/measurement.md), are not comparable.
struct MeasuredOn {
    std::string cpuModel, allocation;
    int models = 0;
};

// The placements whose times compare: the aligned agent's with and without huge pages measured
// the 22 torchvision networks alike on all four devices (ratios' medians 0.984-1.012, within a
// session's repeatability; docs/measurement.md, point 9), so they count as one; glibc's default
// placement (earlier agents) moved OpenCV's times by up to 1.5x and stays apart.
std::string comparablePlacement(const std::string& allocation) {
    const std::string hugePages = "+huge-pages";
    return allocation.ends_with(hugePages) ? allocation.substr(0, allocation.size() - hugePages.size()) : allocation;
}

// How many groups of measurements whose raw times cannot be compared `on` holds.
size_t incomparableGroups(const std::vector<MeasuredOn>& on) {
    std::set<std::pair<std::string, std::string>> groups;
    for (const MeasuredOn& m : on) groups.insert({m.cpuModel, comparablePlacement(m.allocation)});
    return groups.size();
}

std::vector<MeasuredOn> measuredOn(const std::vector<StoredMeasurement>& stored, const std::vector<EvaluationModel>& scored,
                                   const std::map<std::string, std::string>& hashOfName) {
    std::map<std::string, const StoredMeasurement*> newest;  // by model hash; rows come oldest first
    for (const StoredMeasurement& m : stored) newest[m.modelHash] = &m;
    std::map<std::pair<std::string, std::string>, int> counts;
    for (const EvaluationModel& e : scored) {
        auto hash = hashOfName.find(e.name);
        if (hash == hashOfName.end()) continue;
        auto m = newest.find(hash->second);
        if (m == newest.end()) continue;
        const Json protocol = Json::parse(m->second->protocolJson, nullptr, false);
        const std::string allocation = protocol.is_object() ? protocol.value("allocation", "") : "";
        ++counts[{m->second->machine.cpuModel, allocation.empty() ? "default" : allocation}];
    }
    std::vector<MeasuredOn> out;
    for (const auto& [key, n] : counts) out.push_back({key.first, key.second, n});
    return out;
}

}  // namespace

int runEvaluate(const EvaluateArgs& args) {
    // Any device id with measurements will do (an imported nn-Meter device, say), given its rules
    // and predictor (found by id, in --db before the shipped ones as `predict --db` finds them, or
    // --rules and --predictor). In its own milliseconds (atUsualSpeed off).
    const DeviceAnalyzer device = DeviceAnalyzer::load(args.device, {args.rulesFile, args.predictorFile, args.db});
    if (device.error()) return reportError(*device.error());
    const PredictorSet& predictor = *device.predictor();
    const std::string& predictorUsed = device.predictorSource();
    // Another device's predictor (--predictor) of another runtime or thread count: scored, and said.
    std::string notThisDevice;
    if (const HostComparison* host = device.host().get(); host && host->notThisDevice()) notThisDevice = host->message;

    const std::string datasetName = args.models.empty() ? (args.dataset.empty() ? "zoo" : args.dataset) : "";
    auto store = datasetName.empty() ? openStoreForReading(args.db.empty() ? defaultDatabasePath() : args.db)
                                     : openDatasetStore(args.db, datasetName);
    if (!store) return reportError(store.error());
    Result<std::vector<StoredMeasurement>> stored = store.value()->forDevice(args.device);
    if (!stored) return reportError(stored.error());
    // --at-reference-speed: each measurement as its ratio to the reference workload of the same
    // rounds times one reference time (the predictor's unit, else the database's baseline, else
    // the measurements' median), so that the machine's speed phases and hosts do not count as
    // prediction error.
    double unitMs = 0;
    std::string unitSource;
    if (args.atReferenceSpeed) {
        Result<ReferenceUnit> unit =
            referenceUnitFor(predictor.referenceMs, databaseBaselineMs(*store.value(), args.device), stored.value());
        if (!unit) return reportError(badInput(fmt::format("--at-reference-speed: on {}, {}", args.device, unit.error().message)));
        unitMs = unit.value().ms;
        unitSource = unit.value().source;
    }
    const std::map<std::string, std::vector<double>> byHash = measuredTimesByModel(stored.value(), unitMs);

    std::vector<EvaluationModel> models;
    std::map<std::string, std::string> hashOfName;
    auto add = [&](const std::string& name, const std::string& family, const std::string& path, const std::string& hash) {
        EvaluationModel e{name, family, path, hash, 0, 0, {}};
        hashOfName[name] = hash;
        if (auto it = byHash.find(hash); it != byHash.end()) {
            e.measuredMs = it->second.back();
            if (it->second.size() > 1) e.earlierMs = it->second[it->second.size() - 2];
        }
        models.push_back(e);
    };
    if (!datasetName.empty()) {
        Result<std::vector<DatasetModel>> rows = store.value()->datasetModels(datasetName);
        if (!rows) return reportError(rows.error());
        if (Status same = checkNb201Generator(rows.value()); !same) return reportError(same.error());
        for (const DatasetModel& m : rows.value()) {
            if (!byHash.count(m.modelHash)) continue;  // never measured on this device: nothing to score
            Result<ModelLoader> loader = datasetModelLoader(m);
            if (!loader && m.generator == kNb201GeneratorBefore) return reportError(loader.error());  // all its cells are so
            if (!loader) {
                std::cerr << "kernelmeter-cli: warning: " << loader.error().message << "\n";
                continue;
            }
            add(m.name, m.family, m.path, m.modelHash);
            models.back().load = std::move(loader).value();
        }
        // Nothing of the dataset measured on the device: say where evaluate looked, and what to
        // score instead.
        if (models.empty()) {
            const Result<Device> target = findDevice(args.device, args.db);
            const std::string measureThere =
                target && target.value().canMeasure()
                    ? fmt::format("measure some there (`kernelmeter-cli dataset build --device {}`), or ", args.device)
                    : std::string();
            return reportError(badInput(fmt::format(
                "evaluate: no model of dataset '{}' in {} was measured on {}: {}score it on another dataset (--dataset NAME) or on "
                "models measured on it (--models FILE...).",
                datasetName, store.value()->path(), args.device, measureThere)));
        }
    } else {
        // A folder stands for the .onnx files in it (name order), as `measure` may have written them.
        std::vector<std::string> files;
        for (const std::string& arg : args.models) {
            std::error_code ec;
            if (!std::filesystem::is_directory(arg, ec)) {
                files.push_back(arg);
                continue;
            }
            std::vector<std::string> inside;
            for (const auto& entry : std::filesystem::directory_iterator(arg, ec))
                if (entry.path().extension() == ".onnx") inside.push_back(entry.path().string());
            if (inside.empty()) return reportError(badInput(fmt::format("--models {}: a folder without .onnx files.", arg)));
            std::sort(inside.begin(), inside.end());
            files.insert(files.end(), inside.begin(), inside.end());
        }
        for (const std::string& path : files) {
            // Read once: hashed to find its measurements, parsed for the evaluation.
            Result<std::shared_ptr<const ModelFile>> file = ModelFile::read(path, {}, ModelFile::Keep::Hash);
            if (!file) return reportError(file.error());
            const std::string stem = std::filesystem::path(path).stem().string();
            add(stem, stem.substr(0, stem.find('-')), path, file.value()->sha256());
            models.back().load = [f = file.value()]() -> Result<std::shared_ptr<const ModelFile>> { return f; };
        }
    }
    std::set<std::string> scored;
    for (const EvaluationModel& m : models) scored.insert(m.modelHash);
    // --at-usual-speed: the predictions as predict gives them, carried to the device's usual speed,
    // taken from what the database held before the scored measurements (never from them).
    std::optional<DeviceAnalyzer> carried;
    std::string usualNote, usualCpu;  // usualCpu: the machine of the usual speed, the scored measurements'
    if (args.atUsualSpeed) {
        Result<UsualSpeedBefore> usual = usualSpeedBefore(*store.value(), args.device, stored.value(), scored);
        if (!usual) return reportError(badInput(fmt::format("--at-usual-speed: on {}, {}", args.device, usual.error().message)));
        if (!(predictor.referenceMs > 0))
            return reportError(
                badInput(fmt::format("--at-usual-speed: the predictor of {} ({}) records no reference time.", args.device, predictorUsed)));
        if (usual.value().speed.referenceMs > 0) {
            auto p = std::make_shared<PredictorSet>(predictor);
            p->speedScale = usual.value().speed.referenceMs / predictor.referenceMs;
            usualNote = usualSpeedNote(predictor, args.device, usual.value().speed) + ", from the measurements before " +
                        usual.value().firstScoredUtc;
            carried.emplace(args.device, device.rules(), std::move(p), device.rulesSource(), predictorUsed);
            for (const StoredMeasurement& m : stored.value())  // oldest first; the newest scored are on one machine
                if (scored.count(m.modelHash)) usualCpu = m.machine.cpuModel;
        } else {
            std::cerr << fmt::format(
                "kernelmeter-cli: warning: --at-usual-speed: fewer than {} measurements of {} on that machine before {}: scored in the "
                "predictor's own milliseconds.\n",
                kMinEarlierReferenceTimes, args.device, usual.value().firstScoredUtc);
        }
    }
    const DeviceAnalyzer& scoring = carried ? *carried : device;
    // In ms, how much of the error the machine's speed alone makes (scored models only).
    std::string speedGap;
    if (!(unitMs > 0)) speedGap = speedGapWarning(*scoring.predictor(), stored.value(), scored, carried ? usualCpu : std::string());
    if (predictor.adaptation) {
        std::vector<std::string> notes;
        if (!notThisDevice.empty()) notes.push_back(notThisDevice);
        if (!speedGap.empty()) notes.push_back(speedGap);
        // Models measured on another CPU than the one adapted to (the shipped benchmark's, say)
        // score neither machine: kernel types scale differently across CPUs.
        if (!predictor.cpuModel.empty()) {
            int other = 0, all = 0;
            std::string otherCpu;
            for (const MeasuredOn& m : measuredOn(stored.value(), models, hashOfName)) {
                all += m.models;
                if (!m.cpuModel.empty() && m.cpuModel != predictor.cpuModel) {
                    other += m.models;
                    otherCpu = m.cpuModel;
                }
            }
            if (other > 0)
                notes.push_back(fmt::format(
                    "{} of the {} scored models were measured on {}, not on {}, the machine the predictor was adapted on: kernel types "
                    "scale differently across CPUs{}, so these scores say little about either machine; measure the models there "
                    "(`kernelmeter-cli measure`, `dataset build`) to score the adaptation.",
                    other, all, otherCpu, predictor.cpuModel,
                    unitMs > 0 ? " (the reference speed takes out the machine's speed, not that)" : ""));
        }
        // The baselines see the adaptation's networks: those the scored models lack are generated
        // again (evaluate_transfer.h).
        AdaptationNetworks fitted = adaptationNetworks(*predictor.adaptation, scored);
        for (EvaluationModel& m : fitted.models) models.push_back(std::move(m));
        if (!fitted.missing.empty())
            std::cerr << fmt::format(
                "kernelmeter-cli: warning: {} of the adaptation's networks (the first: {}) were files given to adapt, not among "
                "the scored models: give them with --models.\n",
                fitted.missing.size(), fitted.missing.front());
        return printTransferEvaluation(args, models, scoring, datasetName, unitMs, notes, usualNote);
    }
    Result<EvaluationReport> report = evaluatePredictor(models, scoring);
    if (!report) return reportError(report.error());
    const EvaluationReport& r = report.value();
    const std::vector<MeasuredOn> machines = measuredOn(stored.value(), models, hashOfName);
    std::vector<std::string> warnings = r.warnings;
    if (!notThisDevice.empty()) warnings.push_back(notThisDevice);
    if (!speedGap.empty()) warnings.push_back(speedGap);
    if (const size_t groups = incomparableGroups(machines); groups > 1)
        warnings.push_back(fmt::format(
            "the scored measurements come from {} machines or agent versions (listed above); their raw times are not comparable{}", groups,
            unitMs > 0 ? "" : " (--at-reference-speed takes the machine's speed out)"));
    if (args.json) {
        Json out{{"schema", "kernelmeter.evaluate/1"},
                 {"device", args.device},
                 {"predictor", predictorUsed},
                 {"dataset", datasetName.empty() ? Json(nullptr) : Json(datasetName)},
                 {"reference_unit_ms", unitMs > 0 ? Json(unitMs) : Json(nullptr)},
                 {"usual_speed_note", usualNote.empty() ? Json(nullptr) : Json(usualNote)},
                 {"methods", r.methods},
                 {"split", scoresJson(r.split)},
                 {"leave_one_family_out", scoresJson(r.leaveOneFamilyOut)},
                 {"interval", coverageJson(r.interval)},
                 {"measured_on", Json::array()},
                 {"predictor_cpu_model", predictor.cpuModel},
                 {"models", Json::array()},
                 {"warnings", warnings},
                 {"nn_meter_note", r.nnMeterNote}};
        for (const MeasuredOn& m : machines)
            out["measured_on"].push_back({{"cpu_model", m.cpuModel}, {"allocation", m.allocation}, {"models", m.models}});
        for (const EvaluatedModel& m : r.models)
            out["models"].push_back({{"name", m.name},
                                     {"family", m.family},
                                     {"test", m.test},
                                     {"measured_ms", m.measuredMs},
                                     {"predicted_ms", m.predicted},
                                     {"interval_ms", m.lowMs > 0 ? Json{m.lowMs, m.highMs} : Json(nullptr)}});
        std::cout << out.dump(1) << "\n";
    } else {
        std::cout << fmt::format("{} models on {}; predictor: {} (built on {})\n", r.models.size(), args.device, predictorUsed,
                                 predictor.timesSource());
        for (const MeasuredOn& m : machines)
            std::cout << fmt::format("measured on {}, buffer placement {}: {} models\n",
                                     m.cpuModel.empty() ? "an unrecorded CPU" : m.cpuModel, m.allocation, m.models);
        if (unitMs > 0)
            std::cout << fmt::format("measured times at the reference speed: ratio to the reference workload x {:.4f} ms ({})\n", unitMs,
                                     unitSource);
        if (!usualNote.empty()) std::cout << usualNote << "\n";
        std::cout << "\n";
        printTable("Split (fitted baselines trained on every other model of each family, all scored on the rest):", r.split);
        printTable("Leave one family out (fitted baselines trained on the other families):", r.leaveOneFamilyOut);
        std::cout << coverageLine(r.methods.front(), r.interval) << "\n";
        std::cout << r.nnMeterNote << "\n";
    }
    for (const std::string& w : warnings) std::cerr << "kernelmeter-cli: warning: " << w << "\n";
    return 0;
}

}  // namespace km::cli

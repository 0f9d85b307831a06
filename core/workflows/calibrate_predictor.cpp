// SPDX-License-Identifier: Apache-2.0
#include "workflows/calibrate_predictor.h"

#include <fmt/format.h>
#include <algorithm>
#include <filesystem>
#include <optional>

#include "common/scratch_folder.h"
#include "workflows/build_predictor.h"
#include "workflows/device_analyzer.h"
#include "zoo/zoo.h"

namespace km {

Result<CalibrationReport> calibratePredictor(const Device& device, const RuleSet& rules, PredictorSet& predictor,
                                             const CalibratePredictorOptions& options, Progress* progress) {
    if (options.cacheDir.empty()) return badInput("calibrate: no folder for calibration networks was given.");
    const bool given = !options.modelPaths.empty();
    if ((given ? int(options.modelPaths.size()) : options.networks) < 3)
        return badInput("calibrate: at least 3 calibration networks are needed.");
    // Generated networks are written only to be measured (their times are stored), then removed.
    std::optional<ScratchFolder> folder;
    if (!given) {
        Result<ScratchFolder> made =
            ScratchFolder::create((std::filesystem::path(options.cacheDir) / device.id / "calibration").string(), options.cacheDir);
        if (!made) return made.error();
        folder.emplace(std::move(made.value()));
    }

    // The kernel sums with the terms being fitted left out.
    // In the predictor's unit (PredictorSet::referenceMs) when it has one.
    auto bare = std::make_shared<PredictorSet>(predictor);
    bare->overheadMs = 0;
    bare->kernelScale = predictor.unitScale();
    bare->perKernelMs = 0;
    auto sharedRules = std::make_shared<const RuleSet>(rules);
    const DeviceAnalyzer bareDevice(device.id, sharedRules, bare);
    CalibrationReport report;
    std::vector<std::string> paths, descriptions;
    std::vector<double> sums, counts, full;
    const int count = given ? int(options.modelPaths.size()) : options.networks;
    for (int i = 0; i < count; ++i) {
        std::string path, description;
        if (given) {
            path = options.modelPaths[size_t(i)];
            description = std::filesystem::path(path).filename().string();
        } else {
            const std::vector<std::string>& families = zooFamilies();
            ZooOptions zoo;
            zoo.maxResolution = 224;
            Result<ZooModel> model =
                generateZooModel(families[size_t(i) % families.size()], options.firstSeed + uint32_t(size_t(i) / families.size()), zoo);
            if (!model) {
                report.warnings.push_back(fmt::format("calibration network {}: {}", i, model.error().message));
                continue;
            }
            Result<std::string> written = writeGeneratedModel(folder->path(), model.value().bytes);
            if (!written) return written.error();
            path = written.value();
            description = model.value().name + " " + model.value().description;
        }
        Result<std::shared_ptr<const ModelFile>> file = ModelFile::read(path, options.measure.load);
        if (!file) {
            report.warnings.push_back(fmt::format("calibration network {}: {}", path, file.error().message));
            continue;
        }
        const DeviceAnalysis a = bareDevice.analyze(*file.value());
        const ModelPrediction& p = a.prediction;
        paths.push_back(path);
        descriptions.push_back(description);
        sums.push_back(p.totalMs);
        // The prediction as the predictor gives it, for the reference time (only then needed).
        full.push_back(options.referenceTimeOnly ? predictModel(a.partition, a.metrics->perNode, predictor).totalMs : 0.0);
        counts.push_back(
            double(std::count_if(p.kernels.begin(), p.kernels.end(), [](const KernelPrediction& k) { return k.source != "none"; })));
    }
    // A deadline stops measuring between batches (measureModels checks for a cancel before each).
    Progress bounded([&](double f, const std::string& msg) {
        if (options.deadline && std::chrono::steady_clock::now() > *options.deadline) bounded.cancel();
        if (progress) progress->report(f, msg);
    });
    const std::vector<ModelReport> measured = measureModels(paths, device, options.measure, &bounded);
    folder.reset();
    const bool stoppedByDeadline = bounded.isCancelled();
    for (size_t i = 0; i < measured.size(); ++i) {
        if (!measured[i].ok) {
            if (stoppedByDeadline && measured[i].error.empty()) continue;  // not reached before the deadline
            report.warnings.push_back(
                fmt::format("calibration network {}: not measured: {}", given ? paths[i] : descriptions[i], measured[i].error));
            continue;
        }
        report.descriptions.push_back(descriptions[i]);
        report.kernelSumMs.push_back(sums[i]);
        report.kernelCounts.push_back(counts[i]);
        // The network's time in reference-workload units (0: the reference was not measured).
        const double ratio = measured[i].reference.median;
        if (options.referenceTimeOnly && ratio > 0) report.referenceMsAtExact.push_back(full[i] / ratio);
        // At the predictor's reference speed when it has one (the networks are measured in one
        // short window of the machine's drift), else as measured.
        const ModelReport& m = measured[i];
        const bool atReference = predictor.referenceMs > 0 && m.normalizedMs > 0 && m.referenceBaselineMs > 0;
        report.measuredMs.push_back(atReference ? m.normalizedMs * predictor.referenceMs / m.referenceBaselineMs : m.stats.medianMs);
    }
    if (report.measuredMs.size() < 3)
        return unsupported(fmt::format("calibrating {}: only {} of {} calibration networks were measured.", device.id,
                                       report.measuredMs.size(), options.networks));
    if (options.referenceTimeOnly) {
        if (report.referenceMsAtExact.size() < 3)
            return unsupported(fmt::format("calibrating {}'s reference time: only {} networks were measured with the reference workload.",
                                           device.id, report.referenceMsAtExact.size()));
        predictor.referenceMs = quantile(report.referenceMsAtExact, 0.5);
        return report;
    }
    report.fit = fitModelCalibration(report.kernelSumMs, report.kernelCounts, report.measuredMs);
    predictor.overheadMs = report.fit.overheadMs;
    predictor.perKernelMs = report.fit.perKernelMs;
    predictor.kernelScale = report.fit.kernelScale * bare->kernelScale;
    predictor.calibration = report.fit;
    predictor.calibration.kernelScale = predictor.kernelScale;
    return report;
}

}  // namespace km

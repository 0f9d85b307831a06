#include "workflows/calibrate_predictor.h"

#include <filesystem>
#include <fmt/format.h>

#include "fusion/partition.h"
#include "graph/metrics.h"
#include "onnx/onnx_loader.h"
#include "sampling/calibration_models.h"
#include "workflows/build_predictor.h"

namespace km {

Result<CalibrationReport> calibratePredictor(const Device& device, const RuleSet& rules, PredictorSet& predictor,
                                             const CalibratePredictorOptions& options, Progress* progress) {
    if (options.cacheDir.empty()) return badInput("calibrate: no folder for calibration networks was given.");
    if (options.networks < 3) return badInput("calibrate: at least 3 calibration networks are needed.");
    const std::filesystem::path dir = std::filesystem::path(options.cacheDir) / device.id / "calibration";
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return ioError(fmt::format("{}: cannot create the calibration folder ({}).", dir.string(), ec.message()));

    // The kernel sums with the terms being fitted left out.
    PredictorSet bare = predictor;
    bare.overheadMs = 0;
    bare.kernelScale = 1;
    LoadOptions load = options.measure.load;
    load.literalSpellings = rules.literalSpellings();
    CalibrationReport report;
    std::vector<std::string> paths, descriptions;
    std::vector<double> sums;
    for (int i = 0; i < options.networks; ++i) {
        const uint32_t seed = options.firstSeed + uint32_t(i);
        Result<CalibrationModel> model = buildCalibrationModel(seed);
        if (!model) {
            report.warnings.push_back(fmt::format("calibration network {}: {}", seed, model.error().message));
            continue;
        }
        Result<std::string> path = writeCachedModel(dir.string(), model.value().bytes);
        if (!path) return path.error();
        Result<Graph> graph = loadModelFile(path.value(), load);
        if (!graph) {
            report.warnings.push_back(fmt::format("calibration network {}: {}", seed, graph.error().message));
            continue;
        }
        const ModelPrediction p = predictModel(partitionGraph(graph.value(), rules), computeGraphMetrics(graph.value()).perNode, bare);
        paths.push_back(path.value());
        descriptions.push_back(model.value().description);
        sums.push_back(p.totalMs);
    }
    const std::vector<ModelReport> measured = measureModels(paths, device, options.measure, progress);
    for (size_t i = 0; i < measured.size(); ++i) {
        if (!measured[i].ok) {
            report.warnings.push_back(fmt::format("calibration network {} ({}): not measured: {}", paths[i], descriptions[i], measured[i].error));
            continue;
        }
        report.descriptions.push_back(descriptions[i]);
        report.kernelSumMs.push_back(sums[i]);
        report.measuredMs.push_back(measured[i].stats.medianMs);
    }
    if (report.measuredMs.size() < 3)
        return unsupported(fmt::format("calibrating {}: only {} of {} calibration networks were measured.", device.id,
                                       report.measuredMs.size(), options.networks));
    report.fit = fitModelCalibration(report.kernelSumMs, report.measuredMs);
    predictor.overheadMs = report.fit.overheadMs;
    predictor.kernelScale = report.fit.kernelScale;
    predictor.calibration = report.fit;
    return report;
}

}  // namespace km

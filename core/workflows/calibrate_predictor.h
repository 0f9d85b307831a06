// SPDX-License-Identifier: Apache-2.0
// calibratePredictor: fits a predictor's model-level terms (overhead and in-network kernel scale,
// predict/predictor.h) on generated calibration networks (random variants of the zoo's families,
// core/zoo) measured whole through kernelmeter-agent with the model protocol. Never on networks
// used for evaluation.
#pragma once

#include <chrono>
#include <optional>

#include <string>
#include <vector>

#include "common/progress.h"
#include "fusion/rule_set.h"
#include "predict/predictor.h"
#include "workflows/measure_models.h"

namespace km {

struct CalibratePredictorOptions {
    MeasureModelsOptions measure;  // protocol and store (measured networks are stored and reused)
    std::string cacheDir;          // generated networks are written under <cacheDir>/<device>/calibration while
                                   // they are measured, then removed (required)
    // How many generated networks (at least 3): network i is the zoo's family i mod 15 with seed
    // firstSeed + i / 15, at most 224 x 224 (whole networks take long to measure above that).
    // Benchmark datasets use seeds from 1, so calibration networks are never dataset models.
    int networks = 30;
    uint32_t firstSeed = 900001;
    // ONNX files to calibrate on instead of generated networks (networks and firstSeed unused): a
    // user's own architectures, or exported ones like those the predictor will be asked about.
    // Never the networks the predictor is evaluated on.
    std::vector<std::string> modelPaths;
    // Only find the predictor's reference time (for a predictor built without one): the reference
    // workload's time at which its predictions of the networks are unbiased, the median over the
    // networks of prediction / (network time / reference time in the same rounds). The model-level
    // terms stay as they are; predictions do not change, but measurements of any host can then be
    // compared with them at one machine speed (evaluate --at-reference-speed).
    bool referenceTimeOnly = false;
    // No new batch of networks starts after this (a build's budget); the fit uses the networks
    // measured by then (at least 3). Default: none.
    std::optional<std::chrono::steady_clock::time_point> deadline;
};

struct CalibrationReport {
    ModelCalibration fit;
    std::vector<std::string> descriptions;  // per network measured
    std::vector<double> kernelSumMs;        // sum of kernel predictions before the fit
    std::vector<double> kernelCounts;       // kernels predicted per network
    std::vector<double> measuredMs;         // the network's measured median
    std::vector<std::string> warnings;      // networks that could not be built, loaded or measured
    // referenceTimeOnly: per network, the reference time at which the prediction is exact; the
    // median becomes predictor.referenceMs.
    std::vector<double> referenceMsAtExact;
};

// Sets predictor.overheadMs, kernelScale, perKernelMs and calibration from the fit (or, with
// referenceTimeOnly, predictor.referenceMs). Fails (predictor unchanged) when fewer than 3 networks
// could be measured.
Result<CalibrationReport> calibratePredictor(const Device& device, const RuleSet& rules, PredictorSet& predictor,
                                             const CalibratePredictorOptions& options, Progress* progress = nullptr);

}  // namespace km

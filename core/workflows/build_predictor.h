// SPDX-License-Identifier: Apache-2.0
// buildPredictor: for each kernel type, adaptive sampling of kernel configurations measured through
// kernelmeter-agent (each kernel model paired with an overhead model of the same input in the same
// rounds, so kernel times exclude the per-model fixed cost), a regressor per type, a generic
// regressor over all samples, and the model overhead (docs/predictors.md). Every measurement is
// stored as taken; a rerun with the same seed draws the same kernels and reuses them.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/progress.h"
#include "predict/predictor.h"
#include "workflows/measure_kernels.h"
#include "workflows/measure_models.h"

namespace km {

struct BuildPredictorOptions {
    MeasureModelsOptions measure;          // agent and store; protocol: kernelSamplingProtocol() (measure_kernels.h)
    std::string cacheDir;                  // kernel models are written under <cacheDir>/<device>/kernels,
                                           // each removed once measured (required)
    std::string priorDir;                  // datasets/priors (required)
    std::vector<std::string> kernelTypes;  // which kernel types to build (required)
    AdaptiveOptions adaptive;              // per type
    double budgetMinutes = 45;             // initial rounds first, then refinement rounds, worst types first
    // Types not started when the budget is spent still get a first round of the floor's size
    // (40 + 20 + 30 kernels) while the build is within budgetMinutes + this: every type is built
    // from something (a caller with time reserved after the kernels, such as the calibration,
    // sets it). Default 0.
    double firstRoundGraceMinutes = 0;
    int modelsPerRequest = 40;  // kernel models measured together in one agent request
    std::string command;        // recorded as provenance
};

struct BuildPredictorReport {
    PredictorSet predictor;
    std::vector<std::string> warnings;  // kernel types that could not be built, and why
    double tailMsPerElement = 0;        // the kernel models' tail cost per element (measure_kernels.h, perElementCost)
};

Result<BuildPredictorReport> buildPredictor(const Device& device, const BuildPredictorOptions& options, Progress* progress = nullptr,
                                            const std::function<void(const std::string& type, const RoundMetrics&)>& onRound = {});

}  // namespace km

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
#include "workflows/measure_models.h"

namespace km {

struct BuildPredictorOptions {
    MeasureModelsOptions measure;          // agent and store; protocol: kernelSamplingProtocol()
    std::string cacheDir;                  // kernel models are written here (required)
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

// Writes a generated model to `dir` named by its content hash (kept if already there); its path.
Result<std::string> writeCachedModel(const std::string& dir, const std::string& bytes);

// 2 processes x 8 rounds x 3 runs with a short warm-up: kernel models run microseconds to
// milliseconds, and the regressor averages over many of them. Three runs per round, not two: a
// round's first run follows the other models of the batch and runs with cold caches; the median
// of three drops it, the "median" of two averages it in (small kernels measured up to 1.6x slow
// on xnnpack-t1, large ones ~10%: a size-dependent bias no model-level scale can undo).
MeasureOptions kernelSamplingProtocol();

struct BuildPredictorReport {
    PredictorSet predictor;
    std::vector<std::string> warnings;  // kernel types that could not be built, and why
    double tailMsPerElement = 0;        // the kernel models' tail cost per element (see below)
};

// Median of the pairwise slopes (Theil-Sen) of ms against elements, at least 0: the per-element
// cost of the in-place tail every kernel and overhead model ends with, fitted on tail-only models
// of several sizes. Kernel times are corrected by it for the tail running on the kernel's input in
// the overhead model and on its output in the kernel model.
double perElementCost(const std::vector<double>& elements, const std::vector<double>& ms);

// A kernel's time from its kernel model and its overhead model, measured in the same rounds: the
// median over rounds of (kernel - overhead), each round scaled to the reference workload's baseline
// speed (referenceBaselineMs / that round's reference time) when the reference was measured, plus
// the tail's cost on the kernel's input minus its cost on the kernel's output
// (`tailCorrectionMs`: the overhead model runs the tail on the input, the kernel model on its
// output, and a network has no tail). Without matching rounds, the difference of the two models'
// (normalized) medians. Never below 1% of the kernel model's own time.
double kernelMs(const ModelReport& kernel, const ModelReport& overhead, double tailCorrectionMs);

Result<BuildPredictorReport> buildPredictor(const Device& device, const BuildPredictorOptions& options, Progress* progress = nullptr,
                                            const std::function<void(const std::string& type, const RoundMetrics&)>& onRound = {});

}  // namespace km

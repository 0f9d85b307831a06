// SPDX-License-Identifier: Apache-2.0
// Kernel times on a device: each kernel configuration (sampling/kernel_spec.h) becomes a kernel
// model and an overhead model of the same input, measured in the same rounds through
// kernelmeter-agent, and the kernel's time is their difference corrected for the tail both end
// with. buildPredictor trains its regressors on these times; adaptPredictor measures a few of the
// source's training kernels on the target to tell the groups' scales apart (docs/adapt.md).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/progress.h"
#include "sampling/kernel_spec.h"
#include "workflows/measure_models.h"

namespace km {

// Writes a generated model to `dir` named by its content hash (kept if already there); its path.
Result<std::string> writeGeneratedModel(const std::string& dir, const std::string& bytes);

// 2 processes x 8 rounds x 3 runs with a short warm-up: kernel models run microseconds to
// milliseconds, and the regressor averages over many of them. Three runs per round, not two: a
// round's first run follows the other models of the batch and runs with cold caches; the median
// of three drops it, the "median" of two averages it in (small kernels measured up to 1.6x slow
// on xnnpack-t1, large ones ~10%: a size-dependent bias no model-level scale can undo).
MeasureOptions kernelSamplingProtocol();

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

// What a campaign of kernel measurements saw besides the kernels' times (appended to).
struct KernelCampaign {
    std::vector<double> overheadMs;       // every overhead model's time (normalized when it could be)
    double referenceBaselineMs = 0;       // the unit of the kernel times (0: raw milliseconds)
    std::vector<double> referenceRounds;  // the reference workload's round times
    std::string runtimeVersion, cpuModel;
    int logicalCores = 0;
};

// The tail's cost per element on `device` (perElementCost over tail-only models of ten sizes,
// written to `dir`, measured once with the reference, and removed; their times are stored and reused
// like any kernel model's).
// nullopt when fewer than 3 of them could be measured.
Result<std::optional<double>> measureTailCost(const Device& device, const MeasureModelsOptions& options, const std::string& dir,
                                              Progress* progress = nullptr);

struct KernelMeasureOptions {
    MeasureModelsOptions measure;  // agent, store and protocol (kernelSamplingProtocol())
    std::string dir;               // where the kernel and overhead models are written, each request's
                                   // removed once measured (required; a ScratchFolder's)
    double tailMsPerElement = 0;   // measureTailCost's
    size_t perRequest = 20;        // kernels (with their overhead models) per agent request
    // Kernel times at the reference workload's baseline speed, round by round (kernelMs). Off: raw
    // differences, for a device on which the reference itself is not steady (a runtime using every
    // core of a shared machine, where its rounds jumped tenfold).
    bool referenceUnits = true;
};

// Each spec's time on `device` (nullopt: not built or not measured), measured with the reference
// workload. `beforeRequest(kernels)`, when given, is asked before each request and stops the
// campaign when it returns false (specs not reached stay nullopt).
Result<std::vector<std::optional<double>>> measureKernels(const std::vector<KernelSpec>& specs, const Device& device,
                                                          const KernelMeasureOptions& options, KernelCampaign& campaign,
                                                          Progress* progress = nullptr,
                                                          const std::function<bool(size_t kernels)>& beforeRequest = {});

}  // namespace km

// SPDX-License-Identifier: Apache-2.0
// Kernels that pin an adaptation's group scales: a few of the source's own training kernels per
// transfer group, measured on the target, give each group's ratio of the target's time to the
// source's directly, where ten whole networks leave most groups' scales to one or two of them
// (docs/adapt.md).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "predict/predictor.h"
#include "sampling/kernel_spec.h"

namespace km {

struct AnchorKernel {
    std::string group;    // its transfer group (predict/transfer.h)
    KernelSpec spec;      // one of the source's training kernels
    double sourceMs = 0;  // the source's prediction of it (regressor x kernel scale x group scale)
    double mflops = 0;    // its work (predict/features.h, kernelMflops and kernelMovedMb)
    double movedMb = 0;
};

// Training kernels of `bareSource` (workflows/adapt_predictor.h, bareSourceOf) for each group of
// `groupMs` that has them (the value: the group's source time over the candidate networks),
// spread evenly over the sorted source times (quantiles) of the group's kernels predicted at most
// `maxSourceMs` (0: no limit): `perGroup` of them, up to 4 x `perGroup` for the groups holding the
// most time (perGroup x (1 + 3 x time / the largest group's time)), whose scales decide most of a
// network's. A group that would get fewer than two (a small perGroup, or one kernel under the
// bound) gets none: its fit needs two (anchorRatios). Deterministic; groups in order, kernels by
// source time.
std::vector<AnchorKernel> chooseAnchorKernels(const PredictorSet& bareSource, const std::map<std::string, double>& groupMs, size_t perGroup,
                                              double maxSourceMs);

// Per group with at least two kernels measured (nullopt or <= 0: not): the median, lowest and
// highest of measured / source time, and two fits of the measured times: scale x source + cost
// (relative least squares, each kernel weighted by its time, both terms at least 0) and
// a x source^b (on the logs, b pulled toward 1). With at least kMinKernelsForWork kernels also a
// third, by their work: rate x MFLOPs + rate x MB + cost (the same least squares, each term at
// least 0), and the left-out RMSPE of it and of the first (each kernel predicted by the fit on
// the others; both 0 when one cannot be computed).
constexpr size_t kMinKernelsForWork = 5;
std::vector<AdaptedKernelGroup> anchorRatios(const std::vector<AnchorKernel>& kernels,
                                             const std::vector<std::optional<double>>& measuredMs);

// Whether a group measured by anchorRatios is priced by its kernels' work: only for a target of
// another runtime than the source's, and where the work fit predicts the kernels left out clearly
// better (RMSPE at least 20% lower) than the fit of the source's times. The source's times carry
// the source runtime's choices (XNNPACK ran OpenCV's depthwise and 1x1 kernels at 0.03-1.4 and
// 0.16-1.1 times OpenCV's time), which another runtime does not share; within a runtime they are
// the better guide (docs/adapt.md).
bool priceByWork(const AdaptedKernelGroup& group, bool anotherRuntime);

}  // namespace km

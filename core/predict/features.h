// SPDX-License-Identifier: Apache-2.0
// Features of a kernel for its latency regressor (docs/predictors.md): one fixed layout for every
// kernel type, so a feature means the same thing everywhere; what a type lacks is NaN (missing to
// the trees). Everything that changes cost is there: shapes (H and W apart), channels, kernel,
// stride, groups, dilation, pads, batch, input count, and the kernel's summed MACs, FLOPs,
// parameters, bytes in, out and of weights, arithmetic intensity, and channels per group.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "common/result.h"
#include "fusion/partition.h"
#include "graph/metrics.h"
#include "sampling/kernel_spec.h"

namespace km {

enum class Feature {
    Batch,
    InH,
    InW,
    InC,
    OutH,
    OutW,
    OutC,
    KernelH,
    KernelW,
    StrideH,
    StrideW,
    Groups,
    DilationH,
    DilationW,
    PadsSum,
    Inputs,
    Nodes,
    Macs,
    Flops,
    Params,
    BytesIn,
    BytesOut,
    BytesWeights,
    Intensity,
    // Appended later (regressors trained before them have fewer columns and never read these):
    // channels per group in and out, which set a grouped convolution's cost per MAC (XNNPACK
    // runs 2-4 channels per group 5-10x slower per MAC than 16 or more).
    InCPerGroup,
    OutCPerGroup,
    // The window and stride of the convolution after the root in a chained kernel (the depthwise
    // 3x3..7x7 of conv-relu6-dwconv-relu6); missing when there is none.
    InnerKernel,
    InnerStride,
    Count
};
inline constexpr size_t kFeatureCount = size_t(Feature::Count);
using KernelFeatures = std::array<float, kFeatureCount>;

// Column names for docs, CSV exports and importance listings ("in_h", "macs", ...).
const std::array<const char*, kFeatureCount>& featureNames();

// `metrics`: computeGraphMetrics(graph).perNode (computed once per graph).
KernelFeatures kernelFeatures(const Kernel& kernel, const std::vector<NodeMetrics>& metrics);
// A kernel's work from its features: MFLOPs, and MB read and written (weights included); a
// missing feature counts as 0.
double kernelMflops(const KernelFeatures& features);
double kernelMovedMb(const KernelFeatures& features);

// The features of a sampled spec, computed exactly as for a kernel found in a network: its kernel
// model is built, loaded and partitioned (with every consecutive pair of the type fused), and the
// kernel of the spec's type is described. Training and prediction thus share one code path.
Result<KernelFeatures> specFeatures(const KernelSpec& spec);

// The kernel of a sampled spec's model, as specFeatures finds it, with the model's per-node
// metrics: for describing it in other ways (the nn-Meter variant's features).
struct SpecKernel {
    Kernel kernel;
    std::vector<NodeMetrics> metrics;
};
Result<SpecKernel> specKernel(const KernelSpec& spec);

}  // namespace km

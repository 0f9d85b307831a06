// SPDX-License-Identifier: Apache-2.0
// Kernel configurations to measure and the prior they are drawn from (docs/predictors.md).
// A KernelSpec names a kernel type as partitioning produces it ("conv-bn-relu", "dwconv-relu6",
// "add-relu", "maxpool", "fc-relu") and the root op's shape parameters; kernel_models.h turns it
// into an ONNX model.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "common/result.h"

namespace km {

// Which prior and which parameters a kernel type's root op uses.
enum class KernelFamily { Conv, DwConv, GConv, ConvTranspose, Fc, Pool, GlobalPool, Elementwise, Concat };
KernelFamily familyOf(const std::string& kernelType);  // from the type's first op
std::string rootOf(const std::string& kernelType);     // "conv-bn-relu" -> "conv"
// Whether an op after the root is a convolution (conv, dwconv, gconv): its window is a dimension.
bool hasInnerWindow(const std::string& kernelType);

struct KernelSpec {
    std::string type;
    int64_t h = 1, w = 1;       // input spatial size (fc: unused)
    int64_t cin = 1, cout = 1;  // fc: features in and out; elementwise: cout == cin; concat: the two inputs' channels
    int64_t kernel = 1, stride = 1, groups = 1;
    // The window of the convolution inside a chained kernel, after its root (the depthwise one of
    // conv-relu6-dwconv-relu6, whose root is the 1x1 expansion): kernel size and stride. 0 for
    // types without one (hasInnerWindow). Inverted residuals use 3x3 to 7x7 there, stride 1 or 2,
    // and XNNPACK runs a 7x7 depthwise convolution 15x slower than a 5x5 one.
    int64_t innerKernel = 0, innerStride = 1;
    // Stable text identity ("conv-bn-relu h28 w28 c64-128 k3 s1 g1", then " ik5 is2" when there
    // is an inner window): deduplication, storage key.
    std::string key() const;
    bool operator==(const KernelSpec& o) const { return key() == o.key(); }
    // The inverse of key(); errors quote the text.
    static Result<KernelSpec> fromKey(const std::string& key);
};

// One layer of a real CNN (a row of the nn-Meter prior CSVs).
struct PriorLayer {
    std::string model;
    int64_t h = 1, w = 1, cin = 1, cout = 1, kernel = 1, stride = 1, groups = 1;
};

struct Prior {
    std::vector<PriorLayer> conv, dwconv, fc, pooling;
};

// Reads conv.csv, dwconv.csv, fc.csv and pooling.csv from `dir` (datasets/priors). Errors name the
// file, the line and the field.
Result<Prior> loadPrior(const std::string& dir);

// The values sampled dimensions snap to: realistic sizes, denser than nn-Meter's (it allowed H in
// {1, 3, 7, 14, 28, 56, 112, 224} only, so 10x10 or 120x120 inputs were never seen).
const std::vector<int64_t>& spatialSizes();
const std::vector<int64_t>& channelCounts();
// Fully connected layers also take the long vectors of a flattened feature map and the wide hidden
// layers of AlexNet/VGG-style heads (4096, 9216, 25088): channelCounts() ends at 2048, which
// snapped them all to 2048 x 2048 and left AlexNet's head (4096 x 9216) to extrapolation.
const std::vector<int64_t>& fcWidths();
int64_t snapTo(const std::vector<int64_t>& values, double v);

struct SamplerOptions {
    uint64_t seed = 1;
    // Per dimension, the chance of moving a drawn prior layer's value to a nearby snapped value
    // (up to `maxSteps` steps): keeps the prior's joint structure (small H with many channels)
    // while covering the space between its layers.
    double perturb = 0.5;
    int maxSteps = 2;
};

// `count` distinct specs of `kernelType` (fewer if the space is exhausted), none in `exclude`.
// Deterministic for a seed. Joint sampling: a prior layer of the type's family is drawn, then
// perturbed dimension by dimension and snapped.
std::vector<KernelSpec> sampleSpecs(const Prior& prior, const std::string& kernelType, size_t count, const SamplerOptions& options,
                                    const std::vector<KernelSpec>& exclude = {});

// Specs one or two steps away from `spec` in every dimension the family has (adaptive refinement:
// where the regressor is wrong, measure the neighbourhood), valid and distinct.
std::vector<KernelSpec> neighbours(const KernelSpec& spec);

// Whether the spec describes a model that can be built (channels divisible by groups, output at
// least 1x1, ...); `why` says what is wrong.
bool validSpec(const KernelSpec& spec, std::string* why = nullptr);

}  // namespace km

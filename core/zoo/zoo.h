// SPDX-License-Identifier: Apache-2.0
// Generators of model families (docs/zoo.md): seeded random variants of
// fifteen CNN families and a NAS-Bench-201-style cell space, emitted as ONNX the way a framework
// exporter writes them (batch norm folded into the convolution before it, relu6 as Clip, hswish as
// HardSigmoid x Mul, swish as Sigmoid x Mul, torch.chunk as Slice, channel shuffle as
// Reshape-Transpose-Reshape), so that what a predictor sees on them is what it sees on exported
// networks. They feed the benchmark datasets (docs/results.md) and the predictors' calibration.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace km {

struct ZooModel {
    std::string family;       // one of zooFamilies()
    uint32_t seed = 0;        // the same (family, seed, options) gives the same bytes
    std::string name;         // "<family>-<seed>"
    std::string bytes;        // serialised ONNX, opset 13, batch 1, float32
    std::string description;  // the random choices, e.g. "r192 x0.75 depths 1-2-3-4-3-3-1 k3/5"
    int64_t resolution = 0;   // input height = width
};

struct ZooOptions {
    // Input resolutions are drawn from the family's own list (within 96..320) restricted to this
    // range; a range that excludes all of them is an error.
    int64_t minResolution = 96;
    int64_t maxResolution = 320;
    int64_t classes = 1000;  // outputs of the classifier
};

// The family ids, in a fixed order: alexnet, vgg, resnet, densenet, googlenet, squeezenet,
// mobilenetv1, mobilenetv2, mobilenetv3, shufflenetv2, mnasnet, proxylessnas, efficientnet,
// regnet, nasbench201.
const std::vector<std::string>& zooFamilies();

// Deterministic in (family, seed, options). Fails on an unknown family (the message lists the
// known ones) or an empty resolution range.
Result<ZooModel> generateZooModel(std::string_view family, uint32_t seed, const ZooOptions& options = {});

}  // namespace km

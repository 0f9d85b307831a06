// SPDX-License-Identifier: Apache-2.0
// Generators of model families (docs/zoo.md): seeded random variants of
// fifteen CNN families and a NAS-Bench-201-style cell space, emitted as ONNX the way a framework
// exporter writes them (batch norm folded into the convolution before it, relu6 as Clip, hswish as
// HardSigmoid x Mul, swish as Sigmoid x Mul, torch.chunk as Slice, channel shuffle as
// Reshape-Transpose-Reshape), so that what a predictor sees on them is what it sees on exported
// networks. They feed the benchmark datasets (docs/results.md) and the predictors' calibration.
#pragma once

#include <array>
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

// NAS-Bench-201 (docs/zoo.md): a cell's six edges, in the arch string's order
// (0->1) (0->2) (1->2) (0->3) (1->3) (2->3).
enum class Nb201Op { None, Skip, Conv1x1, Conv3x3, AvgPool3x3 };
struct Nb201Cell {
    std::array<Nb201Op, 6> edges{};
    std::string arch() const;  // the canonical arch string
    // No path of edges other than `none` joins the input to the output: the cell, and so the
    // network, computes a constant (runtimes may fold it away entirely).
    bool computesZeros() const;
};
// Parses "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|...~0|...~1|...~2|"; a bad string is an error
// naming the string and what is wrong with it.
Result<Nb201Cell> parseNb201Arch(std::string_view arch);
// How a generated network's bytes are written: to run (every weight with its values), or to be
// analysed only (weights of more than 4096 elements by their dims alone, no ONNX checker:
// OnnxBuilder::leaveOutLargeWeightValues). KernelMeter's loader reads the same graph from both;
// the second is smaller and quicker to make and to read, and no runtime can run it.
enum class ModelBytes { Runnable, AnalysisOnly };

// The benchmark's network of an arch string, exactly as NAS-Bench-201 defines it (CIFAR setting:
// 1x3x32x32 input, C = 16, 5 cells per stage, 10 classes; family "nb201", description = the
// canonical arch string). Deterministic in the string and `bytes` (weights seeded alike).
Result<ZooModel> generateNb201Model(std::string_view arch, ModelBytes bytes = ModelBytes::Runnable);

}  // namespace km

// SPDX-License-Identifier: Apache-2.0
// Builds small ONNX models in code: the measurement reference workload now, fusion test cases and
// kernel models later (docs/architecture.md, core/onnx). Weights are seeded pseudo-random
// values: latency does not depend on them, repeatability does depend on the seed being fixed.
// Protobuf stays behind the pimpl, so callers see no ONNX header.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace km {

class OnnxBuilder {
public:
    // `opset` of the default domain (13 works in every runtime KernelMeter drives).
    explicit OnnxBuilder(std::string graphName, uint32_t seed = 1, int64_t opset = 13);
    ~OnnxBuilder();
    OnnxBuilder(const OnnxBuilder&) = delete;
    OnnxBuilder& operator=(const OnnxBuilder&) = delete;

    // Every call returns the name of the tensor it produces; `name` names the node (and its
    // output). Shapes are NCHW float32; convolutions pad to keep H/W (k/2 on each side).
    std::string input(const std::string& name, const std::vector<int64_t>& shape);
    std::string conv(const std::string& x, int64_t outChannels, int64_t kernel, int64_t stride, int64_t groups, const std::string& name);
    std::string relu(const std::string& x, const std::string& name);
    std::string add(const std::string& a, const std::string& b, const std::string& name);
    std::string globalAveragePool(const std::string& x, const std::string& name);
    std::string flatten(const std::string& x, const std::string& name);
    std::string gemm(const std::string& x, int64_t outFeatures, const std::string& name);
    std::string convTranspose(const std::string& x, int64_t outChannels, int64_t kernel, int64_t stride,
                              const std::string& name);  // output = input x stride (pads (k - s) / 2)
    std::string batchNorm(const std::string& x, const std::string& name);
    std::string clip(const std::string& x, float lo, float hi, const std::string& name);  // relu6: 0, 6
    // One-input ops without parameters: Sigmoid, HardSwish (opset >= 14), HardSigmoid, Softmax
    // (over axis 1), Relu, Identity-like ops. Shape is kept.
    std::string unary(const std::string& opType, const std::string& x, const std::string& name);
    std::string mul(const std::string& a, const std::string& b, const std::string& name);
    std::string swish(const std::string& x, const std::string& name);  // x * sigmoid(x): two nodes
    // `pad` pixels on each side; -1: kernel / 2 (keeps H/W at stride 1).
    std::string maxPool(const std::string& x, int64_t kernel, int64_t stride, const std::string& name, int64_t pad = -1);
    std::string avgPool(const std::string& x, int64_t kernel, int64_t stride, const std::string& name, int64_t pad = -1);
    std::string concat(const std::vector<std::string>& xs, const std::string& name);  // along channels
    // Splits channels in two equal halves: returns both outputs ("<name>_0", "<name>_1").
    std::vector<std::string> split(const std::string& x, const std::string& name);
    // Channels [begin, end) through one Slice node (how exporters spell torch's chunk).
    std::string sliceChannels(const std::string& x, int64_t begin, int64_t end, const std::string& name);
    // A binary op (Add, Sub, Mul, Div) of x and a scalar constant: x + 3, x / 6.
    std::string withScalar(const std::string& opType, const std::string& x, float value, const std::string& name);
    std::string reshape(const std::string& x, const std::vector<int64_t>& shape, const std::string& name);
    std::string transpose(const std::string& x, const std::vector<int64_t>& perm, const std::string& name);
    std::string pad(const std::string& x, int64_t pixels, const std::string& name);  // zero, H and W both sides
    // reshape (N, g, C/g, H, W) -> transpose (0, 2, 1, 3, 4) -> reshape back: three nodes.
    std::string channelShuffle(const std::string& x, int64_t groups, const std::string& name);

    // Dims of a tensor made so far (empty for an unknown name).
    std::vector<int64_t> shapeOf(const std::string& tensor) const;

    // For a model that is only analysed, never run (its kernels, shapes and FLOPs: specKernel):
    // weights made from now on with more than 4096 elements get their dims and no values, and
    // finish() leaves out the ONNX checker, which wants values. KernelMeter's loader reads any
    // weight that large by its dims alone (constant folding takes at most 4096 elements), so the
    // graph it reads is the same; a fully connected kernel of 4608 x 9216 is then under 100 kB
    // instead of 170 MB. No runtime can run such a model.
    void leaveOutLargeWeightValues();

    // Marks `outputs` as the graph outputs, runs ONNX shape inference and the checker, and returns
    // the serialised model. Any misuse so far (unknown tensor, channel mismatch) is reported here.
    Result<std::string> finish(const std::vector<std::string>& outputs);
    // The graph's doc_string (e.g. what the model stands for, so that two models that compute
    // alike but stand for different things have different bytes).
    void setDocString(const std::string& text);

private:
    struct Impl;
    std::unique_ptr<Impl> m;
};

}  // namespace km

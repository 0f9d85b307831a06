// SPDX-License-Identifier: Apache-2.0
#include "sampling/kernel_models.h"

#include <fmt/format.h>
#include <sstream>

#include "fusion/test_cases.h"
#include "onnx/onnx_builder.h"

namespace km {
namespace {

std::vector<std::string> opsOf(const std::string& type) {
    std::vector<std::string> ops;
    std::stringstream ss(type);
    std::string op;
    while (std::getline(ss, op, '-')) ops.push_back(op);
    return ops;
}

std::vector<int64_t> inputShape(const KernelSpec& s) {
    if (familyOf(s.type) == KernelFamily::Fc) return {1, s.cin};
    return {1, s.cin, s.h, s.w};
}

// forAnalysis: buildKernelModelForAnalysis.
Result<std::string> buildKernel(const KernelSpec& s, uint32_t seed, bool forAnalysis) {
    if (std::string why; !validSpec(s, &why)) return badInput(fmt::format("kernel spec {}: {}.", s.key(), why));
    const auto ops = opsOf(s.type);
    OnnxBuilder b("kernel " + s.key(), seed, /*opset=*/14);
    if (forAnalysis) b.leaveOutLargeWeightValues();
    std::string x = b.input("x", inputShape(s));
    switch (familyOf(s.type)) {
    case KernelFamily::Conv:
    case KernelFamily::GConv:
    case KernelFamily::DwConv: x = b.conv(x, s.cout, s.kernel, s.stride, s.groups, "k0_" + ops[0]); break;
    case KernelFamily::ConvTranspose: x = b.convTranspose(x, s.cout, s.kernel, s.stride, "k0_convtranspose"); break;
    case KernelFamily::Fc: x = b.gemm(x, s.cout, "k0_fc"); break;
    case KernelFamily::Pool:
        x = ops[0] == "maxpool" ? b.maxPool(x, s.kernel, s.stride, "k0_maxpool") : b.avgPool(x, s.kernel, s.stride, "k0_avgpool");
        break;
    case KernelFamily::Concat: x = b.concat({x, b.relu(b.input("other", {1, s.cout, s.h, s.w}), "k0_other_relu")}, "k0_concat"); break;
    case KernelFamily::GlobalPool:
    case KernelFamily::Elementwise: x = applyCanonicalOp(b, ops[0], x, "k0_"); break;
    }
    bool innerDone = false;
    for (size_t i = 1; i < ops.size(); ++i) {
        const std::string prefix = fmt::format("k{}_", i);
        const bool window = ops[i] == "conv" || ops[i] == "dwconv" || ops[i] == "gconv";
        if (window && s.innerKernel > 0 && !innerDone) {  // the spec's inner window (kernel_spec.h)
            const int64_t c = b.shapeOf(x).at(1);
            x = b.conv(x, c, s.innerKernel, s.innerStride, ops[i] == "dwconv" ? c : ops[i] == "gconv" ? 4 : 1, prefix + ops[i]);
            innerDone = true;
        } else {
            x = applyCanonicalOp(b, ops[i], x, prefix);
        }
    }
    return b.finish({b.reshape(x, b.shapeOf(x), "t_tail")});
}

}  // namespace

Result<std::string> buildKernelModel(const KernelSpec& spec, uint32_t seed) { return buildKernel(spec, seed, false); }

Result<std::string> buildKernelModelForAnalysis(const KernelSpec& spec) { return buildKernel(spec, 1, true); }

Result<std::string> buildKernelOverheadModel(const KernelSpec& s, uint32_t seed) {
    OnnxBuilder b("overhead " + s.key(), seed, /*opset=*/14);
    std::string x = b.input("x", inputShape(s));
    return b.finish({b.reshape(x, b.shapeOf(x), "t_tail")});
}

}  // namespace km

// SPDX-License-Identifier: Apache-2.0
// ONNX's schema registry with guards in front of the shape inference of the convolution family.
// ONNX 1.12 (Debian 12) takes a convolution's kernel rank from its weight and then indexes the
// input's spatial dimensions and the stride and dilation vectors (sized by the input) with it, so
// a damaged file whose weight has a higher rank than the input reads past those vectors and can
// divide by whatever it finds there (found by the fuzzer: a SIGFPE inside libonnx). The guard
// checks the ranks first and fails the inference with a message instead. Every other schema is
// ONNX's own.
#include <onnx/defs/schema.h>
#include <onnx/defs/shape_inference.h>
#include <map>
#include <memory>
#include <mutex>

#include "onnx/onnx_internal.h"

namespace km::onnx_detail {
namespace {

// Input index of the data and of the weight for the operators that take the kernel from a weight.
bool convInputs(const std::string& op, int& x, int& w) {
    if (op == "Conv" || op == "ConvInteger" || op == "ConvTranspose") return x = 0, w = 1, true;
    if (op == "QLinearConv") return x = 0, w = 3, true;
    return false;
}

int rankOf(onnx::InferenceContext& ctx, int index) {
    if (size_t(index) >= ctx.getNumInputs()) return -1;
    const onnx::TypeProto* t = ctx.getInputType(size_t(index));
    if (!t || !t->has_tensor_type() || !t->tensor_type().has_shape()) return -1;
    return t->tensor_type().shape().dim_size();
}

size_t intsAttributeSize(onnx::InferenceContext& ctx, const char* name, bool& present) {
    const onnx::AttributeProto* a = ctx.getAttribute(name);
    present = a != nullptr;
    return a ? size_t(a->ints_size()) : 0;
}

void checkConvRanks(onnx::InferenceContext& ctx, int x, int w) {
    const int xr = rankOf(ctx, x), wr = rankOf(ctx, w);
    if (xr >= 0 && xr < 3) fail_shape_inference("the input has rank ", xr, "; a convolution needs at least 3 (N x C x D1...).");
    if (wr >= 0 && wr < 3) fail_shape_inference("the weight has rank ", wr, "; a convolution needs at least 3 (M x C x k1...).");
    if (xr >= 0 && wr >= 0 && xr != wr)
        fail_shape_inference("the input has rank ", xr, " but the weight has rank ", wr, "; they must be equal.");
    if (xr < 0) return;
    const size_t spatial = size_t(xr - 2);
    for (const char* name : {"kernel_shape", "strides", "dilations", "output_padding"}) {
        bool present = false;
        const size_t n = intsAttributeSize(ctx, name, present);
        if (present && n != spatial)
            fail_shape_inference("attribute '", name, "' has ", n, " values for ", spatial, " spatial dimensions.");
    }
    bool present = false;
    if (const size_t n = intsAttributeSize(ctx, "pads", present); present && n != 2 * spatial)
        fail_shape_inference("attribute 'pads' has ", n, " values for ", spatial, " spatial dimensions (needs ", 2 * spatial, ").");
}

class GuardedRegistry final : public onnx::ISchemaRegistry {
public:
    const onnx::OpSchema* GetSchema(const std::string& key, const int maxInclusiveVersion, const std::string& domain) const override {
        const onnx::OpSchema* base = onnx::OpSchemaRegistry::Schema(key, maxInclusiveVersion, domain);
        int x = 0, w = 0;
        if (!base || !(domain.empty() || domain == "ai.onnx") || !convInputs(key, x, w)) return base;
        std::lock_guard<std::mutex> lock(m_mutex);
        auto& guarded = m_guarded[base];
        if (!guarded) {
            guarded = std::make_unique<onnx::OpSchema>(*base);
            onnx::InferenceFunction inner = base->GetTypeAndShapeInferenceFunction();
            guarded->TypeAndShapeInferenceFunction([inner, x, w](onnx::InferenceContext& ctx) {
                checkConvRanks(ctx, x, w);
                if (inner) inner(ctx);
            });
        }
        return guarded.get();
    }

private:
    mutable std::mutex m_mutex;
    mutable std::map<const onnx::OpSchema*, std::unique_ptr<onnx::OpSchema>> m_guarded;
};

}  // namespace

const onnx::ISchemaRegistry* guardedSchemaRegistry() {
    static GuardedRegistry registry;
    return &registry;
}

}  // namespace km::onnx_detail

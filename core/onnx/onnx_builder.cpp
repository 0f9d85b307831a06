// SPDX-License-Identifier: Apache-2.0
#include "onnx/onnx_builder.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <fmt/format.h>
#include <algorithm>
#include <map>

#include "onnx/onnx_internal.h"

namespace km {

struct OnnxBuilder::Impl {
    onnx::ModelProto model;
    std::map<std::string, std::vector<int64_t>> shapes;  // every tensor made so far
    uint32_t state = 1;                                  // weight generator (LCG)
    std::string firstError;                              // misuse, reported by finish()
    bool largeWeightValues = true;                       // false: leaveOutLargeWeightValues()

    onnx::GraphProto* graph() { return model.mutable_graph(); }

    float nextWeight() {
        state = state * 1664525u + 1013904223u;
        return (static_cast<float>(state >> 8) / 16777216.0f - 0.5f) * 0.2f;  // in [-0.1, 0.1)
    }

    std::string initializer(const std::string& name, const std::vector<int64_t>& dims) {
        auto* t = graph()->add_initializer();
        t->set_name(name);
        t->set_data_type(onnx::TensorProto::FLOAT);
        int64_t count = 1;
        for (int64_t d : dims) {
            t->add_dims(d);
            count *= d;
        }
        if (!largeWeightValues && count > onnx_detail::kMaxFoldedElements) return name;
        t->mutable_float_data()->Reserve(int(std::min<int64_t>(count, INT32_MAX)));
        for (int64_t i = 0; i < count; ++i) t->add_float_data(nextWeight());
        return name;
    }

    onnx::NodeProto* node(const std::string& op, const std::string& name, const std::vector<std::string>& inputs) {
        auto* n = graph()->add_node();
        n->set_op_type(op);
        n->set_name(name);
        for (const auto& in : inputs) n->add_input(in);
        n->add_output(name);
        return n;
    }

    static void intsAttribute(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& values) {
        auto* a = n->add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::INTS);
        for (int64_t v : values) a->add_ints(v);
    }
    static void intAttribute(onnx::NodeProto* n, const std::string& name, int64_t value) {
        auto* a = n->add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::INT);
        a->set_i(value);
    }

    // Dims of `x`, or an empty vector after recording the misuse.
    std::vector<int64_t> require(const std::string& x, size_t rank, const std::string& user) {
        auto it = shapes.find(x);
        if (it == shapes.end() || it->second.size() != rank) {
            if (firstError.empty())
                firstError = fmt::format("node '{}' reads tensor '{}', which is not a rank-{} tensor of this model.", user, x, rank);
            return {};
        }
        return it->second;
    }
};

OnnxBuilder::OnnxBuilder(std::string graphName, uint32_t seed, int64_t opset) : m(std::make_unique<Impl>()) {
    m->state = seed;
    m->model.set_ir_version(7);
    m->model.set_producer_name("kernelmeter");
    auto* op = m->model.add_opset_import();
    op->set_domain("");
    op->set_version(opset);
    m->graph()->set_name(std::move(graphName));
}

OnnxBuilder::~OnnxBuilder() = default;

std::string OnnxBuilder::input(const std::string& name, const std::vector<int64_t>& shape) {
    auto* in = m->graph()->add_input();
    in->set_name(name);
    auto* tensor = in->mutable_type()->mutable_tensor_type();
    tensor->set_elem_type(onnx::TensorProto::FLOAT);
    for (int64_t d : shape) tensor->mutable_shape()->add_dim()->set_dim_value(d);
    m->shapes[name] = shape;
    return name;
}

std::string OnnxBuilder::conv(const std::string& x, int64_t outChannels, int64_t kernel, int64_t stride, int64_t groups,
                              const std::string& name) {
    const auto s = m->require(x, 4, name);
    if (s.empty()) return name;
    if (groups < 1 || s[1] % groups != 0 || outChannels % groups != 0 || kernel < 1 || stride < 1) {
        if (m->firstError.empty())
            m->firstError = fmt::format("node '{}': {} -> {} channels, kernel {}, stride {} and {} groups do not fit.", name, s[1],
                                        outChannels, kernel, stride, groups);
        return name;
    }
    const int64_t pad = kernel / 2;
    const std::string w = m->initializer(name + ".weight", {outChannels, s[1] / groups, kernel, kernel});
    const std::string b = m->initializer(name + ".bias", {outChannels});
    auto* n = m->node("Conv", name, {x, w, b});
    Impl::intsAttribute(n, "kernel_shape", {kernel, kernel});
    Impl::intsAttribute(n, "strides", {stride, stride});
    Impl::intsAttribute(n, "pads", {pad, pad, pad, pad});
    Impl::intAttribute(n, "group", groups);
    auto outDim = [&](int64_t d) { return (d + 2 * pad - kernel) / stride + 1; };
    m->shapes[name] = {s[0], outChannels, outDim(s[2]), outDim(s[3])};
    return name;
}

std::string OnnxBuilder::relu(const std::string& x, const std::string& name) {
    m->node("Relu", name, {x});
    m->shapes[name] = m->shapes.count(x) ? m->shapes[x] : std::vector<int64_t>{};
    return name;
}

std::string OnnxBuilder::add(const std::string& a, const std::string& b, const std::string& name) {
    const auto sa = shapeOf(a);
    const auto sb = shapeOf(b);
    if (sa != sb && m->firstError.empty())
        m->firstError = fmt::format("node '{}' adds tensors of different shapes ('{}' and '{}').", name, a, b);
    m->node("Add", name, {a, b});
    m->shapes[name] = sa;
    return name;
}

std::string OnnxBuilder::globalAveragePool(const std::string& x, const std::string& name) {
    const auto s = m->require(x, 4, name);
    m->node("GlobalAveragePool", name, {x});
    if (!s.empty()) m->shapes[name] = {s[0], s[1], 1, 1};
    return name;
}

std::string OnnxBuilder::flatten(const std::string& x, const std::string& name) {
    const auto s = m->require(x, 4, name);
    Impl::intAttribute(m->node("Flatten", name, {x}), "axis", 1);
    if (!s.empty()) m->shapes[name] = {s[0], s[1] * s[2] * s[3]};
    return name;
}

std::string OnnxBuilder::gemm(const std::string& x, int64_t outFeatures, const std::string& name) {
    const auto s = m->require(x, 2, name);
    if (s.empty()) return name;
    const std::string w = m->initializer(name + ".weight", {outFeatures, s[1]});
    const std::string b = m->initializer(name + ".bias", {outFeatures});
    Impl::intAttribute(m->node("Gemm", name, {x, w, b}), "transB", 1);
    m->shapes[name] = {s[0], outFeatures};
    return name;
}

std::string OnnxBuilder::convTranspose(const std::string& x, int64_t outChannels, int64_t kernel, int64_t stride, const std::string& name) {
    const auto s = m->require(x, 4, name);
    if (s.empty()) return name;
    const int64_t pad = (kernel - stride) / 2;
    const std::string w = m->initializer(name + ".weight", {s[1], outChannels, kernel, kernel});
    auto* n = m->node("ConvTranspose", name, {x, w});
    Impl::intsAttribute(n, "kernel_shape", {kernel, kernel});
    Impl::intsAttribute(n, "strides", {stride, stride});
    Impl::intsAttribute(n, "pads", {pad, pad, pad, pad});
    auto outDim = [&](int64_t d) { return (d - 1) * stride - 2 * pad + kernel; };
    m->shapes[name] = {s[0], outChannels, outDim(s[2]), outDim(s[3])};
    return name;
}

std::string OnnxBuilder::batchNorm(const std::string& x, const std::string& name) {
    const auto s = m->require(x, 4, name);
    if (s.empty()) return name;
    std::vector<std::string> inputs{x};
    for (const char* part : {"scale", "bias", "mean", "var"}) inputs.push_back(m->initializer(name + "." + part, {s[1]}));
    // A variance must be positive: shift the generated values into [0.9, 1.1).
    for (auto& v : *m->graph()->mutable_initializer(m->graph()->initializer_size() - 1)->mutable_float_data()) v += 1.0f;
    m->node("BatchNormalization", name, inputs);
    m->shapes[name] = s;
    return name;
}

std::string OnnxBuilder::clip(const std::string& x, float lo, float hi, const std::string& name) {
    auto scalar = [&](const std::string& n, float v) {
        auto* t = m->graph()->add_initializer();
        t->set_name(n);
        t->set_data_type(onnx::TensorProto::FLOAT);
        t->add_float_data(v);
        return n;
    };
    m->node("Clip", name, {x, scalar(name + ".min", lo), scalar(name + ".max", hi)});
    m->shapes[name] = shapeOf(x);
    return name;
}

std::string OnnxBuilder::unary(const std::string& opType, const std::string& x, const std::string& name) {
    auto* n = m->node(opType, name, {x});
    if (opType == "Softmax") Impl::intAttribute(n, "axis", 1);
    m->shapes[name] = shapeOf(x);
    return name;
}

std::string OnnxBuilder::mul(const std::string& a, const std::string& b, const std::string& name) {
    m->node("Mul", name, {a, b});
    // Multidirectional broadcasting of equal ranks (a gate N x C x 1 x 1 times N x C x H x W, in
    // either order): each dimension is the larger of the two.
    std::vector<int64_t> shape = shapeOf(a);
    const std::vector<int64_t> other = shapeOf(b);
    if (shape.size() == other.size())
        for (size_t i = 0; i < shape.size(); ++i) shape[i] = std::max(shape[i], other[i]);
    m->shapes[name] = shape;
    return name;
}

std::string OnnxBuilder::swish(const std::string& x, const std::string& name) {
    return mul(x, unary("Sigmoid", x, name + "_sigmoid"), name);
}

std::string OnnxBuilder::maxPool(const std::string& x, int64_t kernel, int64_t stride, const std::string& name, int64_t padPixels) {
    const auto s = m->require(x, 4, name);
    if (s.empty()) return name;
    const int64_t pad = padPixels < 0 ? kernel / 2 : padPixels;
    auto* n = m->node("MaxPool", name, {x});
    Impl::intsAttribute(n, "kernel_shape", {kernel, kernel});
    Impl::intsAttribute(n, "strides", {stride, stride});
    Impl::intsAttribute(n, "pads", {pad, pad, pad, pad});
    auto outDim = [&](int64_t d) { return (d + 2 * pad - kernel) / stride + 1; };
    m->shapes[name] = {s[0], s[1], outDim(s[2]), outDim(s[3])};
    return name;
}

std::string OnnxBuilder::avgPool(const std::string& x, int64_t kernel, int64_t stride, const std::string& name, int64_t pad) {
    const std::string out = maxPool(x, kernel, stride, name, pad);
    if (m->graph()->node_size() > 0 && m->graph()->node(m->graph()->node_size() - 1).name() == name)
        m->graph()->mutable_node(m->graph()->node_size() - 1)->set_op_type("AveragePool");
    return out;
}

std::string OnnxBuilder::concat(const std::vector<std::string>& xs, const std::string& name) {
    std::vector<int64_t> out;
    for (const auto& x : xs) {
        const auto s = m->require(x, 4, name);
        if (s.empty()) return name;
        if (out.empty())
            out = s;
        else
            out[1] += s[1];
    }
    Impl::intAttribute(m->node("Concat", name, xs), "axis", 1);
    m->shapes[name] = out;
    return name;
}

std::vector<std::string> OnnxBuilder::split(const std::string& x, const std::string& name) {
    const auto s = m->require(x, 4, name);
    const std::vector<std::string> outs{name + "_0", name + "_1"};
    if (s.empty()) return outs;
    if (s[1] % 2 != 0 && m->firstError.empty()) m->firstError = fmt::format("node '{}' splits an odd channel count.", name);
    auto* n = m->graph()->add_node();
    n->set_op_type("Split");
    n->set_name(name);
    n->add_input(x);
    n->add_input(m->initializer(name + ".split", {2}));
    for (const auto& o : outs) n->add_output(o);
    // Split sizes are int64: rewrite the generated float initializer.
    auto* sizes = m->graph()->mutable_initializer(m->graph()->initializer_size() - 1);
    sizes->clear_float_data();
    sizes->set_data_type(onnx::TensorProto::INT64);
    sizes->add_int64_data(s[1] / 2);
    sizes->add_int64_data(s[1] / 2);
    Impl::intAttribute(n, "axis", 1);
    for (const auto& o : outs) m->shapes[o] = {s[0], s[1] / 2, s[2], s[3]};
    return outs;
}

std::string OnnxBuilder::sliceChannels(const std::string& x, int64_t begin, int64_t end, const std::string& name) {
    const auto s = m->require(x, 4, name);
    if (s.empty()) return name;
    if ((begin < 0 || end > s[1] || begin >= end) && m->firstError.empty())
        m->firstError = fmt::format("node '{}' slices channels {}..{} of {}.", name, begin, end, s[1]);
    std::vector<std::string> inputs{x};
    for (const auto& [suffix, value] : {std::pair{".starts", begin}, {".ends", end}, {".axes", int64_t(1)}}) {
        auto* t = m->graph()->add_initializer();
        t->set_name(name + suffix);
        t->set_data_type(onnx::TensorProto::INT64);
        t->add_dims(1);
        t->add_int64_data(value);
        inputs.push_back(t->name());
    }
    m->node("Slice", name, inputs);
    m->shapes[name] = {s[0], end - begin, s[2], s[3]};
    return name;
}

void OnnxBuilder::setDocString(const std::string& text) { m->graph()->set_doc_string(text); }

std::string OnnxBuilder::withScalar(const std::string& opType, const std::string& x, float value, const std::string& name) {
    auto* t = m->graph()->add_initializer();
    t->set_name(name + ".value");
    t->set_data_type(onnx::TensorProto::FLOAT);
    t->add_float_data(value);
    m->node(opType, name, {x, t->name()});
    m->shapes[name] = shapeOf(x);
    return name;
}

std::string OnnxBuilder::reshape(const std::string& x, const std::vector<int64_t>& shape, const std::string& name) {
    auto* t = m->graph()->add_initializer();
    t->set_name(name + ".shape");
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(int64_t(shape.size()));
    for (int64_t d : shape) t->add_int64_data(d);
    m->node("Reshape", name, {x, t->name()});
    m->shapes[name] = shape;
    return name;
}

std::string OnnxBuilder::transpose(const std::string& x, const std::vector<int64_t>& perm, const std::string& name) {
    const auto s = shapeOf(x);
    Impl::intsAttribute(m->node("Transpose", name, {x}), "perm", perm);
    std::vector<int64_t> out;
    for (int64_t p : perm) out.push_back(p >= 0 && size_t(p) < s.size() ? s[size_t(p)] : 0);
    m->shapes[name] = out;
    return name;
}

std::string OnnxBuilder::pad(const std::string& x, int64_t pixels, const std::string& name) {
    const auto s = m->require(x, 4, name);
    if (s.empty()) return name;
    auto* t = m->graph()->add_initializer();
    t->set_name(name + ".pads");
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(8);
    for (int64_t v : {int64_t{0}, int64_t{0}, pixels, pixels, int64_t{0}, int64_t{0}, pixels, pixels}) t->add_int64_data(v);
    m->node("Pad", name, {x, t->name()});
    m->shapes[name] = {s[0], s[1], s[2] + 2 * pixels, s[3] + 2 * pixels};
    return name;
}

std::string OnnxBuilder::channelShuffle(const std::string& x, int64_t groups, const std::string& name) {
    const auto s = m->require(x, 4, name);
    if (s.empty()) return name;
    const std::string a = reshape(x, {s[0], groups, s[1] / groups, s[2], s[3]}, name + "_reshape");
    const std::string b = transpose(a, {0, 2, 1, 3, 4}, name + "_transpose");
    return reshape(b, s, name);
}

std::vector<int64_t> OnnxBuilder::shapeOf(const std::string& tensor) const {
    auto it = m->shapes.find(tensor);
    return it == m->shapes.end() ? std::vector<int64_t>{} : it->second;
}

void OnnxBuilder::leaveOutLargeWeightValues() { m->largeWeightValues = false; }

Result<std::string> OnnxBuilder::finish(const std::vector<std::string>& outputs) {
    const std::string graphName = m->graph()->name();
    if (!m->firstError.empty()) return internalError(fmt::format("building model '{}': {}", graphName, m->firstError));
    for (const auto& name : outputs) {
        if (!m->shapes.count(name)) return internalError(fmt::format("building model '{}': no tensor '{}' to output.", graphName, name));
        auto* out = m->graph()->add_output();
        out->set_name(name);
        auto* tensor = out->mutable_type()->mutable_tensor_type();
        tensor->set_elem_type(onnx::TensorProto::FLOAT);
        for (int64_t d : m->shapes[name]) tensor->mutable_shape()->add_dim()->set_dim_value(d);
    }
    try {
        onnx::ShapeInferenceOptions opts(/*check_type=*/true, /*error_mode=*/1, /*data_prop=*/false);
        onnx::shape_inference::InferShapes(m->model, onnx_detail::guardedSchemaRegistry(), opts);
        if (m->largeWeightValues) onnx::checker::check_model(m->model);
    } catch (const std::exception& e) {
        return internalError(fmt::format("building model '{}': ONNX rejects it: {}", graphName, e.what()));
    }
    std::string bytes;
    if (!m->model.SerializeToString(&bytes)) return internalError(fmt::format("building model '{}': could not serialise it.", graphName));
    return bytes;
}

}  // namespace km

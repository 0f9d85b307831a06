// XNNPACK runtime (the only file that includes xnnpack.h): translates our Graph into one XNNPACK
// subgraph in NHWC with random weights, the way TFLite's CPU path runs it. XNNPACK fuses clamps
// (relu, relu6) into the producing conv/fc/pooling itself. It reports no per-op times.
// Debian 12's XNNPACK snapshot (2022-02-16) has no concatenate, split or transpose nodes, so
// graphs with concat, split, channelshuffle or transposes are refused with the list of such nodes.
#include <pthreadpool.h>
#include <xnnpack.h>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <mutex>
#include <random>
#include <unordered_map>

#include "backends/runtime_registry.h"
#include "onnx/onnx_loader.h"

namespace km {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

std::vector<size_t> nhwc(const TensorShape& s) {
    std::vector<size_t> d(s.dims.begin(), s.dims.end());
    if (d.size() == 4) return {d[0], d[2], d[3], d[1]};
    return d;
}

bool spatialOne(const Tensor* t) { return t && t->shape.rank() == 4 && t->shape.dims[2] == 1 && t->shape.dims[3] == 1; }

// Why a node cannot be expressed, or "" when it can.
std::string unsupportedReason(const Graph& g, const Node& n) {
    static const std::vector<std::string> kDirect = {"conv", "gconv", "dwconv", "fc", "maxpool", "avgpool", "gap", "relu",
                                                     "relu6", "hswish", "hsigmoid", "sigmoid", "swish", "add", "mul", "bn",
                                                     "softmax", "reshape", "flatten", "pad"};
    if (std::find(kDirect.begin(), kDirect.end(), n.opType) == kDirect.end()) return "no XNNPACK subgraph node";
    const Tensor* in = g.firstActivationInput(n);
    const Tensor* out = g.firstOutput(n);
    if (!in || !out || !in->shape.known || !out->shape.known) return "unknown shapes";
    if (n.opType == "dwconv" && out->shape.dims[1] % in->shape.dims[1] != 0) return "output channels not a multiple of input channels";
    if ((n.opType == "reshape" || n.opType == "flatten") && !(in->shape.rank() <= 2 || spatialOne(in)))
        return "reshaping a spatial tensor needs a transpose in NHWC";
    if (n.opType == "pad" && n.attrs.getString("mode", "constant") != "constant") return "only constant padding";
    if (n.opType == "softmax" && !((in->shape.rank() == 2 && n.attrs.getInt("axis", 1) == 1) ||
                                   (in->shape.rank() == 4 && n.attrs.getInt("axis", 1) == 1)))
        return "softmax over an axis other than channels";
    if ((n.opType == "maxpool" || n.opType == "avgpool") && n.attrs.getInts("kernel").size() != 2) return "only 2-D pooling";
    if ((n.opType == "conv" || n.opType == "gconv" || n.opType == "dwconv") && n.attrs.getInts("kernel").size() != 2)
        return "only 2-D convolution";
    return "";
}

class XnnModel : public RuntimeModel {
public:
    ~XnnModel() override {
        if (m_runtime) xnn_delete_runtime(m_runtime);
        if (m_pool) pthreadpool_destroy(m_pool);
    }
    Status run() override {
        if (xnn_invoke_runtime(m_runtime) != xnn_status_success) return internalError("XNNPACK failed to run the model.");
        return Ok{};
    }

    xnn_runtime_t m_runtime = nullptr;
    pthreadpool_t m_pool = nullptr;
    std::vector<std::vector<float>> m_buffers;  // weights and external tensors; outlive the runtime
};

class Builder {
public:
    Builder(const Graph& g, XnnModel& model) : m_g(g), m_model(model) {}

    Status build(xnn_subgraph_t sg) {
        m_sg = sg;
        for (const auto& n : m_g.nodes())
            if (Status s = node(n); !s) return s;
        return Ok{};
    }
    const std::vector<std::pair<uint32_t, float*>>& externals() const { return m_externals; }

private:
    float* buffer(size_t elements, bool random) {
        m_model.m_buffers.emplace_back(elements + 16, 0.0f);  // XNNPACK may read a little past the end
        auto& b = m_model.m_buffers.back();
        if (random) {
            std::uniform_real_distribution<float> u(-0.1f, 0.1f);
            for (size_t i = 0; i < elements; ++i) b[i] = u(m_rng);
        }
        return b.data();
    }

    Result<uint32_t> define(const std::vector<size_t>& dims, const void* data, uint32_t externalId, uint32_t flags) {
        uint32_t id = XNN_INVALID_VALUE_ID;
        if (xnn_define_tensor_value(m_sg, xnn_datatype_fp32, dims.size(), dims.data(), data, externalId, flags, &id) !=
            xnn_status_success)
            return internalError("XNNPACK refused a tensor definition.");
        return id;
    }

    Result<uint32_t> weights(const std::vector<size_t>& dims) {
        size_t n = 1;
        for (size_t d : dims) n *= d;
        return define(dims, buffer(n, true), XNN_INVALID_VALUE_ID, 0);
    }

    // The value of a graph tensor (activation, or a constant operand of add/mul).
    Result<uint32_t> value(const std::string& name) {
        if (auto it = m_ids.find(name); it != m_ids.end()) return it->second;
        const Tensor* t = m_g.tensor(name);
        if (!t || !t->shape.known) return internalError(fmt::format("tensor '{}' has no known shape.", name));
        Result<uint32_t> id = 0u;
        const bool isInput = std::find(m_g.inputs.begin(), m_g.inputs.end(), name) != m_g.inputs.end();
        const bool isOutput = std::find(m_g.outputs.begin(), m_g.outputs.end(), name) != m_g.outputs.end();
        if (t->isConstant) {
            id = weights(nhwc(t->shape));
        } else if (isInput || isOutput) {
            const uint32_t ext = static_cast<uint32_t>(m_externals.size());
            size_t n = static_cast<size_t>(t->shape.numElements().value_or(0));
            float* data = buffer(n, isInput);
            id = define(nhwc(t->shape), nullptr, ext, isInput ? XNN_VALUE_FLAG_EXTERNAL_INPUT : XNN_VALUE_FLAG_EXTERNAL_OUTPUT);
            if (id) m_externals.emplace_back(ext, data);
        } else {
            id = define(nhwc(t->shape), nullptr, XNN_INVALID_VALUE_ID, 0);
        }
        if (!id) return id.error();
        m_ids[name] = id.value();
        return id.value();
    }

    Result<uint32_t> internal(const std::vector<size_t>& dims) { return define(dims, nullptr, XNN_INVALID_VALUE_ID, 0); }

    Result<uint32_t> scalar(float v) {
        float* p = buffer(1, false);
        p[0] = v;
        return define({1}, p, XNN_INVALID_VALUE_ID, 0);
    }

    static Status check(xnn_status s, const Node& n) {
        if (s == xnn_status_success) return Ok{};
        return unsupported(fmt::format("XNNPACK refused node '{}' ({}), status {}.", n.name, n.opType, int(s)));
    }

    Status node(const Node& n) {
        const Tensor* inT = m_g.firstActivationInput(n);
        const Tensor* outT = m_g.firstOutput(n);
        auto in = value(inT->name);
        auto out = value(outT->name);
        if (!in) return in.error();
        if (!out) return out.error();
        const auto k = n.attrs.getInts("kernel", {1, 1});
        const auto s = n.attrs.getInts("stride", {1, 1});
        const auto d = n.attrs.getInts("dilation", {1, 1});
        const auto p = n.attrs.getInts("pads", {0, 0, 0, 0});  // top, left, bottom, right
        const uint32_t pt = uint32_t(p[0]), pl = uint32_t(p[1]), pb = uint32_t(p[2]), pr = uint32_t(p[3]);
        const size_t cin = inT->shape.rank() >= 2 ? size_t(inT->shape.dims[1]) : 0;
        const size_t cout = outT->shape.rank() >= 2 ? size_t(outT->shape.dims[1]) : 0;
        const std::string& op = n.opType;
        if (op == "conv" || op == "gconv") {
            const size_t groups = size_t(std::max<int64_t>(n.attrs.getInt("groups", 1), 1));
            auto w = weights({cout, size_t(k[0]), size_t(k[1]), cin / groups});
            auto b = weights({cout});
            if (!w || !b) return internalError("XNNPACK refused the weights of " + n.name);
            return check(xnn_define_convolution_2d(m_sg, pt, pr, pb, pl, uint32_t(k[0]), uint32_t(k[1]), uint32_t(s[0]),
                                                   uint32_t(s[1]), uint32_t(d[0]), uint32_t(d[1]), uint32_t(groups),
                                                   cin / groups, cout / groups, -kInf, kInf, in.value(), w.value(),
                                                   b.value(), out.value(), 0), n);
        }
        if (op == "dwconv") {
            auto w = weights({1, size_t(k[0]), size_t(k[1]), cout});
            auto b = weights({cout});
            if (!w || !b) return internalError("XNNPACK refused the weights of " + n.name);
            return check(xnn_define_depthwise_convolution_2d(m_sg, pt, pr, pb, pl, uint32_t(k[0]), uint32_t(k[1]),
                                                             uint32_t(s[0]), uint32_t(s[1]), uint32_t(d[0]), uint32_t(d[1]),
                                                             uint32_t(cout / cin), cin, -kInf, kInf, in.value(), w.value(),
                                                             b.value(), out.value(), 0), n);
        }
        if (op == "fc") {
            const size_t inF = size_t(n.attrs.getInt("in_features", 0)), outF = size_t(n.attrs.getInt("out_features", 0));
            auto w = weights({outF, inF});
            auto b = weights({outF});
            if (!w || !b) return internalError("XNNPACK refused the weights of " + n.name);
            return check(xnn_define_fully_connected(m_sg, -kInf, kInf, in.value(), w.value(), b.value(), out.value(), 0), n);
        }
        if (op == "maxpool")
            return check(xnn_define_max_pooling_2d(m_sg, pt, pr, pb, pl, uint32_t(k[0]), uint32_t(k[1]), uint32_t(s[0]),
                                                   uint32_t(s[1]), 1, 1, -kInf, kInf, in.value(), out.value(), 0), n);
        if (op == "avgpool")
            return check(xnn_define_average_pooling_2d(m_sg, pt, pr, pb, pl, uint32_t(k[0]), uint32_t(k[1]), uint32_t(s[0]),
                                                       uint32_t(s[1]), -kInf, kInf, in.value(), out.value(), 0), n);
        if (op == "gap") {
            if (outT->shape.rank() == 4) return check(xnn_define_global_average_pooling_2d(m_sg, -kInf, kInf, in.value(), out.value(), 0), n);
            auto pooled = internal({size_t(inT->shape.dims[0]), 1, 1, cin});
            if (!pooled) return pooled.error();
            if (Status st = check(xnn_define_global_average_pooling_2d(m_sg, -kInf, kInf, in.value(), pooled.value(), 0), n); !st) return st;
            const auto dims = nhwc(outT->shape);
            return check(xnn_define_static_reshape(m_sg, dims.size(), dims.data(), pooled.value(), out.value(), 0), n);
        }
        if (op == "relu") return check(xnn_define_clamp(m_sg, 0.0f, kInf, in.value(), out.value(), 0), n);
        if (op == "relu6") return check(xnn_define_clamp(m_sg, 0.0f, 6.0f, in.value(), out.value(), 0), n);
        if (op == "hswish") return check(xnn_define_hardswish(m_sg, in.value(), out.value(), 0), n);
        if (op == "sigmoid") return check(xnn_define_sigmoid(m_sg, in.value(), out.value(), 0), n);
        if (op == "softmax") return check(xnn_define_softmax(m_sg, in.value(), out.value(), 0), n);
        if (op == "swish") {
            auto gate = internal(nhwc(inT->shape));
            if (!gate) return gate.error();
            if (Status st = check(xnn_define_sigmoid(m_sg, in.value(), gate.value(), 0), n); !st) return st;
            return check(xnn_define_multiply2(m_sg, -kInf, kInf, in.value(), gate.value(), out.value(), 0), n);
        }
        if (op == "hsigmoid") {  // relu6(x + 3) / 6
            auto three = scalar(3.0f), sixth = scalar(1.0f / 6.0f);
            auto shifted = internal(nhwc(inT->shape));
            if (!three || !sixth || !shifted) return internalError("XNNPACK refused a constant of " + n.name);
            if (Status st = check(xnn_define_add2(m_sg, 0.0f, 6.0f, in.value(), three.value(), shifted.value(), 0), n); !st) return st;
            return check(xnn_define_multiply2(m_sg, -kInf, kInf, shifted.value(), sixth.value(), out.value(), 0), n);
        }
        if (op == "add" || op == "mul") {
            if (n.inputs.size() != 2) return unsupported(fmt::format("node '{}' ({}) has {} inputs.", n.name, op, n.inputs.size()));
            auto a = value(n.inputs[0]), b = value(n.inputs[1]);
            if (!a || !b) return internalError("XNNPACK refused an operand of " + n.name);
            return check(op == "add" ? xnn_define_add2(m_sg, -kInf, kInf, a.value(), b.value(), out.value(), 0)
                                     : xnn_define_multiply2(m_sg, -kInf, kInf, a.value(), b.value(), out.value(), 0), n);
        }
        if (op == "bn") {  // inference form: x * scale + shift, per channel (the last NHWC axis)
            auto scale = weights({cin}), shift = weights({cin});
            auto scaled = internal(nhwc(inT->shape));
            if (!scale || !shift || !scaled) return internalError("XNNPACK refused the parameters of " + n.name);
            if (Status st = check(xnn_define_multiply2(m_sg, -kInf, kInf, in.value(), scale.value(), scaled.value(), 0), n); !st) return st;
            return check(xnn_define_add2(m_sg, -kInf, kInf, scaled.value(), shift.value(), out.value(), 0), n);
        }
        if (op == "reshape" || op == "flatten") {
            const auto dims = nhwc(outT->shape);
            return check(xnn_define_static_reshape(m_sg, dims.size(), dims.data(), in.value(), out.value(), 0), n);
        }
        if (op == "pad") {
            const auto pads = n.attrs.getInts("pads");
            const size_t r = size_t(inT->shape.rank());
            if (pads.size() != 2 * r) return unsupported(fmt::format("node '{}' (pad) has {} pad values.", n.name, pads.size()));
            std::vector<size_t> pre(r), post(r);
            const std::vector<size_t> order = r == 4 ? std::vector<size_t>{0, 2, 3, 1} : [&] {
                std::vector<size_t> o(r);
                for (size_t i = 0; i < r; ++i) o[i] = i;
                return o;
            }();
            for (size_t i = 0; i < r; ++i) {
                pre[i] = size_t(pads[order[i]]);
                post[i] = size_t(pads[order[i] + r]);
            }
            return check(xnn_define_static_constant_pad(m_sg, pre.data(), post.data(), 0.0f, in.value(), out.value(), 0), n);
        }
        return unsupported(fmt::format("node '{}' ({}) has no XNNPACK translation.", n.name, op));
    }

    const Graph& m_g;
    XnnModel& m_model;
    xnn_subgraph_t m_sg = nullptr;
    std::unordered_map<std::string, uint32_t> m_ids;
    std::vector<std::pair<uint32_t, float*>> m_externals;
    std::mt19937 m_rng{12345};
};

class XnnpackRuntime : public Runtime {
public:
    std::string name() const override { return "xnnpack"; }
    std::string version() const override { return "0.0~git20220216.ae108ef"; }

    Result<std::unique_ptr<RuntimeModel>> load(const std::string& bytes, const Device& device,
                                               const std::vector<InputSpec>& inputs) override {
        static std::once_flag once;
        static xnn_status init = xnn_status_uninitialized;
        std::call_once(once, [] { init = xnn_initialize(nullptr); });
        if (init != xnn_status_success) return internalError("XNNPACK could not be initialised on this CPU.");
        LoadOptions options;
        for (const auto& in : inputs) options.inputShapes[in.name] = in.shape;
        Result<Graph> graph = loadOnnxBytes(bytes.data(), bytes.size(), "model", "", options);
        if (!graph) return graph.error();
        const Graph& g = graph.value();
        std::vector<std::string> refused;
        for (const auto& n : g.nodes())
            if (std::string why = unsupportedReason(g, n); !why.empty()) refused.push_back(fmt::format("'{}' ({}: {})", n.name, n.opType, why));
        if (!refused.empty()) {
            std::string list;
            for (size_t i = 0; i < refused.size() && i < 8; ++i) list += (i ? ", " : "") + refused[i];
            if (refused.size() > 8) list += fmt::format(" and {} more", refused.size() - 8);
            return unsupported(fmt::format("XNNPACK cannot express {} node(s) of this model: {}.", refused.size(), list));
        }
        auto model = std::make_unique<XnnModel>();
        const uint32_t externalCount = uint32_t(g.inputs.size() + g.outputs.size());
        xnn_subgraph_t sg = nullptr;
        if (xnn_create_subgraph(externalCount, 0, &sg) != xnn_status_success) return internalError("XNNPACK could not create a subgraph.");
        Builder builder(g, *model);
        Status built = builder.build(sg);
        if (built && device.threads > 1) model->m_pool = pthreadpool_create(size_t(device.threads));
        xnn_status created = built ? xnn_create_runtime_v2(sg, model->m_pool, 0, &model->m_runtime) : xnn_status_invalid_state;
        xnn_delete_subgraph(sg);
        if (!built) return built.error();
        if (created != xnn_status_success) return internalError(fmt::format("XNNPACK could not create a runtime (status {}).", int(created)));
        std::vector<xnn_external_value> ext;
        for (const auto& [id, data] : builder.externals()) ext.push_back({id, data});
        if (xnn_setup_runtime(model->m_runtime, ext.size(), ext.data()) != xnn_status_success)
            return internalError("XNNPACK could not set up the runtime's inputs and outputs.");
        return std::unique_ptr<RuntimeModel>(std::move(model));
    }
};

}  // namespace

std::unique_ptr<Runtime> makeXnnpackRuntime() { return std::make_unique<XnnpackRuntime>(); }

}  // namespace km

// SPDX-License-Identifier: Apache-2.0
// XNNPACK runtime (the only file that includes xnnpack.h): translates our Graph into XNNPACK
// subgraphs in NHWC with random weights, the way TFLite's CPU path runs it. XNNPACK fuses clamps
// (relu, relu6) into the producing conv/fc/pooling itself. It reports no per-op times; we time
// each step (an XNNPACK subgraph or a copy, see below) and report those as layers.
// Debian 12's XNNPACK snapshot (2022-02-16) has no concatenate, split or transpose nodes. As
// TFLite does for ops its XNNPACK delegate cannot take, the graph is partitioned: runs of
// expressible nodes become XNNPACK subgraphs, and channel concat, channel split and channel
// shuffle run between them as plain NHWC copies, spread over the device's threads as XNNPACK
// spreads its own copy operators. Anything else inexpressible is refused with one error listing
// the nodes.
#include <pthreadpool.h>
#include <xnnpack.h>

#include <fmt/format.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <unordered_map>
#include <unordered_set>

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
    static const std::vector<std::string> kDirect = {"conv", "gconv", "dwconv",  "fc",       "maxpool", "avgpool", "gap",
                                                     "relu", "relu6", "hswish",  "hsigmoid", "sigmoid", "swish",   "add",
                                                     "mul",  "bn",    "softmax", "reshape",  "flatten", "pad"};
    if (std::find(kDirect.begin(), kDirect.end(), n.opType) == kDirect.end()) return "no XNNPACK subgraph node";
    const Tensor* in = g.firstActivationInput(n);
    const Tensor* out = g.firstOutput(n);
    if (!in || !out || !in->shape.known || !out->shape.known) return "unknown shapes";
    if (n.opType == "dwconv" && out->shape.dims[1] % in->shape.dims[1] != 0) return "output channels not a multiple of input channels";
    // A reshape that keeps the shape keeps the NHWC layout too (a copy).
    if ((n.opType == "reshape" || n.opType == "flatten") && !(in->shape.rank() <= 2 || spatialOne(in) || in->shape == out->shape))
        return "reshaping a spatial tensor needs a transpose in NHWC";
    if (n.opType == "pad" && n.attrs.getString("mode", "constant") != "constant") return "only constant padding";
    if (n.opType == "softmax" &&
        !((in->shape.rank() == 2 && n.attrs.getInt("axis", 1) == 1) || (in->shape.rank() == 4 && n.attrs.getInt("axis", 1) == 1)))
        return "softmax over an axis other than channels";
    if ((n.opType == "maxpool" || n.opType == "avgpool") && n.attrs.getInts("kernel").size() != 2) return "only 2-D pooling";
    if ((n.opType == "conv" || n.opType == "gconv" || n.opType == "dwconv") && n.attrs.getInts("kernel").size() != 2)
        return "only 2-D convolution";
    return "";
}

// For a Slice of activations: the first input channel it takes, when the slice is one contiguous
// channel window with every other dimension whole; nullopt otherwise (ONNX's default axes start at
// the batch axis, negative starts count from the end, and steps other than 1 skip channels).
std::optional<size_t> channelSliceStart(const Graph& g, const Node& n) {
    const Tensor* in = g.firstActivationInput(n);
    const Tensor* out = g.firstOutput(n);
    const auto starts = n.attrs.getInts("starts"), ends = n.attrs.getInts("ends"), axes = n.attrs.getInts("axes");
    if (!in || !out || starts.size() != 1 || ends.size() != 1 || axes.size() != 1) return std::nullopt;
    const int64_t rank = in->shape.rank(), cin = in->shape.dims[1];
    if ((axes[0] < 0 ? axes[0] + rank : axes[0]) != 1) return std::nullopt;
    const int64_t start = std::clamp<int64_t>(starts[0] < 0 ? starts[0] + cin : starts[0], 0, cin);
    const int64_t end = std::clamp<int64_t>(ends[0] < 0 ? ends[0] + cin : ends[0], 0, cin);
    std::vector<int64_t> expected = in->shape.dims;
    expected[1] = end - start;
    if (end <= start || out->shape.dims != expected) return std::nullopt;
    return static_cast<size_t>(start);
}

// A flatten (or reshape) of a spatial tensor to [N, C*H*W]: ONNX orders the elements C, H, W, the
// NHWC buffer holds them H, W, C, and this XNNPACK has no transpose node, so a copy step reorders
// them (AlexNet's and VGG's classifier input).
bool isSpatialFlatten(const Graph& g, const Node& n) {
    if (n.opType != "flatten" && n.opType != "reshape") return false;
    const Tensor* in = g.firstActivationInput(n);
    const Tensor* out = g.firstOutput(n);
    if (!in || !out || !in->shape.known || !out->shape.known || in->shape.rank() != 4 || spatialOne(in)) return false;
    const auto& d = in->shape.dims;
    return out->shape.dims == std::vector<int64_t>{d[0], d[1] * d[2] * d[3]};
}

// Channel concat/split/shuffle on 2-D or 4-D tensors, and spatial flattens, run as copies between
// XNNPACK subgraphs.
bool isChannelCopy(const Graph& g, const Node& n) {
    if (isSpatialFlatten(g, n)) return true;
    if (n.opType != "concat" && n.opType != "split" && n.opType != "channelshuffle") return false;
    const Tensor* in = g.firstActivationInput(n);
    if (!in || !in->shape.known || (in->shape.rank() != 4 && in->shape.rank() != 2)) return false;
    for (const auto& o : n.outputs)
        if (!g.tensor(o) || !g.tensor(o)->shape.known) return false;
    if (n.opType == "channelshuffle") return in->shape.rank() == 4;
    if (n.opType == "concat") return n.attrs.getInt("axis", -1) == 1;
    if (n.sourceOp == "Slice") return channelSliceStart(g, n).has_value();
    return n.sourceOp == "Split" && n.attrs.getInt("axis", 0) == 1;
}

// A copy between the buffers of boundary tensors, made of `rows` independent rows (pixels, or
// the output rows of a flatten): `run(begin, end)` copies rows [begin, end), from any thread.
struct CopyRows {
    std::function<void(size_t begin, size_t end)> run;
    size_t rows = 0;
};

// One step of a model: an XNNPACK runtime, or a copy.
struct Step {
    xnn_runtime_t runtime = nullptr;
    CopyRows copy;
    std::string name;  // the copy's node, or the subgraph's first and last nodes
    double lastMs = 0;
};

double nowMs() {
    using namespace std::chrono;
    return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

class XnnModel : public RuntimeModel {
public:
    ~XnnModel() override {
        for (auto& s : m_steps)
            if (s.runtime) xnn_delete_runtime(s.runtime);
    }
    Status run() override {
        double start = nowMs();
        for (auto& s : m_steps) {
            if (!s.runtime)
                runCopy(s.copy);
            else if (xnn_invoke_runtime(s.runtime) != xnn_status_success)
                return internalError("XNNPACK failed to run the model.");
            const double end = nowMs();
            s.lastMs = end - start;
            start = end;
        }
        return Ok{};
    }
    std::vector<LayerTime> lastLayerTimes() override {
        std::vector<LayerTime> out;
        out.reserve(m_steps.size());
        for (const auto& s : m_steps) out.push_back({s.name, s.lastMs});
        return out;
    }
    std::vector<float> firstOutputValues() override {
        if (m_outputName.empty()) return {};
        const std::vector<float>& b = m_tensors[m_outputName];
        return {b.begin(), b.begin() + std::ptrdiff_t(std::min(m_outputElements, b.size()))};
    }
    // A copy's rows in tiles over the pool's threads (about four tiles a thread, so that a thread
    // slowed down does not hold the others up), or all on this thread without a pool.
    void runCopy(const CopyRows& copy) {
        if (!m_pool || copy.rows < 2) {
            copy.run(0, copy.rows);
            return;
        }
        const size_t tiles = 4 * pthreadpool_get_threads_count(m_pool.get());
        const size_t tile = std::max<size_t>(1, (copy.rows + tiles - 1) / tiles);
        pthreadpool_parallelize_1d_tile_1d(
            m_pool.get(),
            [](void* context, size_t begin, size_t count) { static_cast<const CopyRows*>(context)->run(begin, begin + count); },
            const_cast<CopyRows*>(&copy), copy.rows, tile, 0);
    }
    // The NHWC buffer of a tensor that crosses a step boundary (allocated on first use).
    float* tensorBuffer(const Tensor& t) {
        auto& b = m_tensors[t.name];
        if (b.empty()) b.assign(static_cast<size_t>(t.shape.numElements().value_or(0)) + 16, 0.5f);
        return b.data();
    }

    std::vector<Step> m_steps;
    // The loading runtime's pool for this thread count, shared with the other models it loaded;
    // released after the destructor has deleted the runtimes that use it.
    std::shared_ptr<pthreadpool> m_pool;
    std::vector<std::vector<float>> m_buffers;  // weights and constants; outlive the runtimes
    std::unordered_map<std::string, std::vector<float>> m_tensors;
    std::string m_outputName;  // the model's first output, always a boundary tensor
    size_t m_outputElements = 0;
};

// Builds the copy step of a channel concat/split/shuffle node (or of a spatial flatten, above) over
// NHWC buffers: every "pixel" (N*H*W positions, or N rows for 2-D tensors) holds its channels
// contiguously, and a pixel is a row of the copy.
CopyRows channelCopy(const Graph& g, const Node& n, XnnModel& model) {
    const Tensor* in0 = g.firstActivationInput(n);
    if (isSpatialFlatten(g, n)) {
        const float* in = model.tensorBuffer(*in0);
        float* out = model.tensorBuffer(*g.firstOutput(n));
        const auto& d = in0->shape.dims;
        const size_t batch = size_t(d[0]), c = size_t(d[1]), hw = size_t(d[2] * d[3]);
        // Row r of the NCHW output is channel r % c of batch item r / c.
        return {[in, out, c, hw](size_t begin, size_t end) {
                    for (size_t r = begin; r < end; ++r) {
                        const size_t b = r / c, k = r % c;
                        for (size_t p = 0; p < hw; ++p) out[r * hw + p] = in[(b * hw + p) * c + k];
                    }
                },
                batch * c};
    }
    const size_t pixels = size_t(in0->shape.numElements().value_or(0) / std::max<int64_t>(in0->shape.dims[1], 1));
    if (n.opType == "concat") {
        std::vector<std::pair<const float*, size_t>> parts;
        for (const auto* t : g.activationInputs(n)) parts.emplace_back(model.tensorBuffer(*t), size_t(t->shape.dims[1]));
        const Tensor* outT = g.firstOutput(n);
        float* out = model.tensorBuffer(*outT);
        const size_t cout = size_t(outT->shape.dims[1]);
        return {[parts, out, cout](size_t begin, size_t end) {
                    for (size_t p = begin; p < end; ++p) {
                        float* dst = out + p * cout;
                        for (const auto& [src, c] : parts) {
                            std::memcpy(dst, src + p * c, c * sizeof(float));
                            dst += c;
                        }
                    }
                },
                pixels};
    }
    const float* in = model.tensorBuffer(*in0);
    const size_t cin = size_t(in0->shape.dims[1]);
    if (n.opType == "channelshuffle") {
        const size_t groups = size_t(n.attrs.getInt("groups", 1)), per = cin / groups;
        float* out = model.tensorBuffer(*g.firstOutput(n));
        return {[in, out, cin, groups, per](size_t begin, size_t end) {
                    for (size_t p = begin; p < end; ++p)
                        for (size_t a = 0; a < per; ++a)
                            for (size_t b = 0; b < groups; ++b) out[p * cin + a * groups + b] = in[p * cin + b * per + a];
                },
                pixels};
    }
    // split: each output takes a channel range [offset, offset + c)
    std::vector<std::tuple<float*, size_t, size_t>> outs;
    size_t offset = n.sourceOp == "Slice" ? *channelSliceStart(g, n) : 0;  // isChannelCopy checked it
    for (const auto& name : n.outputs) {
        const Tensor* t = g.tensor(name);
        const size_t c = size_t(t->shape.dims[1]);
        outs.emplace_back(model.tensorBuffer(*t), offset, c);
        offset += c;
    }
    return {[in, outs, cin](size_t begin, size_t end) {
                for (size_t p = begin; p < end; ++p)
                    for (const auto& [out, off, c] : outs) std::memcpy(out + p * c, in + p * cin + off, c * sizeof(float));
            },
            pixels};
}

// Builds the XNNPACK subgraph of one segment (a run of expressible nodes). Tensors in `boundary`
// are external values backed by the model's shared buffers: inputs when produced outside the
// segment, outputs when produced inside it.
class Builder {
public:
    Builder(const Graph& g, XnnModel& model, const std::unordered_set<std::string>& boundary,
            const std::unordered_set<std::string>& producedInside)
        : m_g(g), m_model(model), m_boundary(boundary), m_inside(producedInside) {}

    Status build(xnn_subgraph_t sg, const std::vector<size_t>& nodes) {
        m_sg = sg;
        for (size_t i : nodes)
            if (Status s = node(m_g.nodes()[i]); !s) return s;
        return Ok{};
    }
    const std::vector<std::pair<uint32_t, float*>>& externals() const { return m_externals; }

private:
    float* buffer(size_t elements, bool random) {
        m_model.m_buffers.emplace_back(elements + 16, 0.0f);  // XNNPACK may read a little past the end
        auto& b = m_model.m_buffers.back();
        // Uniform in [-0.1, 0.1) from the generator's top 24 bits. Not uniform_real_distribution:
        // libstdc++'s takes long-double logarithms for every value, and filling the weights of a
        // 60 ms network that way took most of the seconds a fresh instance spent loading it.
        if (random)
            for (size_t i = 0; i < elements; ++i) b[i] = (float(m_rng() >> 8) * (1.0f / 16777216.0f) - 0.5f) * 0.2f;
        return b.data();
    }

    Result<uint32_t> define(const std::vector<size_t>& dims, const void* data, uint32_t externalId, uint32_t flags) {
        uint32_t id = XNN_INVALID_VALUE_ID;
        if (xnn_define_tensor_value(m_sg, xnn_datatype_fp32, dims.size(), dims.data(), data, externalId, flags, &id) != xnn_status_success)
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
        if (t->isConstant) {
            id = weights(nhwc(t->shape));
        } else if (m_boundary.count(name)) {
            const uint32_t ext = static_cast<uint32_t>(m_externals.size());
            const bool input = !m_inside.count(name);
            id = define(nhwc(t->shape), nullptr, ext, input ? XNN_VALUE_FLAG_EXTERNAL_INPUT : XNN_VALUE_FLAG_EXTERNAL_OUTPUT);
            if (id) m_externals.emplace_back(ext, m_model.tensorBuffer(*t));
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
            return check(xnn_define_convolution_2d(m_sg, pt, pr, pb, pl, uint32_t(k[0]), uint32_t(k[1]), uint32_t(s[0]), uint32_t(s[1]),
                                                   uint32_t(d[0]), uint32_t(d[1]), uint32_t(groups), cin / groups, cout / groups, -kInf,
                                                   kInf, in.value(), w.value(), b.value(), out.value(), 0),
                         n);
        }
        if (op == "dwconv") {
            auto w = weights({1, size_t(k[0]), size_t(k[1]), cout});
            auto b = weights({cout});
            if (!w || !b) return internalError("XNNPACK refused the weights of " + n.name);
            return check(xnn_define_depthwise_convolution_2d(m_sg, pt, pr, pb, pl, uint32_t(k[0]), uint32_t(k[1]), uint32_t(s[0]),
                                                             uint32_t(s[1]), uint32_t(d[0]), uint32_t(d[1]), uint32_t(cout / cin), cin,
                                                             -kInf, kInf, in.value(), w.value(), b.value(), out.value(), 0),
                         n);
        }
        if (op == "fc") {
            const size_t inF = size_t(n.attrs.getInt("in_features", 0)), outF = size_t(n.attrs.getInt("out_features", 0));
            auto w = weights({outF, inF});
            auto b = weights({outF});
            if (!w || !b) return internalError("XNNPACK refused the weights of " + n.name);
            return check(xnn_define_fully_connected(m_sg, -kInf, kInf, in.value(), w.value(), b.value(), out.value(), 0), n);
        }
        // A 1 x 1 window with stride 1 and no padding passes its input through (torchvision's
        // AlexNet pools its 6 x 6 map to 6 x 6); XNNPACK's pooling nodes refuse windows of one
        // pixel, so it is a copy.
        if ((op == "maxpool" || op == "avgpool") && k == std::vector<int64_t>{1, 1} && s == std::vector<int64_t>{1, 1} && pt == 0 &&
            pl == 0 && pb == 0 && pr == 0) {
            const auto dims = nhwc(outT->shape);
            return check(xnn_define_static_reshape(m_sg, dims.size(), dims.data(), in.value(), out.value(), 0), n);
        }
        if (op == "maxpool")
            return check(xnn_define_max_pooling_2d(m_sg, pt, pr, pb, pl, uint32_t(k[0]), uint32_t(k[1]), uint32_t(s[0]), uint32_t(s[1]), 1,
                                                   1, -kInf, kInf, in.value(), out.value(), 0),
                         n);
        if (op == "avgpool")
            return check(xnn_define_average_pooling_2d(m_sg, pt, pr, pb, pl, uint32_t(k[0]), uint32_t(k[1]), uint32_t(s[0]), uint32_t(s[1]),
                                                       -kInf, kInf, in.value(), out.value(), 0),
                         n);
        if (op == "gap") {
            if (outT->shape.rank() == 4)
                return check(xnn_define_global_average_pooling_2d(m_sg, -kInf, kInf, in.value(), out.value(), 0), n);
            auto pooled = internal({size_t(inT->shape.dims[0]), 1, 1, cin});
            if (!pooled) return pooled.error();
            if (Status st = check(xnn_define_global_average_pooling_2d(m_sg, -kInf, kInf, in.value(), pooled.value(), 0), n); !st)
                return st;
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
                                     : xnn_define_multiply2(m_sg, -kInf, kInf, a.value(), b.value(), out.value(), 0),
                         n);
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
    const std::unordered_set<std::string>& m_boundary;
    const std::unordered_set<std::string>& m_inside;
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
        for (const auto& n : g.nodes()) {
            if (isChannelCopy(g, n)) continue;
            if (std::string why = unsupportedReason(g, n); !why.empty())
                refused.push_back(fmt::format("'{}' ({}: {})", n.name, n.opType, why));
        }
        if (!refused.empty()) {
            std::string list;
            for (size_t i = 0; i < refused.size() && i < 8; ++i) list += (i ? ", " : "") + refused[i];
            if (refused.size() > 8) list += fmt::format(" and {} more", refused.size() - 8);
            return unsupported(fmt::format("XNNPACK cannot express {} node(s) of this model: {}.", refused.size(), list));
        }
        // Partition in graph order: runs of XNNPACK nodes; channel copies on their own.
        std::vector<std::vector<size_t>> segments;  // node indices per step
        std::vector<bool> isCopy;                   // per step: a channel copy (one node)
        for (size_t i = 0; i < g.nodes().size(); ++i) {
            const bool copy = isChannelCopy(g, g.nodes()[i]);
            if (copy || segments.empty() || isCopy.back()) {
                segments.push_back({i});
                isCopy.push_back(copy);
            } else {
                segments.back().push_back(i);
            }
        }
        std::vector<size_t> segmentOf(g.nodes().size());
        for (size_t s = 0; s < segments.size(); ++s)
            for (size_t i : segments[s]) segmentOf[i] = s;
        auto model = std::make_unique<XnnModel>();
        if (device.threads > 1) model->m_pool = poolFor(device.threads);
        if (!g.outputs.empty())
            if (const Tensor* out = g.tensor(g.outputs.front()); out && out->shape.known) {
                model->m_outputName = out->name;
                model->m_outputElements = size_t(out->shape.numElements().value_or(0));
            }
        for (size_t s = 0; s < segments.size(); ++s) {
            if (isCopy[s]) {
                const Node& n = g.nodes()[segments[s][0]];
                model->m_steps.push_back({nullptr, channelCopy(g, n, *model), n.name});
                continue;
            }
            // Boundary: model inputs/outputs, tensors read from other steps, tensors other steps read,
            // tensors nobody reads.
            std::unordered_set<std::string> inside, boundary;
            for (size_t i : segments[s])
                for (const auto& o : g.nodes()[i].outputs) inside.insert(o);
            for (size_t i : segments[s])
                for (const auto& in : g.nodes()[i].inputs) {
                    const Tensor* t = g.tensor(in);
                    if (t && !t->isConstant && !inside.count(in)) boundary.insert(in);
                }
            for (const auto& o : inside) {
                if (std::find(g.outputs.begin(), g.outputs.end(), o) != g.outputs.end()) boundary.insert(o);
                // A value nothing reads (a NAS-Bench-201 cell node whose only outgoing edge is
                // "none") is still computed, as the ONNX graph says, into a buffer of its own:
                // XNNPACK gives an internal value without readers no memory and then aborts.
                if (g.consumersOf(o).empty()) boundary.insert(o);
                for (size_t c : g.consumersOf(o))
                    if (segmentOf[c] != s) boundary.insert(o);
            }
            xnn_subgraph_t sg = nullptr;
            if (xnn_create_subgraph(uint32_t(boundary.size()), 0, &sg) != xnn_status_success)
                return internalError("XNNPACK could not create a subgraph.");
            Builder builder(g, *model, boundary, inside);
            Status built = builder.build(sg, segments[s]);
            xnn_runtime_t rt = nullptr;
            const xnn_status created = built ? xnn_create_runtime_v2(sg, model->m_pool.get(), 0, &rt) : xnn_status_invalid_state;
            xnn_delete_subgraph(sg);
            if (!built) return built.error();
            if (created != xnn_status_success)
                return internalError(fmt::format("XNNPACK could not create a runtime (status {}).", int(created)));
            const auto& first = g.nodes()[segments[s].front()].name;
            const auto& last = g.nodes()[segments[s].back()].name;
            Step step;  // a runtime, no copy (named, not braced: GCC 12 warns about the empty copy)
            step.runtime = rt;
            step.name = segments[s].size() == 1 ? first : fmt::format("{} .. {} ({} nodes)", first, last, segments[s].size());
            model->m_steps.push_back(std::move(step));
            std::vector<xnn_external_value> ext;
            for (const auto& [id, data] : builder.externals()) ext.push_back({id, data});
            if (xnn_setup_runtime(rt, ext.size(), ext.data()) != xnn_status_success)
                return internalError("XNNPACK could not set up a runtime's inputs and outputs.");
        }
        return std::unique_ptr<RuntimeModel>(std::move(model));
    }

private:
    // One pool per thread count for every model this runtime loads (they run one at a time). A pool
    // per model left the workers of the models just run spinning beside the one being timed: on a
    // 2-core machine the 2-thread times of small networks flipped between about 0.6 and 1.5 times
    // their 1-thread time from round to round.
    std::shared_ptr<pthreadpool> poolFor(int threads) {
        auto& pool = m_pools[threads];
        if (!pool) pool.reset(pthreadpool_create(size_t(threads)), pthreadpool_destroy);
        return pool;
    }
    std::map<int, std::shared_ptr<pthreadpool>> m_pools;
};

}  // namespace

std::unique_ptr<Runtime> makeXnnpackRuntime() { return std::make_unique<XnnpackRuntime>(); }

}  // namespace km

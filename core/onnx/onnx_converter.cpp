// SPDX-License-Identifier: Apache-2.0
// ONNX nodes -> Graph nodes with canonical op types and attributes in one spelling:
// kernel, stride, dilation (spatial vectors), pads [top, left, bottom, right] (auto_pad resolved),
// groups, axis, perm, min/max, in_features/out_features.
#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "onnx/onnx_internal.h"

namespace km::onnx_detail {
namespace {

struct Ctx {
    const onnx::ModelProto& model;
    const std::string& file;
    const std::unordered_map<std::string, ConstTensor>& constants;
    ShapeMap shapes;
    int64_t opset;

    const std::vector<int64_t>* shapeOf(const std::string& t) const {
        auto it = shapes.find(t);
        return it == shapes.end() ? nullptr : &it->second;
    }
    const ConstTensor* constant(const std::string& t) const {
        auto it = constants.find(t);
        return it == constants.end() ? nullptr : &it->second;
    }
};

const onnx::AttributeProto* findAttr(const onnx::NodeProto& n, const char* name) {
    for (const auto& a : n.attribute())
        if (a.name() == name) return &a;
    return nullptr;
}
int64_t intAttr(const onnx::NodeProto& n, const char* name, int64_t fallback) {
    const auto* a = findAttr(n, name);
    return a ? a->i() : fallback;
}
std::vector<int64_t> intsAttr(const onnx::NodeProto& n, const char* name) {
    const auto* a = findAttr(n, name);
    return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : std::vector<int64_t>{};
}
std::string stringAttr(const onnx::NodeProto& n, const char* name, const std::string& fallback) {
    const auto* a = findAttr(n, name);
    return a ? a->s() : fallback;
}

std::optional<double> scalarInput(const Ctx& ctx, const onnx::NodeProto& n, int index) {
    if (index >= n.input_size() || n.input(index).empty()) return std::nullopt;
    const ConstTensor* c = ctx.constant(n.input(index));
    if (!c || !c->hasValues || c->values.size() != 1) return std::nullopt;
    return c->values[0];
}

// Fills kernel/stride/dilation/pads/groups for Conv, ConvTranspose and pooling.
void windowAttrs(const Ctx& ctx, const onnx::NodeProto& n, Node& out, const std::vector<int64_t>& kernel) {
    const size_t r = kernel.size();
    std::vector<int64_t> stride = intsAttr(n, "strides"), dil = intsAttr(n, "dilations"), pads = intsAttr(n, "pads");
    if (stride.size() != r) stride.assign(r, 1);
    if (dil.size() != r) dil.assign(r, 1);
    if (pads.size() != 2 * r) pads.assign(2 * r, 0);
    const std::string autoPad = stringAttr(n, "auto_pad", "NOTSET");
    const auto* inShape = ctx.shapeOf(n.input(0));
    const auto* outShape = n.output_size() ? ctx.shapeOf(n.output(0)) : nullptr;
    if ((autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") && inShape && outShape && inShape->size() == r + 2 &&
        outShape->size() == r + 2 && n.op_type() != "ConvTranspose") {
        for (size_t i = 0; i < r; ++i) {
            const int64_t in = (*inShape)[i + 2], o = (*outShape)[i + 2];
            const int64_t total = std::max<int64_t>((o - 1) * stride[i] + (kernel[i] - 1) * dil[i] + 1 - in, 0);
            const int64_t small = total / 2, large = total - small;
            pads[i] = autoPad == "SAME_UPPER" ? small : large;
            pads[i + r] = autoPad == "SAME_UPPER" ? large : small;
        }
    } else if (autoPad == "VALID") {
        pads.assign(2 * r, 0);
    }
    out.attrs.set("kernel", kernel);
    out.attrs.set("stride", stride);
    out.attrs.set("dilation", dil);
    out.attrs.set("pads", pads);
}

int64_t channelsOf(const std::vector<int64_t>* shape) { return shape && shape->size() >= 2 ? (*shape)[1] : -1; }

// Sets node.opType and canonical attributes. Unknown ops become "other:<Op>", never dropped.
void mapNode(const Ctx& ctx, const onnx::NodeProto& n, Node& out) {
    const std::string& op = n.op_type();
    const bool defaultDomain = n.domain().empty() || n.domain() == "ai.onnx";
    const auto* inShape = n.input_size() ? ctx.shapeOf(n.input(0)) : nullptr;
    const auto* outShape = n.output_size() ? ctx.shapeOf(n.output(0)) : nullptr;
    auto other = [&] { out.opType = "other:" + (defaultDomain ? op : n.domain() + "." + op); };
    if (!defaultDomain) return other();

    if (op == "Conv" || op == "ConvTranspose") {
        const auto* w = n.input_size() > 1 ? ctx.shapeOf(n.input(1)) : nullptr;
        std::vector<int64_t> kernel = intsAttr(n, "kernel_shape");
        if (kernel.empty() && w && w->size() > 2) kernel.assign(w->begin() + 2, w->end());
        if (kernel.empty()) kernel = {1, 1};
        windowAttrs(ctx, n, out, kernel);
        const int64_t groups = intAttr(n, "group", 1);
        out.attrs.set("groups", groups);
        out.attrs.set("has_bias", int64_t{n.input_size() > 2 && !n.input(2).empty()});
        if (op == "ConvTranspose") {
            out.opType = "convtranspose";
            out.attrs.set("output_padding", intsAttr(n, "output_padding"));
            return;
        }
        const int64_t cin = channelsOf(inShape);
        out.opType = groups == 1 ? "conv" : (groups == cin ? "dwconv" : "gconv");
        return;
    }
    if (op == "MaxPool" || op == "AveragePool" || op == "LpPool") {
        windowAttrs(ctx, n, out, intsAttr(n, "kernel_shape"));
        out.attrs.set("ceil_mode", intAttr(n, "ceil_mode", 0));
        if (op == "AveragePool") out.attrs.set("count_include_pad", intAttr(n, "count_include_pad", 0));
        if (op == "LpPool") return other();
        const bool global = inShape && outShape && inShape->size() == 4 && outShape->size() == 4 && (*outShape)[2] == 1 &&
                            (*outShape)[3] == 1 && out.attrs.getInts("kernel") == std::vector<int64_t>{(*inShape)[2], (*inShape)[3]} &&
                            out.attrs.getInts("pads") == std::vector<int64_t>{0, 0, 0, 0};
        out.opType = op == "MaxPool" ? "maxpool" : (global ? "gap" : "avgpool");
        return;
    }
    if (op == "GlobalAveragePool") {
        out.opType = "gap";
        return;
    }
    if (op == "GlobalMaxPool") {
        out.opType = "maxpool";
        if (inShape && inShape->size() == 4) out.attrs.set("kernel", std::vector<int64_t>{(*inShape)[2], (*inShape)[3]});
        return;
    }
    if (op == "ReduceMean") {
        std::vector<int64_t> axes = intsAttr(n, "axes");
        const int64_t r = inShape ? static_cast<int64_t>(inShape->size()) : 0;
        for (int64_t& a : axes) a = a < 0 ? a + r : a;
        std::sort(axes.begin(), axes.end());
        out.attrs.set("axes", axes);
        out.attrs.set("keepdims", intAttr(n, "keepdims", 1));
        out.opType = (r == 4 && axes == std::vector<int64_t>{2, 3}) ? "gap" : "reducemean";
        return;
    }
    if (op == "Gemm" || op == "MatMul") {
        const auto* b = n.input_size() > 1 ? ctx.shapeOf(n.input(1)) : nullptr;
        const bool constB = n.input_size() > 1 && ctx.constant(n.input(1)) != nullptr;
        if (constB && b && b->size() == 2) {
            const bool transB = op == "Gemm" && intAttr(n, "transB", 0) != 0;
            out.opType = "fc";
            out.attrs.set("in_features", transB ? (*b)[1] : (*b)[0]);
            out.attrs.set("out_features", transB ? (*b)[0] : (*b)[1]);
            out.attrs.set("has_bias", int64_t{op == "Gemm" && n.input_size() > 2 && !n.input(2).empty()});
            return;
        }
        out.opType = "matmul";
        return;
    }
    if (op == "Clip") {
        std::optional<double> lo, hi;
        if (ctx.opset < 11) {
            const auto* a = findAttr(n, "min");
            const auto* b = findAttr(n, "max");
            lo = a ? std::optional<double>(a->f()) : std::nullopt;
            hi = b ? std::optional<double>(b->f()) : std::nullopt;
        } else {
            lo = scalarInput(ctx, n, 1);
            hi = scalarInput(ctx, n, 2);
            const bool loGiven = n.input_size() > 1 && !n.input(1).empty();
            const bool hiGiven = n.input_size() > 2 && !n.input(2).empty();
            if ((loGiven && !lo) || (hiGiven && !hi)) return other();  // bounds computed at run time
        }
        if (lo) out.attrs.set("min", *lo);
        if (hi) out.attrs.set("max", *hi);
        if (lo && *lo == 0.0 && hi && *hi == 6.0)
            out.opType = "relu6";
        else if (lo && *lo == 0.0 && (!hi || std::isinf(*hi)))
            out.opType = "relu";
        else
            other();
        return;
    }
    if (op == "HardSigmoid") {
        out.opType = "hsigmoid";
        out.attrs.set("alpha", findAttr(n, "alpha") ? double(findAttr(n, "alpha")->f()) : 0.2);
        out.attrs.set("beta", findAttr(n, "beta") ? double(findAttr(n, "beta")->f()) : 0.5);
        return;
    }
    if (op == "Concat" || op == "Split" || op == "Softmax" || op == "Flatten") {
        int64_t axis = intAttr(n, "axis", op == "Softmax" && ctx.opset < 13 ? 1 : (op == "Softmax" ? -1 : (op == "Flatten" ? 1 : 0)));
        const int64_t r = inShape ? static_cast<int64_t>(inShape->size()) : 0;
        if (axis < 0) axis += r;
        out.attrs.set("axis", axis);
        out.opType = op == "Concat" ? "concat" : op == "Split" ? "split" : op == "Softmax" ? "softmax" : "flatten";
        return;
    }
    if (op == "Transpose") {
        out.opType = "transpose";
        std::vector<int64_t> perm = intsAttr(n, "perm");
        if (perm.empty() && inShape)
            for (int64_t i = static_cast<int64_t>(inShape->size()) - 1; i >= 0; --i) perm.push_back(i);
        out.attrs.set("perm", perm);
        return;
    }
    if (op == "Pad") {
        out.opType = "pad";
        std::vector<int64_t> pads = intsAttr(n, "pads");
        if (ctx.opset >= 11 && n.input_size() > 1)
            if (const ConstTensor* c = ctx.constant(n.input(1)); c && c->hasValues) pads.assign(c->values.begin(), c->values.end());
        out.attrs.set("pads", pads);
        out.attrs.set("mode", stringAttr(n, "mode", "constant"));
        return;
    }
    if (op == "Resize" || op == "Upsample") {
        out.opType = "resize";
        out.attrs.set("mode", stringAttr(n, "mode", "nearest"));
        return;
    }
    if (op == "BatchNormalization") {
        out.opType = "bn";
        out.attrs.set("epsilon", findAttr(n, "epsilon") ? double(findAttr(n, "epsilon")->f()) : 1e-5);
        return;
    }
    if (op == "LayerNormalization") {
        out.opType = "layernorm";
        out.attrs.set("axis", intAttr(n, "axis", -1));
        return;
    }
    if (op == "Reshape" || op == "Squeeze" || op == "Unsqueeze") {
        out.opType = "reshape";
        return;
    }
    if (op == "Slice") {  // a slice of activations (torch's chunk) is a one-output split
        out.opType = "split";
        std::vector<int64_t> starts = intsAttr(n, "starts"), ends = intsAttr(n, "ends"), axes = intsAttr(n, "axes");
        auto fromInput = [&](int i, std::vector<int64_t>& v) {
            if (const ConstTensor* c = n.input_size() > i ? ctx.constant(n.input(i)) : nullptr; c && c->hasValues)
                v.assign(c->values.begin(), c->values.end());
        };
        if (ctx.opset >= 10) {
            fromInput(1, starts);
            fromInput(2, ends);
            fromInput(3, axes);
        }
        out.attrs.set("starts", starts);
        out.attrs.set("ends", ends);
        out.attrs.set("axes", axes);
        return;
    }
    if (op == "Sum" && n.input_size() == 2) {
        out.opType = "add";
        return;
    }
    static const std::unordered_map<std::string, std::string> kSimple = {
        {"Relu", "relu"}, {"Sigmoid", "sigmoid"}, {"HardSwish", "hswish"}, {"Add", "add"}, {"Mul", "mul"}, {"Gelu", "gelu"},
    };
    if (auto it = kSimple.find(op); it != kSimple.end()) {
        out.opType = it->second;
        return;
    }
    other();
}

DType toDType(int32_t t) {
    switch (t) {
    case onnx::TensorProto::FLOAT: return DType::Float;
    case onnx::TensorProto::UINT8: return DType::UInt8;
    case onnx::TensorProto::INT8: return DType::Int8;
    case onnx::TensorProto::INT32: return DType::Int32;
    case onnx::TensorProto::INT64: return DType::Int64;
    case onnx::TensorProto::BOOL: return DType::Bool;
    case onnx::TensorProto::FLOAT16: return DType::Float16;
    case onnx::TensorProto::DOUBLE: return DType::Double;
    default: return DType::Undefined;
    }
}

}  // namespace

Result<Graph> convertToGraph(const onnx::ModelProto& model, const std::string& file,
                             const std::unordered_map<std::string, ConstTensor>& constants) {
    Ctx ctx{model, file, constants, collectShapes(model), defaultDomainOpset(model)};
    const auto elemTypes = collectElemTypes(model);
    const auto& g = model.graph();
    Graph graph;
    graph.info.sourcePath = file;
    graph.info.format = "onnx";
    graph.info.producer = model.producer_name() + (model.producer_version().empty() ? "" : " " + model.producer_version());
    graph.info.opset = ctx.opset;
    graph.info.irVersion = model.ir_version();

    // Identity and Dropout pass their input through: consumers read the original tensor instead.
    std::unordered_map<std::string, std::string> alias;
    auto resolve = [&](std::string name) {
        for (auto it = alias.find(name); it != alias.end(); it = alias.find(name)) name = it->second;
        return name;
    };
    std::unordered_set<std::string> usedNames;
    std::vector<Node> nodes;
    std::vector<std::string> unknownShapes;
    for (int i = 0; i < g.node_size(); ++i) {
        const auto& n = g.node(i);
        const bool defaultDomain = n.domain().empty() || n.domain() == "ai.onnx";
        if (defaultDomain && (n.op_type() == "Identity" || n.op_type() == "Dropout") && n.input_size() >= 1 && n.output_size() >= 1) {
            alias[n.output(0)] = n.input(0);
            continue;
        }
        Node node;
        node.name = n.name().empty() ? fmt::format("{}_{}", n.op_type(), i) : n.name();
        for (int suffix = 2; !usedNames.insert(node.name).second; ++suffix)
            node.name = fmt::format("{}_{}", n.name().empty() ? n.op_type() : n.name(), suffix);
        node.sourceOp = n.op_type();
        node.sourceNodes = {node.name};
        for (const auto& in : n.input())
            if (!in.empty()) node.inputs.push_back(resolve(in));
        for (const auto& out : n.output())
            if (!out.empty()) node.outputs.push_back(out);
        mapNode(ctx, n, node);
        // A Pad of zeros moves nothing (torch exports avg_pool2d with count_include_pad at opset 10
        // as one before the pool): an alias like Identity, not a kernel of its own.
        if (const std::vector<int64_t> pads = node.attrs.getInts("pads");
            node.opType == "pad" && !pads.empty() && std::all_of(pads.begin(), pads.end(), [](int64_t p) { return p == 0; }) &&
            !node.inputs.empty() && node.outputs.size() == 1) {
            alias[node.outputs[0]] = node.inputs[0];
            continue;
        }
        nodes.push_back(std::move(node));
    }

    // Tensors: every name any node touches, with its shape.
    std::unordered_set<std::string> touched;
    for (const auto& node : nodes) {
        touched.insert(node.inputs.begin(), node.inputs.end());
        touched.insert(node.outputs.begin(), node.outputs.end());
    }
    for (const auto& name : touched) {
        Tensor t;
        t.name = name;
        if (auto c = constants.find(name); c != constants.end()) {
            t.isConstant = true;
            if (c->second.hasValues && c->second.values.size() <= Tensor::kMaxKeptValues) t.values = c->second.values;
        }
        auto type = elemTypes.find(name);
        t.dtype = type == elemTypes.end() ? DType::Float : toDType(type->second);
        if (const auto* dims = ctx.shapeOf(name); dims && std::none_of(dims->begin(), dims->end(), [](int64_t d) { return d < 0; })) {
            t.shape.dims = *dims;
            if (!t.shape.numElements() || *t.shape.numElements() > kMaxTensorElements)
                return badInput(
                    fmt::format("{}: tensor '{}' would have {} dimensions, more than {} elements; "
                                "the model's shapes are not plausible.",
                                file, name, t.shape.toString(), kMaxTensorElements));
        } else {
            t.shape = TensorShape::unknown();
            unknownShapes.push_back(name);
        }
        graph.addTensor(std::move(t));
    }
    if (!unknownShapes.empty()) {
        std::sort(unknownShapes.begin(), unknownShapes.end());
        graph.warnings.push_back(
            fmt::format("shape inference could not tell the shape of {} tensor(s), e.g. '{}'; "
                        "their metrics are 0.",
                        unknownShapes.size(), unknownShapes.front()));
    }
    for (const auto& vi : g.input())
        if (!constants.count(vi.name()) && touched.count(vi.name())) graph.inputs.push_back(vi.name());
    for (const auto& vi : g.output()) graph.outputs.push_back(resolve(vi.name()));
    graph.setNodes(std::move(nodes));
    return graph;
}

}  // namespace km::onnx_detail

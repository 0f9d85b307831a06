// SPDX-License-Identifier: Apache-2.0
// nn-Meter IR JSON -> Graph. The IR maps node name -> {inbounds, outbounds, attr: {type, attr,
// input_shape, output_shape}} with NHWC shapes and TensorFlow (Conv2D, FusedBatchNorm, Relu6, Mean,
// BiasAdd, ...) or ONNX op names. Weights are not nodes: inbounds naming no node are weight reads.
#include <algorithm>
#include <nlohmann/json.hpp>

#include <fmt/format.h>
#include <unordered_map>
#include <unordered_set>

#include "graph/canonical_passes.h"
#include "onnx/onnx_loader.h"

namespace km {
namespace {

using Json = nlohmann::ordered_json;

std::vector<int64_t> toNchw(std::vector<int64_t> d) {
    for (int64_t& v : d)
        if (v < 0) v = 1;  // batch written as -1
    if (d.size() == 4) return {d[0], d[3], d[1], d[2]};
    return d;
}

std::vector<int64_t> ints(const Json& j, const char* key) {
    std::vector<int64_t> v;
    if (!j.contains(key) || !j[key].is_array()) return v;
    for (const auto& x : j[key])
        if (x.is_number()) v.push_back(x.get<int64_t>());
    return v;
}

// TF writes strides/ksize either as [s, s] or as [1, s, s, 1].
std::vector<int64_t> spatial(std::vector<int64_t> v, int64_t fallback) {
    if (v.size() == 4) return {v[1], v[2]};
    if (v.size() == 2) return v;
    if (v.size() == 1) return {v[0], v[0]};
    return {fallback, fallback};
}

std::optional<std::vector<int64_t>> broadcast(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
    std::vector<int64_t> r(std::max(a.size(), b.size()), 1);
    for (size_t i = 0; i < r.size(); ++i) {
        int64_t x = i < r.size() - a.size() ? 1 : a[i - (r.size() - a.size())];
        int64_t y = i < r.size() - b.size() ? 1 : b[i - (r.size() - b.size())];
        if (x != y && x != 1 && y != 1) return std::nullopt;
        r[i] = std::max(x, y);
    }
    return r;
}

const std::unordered_map<std::string, std::string>& opTable() {
    static const std::unordered_map<std::string, std::string> kTable = {
        {"Conv2D", "conv"},
        {"Conv", "conv"},
        {"DepthwiseConv2dNative", "dwconv"},
        {"FusedBatchNorm", "bn"},
        {"FusedBatchNormV3", "bn"},
        {"BatchNormalization", "bn"},
        {"Relu", "relu"},
        {"Relu6", "relu6"},
        {"Sigmoid", "sigmoid"},
        {"HardSigmoid", "hsigmoid"},
        {"HardSwish", "hswish"},
        {"Hswish", "hswish"},
        {"Add", "add"},
        {"AddV2", "add"},
        {"Mul", "mul"},
        {"AvgPool", "avgpool"},
        {"AveragePool", "avgpool"},
        {"MaxPool", "maxpool"},
        {"GlobalAveragePool", "gap"},
        {"Mean", "gap"},
        {"ReduceMean", "gap"},
        {"MatMul", "fc"},
        {"Gemm", "fc"},
        {"Dense", "fc"},
        {"Reshape", "reshape"},
        {"Squeeze", "reshape"},
        {"Flatten", "flatten"},
        {"ConcatV2", "concat"},
        {"Concat", "concat"},
        {"Split", "split"},
        {"SplitV", "split"},
        {"Transpose", "transpose"},
        {"Pad", "pad"},
        {"Softmax", "softmax"},
        {"Resize", "resize"},
        {"ResizeBilinear", "resize"},
        {"ResizeNearestNeighbor", "resize"},
        {"Conv2DBackpropInput", "convtranspose"},
        {"ConvTranspose", "convtranspose"},
    };
    return kTable;
}

}  // namespace

Result<Graph> loadNnMeterIrText(const std::string& text, const std::string& file, const LoadOptions& options) {
    Json root = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (root.is_discarded()) return badInput(fmt::format("{}: not valid JSON, so not an nn-Meter IR graph.", file));
    if (!root.is_object() || root.empty())
        return badInput(fmt::format("{}: an nn-Meter IR graph is a JSON object of nodes; this is not one.", file));

    Graph g;
    g.info.sourcePath = file;
    g.info.format = "nnmeter-ir";
    g.info.producer = "nn-Meter IR";
    struct Raw {
        std::string name, type;
        const Json* attr;
        const Json* inner;
        std::vector<std::string> in, out;
    };
    std::vector<Raw> raws;
    std::unordered_map<std::string, size_t> rawIndex;
    for (auto it = root.begin(); it != root.end(); ++it) {
        const Json& v = it.value();
        if (!v.is_object() || !v.contains("attr") || !v["attr"].is_object() || !v["attr"].contains("type") ||
            !v["attr"]["type"].is_string())
            return badInput(fmt::format("{}: node '{}' has no attr.type field.", file, it.key()));
        Raw r{it.key(), v["attr"]["type"].get<std::string>(), &v["attr"], nullptr, {}, {}};
        static const Json kEmpty = Json::object();
        r.inner = v["attr"].contains("attr") && v["attr"]["attr"].is_object() ? &v["attr"]["attr"] : &kEmpty;
        for (const char* key : {"inbounds", "outbounds"}) {
            if (!v.contains(key)) continue;
            if (!v[key].is_array()) return badInput(fmt::format("{}: node '{}': field '{}' is not a list.", file, it.key(), key));
            for (const auto& s : v[key])
                if (s.is_string()) (key[0] == 'i' ? r.in : r.out).push_back(s.get<std::string>());
        }
        rawIndex[r.name] = raws.size();
        raws.push_back(std::move(r));
    }

    auto outputShape = [&](const Raw& r) -> std::optional<std::vector<int64_t>> {
        const Json& a = *r.attr;
        if (!a.contains("output_shape") || !a["output_shape"].is_array() || a["output_shape"].empty() || !a["output_shape"][0].is_array())
            return std::nullopt;
        std::vector<int64_t> d;
        for (const auto& x : a["output_shape"][0]) {
            if (!x.is_number_integer()) return std::nullopt;
            d.push_back(x.get<int64_t>());
        }
        return toNchw(d);
    };

    int danglingRefs = 0, fixedShapes = 0;
    std::unordered_set<std::string> merged;  // BiasAdd nodes folded into their producer
    std::vector<Node> nodes;
    for (const Raw& r : raws) {
        if (r.type == "Placeholder") {
            Tensor t{r.name, {}, DType::Float, false, {}};
            auto shape = outputShape(r);
            if (!shape) return badInput(fmt::format("{}: input node '{}' has no output_shape.", file, r.name));
            t.shape.dims = *shape;
            if (auto ov = options.inputShapes.find(r.name); ov != options.inputShapes.end()) t.shape.dims = ov->second;
            g.addTensor(std::move(t));
            g.inputs.push_back(r.name);
            continue;
        }
        if (r.type == "Const") {
            Tensor t{r.name, {}, DType::Float, true, {}};
            t.shape.dims = outputShape(r).value_or(std::vector<int64_t>{});
            if (r.inner->contains("constant") && (*r.inner)["constant"].is_array())
                for (const auto& x : (*r.inner)["constant"])
                    if (x.is_number() && t.values.size() < Tensor::kMaxKeptValues) t.values.push_back(x.get<double>());
            if (t.shape.dims.empty() && t.values.size() > 1) t.shape.dims = {static_cast<int64_t>(t.values.size())};
            g.addTensor(std::move(t));
            continue;
        }
        Node n;
        n.name = r.name;
        n.sourceOp = r.type;
        n.sourceNodes = {r.name};
        for (const auto& in : r.in) {
            auto src = rawIndex.find(in);
            if (src == rawIndex.end()) {
                ++danglingRefs;
                continue;
            }  // a weight read
            n.inputs.push_back(in);
        }
        n.outputs = {r.name};
        auto table = opTable().find(r.type);
        n.opType = table == opTable().end() ? "other:" + r.type : table->second;
        if (r.type == "Identity") {  // becomes an alias handled below
            n.opType = "identity";
        }
        nodes.push_back(std::move(n));
        Tensor out{r.name, {}, DType::Float, false, {}};
        if (auto shape = outputShape(r))
            out.shape.dims = *shape;
        else
            out.shape = TensorShape::unknown();
        g.addTensor(std::move(out));
    }

    // Attributes, weights and shape repairs, in an order where inputs are already fixed.
    std::vector<Node> ordered;
    {
        auto topo = topologicalOrder(nodes);
        if (topo.cycleNode) return badInput(fmt::format("{}: the graph has a cycle through node '{}'.", file, *topo.cycleNode));
        for (size_t i : topo.order) ordered.push_back(std::move(nodes[i]));
    }
    std::unordered_map<std::string, std::string> alias;
    auto resolve = [&](std::string s) {
        for (auto it = alias.find(s); it != alias.end(); it = alias.find(s)) s = it->second;
        return s;
    };
    std::vector<Node> result;
    std::unordered_map<std::string, size_t> resultIndex;
    for (Node& n : ordered) {
        for (auto& in : n.inputs) in = resolve(in);
        const Raw& r = raws[rawIndex[n.name]];
        const Json& a = *r.inner;
        if (n.opType == "identity") {
            if (!n.inputs.empty()) alias[n.name] = n.inputs[0];
            continue;
        }
        std::vector<const Tensor*> acts = g.activationInputs(n);
        const Tensor* in0 = acts.empty() ? nullptr : acts[0];
        Tensor& out = *g.mutableTensor(n.name);
        // Elementwise outputs are the broadcast of their inputs; some IR files record other shapes.
        if ((n.opType == "add" || n.opType == "mul") && acts.size() == 2 && acts[0]->shape.known && acts[1]->shape.known) {
            if (auto b = broadcast(acts[0]->shape.dims, acts[1]->shape.dims); b && (!out.shape.known || out.shape.dims != *b)) {
                out.shape = TensorShape{*b, true};
                ++fixedShapes;
            }
        }
        if (r.type == "BiasAdd" && in0) {
            auto p = resultIndex.find(in0->name);
            if (p != resultIndex.end() &&
                (result[p->second].opType == "conv" || result[p->second].opType == "dwconv" || result[p->second].opType == "gconv" ||
                 result[p->second].opType == "fc") &&
                raws[rawIndex[in0->name]].out.size() <= 1) {
                Node& prod = result[p->second];
                const int64_t c = in0->shape.rank() >= 2 ? in0->shape.dims[1] : 0;
                Tensor bias{prod.name + "/bias", TensorShape{{c}, true}, DType::Float, true, {}};
                prod.inputs.push_back(bias.name);
                g.addTensor(std::move(bias));
                prod.attrs.set("has_bias", int64_t{1});
                prod.sourceNodes.push_back(n.name);
                alias[n.name] = prod.outputs[0];
                merged.insert(n.name);
                continue;
            }
            n.opType = "add";
        }
        const int64_t cin = in0 && in0->shape.rank() >= 2 ? in0->shape.dims[1] : 0;
        const int64_t cout = out.shape.rank() >= 2 ? out.shape.dims[1] : 0;
        if (n.opType == "conv" || n.opType == "dwconv" || n.opType == "convtranspose" || n.opType == "avgpool" || n.opType == "maxpool") {
            const bool isPool = n.opType == "avgpool" || n.opType == "maxpool";
            std::vector<int64_t> k = isPool ? spatial(ints(a, "ksize"), 1) : spatial(ints(a, "kernel_shape"), 1);
            if (isPool && ints(a, "ksize").empty()) k = spatial(ints(a, "kernel_shape"), 1);
            std::vector<int64_t> s = spatial(ints(a, "strides"), 1), d = spatial(ints(a, "dilations"), 1);
            std::vector<int64_t> pads{0, 0, 0, 0};
            const std::string padding = a.value("padding", std::string("VALID"));
            if (padding == "SAME" && in0 && in0->shape.rank() == 4 && out.shape.rank() == 4)
                for (int i = 0; i < 2; ++i) {
                    const int64_t total =
                        std::max<int64_t>((out.shape.dims[2 + i] - 1) * s[i] + (k[i] - 1) * d[i] + 1 - in0->shape.dims[2 + i], 0);
                    pads[i] = total / 2;
                    pads[i + 2] = total - total / 2;
                }
            n.attrs.set("kernel", k);
            n.attrs.set("stride", s);
            n.attrs.set("dilation", d);
            n.attrs.set("pads", pads);
            if (!isPool) {
                const auto w = ints(a, "weight_shape");  // HWIO (depthwise: H, W, Cin, multiplier)
                int64_t groups = 1;
                if (n.opType == "dwconv")
                    groups = cin;
                else if (w.size() == 4 && w[2] > 0 && cin % w[2] == 0)
                    groups = cin / w[2];
                if (n.opType == "conv" && groups > 1) n.opType = groups == cin ? "dwconv" : "gconv";
                n.attrs.set("groups", groups);
                n.attrs.set("has_bias", int64_t{0});
                Tensor wt{n.name + "/weight", TensorShape{{cout, groups ? cin / groups : cin, k[0], k[1]}, true}, DType::Float, true, {}};
                n.inputs.push_back(wt.name);
                g.addTensor(std::move(wt));
            } else if (n.opType == "avgpool" && out.shape.rank() == 4 && out.shape.dims[2] == 1 && out.shape.dims[3] == 1 && in0 &&
                       in0->shape.rank() == 4 && k == std::vector<int64_t>{in0->shape.dims[2], in0->shape.dims[3]}) {
                n.opType = "gap";
            }
        } else if (n.opType == "fc") {
            const int64_t inFeatures = in0 && in0->shape.rank() >= 1 ? in0->shape.dims.back() : 0;
            const int64_t outFeatures = out.shape.rank() >= 1 ? out.shape.dims.back() : 0;
            n.attrs.set("in_features", inFeatures);
            n.attrs.set("out_features", outFeatures);
            n.attrs.set("has_bias", int64_t{0});
            Tensor wt{n.name + "/weight", TensorShape{{outFeatures, inFeatures}, true}, DType::Float, true, {}};
            n.inputs.push_back(wt.name);
            g.addTensor(std::move(wt));
        } else if (n.opType == "bn") {
            Tensor wt{n.name + "/scale_bias_mean_var", TensorShape{{4, cin}, true}, DType::Float, true, {}};
            n.inputs.push_back(wt.name);
            g.addTensor(std::move(wt));
        } else if (n.opType == "concat" || n.opType == "softmax" || n.opType == "split") {
            int64_t axis = a.value("axis", int64_t{-1});
            const int64_t rank = out.shape.rank();
            if (axis < 0) axis += rank;
            if (rank == 4) axis = std::array<int64_t, 4>{0, 2, 3, 1}[std::clamp<int64_t>(axis, 0, 3)];
            n.attrs.set("axis", axis);
        } else if (r.type == "Clip" || r.type == "Relu6") {
            n.opType = "relu6";
        }
        resultIndex[n.name] = result.size();
        result.push_back(std::move(n));
    }
    for (const Raw& r : raws)
        if (r.out.empty() && r.type != "Const" && r.type != "Placeholder") g.outputs.push_back(resolve(r.name));
    if (danglingRefs)
        g.warnings.push_back(fmt::format("{} inbound reference(s) name no node; they were taken as weight reads.", danglingRefs));
    if (fixedShapes)
        g.warnings.push_back(
            fmt::format("{} element-wise node(s) recorded an output shape that is not the broadcast "
                        "of their inputs; the broadcast shape was used.",
                        fixedShapes));
    for (const auto& [name, t] : g.tensors())
        if (t.shape.known && (!t.shape.numElements() || *t.shape.numElements() > kMaxTensorElements))
            return badInput(fmt::format("{}: tensor '{}' has implausible dimensions {}.", file, name, t.shape.toString()));
    g.setNodes(std::move(result));
    if (options.recognisePatterns) recognisePatterns(g, options.literalSpellings);
    return g;
}

}  // namespace km

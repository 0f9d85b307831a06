// SPDX-License-Identifier: Apache-2.0
// Shape inference and constant folding: exporters compute Reshape targets with Shape, Gather,
// Unsqueeze, Concat, Slice, Div, Cast... on tensors whose shapes are known once the batch is fixed.
// We evaluate those small integer subgraphs, write the results back as initializers and let ONNX
// shape inference run again, until no node changes.
#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>
#include <algorithm>

#include <fmt/format.h>
#include <cmath>
#include <cstring>
#include <functional>
#include <unordered_set>

#include "onnx/onnx_internal.h"

namespace km::onnx_detail {
namespace {

using onnx::TensorProto;

int64_t numel(const std::vector<int64_t>& dims) {
    int64_t n = 1;
    for (int64_t d : dims) {
        if (d < 0 || (d != 0 && n > kMaxTensorElements / d)) return -1;
        n *= d;
    }
    return n;
}

bool isIntegerType(int32_t t) {
    return t == TensorProto::INT64 || t == TensorProto::INT32 || t == TensorProto::INT8 || t == TensorProto::UINT8 ||
           t == TensorProto::INT16 || t == TensorProto::UINT16 || t == TensorProto::BOOL || t == TensorProto::UINT32 ||
           t == TensorProto::UINT64;
}

template <typename T>
void readRaw(const std::string& raw, std::vector<double>& out, int64_t n) {
    out.resize(n);
    for (int64_t i = 0; i < n; ++i) {
        T v;
        std::memcpy(&v, raw.data() + i * sizeof(T), sizeof(T));
        out[i] = static_cast<double>(v);
    }
}

// Numpy-style broadcasting for the ranks shape arithmetic uses (scalars and equal-length vectors).
std::optional<ConstTensor> elementwise(const ConstTensor& a, const ConstTensor& b, const std::function<double(double, double)>& f) {
    if (!a.hasValues || !b.hasValues) return std::nullopt;
    const size_t na = a.values.size(), nb = b.values.size();
    if (na != nb && na != 1 && nb != 1) return std::nullopt;
    ConstTensor r;
    r.dtype = a.dtype;
    r.dims = na >= nb ? a.dims : b.dims;
    if (na == nb && a.dims.size() < b.dims.size()) r.dims = b.dims;
    const size_t n = na == 0 || nb == 0 ? 0 : std::max(na, nb);  // an empty operand broadcasts to empty
    r.values.resize(n);
    for (size_t i = 0; i < n; ++i) {
        double v = f(a.values[na == 1 ? 0 : i], b.values[nb == 1 ? 0 : i]);
        if (isIntegerType(r.dtype)) v = std::trunc(v);
        r.values[i] = v;
    }
    r.hasValues = true;
    return r;
}

int64_t attrInt(const onnx::NodeProto& n, const char* name, int64_t fallback) {
    for (const auto& a : n.attribute())
        if (a.name() == name) return a.i();
    return fallback;
}

std::optional<std::vector<int64_t>> attrInts(const onnx::NodeProto& n, const char* name) {
    for (const auto& a : n.attribute())
        if (a.name() == name) return std::vector<int64_t>(a.ints().begin(), a.ints().end());
    return std::nullopt;
}

std::optional<std::vector<int64_t>> asInts(const ConstTensor* c) {
    if (!c || !c->hasValues) return std::nullopt;
    std::vector<int64_t> v;
    for (double d : c->values) v.push_back(static_cast<int64_t>(d));
    return v;
}

ConstTensor vectorConst(const std::vector<int64_t>& v) {
    ConstTensor c;
    c.dtype = TensorProto::INT64;
    c.dims = {static_cast<int64_t>(v.size())};
    c.values.assign(v.begin(), v.end());
    c.hasValues = true;
    return c;
}

// Evaluates one node whose inputs are all constant (or a Shape of a fully known tensor).
// Returns nullopt when the op is not one we evaluate; the caller then keeps shape-only constants.
std::optional<ConstTensor> evaluate(const onnx::NodeProto& n, const std::vector<const ConstTensor*>& in, const ShapeMap& shapes,
                                    int64_t opset) {
    const std::string& op = n.op_type();
    auto input = [&](size_t i) -> const ConstTensor* { return i < in.size() ? in[i] : nullptr; };
    if (op == "Identity") {
        if (input(0)) return *input(0);
        return std::nullopt;
    }
    if (op == "Constant") {
        for (const auto& a : n.attribute()) {
            ConstTensor c;
            if (a.name() == "value") return constFromTensorProto(a.t());
            if (a.name() == "value_float") {
                c.dtype = TensorProto::FLOAT;
                c.values = {a.f()};
            } else if (a.name() == "value_int") {
                c.dtype = TensorProto::INT64;
                c.values = {double(a.i())};
            } else if (a.name() == "value_ints") {
                c = vectorConst(std::vector<int64_t>(a.ints().begin(), a.ints().end()));
            } else if (a.name() == "value_floats") {
                c.dtype = TensorProto::FLOAT;
                c.dims = {a.floats_size()};
                c.values.assign(a.floats().begin(), a.floats().end());
            } else
                continue;
            c.hasValues = true;
            return c;
        }
        return std::nullopt;
    }
    if (op == "Shape") {
        auto it = shapes.find(n.input(0));
        if (it == shapes.end()) return std::nullopt;
        std::vector<int64_t> dims = it->second;
        for (int64_t d : dims)
            if (d < 0) return std::nullopt;
        if (opset >= 15) {
            const int64_t r = static_cast<int64_t>(dims.size());
            int64_t start = attrInt(n, "start", 0), end = attrInt(n, "end", r);
            if (start < 0) start += r;
            if (end < 0) end += r;
            start = std::clamp<int64_t>(start, 0, r);
            end = std::clamp<int64_t>(end, start, r);
            dims = std::vector<int64_t>(dims.begin() + start, dims.begin() + end);
        }
        return vectorConst(dims);
    }
    if (op == "Size") {
        auto it = shapes.find(n.input(0));
        if (it == shapes.end() || numel(it->second) < 0) return std::nullopt;
        ConstTensor c = vectorConst({numel(it->second)});
        c.dims.clear();
        return c;
    }
    for (size_t i = 0; i < in.size(); ++i)
        if (!n.input(static_cast<int>(i)).empty() && (!in[i] || !in[i]->hasValues)) return std::nullopt;

    if (op == "Cast") {
        ConstTensor c = *input(0);
        c.dtype = static_cast<int32_t>(attrInt(n, "to", c.dtype));
        if (isIntegerType(c.dtype))
            for (double& v : c.values) v = std::trunc(v);
        return c;
    }
    if (op == "Add") return elementwise(*input(0), *input(1), [](double a, double b) { return a + b; });
    if (op == "Sub") return elementwise(*input(0), *input(1), [](double a, double b) { return a - b; });
    if (op == "Mul") return elementwise(*input(0), *input(1), [](double a, double b) { return a * b; });
    if (op == "Div") {
        if (isIntegerType(input(0)->dtype))
            for (double d : input(1)->values)
                if (d == 0) return std::nullopt;
        return elementwise(*input(0), *input(1), [](double a, double b) { return a / b; });
    }
    if (op == "Min") return elementwise(*input(0), *input(1), [](double a, double b) { return std::min(a, b); });
    if (op == "Max") return elementwise(*input(0), *input(1), [](double a, double b) { return std::max(a, b); });
    if (op == "Equal") {
        auto r = elementwise(*input(0), *input(1), [](double a, double b) { return a == b ? 1.0 : 0.0; });
        if (r) r->dtype = TensorProto::BOOL;
        return r;
    }
    if (op == "Floor" || op == "Ceil" || op == "Neg" || op == "Abs" || op == "Sqrt") {
        ConstTensor c = *input(0);
        for (double& v : c.values)
            v = op == "Floor" ? std::floor(v) : op == "Ceil" ? std::ceil(v) : op == "Neg" ? -v : op == "Abs" ? std::fabs(v) : std::sqrt(v);
        return c;
    }
    if (op == "Unsqueeze" || op == "Squeeze") {
        ConstTensor c = *input(0);
        std::optional<std::vector<int64_t>> axes = opset >= 13 ? asInts(input(1)) : attrInts(n, "axes");
        if (op == "Unsqueeze") {
            if (!axes) return std::nullopt;
            const int64_t outRank = static_cast<int64_t>(c.dims.size() + axes->size());
            for (int64_t& a : *axes) a = a < 0 ? a + outRank : a;
            std::sort(axes->begin(), axes->end());
            for (int64_t a : *axes) {
                if (a < 0 || a > static_cast<int64_t>(c.dims.size())) return std::nullopt;
                c.dims.insert(c.dims.begin() + a, 1);
            }
        } else {
            std::vector<int64_t> kept;
            const int64_t r = static_cast<int64_t>(c.dims.size());
            for (int64_t i = 0; i < r; ++i) {
                bool drop =
                    axes ? std::find_if(axes->begin(), axes->end(), [&](int64_t a) { return (a < 0 ? a + r : a) == i; }) != axes->end()
                         : c.dims[i] == 1;
                if (!drop) kept.push_back(c.dims[i]);
            }
            c.dims = kept;
        }
        return c;
    }
    if (op == "Gather") {
        const ConstTensor& data = *input(0);
        const ConstTensor& idx = *input(1);
        if (data.dims.size() != 1 || attrInt(n, "axis", 0) != 0) return std::nullopt;
        ConstTensor c;
        c.dtype = data.dtype;
        c.dims = idx.dims;
        for (double d : idx.values) {
            int64_t i = static_cast<int64_t>(d);
            if (i < 0) i += static_cast<int64_t>(data.values.size());
            if (i < 0 || i >= static_cast<int64_t>(data.values.size())) return std::nullopt;
            c.values.push_back(data.values[i]);
        }
        c.hasValues = true;
        return c;
    }
    if (op == "Concat") {
        ConstTensor c;
        c.hasValues = true;
        int64_t total = 0;
        for (const ConstTensor* t : in) {
            if (!t || t->dims.size() > 1) return std::nullopt;
            c.dtype = t->dtype;
            c.values.insert(c.values.end(), t->values.begin(), t->values.end());
            total += static_cast<int64_t>(t->values.size());
        }
        c.dims = {total};
        return c;
    }
    if (op == "Slice") {
        const ConstTensor& data = *input(0);
        if (data.dims.size() != 1) return std::nullopt;
        std::optional<std::vector<int64_t>> starts, ends, axes, steps;
        if (opset >= 10) {
            starts = asInts(input(1));
            ends = asInts(input(2));
            axes = asInts(input(3));
            steps = asInts(input(4));
        } else {
            starts = attrInts(n, "starts");
            ends = attrInts(n, "ends");
            axes = attrInts(n, "axes");
        }
        if (!starts || !ends || starts->size() != 1 || ends->size() != 1) return std::nullopt;
        if (axes && (axes->size() != 1 || ((*axes)[0] != 0 && (*axes)[0] != -1))) return std::nullopt;
        const int64_t len = static_cast<int64_t>(data.values.size());
        const int64_t step = steps && !steps->empty() ? (*steps)[0] : 1;
        if (step == 0) return std::nullopt;
        // ONNX: with a positive step indices clamp to [0, len]; with a negative one the start
        // clamps to [0, len-1] and the end to [-1, len-1].
        auto clampIndex = [&](int64_t i, bool forEnd) {
            if (i < 0) i += len;
            if (step > 0) return std::clamp<int64_t>(i, 0, len);
            return std::clamp<int64_t>(i, forEnd ? -1 : 0, len - 1);
        };
        int64_t s = clampIndex((*starts)[0], false), e = clampIndex((*ends)[0], true);
        ConstTensor c;
        c.dtype = data.dtype;
        for (int64_t i = s; step > 0 ? i < e : i > e; i += step) c.values.push_back(data.values[i]);
        c.dims = {static_cast<int64_t>(c.values.size())};
        c.hasValues = true;
        return c;
    }
    if (op == "Range") {
        double start = input(0)->values.at(0), limit = input(1)->values.at(0), delta = input(2)->values.at(0);
        if (delta == 0 || std::fabs((limit - start) / delta) > kMaxFoldedElements) return std::nullopt;
        ConstTensor c;
        c.dtype = input(0)->dtype;
        for (double v = start; delta > 0 ? v < limit : v > limit; v += delta) c.values.push_back(v);
        c.dims = {static_cast<int64_t>(c.values.size())};
        c.hasValues = true;
        return c;
    }
    if (op == "ConstantOfShape") {
        auto dims = asInts(input(0));
        if (!dims) return std::nullopt;
        const int64_t count = numel(*dims);
        if (count < 0) return std::nullopt;
        ConstTensor c;
        c.dtype = TensorProto::FLOAT;
        double fill = 0;
        for (const auto& a : n.attribute())
            if (a.name() == "value")
                if (auto v = constFromTensorProto(a.t()); v && v->hasValues && !v->values.empty()) {
                    fill = v->values[0];
                    c.dtype = v->dtype;
                }
        c.dims = *dims;
        if (count <= kMaxFoldedElements) {
            c.values.assign(count, fill);
            c.hasValues = true;
        }
        return c;
    }
    if (op == "Reshape") {
        auto target = asInts(input(1));
        if (!target) return std::nullopt;
        ConstTensor c = *input(0);
        int64_t known = 1, inferAt = -1;
        for (size_t i = 0; i < target->size(); ++i) {
            int64_t& d = (*target)[i];
            if (d == 0 && i < c.dims.size()) d = c.dims[i];
            if (d == -1)
                inferAt = static_cast<int64_t>(i);
            else if (d > 0)
                known *= d;
        }
        const int64_t total = static_cast<int64_t>(c.values.size());
        if (inferAt >= 0) (*target)[inferAt] = known > 0 ? total / known : 0;
        if (numel(*target) != total) return std::nullopt;
        c.dims = *target;
        return c;
    }
    return std::nullopt;
}

bool isDefaultDomain(const onnx::NodeProto& n) { return n.domain().empty() || n.domain() == "ai.onnx"; }

// Ops that never become constants even with constant inputs (random generators and such).
bool neverFold(const std::string& op) {
    return op == "RandomNormal" || op == "RandomUniform" || op == "RandomNormalLike" || op == "RandomUniformLike" || op == "Multinomial" ||
           op == "Bernoulli";
}

// One folding sweep over the graph in file order. Returns how many nodes were folded.
int foldOnce(onnx::ModelProto& model, std::unordered_map<std::string, ConstTensor>& constants, int64_t opset, FoldMode mode) {
    const ShapeMap shapes = collectShapes(model);
    const auto elemTypes = collectElemTypes(model);
    auto* graph = model.mutable_graph();
    std::vector<bool> folded(graph->node_size(), false);
    int count = 0;
    for (int i = 0; i < graph->node_size(); ++i) {
        const auto& n = graph->node(i);
        if (!isDefaultDomain(n) || neverFold(n.op_type()) || n.output_size() != 1) continue;
        std::vector<const ConstTensor*> inputs;
        bool allConst = true;
        for (const auto& name : n.input()) {
            if (name.empty()) {
                inputs.push_back(nullptr);
                continue;
            }
            auto it = constants.find(name);
            if (it == constants.end()) {
                allConst = false;
                inputs.push_back(nullptr);
            } else
                inputs.push_back(&it->second);
        }
        const bool shapeOfKnown = (n.op_type() == "Shape" || n.op_type() == "Size");
        if (!allConst && !shapeOfKnown) continue;
        std::optional<ConstTensor> value = evaluate(n, inputs, shapes, opset);
        if (!value && allConst && n.input_size() > 0) {
            // A constant we cannot evaluate (a transposed or cast weight): keep it as shape-only.
            auto it = shapes.find(n.output(0));
            if (it == shapes.end() || numel(it->second) < 0) continue;
            ConstTensor c;
            c.dims = it->second;
            auto type = elemTypes.find(n.output(0));
            c.dtype = type != elemTypes.end() ? type->second : TensorProto::FLOAT;
            value = c;
        }
        if (!value) continue;
        // A runtime needs the data of every initializer: only fold what we have values for.
        if (mode == FoldMode::ValuesOnly && !value->hasValues) continue;
        if (value->hasValues && static_cast<int64_t>(value->values.size()) != std::max<int64_t>(numel(value->dims), 0))
            continue;  // inconsistent result: leave the node for the converter to report
        constants[n.output(0)] = *value;
        folded[i] = true;
        ++count;
    }
    if (count == 0) return 0;
    // Replace folded nodes by initializers holding their results.
    google::protobuf::RepeatedPtrField<onnx::NodeProto> kept;
    for (int i = 0; i < graph->node_size(); ++i) {
        if (!folded[i]) {
            *kept.Add() = graph->node(i);
            continue;
        }
        const std::string& out = graph->node(i).output(0);
        constToTensorProto(constants[out], out, graph->add_initializer());
    }
    graph->mutable_node()->Swap(&kept);
    return count;
}

}  // namespace

std::optional<ConstTensor> constFromTensorProto(const onnx::TensorProto& t) {
    ConstTensor c;
    c.dtype = t.data_type();
    c.dims.assign(t.dims().begin(), t.dims().end());
    const int64_t n = numel(c.dims);
    if (n < 0) return std::nullopt;
    if (t.data_location() == TensorProto::EXTERNAL || n > kMaxFoldedElements) return c;
    const std::string& raw = t.raw_data();
    const bool hasRaw = t.has_raw_data();
    auto rawFits = [&](size_t elemSize) { return raw.size() == static_cast<size_t>(n) * elemSize; };
    switch (t.data_type()) {
    case TensorProto::FLOAT:
        if (hasRaw) {
            if (!rawFits(4)) return std::nullopt;
            readRaw<float>(raw, c.values, n);
        } else if (t.float_data_size() == n)
            c.values.assign(t.float_data().begin(), t.float_data().end());
        else
            return std::nullopt;
        break;
    case TensorProto::DOUBLE:
        if (hasRaw) {
            if (!rawFits(8)) return std::nullopt;
            readRaw<double>(raw, c.values, n);
        } else if (t.double_data_size() == n)
            c.values.assign(t.double_data().begin(), t.double_data().end());
        else
            return std::nullopt;
        break;
    case TensorProto::INT64:
        if (hasRaw) {
            if (!rawFits(8)) return std::nullopt;
            readRaw<int64_t>(raw, c.values, n);
        } else if (t.int64_data_size() == n)
            c.values.assign(t.int64_data().begin(), t.int64_data().end());
        else
            return std::nullopt;
        break;
    case TensorProto::INT32:
        if (hasRaw) {
            if (!rawFits(4)) return std::nullopt;
            readRaw<int32_t>(raw, c.values, n);
        } else if (t.int32_data_size() == n)
            c.values.assign(t.int32_data().begin(), t.int32_data().end());
        else
            return std::nullopt;
        break;
    case TensorProto::INT8:
    case TensorProto::UINT8:
    case TensorProto::BOOL:
        if (hasRaw) {
            if (!rawFits(1)) return std::nullopt;
            if (t.data_type() == TensorProto::INT8)
                readRaw<int8_t>(raw, c.values, n);
            else
                readRaw<uint8_t>(raw, c.values, n);
        } else if (t.int32_data_size() == n)
            c.values.assign(t.int32_data().begin(), t.int32_data().end());
        else
            return std::nullopt;
        break;
    default: return c;  // values not needed for other types
    }
    c.hasValues = true;
    return c;
}

void constToTensorProto(const ConstTensor& c, const std::string& name, onnx::TensorProto* out) {
    out->set_name(name);
    out->set_data_type(c.dtype == 0 ? TensorProto::FLOAT : c.dtype);
    for (int64_t d : c.dims) out->add_dims(d);
    if (!c.hasValues) return;
    switch (out->data_type()) {
    case TensorProto::FLOAT:
        for (double v : c.values) out->add_float_data(static_cast<float>(v));
        break;
    case TensorProto::DOUBLE:
        for (double v : c.values) out->add_double_data(v);
        break;
    case TensorProto::INT64:
        for (double v : c.values) out->add_int64_data(static_cast<int64_t>(v));
        break;
    case TensorProto::INT32:
    case TensorProto::INT8:
    case TensorProto::UINT8:
    case TensorProto::BOOL:
    case TensorProto::INT16:
    case TensorProto::UINT16:
        for (double v : c.values) out->add_int32_data(static_cast<int32_t>(v));
        break;
    default:
        out->set_data_type(TensorProto::FLOAT);
        for (double v : c.values) out->add_float_data(static_cast<float>(v));
    }
}

ShapeMap collectShapes(const onnx::ModelProto& model) {
    ShapeMap shapes;
    auto add = [&](const onnx::ValueInfoProto& vi) {
        if (!vi.type().has_tensor_type() || !vi.type().tensor_type().has_shape()) return;
        std::vector<int64_t> dims;
        for (const auto& d : vi.type().tensor_type().shape().dim()) dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
        shapes[vi.name()] = std::move(dims);
    };
    const auto& g = model.graph();
    for (const auto& vi : g.input()) add(vi);
    for (const auto& vi : g.value_info()) add(vi);
    for (const auto& vi : g.output()) add(vi);
    for (const auto& t : g.initializer()) shapes[t.name()] = {t.dims().begin(), t.dims().end()};
    return shapes;
}

std::unordered_map<std::string, int32_t> collectElemTypes(const onnx::ModelProto& model) {
    std::unordered_map<std::string, int32_t> types;
    auto add = [&](const onnx::ValueInfoProto& vi) {
        if (vi.type().has_tensor_type()) types[vi.name()] = vi.type().tensor_type().elem_type();
    };
    const auto& g = model.graph();
    for (const auto& vi : g.input()) add(vi);
    for (const auto& vi : g.value_info()) add(vi);
    for (const auto& vi : g.output()) add(vi);
    for (const auto& t : g.initializer()) types[t.name()] = t.data_type();
    return types;
}

Status inferAndFold(onnx::ModelProto& model, const std::string& file, std::unordered_map<std::string, ConstTensor>& constants,
                    FoldMode mode) {
    const int64_t opset = defaultDomainOpset(model);
    for (const auto& t : model.graph().initializer()) {
        auto c = constFromTensorProto(t);
        if (!c) return badInput(fmt::format("{}: initializer '{}' has data that does not match its dims.", file, t.name()));
        constants[t.name()] = std::move(*c);
    }
    // Each sweep folds at least one node, so the graph's node count bounds the loop.
    for (int pass = 0; pass <= model.graph().node_size(); ++pass) {
        try {
            onnx::ShapeInferenceOptions opts(/*check_type=*/false, /*error_mode=*/0, /*data_prop=*/false);
            onnx::shape_inference::InferShapes(model, guardedSchemaRegistry(), opts);
        } catch (const std::exception& e) {
            return badInput(fmt::format("{}: ONNX shape inference failed: {}", file, e.what()));
        }
        if (foldOnce(model, constants, opset, mode) == 0) break;
    }
    return Ok{};
}

}  // namespace km::onnx_detail

// SPDX-License-Identifier: Apache-2.0
// Structural checks of an ONNX model before shape inference or folding touches it. Every message
// names the file and the node, tensor or field, and says what to do where there is something to do.
#include <onnx/checker.h>
#include <algorithm>

#include <fmt/format.h>
#include <filesystem>
#include <unordered_set>

#include "onnx/onnx_internal.h"

namespace km::onnx_detail {
namespace fs = std::filesystem;

int64_t defaultDomainOpset(const onnx::ModelProto& model) {
    for (const auto& o : model.opset_import())
        if (o.domain().empty() || o.domain() == "ai.onnx") return o.version();
    return 0;
}

std::string nodeLabel(const onnx::NodeProto& node, int index) {
    if (!node.name().empty()) return fmt::format("'{}' ({})", node.name(), node.op_type());
    return fmt::format("#{} ({})", index, node.op_type());
}

namespace {

std::string dimsText(const std::vector<int64_t>& dims) {
    std::string s;
    for (size_t i = 0; i < dims.size(); ++i) s += (i ? "x" : "") + std::to_string(dims[i]);
    return s.empty() ? "scalar" : s;
}

// Overflow-safe element count; -1 when it exceeds kMaxTensorElements or a dim is negative.
int64_t checkedNumel(const std::vector<int64_t>& dims) {
    int64_t n = 1;
    for (int64_t d : dims) {
        if (d < 0) return -1;
        if (d != 0 && n > kMaxTensorElements / d) return -1;
        n *= d;
    }
    return n;
}

Status checkExternalData(const onnx::TensorProto& t, const std::string& file, const std::string& baseDir) {
    std::string location;
    int64_t offset = 0, length = -1;
    for (const auto& kv : t.external_data()) {
        if (kv.key() == "location")
            location = kv.value();
        else if (kv.key() == "offset")
            offset = std::atoll(kv.value().c_str());
        else if (kv.key() == "length")
            length = std::atoll(kv.value().c_str());
    }
    if (location.empty()) return badInput(fmt::format("{}: initializer '{}' uses external data but names no file.", file, t.name()));
    const fs::path rel(location);
    if (rel.is_absolute())
        return badInput(
            fmt::format("{}: initializer '{}' points to external data at the absolute path '{}'; "
                        "external data must lie inside the model's folder.",
                        file, t.name(), location));
    if (baseDir.empty())
        return badInput(
            fmt::format("{}: initializer '{}' uses external data '{}' but the model was not read "
                        "from a folder.",
                        file, t.name(), location));
    std::error_code ec;
    const fs::path base = fs::weakly_canonical(fs::path(baseDir), ec);
    const fs::path target = fs::weakly_canonical(base / rel, ec);
    auto [baseEnd, targetIt] = std::mismatch(base.begin(), base.end(), target.begin(), target.end());
    if (ec || baseEnd != base.end())
        return badInput(
            fmt::format("{}: initializer '{}' points to external data '{}' outside the model's "
                        "folder; refusing to read it.",
                        file, t.name(), location));
    const auto size = fs::file_size(target, ec);
    if (ec) return badInput(fmt::format("{}: external data file '{}' of initializer '{}' cannot be read.", file, location, t.name()));
    const int64_t n = checkedNumel({t.dims().begin(), t.dims().end()});
    const int64_t elemBytes = t.data_type() == onnx::TensorProto::DOUBLE || t.data_type() == onnx::TensorProto::INT64 ? 8
                              : t.data_type() == onnx::TensorProto::FLOAT16                                           ? 2
                              : t.data_type() == onnx::TensorProto::INT8 || t.data_type() == onnx::TensorProto::UINT8 ? 1
                                                                                                                      : 4;
    const int64_t need = length >= 0 ? length : n * elemBytes;
    if (offset < 0 || static_cast<uint64_t>(offset + need) > size)
        return badInput(
            fmt::format("{}: external data file '{}' is too short for initializer '{}' "
                        "(needs {} bytes at offset {}, has {}).",
                        file, location, t.name(), need, offset, size));
    return Ok{};
}

// ONNX's own shape inference divides by strides and multiplies kernel extents by dilations without
// checking them, so a zero stride in a damaged file would crash the process (found by the fuzzer).
Status checkWindowAttributes(const onnx::NodeProto& n, int index, const std::string& file) {
    constexpr int64_t kMaxExtent = 1 << 20;
    for (const auto& a : n.attribute()) {
        int64_t lo = 0, hi = kMaxExtent;
        if (a.name() == "group")
            lo = 1, hi = int64_t{1} << 24;
        else if (a.name() == "strides" || a.name() == "dilations" || a.name() == "kernel_shape")
            lo = 1;
        else if (a.name() == "pads" || a.name() == "output_padding")
            lo = n.op_type() == "Pad" ? -kMaxExtent : 0;  // Pad-2 crops
        else
            continue;
        const std::vector<int64_t> values =
            a.name() == "group" ? std::vector<int64_t>{a.i()} : std::vector<int64_t>(a.ints().begin(), a.ints().end());
        for (int64_t v : values)
            if (v < lo || v > hi)
                return badInput(
                    fmt::format("{}: node {} has attribute '{}' with value {}; each value must lie in "
                                "[{}, {}].",
                                file, nodeLabel(n, index), a.name(), v, lo, hi));
    }
    return Ok{};
}

}  // namespace

Status validateModel(const onnx::ModelProto& model, const std::string& file, const std::string& baseDir) {
    if (!model.has_graph() || model.graph().node_size() == 0)
        return badInput(fmt::format("{}: not an ONNX model (no graph with nodes found).", file));
    if (model.ir_version() < 3 || model.ir_version() > 10)
        return badInput(fmt::format("{}: not an ONNX model (IR version {} is not one ONNX has defined).", file, model.ir_version()));
    const int64_t opset = defaultDomainOpset(model);
    if (opset == 0) return badInput(fmt::format("{}: the model imports no opset of the default ONNX domain.", file));
    if (opset < kMinOpset || opset > kMaxOpset)
        return unsupported(
            fmt::format("{}: uses ONNX opset {}; KernelMeter reads opsets {} to {}. "
                        "Convert it with onnx.version_converter.",
                        file, opset, kMinOpset, kMaxOpset));
    const auto& g = model.graph();

    std::unordered_set<std::string> defined;
    for (const auto& t : g.initializer()) {
        const std::vector<int64_t> dims(t.dims().begin(), t.dims().end());
        if (checkedNumel(dims) < 0)
            return badInput(fmt::format("{}: initializer '{}' has implausible dimensions {}.", file, t.name(), dimsText(dims)));
        if (t.data_location() == onnx::TensorProto::EXTERNAL) {
            if (auto s = checkExternalData(t, file, baseDir); !s) return s;
        }
        defined.insert(t.name());
    }
    for (const auto& vi : g.input()) {
        std::vector<int64_t> dims;
        if (vi.type().has_tensor_type() && vi.type().tensor_type().has_shape())
            for (const auto& d : vi.type().tensor_type().shape().dim())
                dims.push_back(d.has_dim_value() ? std::max<int64_t>(d.dim_value(), 1) : 1);
        if (checkedNumel(dims) < 0)
            return badInput(fmt::format("{}: input '{}' has implausible dimensions {} (more than {} elements).", file, vi.name(),
                                        dimsText(dims), kMaxTensorElements));
        defined.insert(vi.name());
    }

    onnx::checker::CheckerContext ctx;
    ctx.set_ir_version(static_cast<int>(model.ir_version()));
    std::unordered_map<std::string, int> imports;
    for (const auto& o : model.opset_import()) imports[o.domain()] = static_cast<int>(o.version());
    ctx.set_opset_imports(imports);
    onnx::checker::LexicalScopeContext lex;

    std::unordered_set<std::string> produced;
    for (int i = 0; i < g.node_size(); ++i)
        for (const auto& out : g.node(i).output())
            if (!out.empty() && !produced.insert(out).second)
                return badInput(fmt::format("{}: tensor '{}' is produced by more than one node (again by node {}).", file, out,
                                            nodeLabel(g.node(i), i)));
    // The names a subgraph (If, Loop, Scan) may read from the graph around it.
    for (const std::string& name : defined) lex.add(name);
    for (const std::string& name : produced) lex.add(name);
    for (int i = 0; i < g.node_size(); ++i) {
        const auto& n = g.node(i);
        if (n.op_type().empty()) return badInput(fmt::format("{}: node #{} has no op type.", file, i));
        for (const auto& in : n.input())
            if (!in.empty() && !defined.count(in) && !produced.count(in))
                return badInput(
                    fmt::format("{}: node {} reads tensor '{}', which no node, input or initializer "
                                "provides.",
                                file, nodeLabel(n, i), in));
        // The schema check catches wrong attribute types and input counts before shape inference.
        if ((n.domain().empty() || n.domain() == "ai.onnx")) {
            try {
                onnx::checker::check_node(n, ctx, lex);
            } catch (const std::exception& e) {
                std::string what = e.what();
                if (auto cut = what.find("\n\n==>"); cut != std::string::npos) what.resize(cut);
                // One line: the checker's messages break lines inside (a node printed in full).
                std::replace_if(
                    what.begin(), what.end(), [](char c) { return c == '\n' || c == '\r' || c == '\t'; }, ' ');
                what.erase(std::unique(what.begin(), what.end(), [](char a, char b) { return a == ' ' && b == ' '; }), what.end());
                return badInput(fmt::format("{}: node {} is not valid ONNX: {}", file, nodeLabel(n, i), what));
            }
            if (auto s = checkWindowAttributes(n, i, file); !s) return s;
        }
    }
    std::vector<Node> light;  // names and edges only, for the cycle check
    light.reserve(g.node_size());
    for (int i = 0; i < g.node_size(); ++i) {
        Node n;
        n.name = nodeLabel(g.node(i), i);
        n.inputs.assign(g.node(i).input().begin(), g.node(i).input().end());
        n.outputs.assign(g.node(i).output().begin(), g.node(i).output().end());
        light.push_back(std::move(n));
    }
    if (auto topo = topologicalOrder(light); topo.cycleNode)
        return badInput(fmt::format("{}: the graph has a cycle through node {}.", file, *topo.cycleNode));
    return Ok{};
}

Status prepareInputs(onnx::ModelProto& model, const std::string& file, const LoadOptions& options) {
    auto* g = model.mutable_graph();
    std::unordered_set<std::string> initializers;
    for (const auto& t : g->initializer()) initializers.insert(t.name());
    std::vector<onnx::ValueInfoProto*> activations;
    for (auto& vi : *g->mutable_input())
        if (!initializers.count(vi.name())) activations.push_back(&vi);

    for (const auto& entry : options.inputShapes) {
        const std::string& name = entry.first;
        const bool matches =
            std::any_of(activations.begin(), activations.end(), [&](auto* vi) { return name.empty() || vi->name() == name; });
        if (!matches) return badInput(fmt::format("{}: --input-shape names input '{}', which the model does not have.", file, name));
        if (name.empty() && activations.size() != 1)
            return badInput(
                fmt::format("{}: the model has {} inputs; name the one to shape (NAME=1x3x224x224).", file, activations.size()));
    }
    for (auto* vi : activations) {
        if (!vi->type().has_tensor_type()) return unsupported(fmt::format("{}: input '{}' is not a tensor.", file, vi->name()));
        auto* shape = vi->mutable_type()->mutable_tensor_type()->mutable_shape();
        auto it = options.inputShapes.find(vi->name());
        if (it == options.inputShapes.end()) it = options.inputShapes.find("");
        if (it != options.inputShapes.end()) {
            if (shape->dim_size() != 0 && shape->dim_size() != static_cast<int>(it->second.size()))
                return badInput(fmt::format("{}: --input-shape gives {} dimensions for input '{}', which has {}.", file, it->second.size(),
                                            vi->name(), shape->dim_size()));
            shape->clear_dim();
            for (int64_t d : it->second) shape->add_dim()->set_dim_value(d);
            continue;
        }
        for (int i = 0; i < shape->dim_size(); ++i) {
            auto* d = shape->mutable_dim(i);
            if (d->has_dim_value() && d->dim_value() > 0) continue;
            if (i == 0) {  // dynamic batch
                d->set_dim_value(1);
                continue;
            }
            return badInput(
                fmt::format("{}: input '{}' has a dynamic dimension '{}' at axis {}; give its shape "
                            "with --input-shape {}=...",
                            file, vi->name(), d->dim_param(), i, vi->name()));
        }
    }
    // Shapes recorded by the exporter may contradict the batch chosen here; inference recomputes them.
    g->clear_value_info();
    for (auto& vi : *g->mutable_output())
        if (vi.type().has_tensor_type()) vi.mutable_type()->mutable_tensor_type()->clear_shape();
    return Ok{};
}

}  // namespace km::onnx_detail

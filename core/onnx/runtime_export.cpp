// SPDX-License-Identifier: Apache-2.0
#include "onnx/runtime_export.h"

#include <fmt/format.h>

#include "onnx/onnx_internal.h"

namespace km {
namespace {

using namespace onnx_detail;

// Removes Identity/Dropout by renaming every use of their output to their input.
void aliasPassThroughNodes(onnx::GraphProto* g) {
    std::unordered_map<std::string, std::string> alias;
    auto resolve = [&](std::string name) {
        for (auto it = alias.find(name); it != alias.end(); it = alias.find(name)) name = it->second;
        return name;
    };
    google::protobuf::RepeatedPtrField<onnx::NodeProto> kept;
    for (auto& n : *g->mutable_node()) {
        for (auto& in : *n.mutable_input())
            if (!in.empty()) in = resolve(in);
        const bool plain = n.domain().empty() || n.domain() == "ai.onnx";
        if (plain && (n.op_type() == "Identity" || n.op_type() == "Dropout") && n.input_size() >= 1 && n.output_size() >= 1) {
            alias[n.output(0)] = n.input(0);
            continue;
        }
        *kept.Add() = n;
    }
    g->mutable_node()->Swap(&kept);
    // A model output produced by a pass-through keeps its name: re-add one Identity for it, since
    // runtimes look outputs up by name. (Only model outputs; inner ones are gone.)
    for (auto& out : *g->mutable_output()) {
        const std::string source = resolve(out.name());
        if (source == out.name()) continue;
        auto* id = g->add_node();
        id->set_op_type("Identity");
        id->set_name(out.name() + "_output");
        id->add_input(source);
        id->add_output(out.name());
    }
}

// OpenCV 4.6 reads Clip bounds from attributes only; move constant bound inputs there.
Status clipBoundsToAttributes(onnx::GraphProto* g, const std::unordered_map<std::string, ConstTensor>& constants, const std::string& file) {
    for (auto& n : *g->mutable_node()) {
        if (n.op_type() != "Clip" || n.input_size() <= 1) continue;
        for (int i = 1; i < n.input_size() && i <= 2; ++i) {
            if (n.input(i).empty()) continue;
            auto c = constants.find(n.input(i));
            if (c == constants.end() || !c->second.hasValues || c->second.values.size() != 1)
                return unsupported(
                    fmt::format("{}: node '{}' (Clip) has bounds computed at run time, which OpenCV "
                                "DNN cannot express.",
                                file, n.name()));
            auto* a = n.add_attribute();
            a->set_name(i == 1 ? "min" : "max");
            a->set_type(onnx::AttributeProto::FLOAT);
            a->set_f(static_cast<float>(c->second.values[0]));
        }
        const std::string x = n.input(0);
        n.clear_input();
        n.add_input(x);
    }
    return Ok{};
}

// Keeps only the name, type and dims of every initializer over kMaxFoldedElements elements (also
// one stored in an external file).
void leaveOutLargeValues(onnx::GraphProto* g) {
    for (auto& t : *g->mutable_initializer()) {
        int64_t count = 1;
        for (int64_t d : t.dims()) count *= d;
        if (count <= kMaxFoldedElements) continue;
        onnx::TensorProto shapeOnly;
        shapeOnly.set_name(t.name());
        shapeOnly.set_data_type(t.data_type());
        *shapeOnly.mutable_dims() = t.dims();
        t = std::move(shapeOnly);
    }
}

}  // namespace

Result<std::string> exportOnnxForRuntime(const std::string& path, const LoadOptions& options, OnnxDialect dialect) {
    Result<std::string> bytes = readModelFileBytes(path);
    if (!bytes) return bytes.error();
    return exportOnnxBytesForRuntime(bytes.value(), path, options, dialect);
}

Result<std::string> exportOnnxBytesForRuntime(const std::string& bytes, const std::string& path, const LoadOptions& options,
                                              OnnxDialect dialect) {
    onnx::ModelProto model;
    if (bytes.empty() || !model.ParseFromString(bytes))
        return badInput(fmt::format("{}: not an ONNX model (the protobuf data is corrupt or truncated).", path));
    try {
        if (auto s = validateModel(model, path, ""); !s) return s.error();
        if (auto s = prepareInputs(model, path, options); !s) return s.error();
        aliasPassThroughNodes(model.mutable_graph());
        std::unordered_map<std::string, ConstTensor> constants;
        if (auto s = inferAndFold(model, path, constants, FoldMode::ValuesOnly); !s) return s.error();
        if (dialect == OnnxDialect::OpenCvDnn)
            if (auto s = clipBoundsToAttributes(model.mutable_graph(), constants, path); !s) return s.error();
        if (dialect == OnnxDialect::WeightShapesOnly) leaveOutLargeValues(model.mutable_graph());
        std::string out;
        if (!model.SerializeToString(&out)) return internalError(fmt::format("{}: could not serialise the rewritten model.", path));
        return out;
    } catch (const std::exception& e) {
        return internalError(fmt::format("{}: unexpected error while rewriting the model: {}", path, e.what()));
    }
}

}  // namespace km

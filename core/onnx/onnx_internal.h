// SPDX-License-Identifier: Apache-2.0
// Internal to core/onnx: helpers shared by the ONNX reader's steps. Includes protobuf headers, so
// it must never be included from outside core/onnx.
#pragma once

#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "onnx/onnx_loader.h"

namespace km::onnx_detail {

// A constant tensor during folding. values holds the elements (as double, exact for integers up to
// 2^53) only for small tensors; large ones (weights) carry their dims alone.
struct ConstTensor {
    int32_t dtype = 0;  // onnx::TensorProto::DataType
    std::vector<int64_t> dims;
    std::vector<double> values;
    bool hasValues = false;
};

// Element count of constants whose values are kept for folding and pattern matching.
inline constexpr int64_t kMaxFoldedElements = 4096;

std::optional<ConstTensor> constFromTensorProto(const onnx::TensorProto& t);
void constToTensorProto(const ConstTensor& c, const std::string& name, onnx::TensorProto* out);

// Shapes known after shape inference: tensor name -> dims (-1 for an unknown dimension).
using ShapeMap = std::unordered_map<std::string, std::vector<int64_t>>;
ShapeMap collectShapes(const onnx::ModelProto& model);
std::unordered_map<std::string, int32_t> collectElemTypes(const onnx::ModelProto& model);

// Checks the model's structure before anything evaluates it (opset, IR version, names, cycle,
// dangling inputs, external data, initializer sizes, absurd dims).
Status validateModel(const onnx::ModelProto& model, const std::string& file, const std::string& baseDir);

// Fixes input shapes (dynamic batch -> 1, user overrides) and drops stale value_info.
Status prepareInputs(onnx::ModelProto& model, const std::string& file, const LoadOptions& options);

// What folding may replace by initializers.
enum class FoldMode {
    ShapeOnlyToo,  // for analysis: constants whose values we do not compute become dims-only
    ValuesOnly,    // for runtimes: only results we computed (a runtime needs every initializer's data)
};

// Runs shape inference and folds constant subgraphs until nothing changes. Fills `constants`
// with every constant tensor (initializers and folded results).
Status inferAndFold(onnx::ModelProto& model, const std::string& file, std::unordered_map<std::string, ConstTensor>& constants,
                    FoldMode mode = FoldMode::ShapeOnlyToo);

// Converts the folded model into a Graph with canonical op types (one node per file node).
Result<Graph> convertToGraph(const onnx::ModelProto& model, const std::string& file,
                             const std::unordered_map<std::string, ConstTensor>& constants);

int64_t defaultDomainOpset(const onnx::ModelProto& model);

// ONNX's schemas, with rank checks in front of the convolution family's shape inference, which in
// ONNX 1.12 indexes past its vectors on a weight of higher rank than the input (guarded_schemas.cpp).
// Pass it to every InferShapes call.
const onnx::ISchemaRegistry* guardedSchemaRegistry();
std::string nodeLabel(const onnx::NodeProto& node, int index);  // "'conv1' (Conv)" or "#3 (Conv)"

}  // namespace km::onnx_detail

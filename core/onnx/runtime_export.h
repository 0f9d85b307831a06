// SPDX-License-Identifier: Apache-2.0
// ONNX files as runtimes accept them. OpenCV DNN 4.6 rejects common exporter output as-is
// (Identity on initializers, Constant nodes, shape subgraphs feeding Reshape); this pass rewrites a
// model into the plain form every runtime reads, keeping node and tensor names so that per-layer
// results map back to the original graph.
#pragma once

#include <string>

#include "common/result.h"
#include "onnx/onnx_loader.h"

namespace km {

// Quirks of a runtime's ONNX reader that the export works around.
enum class OnnxDialect {
    Standard,   // valid ONNX of the file's opset
    OpenCvDnn,  // OpenCV 4.6: Clip takes min/max only as attributes (even at opset >= 11)
    // Standard, with the values of initializers over 4096 elements left out (their names, types
    // and dims kept): for a runtime that makes its own weights (RuntimeTraits::makesOwnWeights).
    // Small ones (shapes, pads, scales) keep their values.
    WeightShapesOnly,
};

// Reads `path` and returns the bytes of an equivalent model with: Identity and Dropout removed
// (consumers read the original tensor), Constant nodes turned into initializers, shape-computing
// subgraphs folded, Clip bounds as initializers, inputs fixed to concrete shapes (options.inputShapes
// or the file's shapes with a dynamic batch of 1), and value_info refreshed by shape inference.
Result<std::string> exportOnnxForRuntime(const std::string& path, const LoadOptions& options = {},
                                         OnnxDialect dialect = OnnxDialect::Standard);
// The same from a model's bytes already read; displayName is used in messages.
Result<std::string> exportOnnxBytesForRuntime(const std::string& bytes, const std::string& displayName, const LoadOptions& options = {},
                                              OnnxDialect dialect = OnnxDialect::Standard);

}  // namespace km

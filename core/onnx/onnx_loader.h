// SPDX-License-Identifier: Apache-2.0
// Loading model files into a Graph: ONNX (libonnx protobuf + shape inference + constant folding)
// and nn-Meter IR JSON. Errors name the file and the node, op or field at fault.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "graph/graph.h"

namespace km {

struct LoadOptions {
    // Shapes of model inputs by input name; the key "" applies to the only input of a
    // single-input model. Default: the shapes in the file, with a dynamic batch dimension set to 1.
    std::map<std::string, std::vector<int64_t>> inputShapes;
    // Recognise multi-node spellings (hswish, swish, channelshuffle, relu6) and mark SE blocks.
    // Default true; false keeps one node per file node (for debugging an exporter's output).
    bool recognisePatterns = true;
    // Canonical ops whose multi-node spellings are kept node by node although recognisePatterns is
    // on (see recognisePatterns in graph/canonical_passes.h).
    std::vector<std::string> literalSpellings;
};

// ONNX opsets of the default domain that KernelMeter reads.
inline constexpr int64_t kMinOpset = 7;
inline constexpr int64_t kMaxOpset = 17;

// Reads an ONNX file. External data files are checked (inside the model's folder, large enough)
// but never read: weights' values do not affect the graph.
Result<Graph> loadOnnxFile(const std::string& path, const LoadOptions& options = {});

// Same from memory. displayName is used in messages, baseDir resolves external data ("" = none).
Result<Graph> loadOnnxBytes(const void* data, size_t size, const std::string& displayName, const std::string& baseDir,
                            const LoadOptions& options = {});

// Reads an nn-Meter IR JSON graph (NHWC shapes, TensorFlow or ONNX op names).
Result<Graph> loadNnMeterIrFile(const std::string& path, const LoadOptions& options = {});
Result<Graph> loadNnMeterIrText(const std::string& text, const std::string& displayName, const LoadOptions& options = {});

// A model file's bytes: size checked (at most what an ONNX protobuf or an IR JSON file can be),
// errors naming the file. The only place model files are read from disk.
Result<std::string> readModelFileBytes(const std::string& path);

// Picks the reader from the content: JSON text goes to the nn-Meter IR reader, anything else to
// the ONNX reader. `baseDir` resolves ONNX external data ("" = none).
Result<Graph> loadModelBytes(const std::string& bytes, const std::string& displayName, const std::string& baseDir,
                             const LoadOptions& options = {});

// readModelFileBytes, then loadModelBytes with the file's folder as baseDir. Applications read
// models through workflows/model_file.h (read once, canonical passes per device).
Result<Graph> loadModelFile(const std::string& path, const LoadOptions& options = {});

// True when the bytes are nn-Meter IR JSON rather than ONNX (first non-blank byte '{' or '[').
bool looksLikeJson(const std::string& bytes);

}  // namespace km

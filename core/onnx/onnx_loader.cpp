// SPDX-License-Identifier: Apache-2.0
#include "onnx/onnx_loader.h"

#include <google/protobuf/io/coded_stream.h>
#include <algorithm>

#include <fmt/format.h>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "graph/canonical_passes.h"
#include "onnx/onnx_internal.h"

namespace km {
namespace fs = std::filesystem;

namespace {

// Protobuf cannot represent messages of 2 GiB or more; bigger models keep weights as external data.
constexpr uint64_t kMaxProtobufBytes = (uint64_t{1} << 31) - 1;
constexpr uint64_t kMaxJsonBytes = uint64_t{1} << 30;

Result<std::string> readWholeFile(const std::string& path, uint64_t limit, const char* what) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return ioError(fmt::format("{}: no such file.", path));
    if (fs::is_directory(path, ec)) return ioError(fmt::format("{}: is a folder, not a model file.", path));
    const auto size = fs::file_size(path, ec);
    if (ec) return ioError(fmt::format("{}: cannot read the file size ({}).", path, ec.message()));
    if (size == 0) return badInput(fmt::format("{}: the file is empty.", path));
    if (size > limit)
        return badInput(fmt::format("{}: the file is {} bytes, larger than a {} can be ({} bytes).", path, size, what, limit));
    std::ifstream in(path, std::ios::binary);
    if (!in) return ioError(fmt::format("{}: cannot open the file ({}).", path, std::strerror(errno)));
    std::string bytes(size, '\0');
    if (!in.read(bytes.data(), static_cast<std::streamsize>(size)))
        return ioError(fmt::format("{}: reading the file failed after {} bytes.", path, in.gcount()));
    return bytes;
}

}  // namespace

Result<Graph> loadOnnxBytes(const void* data, size_t size, const std::string& displayName, const std::string& baseDir,
                            const LoadOptions& options) {
    using namespace onnx_detail;
    if (size == 0) return badInput(fmt::format("{}: the file is empty.", displayName));
    if (size > kMaxProtobufBytes) return badInput(fmt::format("{}: {} bytes is more than an ONNX protobuf can hold.", displayName, size));
    onnx::ModelProto model;
    google::protobuf::io::CodedInputStream stream(static_cast<const uint8_t*>(data), static_cast<int>(size));
    stream.SetRecursionLimit(64);
    if (!model.ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage())
        return badInput(fmt::format("{}: not an ONNX model (the protobuf data is corrupt or truncated).", displayName));
    try {
        if (auto s = validateModel(model, displayName, baseDir); !s) return s.error();
        if (auto s = prepareInputs(model, displayName, options); !s) return s.error();
        std::unordered_map<std::string, ConstTensor> constants;
        if (auto s = inferAndFold(model, displayName, constants); !s) return s.error();
        Result<Graph> graph = convertToGraph(model, displayName, constants);
        if (!graph) return graph;
        if (options.recognisePatterns) recognisePatterns(graph.value(), options.literalSpellings);
        return graph;
    } catch (const std::bad_alloc&) {
        return badInput(fmt::format("{}: ran out of memory while reading the model; its sizes are not plausible.", displayName));
    } catch (const std::exception& e) {
        return internalError(fmt::format("{}: unexpected error while reading the model: {}", displayName, e.what()));
    }
}

Result<std::string> readModelFileBytes(const std::string& path) {
    // The larger of the two formats' limits; the reader of each checks its own.
    return readWholeFile(path, kMaxProtobufBytes, "model file");
}

bool looksLikeJson(const std::string& bytes) {
    for (char c : bytes) {
        if (std::isspace(static_cast<unsigned char>(c))) continue;
        return c == '{' || c == '[';
    }
    return false;
}

Result<Graph> loadModelBytes(const std::string& bytes, const std::string& displayName, const std::string& baseDir,
                             const LoadOptions& options) {
    if (looksLikeJson(bytes)) {
        if (bytes.size() > kMaxJsonBytes)
            return badInput(fmt::format("{}: the file is {} bytes, larger than an nn-Meter IR JSON file can be ({} bytes).", displayName,
                                        bytes.size(), kMaxJsonBytes));
        return loadNnMeterIrText(bytes, displayName, options);
    }
    return loadOnnxBytes(bytes.data(), bytes.size(), displayName, baseDir, options);
}

namespace {
std::string folderOf(const std::string& path) { return fs::absolute(fs::path(path)).parent_path().string(); }
}  // namespace

Result<Graph> loadOnnxFile(const std::string& path, const LoadOptions& options) {
    Result<std::string> bytes = readWholeFile(path, kMaxProtobufBytes, "ONNX protobuf");
    if (!bytes) return bytes.error();
    return loadOnnxBytes(bytes.value().data(), bytes.value().size(), path, folderOf(path), options);
}

Result<Graph> loadNnMeterIrFile(const std::string& path, const LoadOptions& options) {
    Result<std::string> text = readWholeFile(path, kMaxJsonBytes, "nn-Meter IR JSON file");
    if (!text) return text.error();
    return loadNnMeterIrText(text.value(), path, options);
}

Result<Graph> loadModelFile(const std::string& path, const LoadOptions& options) {
    Result<std::string> bytes = readModelFileBytes(path);
    if (!bytes) return bytes.error();
    return loadModelBytes(bytes.value(), path, folderOf(path), options);
}

}  // namespace km

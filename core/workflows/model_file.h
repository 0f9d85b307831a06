// SPDX-License-Identifier: Apache-2.0
// A model read and parsed once (data flow A, docs/architecture.md): the graph as the file spells
// it, one node per file node, and from it the canonical graph each device runs, made by the pattern
// passes (graph/canonical_passes.h) with the spellings that device keeps node by node. Every
// caller that predicts, partitions, measures or evaluates a model file goes through this type, so
// a file is read from disk once per analysis and every caller sees the same graphs.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "graph/graph.h"
#include "graph/metrics.h"
#include "onnx/onnx_loader.h"
#include "onnx/runtime_export.h"

namespace km {

class ModelFile {
public:
    // What is kept of the bytes read besides the graph.
    enum class Keep {
        Graph,  // nothing: sha256() is empty, runtimeBytes() fails (predicting from a file)
        Hash,   // their SHA-256 (looking up measurements by model)
        Bytes,  // the SHA-256 and the bytes themselves (measuring: runtimeBytes())
    };
    // Reads `path` (ONNX or nn-Meter IR JSON). `options.inputShapes` apply to every graph;
    // `options.recognisePatterns` false makes every graph the literal one; `literalSpellings` is
    // ignored (a device's spellings are asked for per graph).
    static Result<std::shared_ptr<const ModelFile>> read(const std::string& path, const LoadOptions& options = {}, Keep keep = Keep::Graph);
    // The same from bytes already in memory (a generated model); `displayName` names it in messages.
    static Result<std::shared_ptr<const ModelFile>> fromBytes(std::string bytes, const std::string& displayName,
                                                              const LoadOptions& options = {}, Keep keep = Keep::Graph);
    // A graph built in memory (tests, generators): `literal` must have no pattern pass applied.
    static std::shared_ptr<const ModelFile> fromGraph(Graph literal, const std::string& displayName, const LoadOptions& options = {});

    const std::string& name() const { return m_name; }  // the path, or the display name
    const LoadOptions& options() const { return m_options; }
    // One node per file node (no pattern recognised): what a runtime reports layers by.
    const Graph& literal() const { return *m_literal; }
    // The canonical graph with the given canonical ops kept node by node (a device's
    // RuleSet::literalSpellings()). When the model has none of those spellings, the same graph as
    // canonical({}), so callers can tell by pointer that a device runs the default graph. Cached;
    // thread-safe.
    std::shared_ptr<const Graph> canonical(const std::vector<std::string>& keepLiteral = {}) const;
    // Metrics of a graph this object returned (cached with it).
    std::shared_ptr<const GraphMetrics> metricsOf(const std::shared_ptr<const Graph>& graph) const;

    // The SHA-256 of the bytes read (Keep::Hash or Bytes; else empty) and, with Keep::Bytes, the
    // model rewritten for a runtime (graphs are ONNX-only there: an IR JSON file is an error).
    const std::string& sha256() const { return m_sha256; }
    Result<std::string> runtimeBytes(OnnxDialect dialect) const;

private:
    ModelFile() = default;
    static std::shared_ptr<const ModelFile> make(std::string name, const LoadOptions& options, Graph literal, std::string bytes, Keep keep);
    struct Variant {
        std::shared_ptr<const Graph> graph;
        std::shared_ptr<const GraphMetrics> metrics;
    };
    const Variant& variantFor(const std::vector<std::string>& keepLiteral) const;

    std::string m_name;
    LoadOptions m_options;
    std::shared_ptr<const Graph> m_literal;
    std::string m_bytes, m_sha256;
    mutable std::mutex m_mutex;
    mutable std::map<std::vector<std::string>, Variant> m_variants;  // by sorted spellings kept
};

// Reads a model when called (a dataset model's file, or the zoo generating it again).
using ModelLoader = std::function<Result<std::shared_ptr<const ModelFile>>()>;

}  // namespace km

// SPDX-License-Identifier: Apache-2.0
#include "workflows/model_file.h"

#include <algorithm>
#include <filesystem>

#include "common/sha256.h"
#include "graph/canonical_passes.h"

namespace km {

namespace {

LoadOptions literalOptions(LoadOptions options) {
    options.recognisePatterns = false;
    options.literalSpellings.clear();
    return options;
}

}  // namespace

std::shared_ptr<const ModelFile> ModelFile::make(std::string name, const LoadOptions& options, Graph literal, std::string bytes,
                                                 Keep keep) {
    std::shared_ptr<ModelFile> m(new ModelFile);
    m->m_name = std::move(name);
    m->m_options = options;
    m->m_options.literalSpellings.clear();
    m->m_literal = std::make_shared<const Graph>(std::move(literal));
    if (keep != Keep::Graph) m->m_sha256 = sha256Hex(bytes);
    if (keep == Keep::Bytes) m->m_bytes = std::move(bytes);
    return m;
}

Result<std::shared_ptr<const ModelFile>> ModelFile::read(const std::string& path, const LoadOptions& options, Keep keep) {
    Result<std::string> bytes = readModelFileBytes(path);
    if (!bytes) return bytes.error();
    const std::string folder = std::filesystem::absolute(std::filesystem::path(path)).parent_path().string();
    Result<Graph> g = loadModelBytes(bytes.value(), path, folder, literalOptions(options));
    if (!g) return g.error();
    return make(path, options, std::move(g).value(), std::move(bytes).value(), keep);
}

Result<std::shared_ptr<const ModelFile>> ModelFile::fromBytes(std::string bytes, const std::string& displayName, const LoadOptions& options,
                                                              Keep keep) {
    Result<Graph> g = loadModelBytes(bytes, displayName, "", literalOptions(options));
    if (!g) return g.error();
    return make(displayName, options, std::move(g).value(), std::move(bytes), keep);
}

std::shared_ptr<const ModelFile> ModelFile::fromGraph(Graph literal, const std::string& displayName, const LoadOptions& options) {
    return make(displayName, options, std::move(literal), {}, Keep::Graph);
}

const ModelFile::Variant& ModelFile::variantFor(const std::vector<std::string>& keepLiteral) const {
    std::vector<std::string> key = m_options.recognisePatterns ? keepLiteral : std::vector<std::string>{"*literal*"};
    std::sort(key.begin(), key.end());
    key.erase(std::unique(key.begin(), key.end()), key.end());
    std::lock_guard<std::mutex> lock(m_mutex);
    if (auto it = m_variants.find(key); it != m_variants.end()) return it->second;
    Variant v;
    if (!m_options.recognisePatterns) {
        v.graph = m_literal;
    } else {
        // The default canonical graph first: a device whose kept spellings the model does not
        // contain shares it (by pointer) instead of a copy.
        const Variant* shared = nullptr;
        if (!key.empty()) {
            auto it = m_variants.find({});
            if (it == m_variants.end()) {
                Graph g = *m_literal;
                recognisePatterns(g);
                Variant d{std::make_shared<const Graph>(std::move(g)), nullptr};
                d.metrics = std::make_shared<const GraphMetrics>(computeGraphMetrics(*d.graph));
                it = m_variants.emplace(std::vector<std::string>{}, std::move(d)).first;
            }
            const bool spelledOut = std::any_of(it->second.graph->nodes().begin(), it->second.graph->nodes().end(),
                                                [&](const Node& n) { return std::find(key.begin(), key.end(), n.opType) != key.end(); });
            if (!spelledOut) shared = &it->second;
        }
        if (shared) {
            v = *shared;
        } else {
            Graph g = *m_literal;
            recognisePatterns(g, key);
            v.graph = std::make_shared<const Graph>(std::move(g));
        }
    }
    if (!v.metrics) v.metrics = std::make_shared<const GraphMetrics>(computeGraphMetrics(*v.graph));
    return m_variants.emplace(std::move(key), std::move(v)).first->second;
}

std::shared_ptr<const Graph> ModelFile::canonical(const std::vector<std::string>& keepLiteral) const {
    return variantFor(keepLiteral).graph;
}

std::shared_ptr<const GraphMetrics> ModelFile::metricsOf(const std::shared_ptr<const Graph>& graph) const {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        for (const auto& [key, v] : m_variants)
            if (v.graph == graph) return v.metrics;
    }
    return std::make_shared<const GraphMetrics>(computeGraphMetrics(*graph));
}

Result<std::string> ModelFile::runtimeBytes(OnnxDialect dialect) const {
    if (m_bytes.empty()) return internalError(m_name + ": the model's bytes were not kept for measuring.");
    if (looksLikeJson(m_bytes)) return badInput(m_name + ": only ONNX files can be measured (nn-Meter IR graphs carry no weights).");
    return exportOnnxBytesForRuntime(m_bytes, m_name, m_options, dialect);
}

}  // namespace km

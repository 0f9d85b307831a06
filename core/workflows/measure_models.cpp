#include "workflows/measure_models.h"

#include <fmt/format.h>
#include <unordered_map>

#include "onnx/runtime_export.h"

namespace km {
namespace {

struct Prepared {
    size_t reportIndex;
    Graph graph;
    ModelInput input;
};

OnnxDialect dialectFor(const Device& d) { return d.runtime == "opencv-dnn" ? OnnxDialect::OpenCvDnn : OnnxDialect::Standard; }

// A runtime layer name is an ONNX node name, or (for unnamed nodes) the name of its first output.
std::string nodeNameFor(const Graph& g, const std::string& layer) {
    if (g.indexOf(layer)) return layer;
    if (auto p = g.producerOf(layer)) return g.nodes()[*p].name;
    for (const auto& n : g.nodes())  // a node merged into a pattern keeps its name in sourceNodes
        for (const auto& s : n.sourceNodes)
            if (s == layer) return n.name;
    // Runtimes add internal sub-layers named "<node>/<part>" (OpenCV's Flatten); fold them in.
    if (auto slash = layer.rfind('/'); slash != std::string::npos && slash > 0)
        if (std::string parent = nodeNameFor(g, layer.substr(0, slash)); g.indexOf(parent)) return parent;
    return layer;
}

void fill(ModelReport& r, const Graph& g, const ModelMeasurement& m, const MeasureResponse& resp) {
    r.ok = m.ok;
    r.error = m.error;
    r.stats = m.stats;
    r.runtimeVersion = resp.runtimeVersion;
    r.machine = resp.machine;
    // One entry per graph node, in execution order; layers that map to the same node add up.
    std::unordered_map<std::string, size_t> at;
    for (const auto& l : m.layers) {
        const std::string node = nodeNameFor(g, l.layer);
        auto [it, fresh] = at.emplace(node, r.layers.size());
        if (fresh) r.layers.push_back({node, 0.0});
        r.layers[it->second].ms += l.ms;
    }
    for (const auto& group : m.fusionGroups) {
        std::vector<std::string> names;
        for (const auto& layer : group) {
            std::string n = nodeNameFor(g, layer);
            if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
        }
        if (names.size() > 1) r.fusionGroups.push_back(std::move(names));
    }
}

}  // namespace

std::vector<ModelReport> measureModels(const std::vector<std::string>& paths, const Device& device,
                                       const MeasureModelsOptions& options, Progress* progress) {
    std::vector<ModelReport> reports(paths.size());
    std::vector<Prepared> prepared;
    for (size_t i = 0; i < paths.size(); ++i) {
        reports[i].path = paths[i];
        Result<Graph> g = loadModelFile(paths[i], options.load);
        if (!g) { reports[i].error = g.error().message; continue; }
        if (g.value().info.format != "onnx") {
            reports[i].error = paths[i] + ": only ONNX files can be measured (nn-Meter IR graphs carry no weights).";
            continue;
        }
        Result<std::string> bytes = exportOnnxForRuntime(paths[i], options.load, dialectFor(device));
        if (!bytes) { reports[i].error = bytes.error().message; continue; }
        Prepared p{i, std::move(g).value(), {}};
        p.input.name = fmt::format("m{}", i);
        p.input.bytes = std::move(bytes).value();
        for (const auto& in : p.graph.inputs) p.input.inputs.push_back({in, p.graph.tensor(in)->shape.dims});
        prepared.push_back(std::move(p));
    }
    if (prepared.empty()) return reports;

    auto runBatch = [&](const std::vector<size_t>& which) -> Result<MeasureResponse> {
        MeasureRequest req{device, options.protocol, {}};
        for (size_t k : which) req.models.push_back(prepared[k].input);
        AgentClient agent(options.agent);
        return agent.measure(req, options.timeoutSeconds, [&](int done, int total) {
            if (progress && total > 0) progress->report(double(done) / total, "measuring");
        });
    };
    std::vector<size_t> all(prepared.size());
    for (size_t k = 0; k < all.size(); ++k) all[k] = k;
    Result<MeasureResponse> batch = runBatch(all);
    if (batch) {
        for (size_t k = 0; k < prepared.size(); ++k)
            fill(reports[prepared[k].reportIndex], prepared[k].graph, batch.value().results.at(k), batch.value());
        return reports;
    }
    // The agent died or hung: isolate the model responsible by measuring each alone.
    for (size_t k = 0; k < prepared.size(); ++k) {
        if (progress && progress->isCancelled()) break;
        ModelReport& r = reports[prepared[k].reportIndex];
        if (prepared.size() == 1) { r.error = batch.error().message; break; }
        Result<MeasureResponse> alone = runBatch({k});
        if (alone) fill(r, prepared[k].graph, alone.value().results.at(0), alone.value());
        else r.error = alone.error().message;
    }
    return reports;
}

}  // namespace km

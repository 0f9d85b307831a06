// SPDX-License-Identifier: Apache-2.0
// `kernelmeter-cli inspect`: node table and totals, as text or JSON (docs/cli.md).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <map>

#include "cli/commands.h"
#include "workflows/model_file.h"

namespace km::cli {
namespace {

using Json = nlohmann::ordered_json;

Json attrToJson(const AttrValue& v) {
    return std::visit([](const auto& x) { return Json(x); }, v);
}

Json tensorJson(const Graph& g, const std::string& name) {
    const Tensor* t = g.tensor(name);
    Json j{{"name", name}};
    j["shape"] = t && t->shape.known ? Json(t->shape.dims) : Json(nullptr);
    j["dtype"] = t ? dtypeName(t->dtype) : "undefined";
    j["constant"] = t && t->isConstant;
    return j;
}

std::string shapesOf(const Graph& g, const std::vector<std::string>& names, bool activationsOnly) {
    std::string s;
    for (const auto& name : names) {
        const Tensor* t = g.tensor(name);
        if (activationsOnly && t && t->isConstant) continue;
        s += (s.empty() ? "" : ",") + (t ? t->shape.toString() : std::string("?"));
    }
    return s.empty() ? "-" : s;
}

// "features.0.conv" stays; very long names keep their informative tail.
std::string fit(const std::string& s, size_t width) {
    if (s.size() <= width) return s;
    return "..." + s.substr(s.size() - (width - 3));
}

std::string compact(int64_t v) {
    const double d = static_cast<double>(v);
    if (d >= 1e9) return fmt::format("{:.3g}G", d / 1e9);
    if (d >= 1e6) return fmt::format("{:.3g}M", d / 1e6);
    if (d >= 1e3) return fmt::format("{:.3g}k", d / 1e3);
    return std::to_string(v);
}

Json toJson(const Graph& g, const GraphMetrics& m) {
    Json j;
    j["schema"] = "kernelmeter.inspect/1";
    j["file"] = g.info.sourcePath;
    j["format"] = g.info.format;
    j["producer"] = g.info.producer;
    j["opset"] = g.info.opset;
    j["inputs"] = Json::array();
    for (const auto& i : g.inputs) j["inputs"].push_back(tensorJson(g, i));
    j["outputs"] = Json::array();
    for (const auto& o : g.outputs) j["outputs"].push_back(tensorJson(g, o));
    j["nodes"] = Json::array();
    std::map<std::string, int> opCounts;
    for (size_t i = 0; i < g.nodes().size(); ++i) {
        const Node& n = g.nodes()[i];
        const NodeMetrics& nm = m.perNode[i];
        ++opCounts[n.opType];
        Json jn{{"name", n.name}, {"op", n.opType}, {"source_op", n.sourceOp}, {"source_nodes", n.sourceNodes}};
        jn["pattern_group"] = n.patternGroup.empty() ? Json(nullptr) : Json(n.patternGroup);
        jn["inputs"] = Json::array();
        for (const auto& in : n.inputs) jn["inputs"].push_back(tensorJson(g, in));
        jn["outputs"] = Json::array();
        for (const auto& out : n.outputs) jn["outputs"].push_back(tensorJson(g, out));
        jn["attributes"] = Json::object();
        for (const auto& [k, v] : n.attrs.all()) jn["attributes"][k] = attrToJson(v);
        jn["macs"] = nm.macs;
        jn["flops"] = nm.flops;
        jn["params"] = nm.params;
        jn["bytes_read"] = nm.bytesRead;
        jn["bytes_written"] = nm.bytesWritten;
        j["nodes"].push_back(std::move(jn));
    }
    j["op_counts"] = opCounts;
    j["totals"] = {{"nodes", g.nodes().size()},       {"macs", m.total.macs},
                   {"flops", m.total.flops},          {"params", m.total.params},
                   {"bytes_read", m.total.bytesRead}, {"bytes_written", m.total.bytesWritten}};
    j["warnings"] = g.warnings;
    return j;
}

void printText(const Graph& g, const GraphMetrics& m) {
    std::cout << fmt::format("model    {}\nformat   {}{}{}\n", g.info.sourcePath, g.info.format,
                             g.info.opset ? fmt::format(", opset {}", g.info.opset) : "",
                             g.info.producer.empty() ? "" : ", producer " + g.info.producer);
    for (const auto& i : g.inputs) std::cout << fmt::format("input    {} {}\n", i, g.tensor(i) ? g.tensor(i)->shape.toString() : "?");
    for (const auto& o : g.outputs) std::cout << fmt::format("output   {} {}\n", o, g.tensor(o) ? g.tensor(o)->shape.toString() : "?");
    for (const auto& w : g.warnings) std::cout << "warning  " << w << "\n";
    std::cout << "\n"
              << fmt::format("{:>4}  {:<40}  {:<14}  {:<22}  {:<16}  {:>13}  {:>13}  {:>10}\n", "#", "name", "op", "inputs", "outputs",
                             "MACs", "FLOPs", "params");
    for (size_t i = 0; i < g.nodes().size(); ++i) {
        const Node& n = g.nodes()[i];
        const NodeMetrics& nm = m.perNode[i];
        std::cout << fmt::format("{:>4}  {:<40}  {:<14}  {:<22}  {:<16}  {:>13}  {:>13}  {:>10}\n", i, fit(n.name, 40), fit(n.opType, 14),
                                 fit(shapesOf(g, n.inputs, true), 22), fit(shapesOf(g, n.outputs, false), 16), nm.macs, nm.flops,
                                 nm.params);
    }
    std::cout << fmt::format("\ntotal    {} nodes, {} MACs ({}), {} FLOPs ({}), {} params ({}), {} bytes read, {} bytes written\n",
                             g.nodes().size(), m.total.macs, compact(m.total.macs), m.total.flops, compact(m.total.flops), m.total.params,
                             compact(m.total.params), m.total.bytesRead, m.total.bytesWritten);
}

}  // namespace

int reportError(const Error& error) {
    std::cerr << "kernelmeter-cli: " << error.message << "\n";
    return error.code == ErrorCode::Internal ? 1 : 2;
}

Result<LoadOptions> loadOptionsFrom(const std::vector<std::string>& inputShapes) {
    LoadOptions options;
    for (const auto& spec : inputShapes) {
        const auto eq = spec.find('=');
        const std::string name = eq == std::string::npos ? "" : spec.substr(0, eq);
        const std::string dims = eq == std::string::npos ? spec : spec.substr(eq + 1);
        auto parsed = parseDims(dims);
        if (!parsed) return badInput(fmt::format("--input-shape '{}': expected dimensions such as 1x3x224x224.", spec));
        options.inputShapes[name] = *parsed;
    }
    return options;
}

int runInspect(const InspectArgs& args) {
    Result<LoadOptions> options = loadOptionsFrom(args.inputShapes);
    if (!options) return reportError(options.error());
    options.value().recognisePatterns = !args.noPatterns;
    Result<std::shared_ptr<const ModelFile>> model = ModelFile::read(args.model, options.value());
    if (!model) return reportError(model.error());
    const std::shared_ptr<const Graph> graph = model.value()->canonical();
    const GraphMetrics& metrics = *model.value()->metricsOf(graph);
    if (args.json)
        std::cout << toJson(*graph, metrics).dump(1) << "\n";
    else
        printText(*graph, metrics);
    return 0;
}

}  // namespace km::cli

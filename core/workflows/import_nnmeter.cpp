// SPDX-License-Identifier: Apache-2.0
#include "workflows/import_nnmeter.h"

#include <fmt/format.h>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "backends/device.h"
#include "common/sha256.h"
#include "onnx/onnx_loader.h"

namespace km {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;  // keeps the graph's node order

// "resnet18_3" -> "resnet18"; an id without '_' is its own family.
std::string familyOfId(const std::string& id) {
    const size_t cut = id.rfind('_');
    return cut == std::string::npos || cut == 0 ? id : id.substr(0, cut);
}

// An id usable as a file name: letters, digits, '-', '_' and '.' kept, anything else '_'.
std::string fileStem(const std::string& id) {
    std::string s = id;
    for (char& c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
    return s;
}

}  // namespace

Result<NnMeterImportReport> importNnMeterDataset(const std::vector<std::string>& files, const NnMeterImportOptions& options) {
    if (!options.store) return badInput("import-nnmeter: no database to import into.");
    if (options.modelDir.empty()) return badInput("import-nnmeter: no folder for the model graphs was given.");
    if (options.name.empty() || options.name.find_first_of("/\\") != std::string::npos)
        return badInput(fmt::format("import-nnmeter: '{}' is not a usable dataset name (no slashes, not empty).", options.name));
    if (files.empty()) return badInput("import-nnmeter: no .jsonl file was given.");
    const fs::path dir = fs::path(options.modelDir) / options.name;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return ioError(fmt::format("{}: cannot create the folder ({}).", dir.string(), ec.message()));

    NnMeterImportReport report;
    std::map<std::string, bool> deviceKnown;  // device ids registered in the store this run
    size_t usable = 0;
    for (const std::string& file : files) {
        std::ifstream in(file);
        if (!in) return ioError(fmt::format("{}: cannot open.", file));
        std::string line;
        for (size_t number = 1; std::getline(in, line); ++number) {
            if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
            auto skip = [&](const std::string& why) { report.warnings.push_back(fmt::format("{}:{}: {}; left out.", file, number, why)); };
            const Json j = Json::parse(line, nullptr, false);
            if (j.is_discarded() || !j.is_object()) {
                skip("not a JSON object");
                continue;
            }
            std::string id;
            if (auto it = j.find("id"); it != j.end() && (it->is_string() || it->is_number_integer()))
                id = it->is_string() ? it->get<std::string>() : std::to_string(it->get<int64_t>());
            if (id.empty()) {
                skip("no \"id\"");
                continue;
            }
            auto graph = j.find("graph");
            if (graph == j.end() || !graph->is_object()) {
                skip(fmt::format("model {}: no \"graph\" object", id));
                continue;
            }
            std::vector<std::pair<std::string, double>> latencies;  // (device id, ms)
            for (const auto& [key, value] : j.items()) {
                if (key == "id" || key == "graph" || !value.is_number()) continue;
                const double ms = value.get<double>();
                if (!(ms > 0)) {
                    skip(fmt::format("model {}: latency \"{}\" = {} is not positive", id, key, ms));
                    continue;
                }
                if (options.deviceMap.empty())
                    latencies.emplace_back(key, ms);
                else if (auto m = options.deviceMap.find(key); m != options.deviceMap.end())
                    latencies.emplace_back(m->second, ms);
            }
            if (latencies.empty()) {
                skip(fmt::format("model {}: no latency of a device being imported", id));
                continue;
            }
            const std::string text = graph->dump(1);
            Result<Graph> g = loadNnMeterIrText(text, fmt::format("{}:{} (model {})", file, number, id));
            if (!g) {
                skip(g.error().message);
                continue;
            }
            const fs::path path = dir / (fileStem(id) + ".json");
            std::ofstream out(path, std::ios::binary | std::ios::trunc);
            out << text;
            if (!out.flush()) return ioError(fmt::format("{}: cannot write the model graph.", path.string()));
            const std::string hash = sha256Hex(text);
            int64_t resolution = 0;
            if (!g.value().inputs.empty())
                if (const Tensor* t = g.value().tensor(g.value().inputs.front()); t && t->shape.dims.size() == 4)
                    resolution = t->shape.dims[2];
            DatasetModel row{options.name,
                             id,
                             familyOfId(id),
                             0,
                             resolution,
                             "nn-Meter benchmark dataset, " + fs::path(file).filename().string(),
                             hash,
                             path.string(),
                             "nn-meter-jsonl/1",
                             ""};
            if (Status s = options.store->addDatasetModel(row); !s) return s.error();
            for (const auto& [deviceId, ms] : latencies) {
                if (!deviceKnown[deviceId]) {
                    // Builtin devices keep their description; others are named after the dataset.
                    Device d = findBuiltinDevice(deviceId).value_or(
                        Device{deviceId, deviceId + " (nn-Meter dataset)", "nn-meter-dataset", 1, "", {}, "", false});
                    if (Status s = options.store->upsertDevice(d); !s) return s.error();
                    deviceKnown[deviceId] = true;
                }
                if (Status s = options.store->addImportedLatency(
                        hash, path.string(), deviceId, ms, "nn-Meter benchmark dataset",
                        Json{{"source", "nn-Meter benchmark dataset"}, {"file", file}, {"line", number}}.dump());
                    !s)
                    return s.error();
                ++report.latencies[deviceId];
            }
            ++usable;
        }
    }
    if (usable == 0)
        return badInput(fmt::format("import-nnmeter: no usable model in {} (first problem: {}).", fmt::format("{}", files.front()),
                                    report.warnings.empty() ? "the files are empty" : report.warnings.front()));
    Result<std::vector<DatasetModel>> all = options.store->datasetModels(options.name);
    if (!all) return all.error();
    report.models = all.value().size();
    return report;
}

}  // namespace km

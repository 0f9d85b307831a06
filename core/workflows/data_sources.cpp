// SPDX-License-Identifier: Apache-2.0
#include "workflows/data_sources.h"

#include <fmt/format.h>
#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "common/locations.h"
#include "store/measurement_store.h"

namespace km {

namespace fs = std::filesystem;

std::optional<std::string> shippedDataPath(const std::string& relative) {
    return findShipped("KM_DATA_DIR", "datasets", "datasets", relative);
}

Result<std::unique_ptr<MeasurementStore>> openStoreForReading(const std::string& path) {
    std::error_code ec;
    bool shipped = false;
    for (const char* name : {"benchmark.db", "predictors.db"})
        if (const std::optional<std::string> file = shippedDataPath(name); file && fs::equivalent(*file, path, ec)) shipped = true;
    const fs::path parent = fs::absolute(path, ec).parent_path();
    const bool writable = ::access(path.c_str(), W_OK) == 0 && ::access(parent.c_str(), W_OK) == 0;
    if (shipped || (fs::exists(path, ec) && !writable)) return MeasurementStore::openReadOnly(path);
    return MeasurementStore::open(path);
}

std::optional<std::string> bundledExamplesDir() { return findShipped(nullptr, "examples", "resources/examples", "."); }

std::optional<std::string> bundledExamplePath() {
    return findShipped(nullptr, "examples", "resources/examples", "mobilenet_v3_small.onnx");
}

std::string userRulesPath(const std::string& deviceId) { return (fs::path(userDataDir()) / "rules" / (deviceId + ".json")).string(); }

Result<RuleSet> deviceRules(const std::string& deviceId, const std::string& explicitFile, std::string& used) {
    std::error_code ec;
    if (!explicitFile.empty())
        used = explicitFile;
    else if (fs::exists(userRulesPath(deviceId), ec))
        used = userRulesPath(deviceId);
    else if (auto shipped = shippedDataPath("rules/" + deviceId + ".json"))
        used = *shipped;
    else
        return unsupported(
            fmt::format("no fusion rules for device {}: run `kernelmeter-cli detect-rules --device {}` "
                        "(about 7 minutes) or give --rules FILE.",
                        deviceId, deviceId));
    return loadRuleSetFile(used);
}

namespace {

// devicePredictor, whole or without its regressors (PredictorSet::headerFromJson).
Result<PredictorSet> readDevicePredictor(const std::string& deviceId, const std::string& explicitFile, const std::string& db,
                                         std::string& used, bool whole) {
    const auto parse = whole ? &PredictorSet::fromJson : &PredictorSet::headerFromJson;
    if (!explicitFile.empty()) {
        used = explicitFile;
        std::ifstream in(used);
        if (!in) return ioError(fmt::format("{}: cannot open the predictor.", used));
        std::stringstream text;
        text << in.rdbuf();
        return parse(text.str(), used);
    }
    std::vector<std::string> dbs{db.empty() ? defaultDatabasePath() : db};
    const std::optional<std::string> shipped = shippedDataPath("predictors.db");
    if (shipped) dbs.push_back(*shipped);
    std::error_code ec;
    for (const auto& path : dbs) {
        if (!fs::exists(path, ec)) continue;
        auto store = openStoreForReading(path);
        if (!store) return store.error();
        Result<std::optional<std::string>> json = store.value()->latestPredictor(deviceId);
        if (!json) return json.error();
        if (!json.value()) continue;
        used = path;
        return parse(*json.value(), path + " (predictor of " + deviceId + ")");
    }
    return unsupported(
        fmt::format("no predictor for device {}: run `kernelmeter-cli build-predictor --device {}` or give "
                    "--predictor FILE.",
                    deviceId, deviceId));
}

}  // namespace

Result<PredictorSet> devicePredictor(const std::string& deviceId, const std::string& explicitFile, const std::string& db,
                                     std::string& used) {
    return readDevicePredictor(deviceId, explicitFile, db, used, true);
}

Result<PredictorSet> devicePredictorHeader(const std::string& deviceId, const std::string& db, std::string& used) {
    return readDevicePredictor(deviceId, "", db, used, false);
}

}  // namespace km

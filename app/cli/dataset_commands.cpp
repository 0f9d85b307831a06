// SPDX-License-Identifier: Apache-2.0
// kernelmeter-cli dataset build | show: benchmark datasets of generated models (docs/zoo.md).
#include <fmt/format.h>
#include <filesystem>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "cli/commands.h"
#include "workflows/build_dataset.h"
#include "workflows/evaluation_data.h"
#include "workflows/import_nnmeter.h"
#include "workflows/import_table.h"

namespace km::cli {
namespace {

using Json = nlohmann::ordered_json;

// An import that left input out exits 2 once the rest is stored, so that a script notices.
int leftOutExit(size_t leftOut, std::string_view what, std::string_view from) {
    if (leftOut == 0) return 0;
    std::cerr << fmt::format("kernelmeter-cli: {} left out of {}: {} (named above); the rest was imported.\n", what, from, leftOut);
    return 2;
}

}  // namespace

int runDatasetBuild(const DatasetArgs& args) {
    std::vector<Device> devices;
    for (const std::string& id : args.devices) {
        Result<Device> d = deviceFor(id, true);
        if (!d) return reportError(d.error());
        devices.push_back(d.value());
    }
    if (args.minResolution > args.maxResolution)
        return reportError(
            badInput(fmt::format("--min-resolution {} is above --max-resolution {}.", args.minResolution, args.maxResolution)));
    auto store = MeasurementStore::open(args.db.empty() ? defaultDatabasePath() : args.db);
    if (!store) return reportError(store.error());
    BuildDatasetOptions o;
    o.name = args.name;
    o.families = args.families;
    o.perFamily = args.perFamily;
    o.firstSeed = args.firstSeed;
    o.zoo.minResolution = args.minResolution;
    o.zoo.maxResolution = args.maxResolution;
    o.modelDir = args.modelDir.empty() ? userCacheDir("datasets") : args.modelDir;
    o.measure.protocol.rounds = args.rounds;
    o.measure.protocol.instances = args.instances;
    o.measure.batchSize = args.batchSize;
    o.measure.store = store.value().get();
    Progress progress = stderrProgress(args.quiet);
    Result<DatasetReport> report = buildDataset(devices, o, &progress);
    if (!report) return reportError(report.error());
    for (const std::string& w : report.value().warnings) std::cerr << "kernelmeter-cli: warning: " << w << "\n";
    std::cout << fmt::format("dataset {}: {} models\n", args.name, report.value().models.size());
    for (const DatasetDeviceReport& d : report.value().devices)
        std::cout << fmt::format("  {}: {} measured now, {} from the database, {} not measured\n", d.deviceId, d.measured, d.reused,
                                 d.failed);
    return 0;
}

int runDatasetImportNnMeter(const DatasetArgs& args) {
    NnMeterImportOptions o;
    o.name = args.importName;
    o.modelDir = args.modelDir.empty() ? userCacheDir("datasets") : args.modelDir;
    for (const std::string& m : args.deviceMap) {
        const size_t eq = m.find('=');
        if (eq == 0 || eq == std::string::npos || eq + 1 == m.size())
            return reportError(badInput(fmt::format("--map '{}': expected NNMETER_DEVICE=DEVICE_ID.", m)));
        o.deviceMap[m.substr(0, eq)] = m.substr(eq + 1);
    }
    auto store = MeasurementStore::open(args.db.empty() ? defaultDatabasePath() : args.db);
    if (!store) return reportError(store.error());
    o.store = store.value().get();
    Result<NnMeterImportReport> r = importNnMeterDataset(args.importFiles, o);
    if (!r) return reportError(r.error());
    for (const std::string& w : r.value().warnings) std::cerr << "kernelmeter-cli: warning: " << w << "\n";
    std::cout << fmt::format("dataset {}: {} models\n", o.name, r.value().models);
    for (const auto& [device, n] : r.value().latencies) std::cout << fmt::format("  {}: {} latencies\n", device, n);
    return leftOutExit(r.value().warnings.size(), "lines", "the files");
}

int runDatasetImportTable(const DatasetArgs& args) {
    auto store = MeasurementStore::open(args.db.empty() ? defaultDatabasePath() : args.db);
    if (!store) return reportError(store.error());
    TableImportOptions o;
    o.name = args.tableName;
    o.store = store.value().get();
    o.userDb = args.db;
    Result<TableImportReport> r = importLatencyTable(args.tableFile, o);
    if (!r) return reportError(r.error());
    const TableImportReport& t = r.value();
    const size_t shown = 20;
    for (size_t i = 0; i < t.warnings.size() && i < shown; ++i) std::cerr << "kernelmeter-cli: warning: " << t.warnings[i] << "\n";
    if (t.warnings.size() > shown)
        std::cerr << fmt::format("kernelmeter-cli: warning: ... and {} more rows or cells left out.\n", t.warnings.size() - shown);
    std::cout << fmt::format("dataset {}: {} models\n", t.dataset, t.models);
    std::set<std::string> devices;
    for (const auto& [device, n] : t.latencies) devices.insert(device);
    for (const auto& [device, n] : t.emptyCells) devices.insert(device);
    for (const std::string& device : devices) {
        const auto stored = t.latencies.find(device);
        const auto empty = t.emptyCells.find(device);
        std::cout << fmt::format(
            "  {}: {} latencies{}\n", device, stored == t.latencies.end() ? 0 : stored->second,
            empty == t.emptyCells.end() ? std::string() : fmt::format(" ({} empty cells: not measured there)", empty->second));
    }
    for (const auto& [text, id] : t.renamed) std::cout << fmt::format("  column '{}' is device {}\n", text, id);
    for (const std::string& id : t.addedDevices)
        std::cout << fmt::format("  defined table-only device {} (runtime none; kernelmeter-cli device show {})\n", id, id);
    return leftOutExit(t.warnings.size(), "rows or cells", args.tableFile);
}

int runDatasetShow(const DatasetArgs& args) {
    auto store = openDatasetStore(args.db, args.name);
    if (!store) return reportError(store.error());
    Result<std::vector<DatasetModel>> models = store.value()->datasetModels(args.name);
    if (!models) return reportError(models.error());
    // Every device with a measurement of some model of the dataset, in id order.
    std::map<std::string, std::map<std::string, StoredMeasurement>> byDevice;  // device -> hash -> newest
    Result<std::vector<std::string>> devices = store.value()->deviceIds();
    if (!devices) return reportError(devices.error());
    for (const std::string& d : devices.value()) {
        for (const DatasetModel& m : models.value()) {
            auto latest = store.value()->latest(m.modelHash, d);
            if (!latest) return reportError(latest.error());
            if (latest.value()) byDevice[d][m.modelHash] = *latest.value();
        }
    }
    if (args.json) {
        Json out{{"schema", "kernelmeter.dataset/1"}, {"name", args.name}, {"devices", Json::array()}, {"models", Json::array()}};
        for (const auto& [device, measured] : byDevice) out["devices"].push_back(device);
        for (const DatasetModel& m : models.value()) {
            Json j{{"name", m.name},
                   {"family", m.family},
                   {"seed", m.seed},
                   {"resolution", m.resolution},
                   {"description", m.description},
                   {"sha256", m.modelHash},
                   {"file", m.path},
                   {"generator", m.generator},
                   {"latency", Json::object()}};
            for (const auto& [device, measured] : byDevice) {
                auto it = measured.find(m.modelHash);
                if (it == measured.end()) continue;
                const StoredMeasurement& s = it->second;
                j["latency"][device] = {{"median_ms", s.stats.medianMs},
                                        {"p10_ms", s.stats.p10Ms},
                                        {"p90_ms", s.stats.p90Ms},
                                        {"cv", s.stats.cv},
                                        {"reference_ratio", s.reference.median > 0 ? Json(s.reference.median) : Json(nullptr)},
                                        {"taken_at_utc", s.takenAtUtc},
                                        {"cpu_model", s.machine.cpuModel},
                                        {"runtime_version", s.runtimeVersion}};
            }
            out["models"].push_back(std::move(j));
        }
        std::cout << out.dump(1) << "\n";
        return 0;
    }
    std::string header = fmt::format("{:<18} {:>4}", "model", "res");
    for (const auto& [device, measured] : byDevice) header += fmt::format(" {:>12}", device);
    std::cout << header << "  description\n";
    for (const DatasetModel& m : models.value()) {
        std::string line = fmt::format("{:<18} {:>4}", m.name, m.resolution);
        for (const auto& [device, measured] : byDevice) {
            auto it = measured.find(m.modelHash);
            line += it == measured.end() ? fmt::format(" {:>12}", "-") : fmt::format(" {:>9.3f} ms", it->second.stats.medianMs);
        }
        std::cout << line << "  " << m.description << "\n";
    }
    return 0;
}

}  // namespace km::cli

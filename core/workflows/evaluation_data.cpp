// SPDX-License-Identifier: Apache-2.0
#include "workflows/evaluation_data.h"

#include <fmt/format.h>
#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>

#include "backends/measurement.h"
#include "common/sha256.h"
#include "workflows/data_sources.h"
#include "workflows/measure_models.h"
#include "workflows/reference_workload.h"
#include "zoo/zoo.h"

namespace km {

namespace {

// Whether `store` has dataset `dataset`; if not, `others` names the ones it has ("'a', 'b'", or
// "none"), or why they cannot be read.
bool hasDataset(MeasurementStore& store, const std::string& dataset, std::string& others) {
    Result<std::vector<std::string>> names = store.datasets();
    if (!names) {
        others = names.error().message;
        return false;
    }
    if (std::find(names.value().begin(), names.value().end(), dataset) != names.value().end()) return true;
    others.clear();
    for (const std::string& n : names.value()) others += (others.empty() ? "'" : ", '") + n + "'";
    if (others.empty()) others = "none";
    return false;
}

}  // namespace

Result<std::unique_ptr<MeasurementStore>> openDatasetStore(const std::string& db, const std::string& dataset) {
    std::string names;
    if (!db.empty()) {
        auto store = openStoreForReading(db);
        if (!store || hasDataset(*store.value(), dataset, names)) return store;
        return badInput(fmt::format("no dataset named '{}' in {} (its datasets: {}).", dataset, db, names));
    }
    const std::string own = defaultDatabasePath();
    std::string where;
    std::error_code ec;
    if (std::filesystem::exists(own, ec)) {
        auto store = MeasurementStore::open(own);
        if (!store) return store.error();
        if (hasDataset(*store.value(), dataset, names)) return store;
        where = fmt::format("{} (its datasets: {})", own, names);
    } else {
        where = fmt::format("{} (not created yet)", own);
    }
    if (auto shipped = shippedDataPath("benchmark.db")) {
        auto store = MeasurementStore::openReadOnly(*shipped);
        if (!store || hasDataset(*store.value(), dataset, names)) return store;
        return badInput(
            fmt::format("no dataset named '{}' in {} nor in the shipped {} (its datasets: {}).", dataset, where, *shipped, names));
    }
    return badInput(fmt::format("no dataset named '{}' in {} and no shipped datasets/benchmark.db.", dataset, where));
}

Result<std::vector<std::pair<std::string, size_t>>> datasetsTimedOn(const std::string& deviceId, const std::string& db) {
    const std::string path = db.empty() ? defaultDatabasePath() : db;
    std::vector<std::pair<std::string, size_t>> out;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return out;
    auto store = MeasurementStore::open(path);
    if (!store) return store.error();
    Result<std::vector<StoredMeasurement>> stored = store.value()->forDevice(deviceId);
    if (!stored) return stored.error();
    std::set<std::string> timed;
    for (const StoredMeasurement& m : stored.value())
        if (m.stats.medianMs > 0) timed.insert(m.modelHash);
    Result<std::vector<std::string>> names = store.value()->datasets();
    if (!names) return names.error();
    for (const std::string& name : names.value()) {
        Result<std::vector<DatasetModel>> models = store.value()->datasetModels(name);
        if (!models) return models.error();
        const size_t n = size_t(std::count_if(models.value().begin(), models.value().end(),
                                              [&](const DatasetModel& m) { return timed.count(m.modelHash) > 0; }));
        if (n > 0) out.emplace_back(name, n);
    }
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    return out;
}

bool nb201CellChecked(const std::string& modelHash) { return modelHash.empty() || modelHash.front() == '0'; }

Status checkNb201Generator(const std::vector<DatasetModel>& rows) {
    const auto first = std::find_if(rows.begin(), rows.end(), [](const DatasetModel& m) {
        return m.generator == kNb201Generator && !m.modelHash.empty() && nb201CellChecked(m.modelHash);
    });
    if (first == rows.end()) return Ok{};
    Result<ZooModel> z = generateNb201Model(first->description, ModelBytes::Runnable);
    if (!z) return badInput(fmt::format("dataset '{}', {}: {}", first->dataset, first->name, z.error().message));
    if (sha256Hex(z.value().bytes) != first->modelHash)
        return badInput(
            fmt::format("dataset '{}': this version generates a different network for {} ({}) than the one imported and "
                        "measured; import the table again under another name (`kernelmeter-cli dataset import-table FILE "
                        "--name NEW`).",
                        first->dataset, first->name, first->description));
    return Ok{};
}

Result<ModelLoader> datasetModelLoader(const DatasetModel& m) {
    if (m.generator == kNb201GeneratorBefore)
        return badInput(
            fmt::format("{}: dataset '{}' was imported by an earlier KernelMeter, whose NAS-Bench-201 cells left `none` edges out; "
                        "import the table again under another name (`kernelmeter-cli dataset import-table FILE --name NEW`).",
                        m.name, m.dataset));
    if (m.generator == kNb201Generator)  // NAS-Bench-201: the network of its arch string, always in memory
        return ModelLoader([m]() -> Result<std::shared_ptr<const ModelFile>> {
            const bool checked = nb201CellChecked(m.modelHash);
            Result<ZooModel> z = generateNb201Model(m.description, checked ? ModelBytes::Runnable : ModelBytes::AnalysisOnly);
            if (!z) return z.error();
            if (checked && sha256Hex(z.value().bytes) != m.modelHash)
                return badInput(fmt::format("{}: this version generates a different network for {}.", m.name, m.description));
            return ModelFile::fromBytes(std::move(z.value().bytes), m.name + " (NAS-Bench-201)", {}, ModelFile::Keep::Graph);
        });
    ZooOptions options;
    const bool generatorKnown =
        std::sscanf(m.generator.c_str(), "zoo/1 %" SCNd64 "..%" SCNd64, &options.minResolution, &options.maxResolution) == 2;
    std::error_code ec;
    if (!generatorKnown && !std::filesystem::exists(m.path, ec))
        return badInput(fmt::format("{}: {} is missing and its generator '{}' is unknown to this version.", m.name, m.path, m.generator));
    return ModelLoader([m, options, generatorKnown]() -> Result<std::shared_ptr<const ModelFile>> {
        std::error_code ec;
        if (std::filesystem::exists(m.path, ec)) {
            Result<std::shared_ptr<const ModelFile>> there = ModelFile::read(m.path, {}, ModelFile::Keep::Hash);
            if (there && there.value()->sha256() == m.modelHash) return there;
        }
        if (!generatorKnown)
            return badInput(fmt::format("{}: {} has changed since it was measured and its generator '{}' is unknown to this version.",
                                        m.name, m.path, m.generator));
        Result<ZooModel> z = generateZooModel(m.family, uint32_t(m.seed), options);
        if (!z) return z.error();
        if (sha256Hex(z.value().bytes) != m.modelHash)
            return badInput(fmt::format("{}: {} is missing, and this version's zoo generates a different model for it.", m.name, m.path));
        return ModelFile::fromBytes(std::move(z.value().bytes), m.name + " (generated again)", {}, ModelFile::Keep::Graph);
    });
}

double databaseBaselineMs(MeasurementStore& store, const std::string& deviceId) {
    Result<std::vector<double>> baselines = store.storedReferenceBaselinesMs(deviceId, kReferenceWorkloadId);
    return baselines && !baselines.value().empty() ? baselines.value().front() : 0.0;
}

Result<ReferenceUnit> referenceUnitFor(double predictorReferenceMs, double databaseBaselineMs,
                                       const std::vector<StoredMeasurement>& measurements) {
    if (predictorReferenceMs > 0) return ReferenceUnit{predictorReferenceMs, "the predictor's reference time"};
    if (databaseBaselineMs > 0) return ReferenceUnit{databaseBaselineMs, "the database's baseline, its first campaign's speed"};
    std::vector<double> refs;
    for (const StoredMeasurement& m : measurements)
        if (m.reference.median > 0 && m.reference.referenceMs > 0) refs.push_back(m.reference.referenceMs);
    if (refs.empty()) return badInput("no measurement has a reference ratio.");
    return ReferenceUnit{quantile(refs, 0.5), "the measurements' median"};
}

std::map<std::string, std::vector<double>> measuredTimesByModel(const std::vector<StoredMeasurement>& measurements, double unitMs) {
    std::map<std::string, std::vector<double>> byHash;  // oldest first
    for (const StoredMeasurement& m : measurements)
        byHash[m.modelHash].push_back(unitMs > 0 ? m.reference.median * unitMs : m.stats.medianMs);  // 0: no ratio, left out
    return byHash;
}

std::string speedGapWarning(const PredictorSet& predictor, const std::vector<StoredMeasurement>& measurements,
                            const std::set<std::string>& scored, const std::string& speedCpuModel) {
    if (!(predictor.referenceMs > 0)) return {};
    const std::string& speedCpu = speedCpuModel.empty() ? predictor.cpuModel : speedCpuModel;
    std::map<std::string, const StoredMeasurement*> newest;  // by model hash
    for (const StoredMeasurement& m : measurements)
        if (scored.count(m.modelHash)) newest[m.modelHash] = &m;
    std::vector<double> times;
    for (const auto& [hash, m] : newest)
        if (m->referenceId == kReferenceWorkloadId && m->reference.referenceMs > 0 && (speedCpu.empty() || m->machine.cpuModel == speedCpu))
            times.push_back(m->reference.referenceMs);
    if (times.size() < 3) return {};
    const double theirs = quantile(times, 0.5), ratio = theirs / predictor.speedReferenceMs();
    if (std::abs(ratio - 1) <= kPhaseTolerance) return {};
    return fmt::format(
        "the predictor predicts at the machine speed at which the reference workload took {:.3f} ms ({}); {} of the scored models "
        "were measured while it took {:.3f} ms (their median): in ms its predictions come out {:.0f}% {} for that alone "
        "(--at-reference-speed takes the machine's speed out).",
        predictor.speedReferenceMs(),
        predictor.speedScale != 1 ? "the device's usual speed"
        : predictor.adaptation    ? "its adaptation's session"
                                  : "its build",
        times.size(), theirs, 100 * std::abs(1 / ratio - 1), ratio > 1 ? "short" : "long");
}

Result<UsualSpeedBefore> usualSpeedBefore(MeasurementStore& store, const std::string& deviceId,
                                          const std::vector<StoredMeasurement>& measurements, const std::set<std::string>& scored) {
    std::map<std::string, const StoredMeasurement*> newest;  // by model hash
    for (const StoredMeasurement& m : measurements)
        if (scored.count(m.modelHash)) newest[m.modelHash] = &m;
    if (newest.empty()) return badInput("no scored model has a measurement.");
    std::set<std::pair<std::string, std::string>> machines;
    UsualSpeedBefore out;
    for (const auto& [hash, m] : newest) {
        if (m->takenAtUtc.empty()) return badInput(fmt::format("the measurement of {} records no time.", m->modelPath));
        machines.emplace(m->machine.cpuModel, m->runtimeVersion);
        if (out.firstScoredUtc.empty() || m->takenAtUtc < out.firstScoredUtc) out.firstScoredUtc = m->takenAtUtc;
    }
    if (machines.size() > 1)
        return badInput(fmt::format(
            "the scored measurements come from {} machines or runtime versions; one usual speed cannot stand for them.", machines.size()));
    const auto& [cpu, version] = *machines.begin();
    out.speed = usualSpeed(earlierReferenceTimes(store, deviceId, cpu, version, {}, out.firstScoredUtc));
    return out;
}

double atPredictorSpeedMs(const PredictorSet& predictor, double referenceRatio, const std::string& cpuModel,
                          const std::string& speedCpuModel) {
    const std::string& speedCpu = speedCpuModel.empty() ? predictor.cpuModel : speedCpuModel;
    if (!(predictor.referenceMs > 0) || !(referenceRatio > 0) || (!speedCpu.empty() && cpuModel != speedCpu)) return 0;
    return referenceRatio * predictor.speedReferenceMs();
}

Result<DatasetPredictions> predictDatasetModels(const DeviceAnalyzer& device, const std::string& dataset, size_t perFamily,
                                                Progress* progress) {
    if (device.error()) return *device.error();
    const std::string& deviceId = device.deviceId();
    const PredictorSet& predictor = *device.predictor();
    auto store = openDatasetStore("", dataset);
    if (!store) return store.error();
    Result<std::vector<StoredMeasurement>> stored = store.value()->forDevice(deviceId);
    if (!stored) return stored.error();
    DatasetPredictions out;
    // At one machine speed when the measurements allow (as `evaluate --at-reference-speed`), so
    // that campaigns on hosts of different speed line up; else raw.
    if (Result<ReferenceUnit> unit =
            referenceUnitFor(predictor.speedReferenceMs(), databaseBaselineMs(*store.value(), deviceId), stored.value()))
        out.unit = unit.value();
    const auto byHash = measuredTimesByModel(stored.value(), out.unit.ms);
    Result<std::vector<DatasetModel>> rows = store.value()->datasetModels(dataset);
    if (!rows) return rows.error();
    if (Status same = checkNb201Generator(rows.value()); !same) return same.error();
    std::vector<DatasetModel> chosen;
    std::map<std::string, size_t> taken;
    std::vector<DatasetModel> sorted = rows.value();
    std::stable_sort(sorted.begin(), sorted.end(), [](const DatasetModel& a, const DatasetModel& b) { return a.seed < b.seed; });
    for (const DatasetModel& m : sorted) {
        auto it = byHash.find(m.modelHash);
        if (it == byHash.end() || !(it->second.back() > 0)) continue;
        if (perFamily && taken[m.family] >= perFamily) continue;
        ++taken[m.family];
        chosen.push_back(m);
    }
    for (size_t i = 0; i < chosen.size(); ++i) {
        if (progress && progress->isCancelled()) break;
        if (progress) progress->report(double(i) / double(chosen.size()), chosen[i].name);
        Result<ModelLoader> loader = datasetModelLoader(chosen[i]);
        if (!loader && chosen[i].generator == kNb201GeneratorBefore) return loader.error();  // all its cells are so
        Result<std::shared_ptr<const ModelFile>> file =
            loader ? loader.value()() : Result<std::shared_ptr<const ModelFile>>(loader.error());
        if (!file) {
            ++out.leftOut;
            continue;
        }
        const ModelPrediction p = device.analyze(*file.value()).prediction;
        out.models.push_back({chosen[i].name, chosen[i].family, byHash.at(chosen[i].modelHash).back(), p.totalMs, p.lowMs, p.highMs});
    }
    return out;
}

}  // namespace km

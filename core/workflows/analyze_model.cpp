#include "workflows/analyze_model.h"

#include <algorithm>
#include <filesystem>
#include <unordered_map>

#include "backends/device.h"
#include "common/sha256.h"
#include "workflows/data_sources.h"

namespace km {

std::shared_ptr<const DeviceDataCache::Entry> DeviceDataCache::get(const std::string& deviceId) {
    std::promise<std::shared_ptr<const Entry>> promise;
    std::shared_future<std::shared_ptr<const Entry>> pending;
    bool mine = false;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (auto it = m_entries.find(deviceId); it != m_entries.end()) pending = it->second;
        else {
            pending = promise.get_future().share();
            m_entries.emplace(deviceId, pending);
            mine = true;
        }
    }
    if (!mine) return pending.get();  // another caller reads it (outside the lock)
    auto e = std::make_shared<Entry>();
    if (Result<RuleSet> r = deviceRules(deviceId, "", e->rulesSource); !r) e->error = r.error().message;
    else {
        e->rules = std::make_shared<const RuleSet>(std::move(r).value());
        if (Result<PredictorSet> p = devicePredictor(deviceId, "", m_db, e->predictorSource); !p) e->error = p.error().message;
        else e->predictor = std::make_shared<const PredictorSet>(std::move(p).value());
    }
    promise.set_value(e);
    return e;
}

void DeviceDataCache::invalidate(const std::string& deviceId) {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (deviceId.empty()) m_entries.clear();
    else m_entries.erase(deviceId);
}

Result<std::map<std::string, StoredMeasurement>> storedMeasurementsOf(const std::string& file, const std::vector<std::string>& deviceIds,
                                                                       const std::string& dbPath) {
    std::map<std::string, StoredMeasurement> out;
    std::error_code ec;
    if (!std::filesystem::exists(dbPath, ec)) return out;
    Result<std::string> hash = sha256OfFile(file);
    if (!hash) return hash.error();
    auto store = MeasurementStore::open(dbPath);  // the user's database: it may be in WAL mode, being written
    if (!store) return store.error();
    for (const std::string& id : deviceIds) {
        Result<std::optional<StoredMeasurement>> m = store.value()->latest(hash.value(), id);
        if (!m) return m.error();
        if (m.value()) out.emplace(id, *m.value());
    }
    return out;
}

std::vector<std::string> predictableDeviceIds() {
    std::vector<std::string> ids;
    for (const Device& d : builtinDevices())
        if (d.runtime != "test") ids.push_back(d.id);
    return ids;
}

namespace {

// Per kernel, the model nodes holding any of its file nodes.
std::vector<std::vector<size_t>> modelNodesOfKernels(const Graph& model, const Graph& device, const KernelPartition& partition) {
    std::vector<std::vector<size_t>> out(partition.kernels.size());
    std::unordered_map<std::string, size_t> modelNodeOfSource;
    for (size_t i = 0; i < model.nodes().size(); ++i)
        for (const auto& s : model.nodes()[i].sourceNodes) modelNodeOfSource.emplace(s, i);
    for (size_t k = 0; k < partition.kernels.size(); ++k) {
        for (size_t n : partition.kernels[k].nodes)
            for (const auto& s : device.nodes()[n].sourceNodes)
                if (auto it = modelNodeOfSource.find(s); it != modelNodeOfSource.end()) out[k].push_back(it->second);
        std::sort(out[k].begin(), out[k].end());
        out[k].erase(std::unique(out[k].begin(), out[k].end()), out[k].end());
    }
    return out;
}

// Model node -> device kernel, through the file node names both graphs keep.
std::vector<int> mapKernelsToModel(const Graph& model, const Graph& device, const KernelPartition& partition) {
    std::vector<int> out(model.nodes().size(), -1);
    if (&model == &device) {
        out = partition.kernelOfNode;
        return out;
    }
    std::unordered_map<std::string, int> kernelOfSource;
    for (size_t i = 0; i < device.nodes().size(); ++i)
        for (const auto& s : device.nodes()[i].sourceNodes) kernelOfSource.emplace(s, partition.kernelOfNode[i]);
    for (size_t i = 0; i < model.nodes().size(); ++i)
        for (const auto& s : model.nodes()[i].sourceNodes)
            if (auto it = kernelOfSource.find(s); it != kernelOfSource.end()) {
                out[i] = it->second;
                break;
            }
    return out;
}

}  // namespace

std::vector<AttributedTime> attributeToKernels(const ModelAnalysis& a, size_t rowsDevice, size_t device) {
    const DeviceAnalysis& rowsOf = a.devices[rowsDevice];
    const DeviceAnalysis& dev = a.devices[device];
    const size_t rows = rowsOf.partition.kernels.size(), kernels = dev.partition.kernels.size();
    std::vector<AttributedTime> out(rows);
    std::unordered_map<std::string, int> rowOfSource;
    for (size_t i = 0; i < rowsOf.graph->nodes().size(); ++i)
        for (const auto& s : rowsOf.graph->nodes()[i].sourceNodes) rowOfSource.emplace(s, rowsOf.partition.kernelOfNode[i]);
    std::vector<std::vector<int>> kernelsOfRow(rows), rowsOfKernel(kernels);
    auto addUnique = [](std::vector<int>& v, int x) {
        if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
    };
    for (size_t k = 0; k < kernels; ++k) {
        int root = -1;  // the row of the kernel's first file node that the row device also has
        for (size_t n : dev.partition.kernels[k].nodes)
            for (const auto& s : dev.graph->nodes()[n].sourceNodes) {
                auto it = rowOfSource.find(s);
                if (it == rowOfSource.end()) continue;
                if (root < 0) root = it->second;
                addUnique(rowsOfKernel[k], it->second);
                addUnique(kernelsOfRow[size_t(it->second)], int(k));
            }
        if (root < 0) continue;
        const KernelPrediction& p = dev.prediction.kernels[k];
        AttributedTime& t = out[size_t(root)];
        t.ms += p.ms;
        t.lowMs += p.lowMs;
        t.highMs += p.highMs;
        ++t.kernels;
        t.source = t.source.empty() || t.source == p.source ? p.source : "mixed";
    }
    for (size_t r = 0; r < rows; ++r)
        out[r].sameBoundary = kernelsOfRow[r].size() == 1 && rowsOfKernel[size_t(kernelsOfRow[r][0])].size() == 1;
    return out;
}

Result<ModelAnalysis> analyzeModel(const std::string& file, const std::vector<std::string>& deviceIds, DeviceDataCache& cache,
                                   const LoadOptions& options) {
    Result<Graph> loaded = loadModelFile(file, options);
    if (!loaded) return loaded.error();
    ModelAnalysis a;
    a.file = file;
    a.graph = std::make_shared<const Graph>(std::move(loaded).value());
    a.metrics = computeGraphMetrics(*a.graph);
    for (const std::string& id : deviceIds) {
        DeviceAnalysis d;
        d.deviceId = id;
        const std::shared_ptr<const DeviceDataCache::Entry> data = cache.get(id);
        d.rulesSource = data->rulesSource;
        d.predictorSource = data->predictorSource;
        d.rules = data->rules;  // also without a predictor (one can then be built on them)
        if (!data->error.empty()) {
            d.error = data->error;
            a.devices.push_back(std::move(d));
            continue;
        }
        d.predictor = data->predictor;
        d.graph = a.graph;
        const GraphMetrics* metrics = &a.metrics;
        GraphMetrics literalMetrics;
        // Re-read only when the model has one of the ops the device runs spelled out.
        LoadOptions lo = options;
        lo.literalSpellings = data->rules->literalSpellings();
        const bool spelledOut = std::any_of(a.graph->nodes().begin(), a.graph->nodes().end(), [&](const Node& n) {
            return std::find(lo.literalSpellings.begin(), lo.literalSpellings.end(), n.opType) != lo.literalSpellings.end();
        });
        if (spelledOut) {
            Result<Graph> again = loadModelFile(file, lo);
            if (!again) {
                d.error = again.error().message;
                a.devices.push_back(std::move(d));
                continue;
            }
            d.graph = std::make_shared<const Graph>(std::move(again).value());
            literalMetrics = computeGraphMetrics(*d.graph);
            metrics = &literalMetrics;
        }
        d.partition = partitionGraph(*d.graph, *d.rules);
        d.prediction = predictModel(d.partition, metrics->perNode, *d.predictor);
        d.kernelOfModelNode = mapKernelsToModel(*a.graph, *d.graph, d.partition);
        d.modelNodesOfKernel = modelNodesOfKernels(*a.graph, *d.graph, d.partition);
        d.kernelMetrics.resize(d.partition.kernels.size());
        for (size_t k = 0; k < d.partition.kernels.size(); ++k)
            for (size_t n : d.partition.kernels[k].nodes) d.kernelMetrics[k] += metrics->perNode[n];
        a.devices.push_back(std::move(d));
    }
    return a;
}

}  // namespace km

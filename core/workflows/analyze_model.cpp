// SPDX-License-Identifier: Apache-2.0
#include "workflows/analyze_model.h"

#include "workflows/devices.h"

#include <algorithm>
#include <filesystem>
#include <unordered_map>

#include "backends/device.h"
#include "workflows/data_sources.h"

namespace km {

std::shared_ptr<const DeviceAnalyzer> DeviceDataCache::get(const std::string& deviceId) {
    std::promise<std::shared_ptr<const DeviceAnalyzer>> promise;
    std::shared_future<std::shared_ptr<const DeviceAnalyzer>> pending;
    bool mine = false;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (auto it = m_entries.find(deviceId); it != m_entries.end())
            pending = it->second;
        else {
            pending = promise.get_future().share();
            m_entries.emplace(deviceId, pending);
            mine = true;
        }
    }
    if (!mine) return pending.get();  // another caller reads it (outside the lock)
    DeviceDataSources sources;
    sources.db = m_db;
    sources.atUsualSpeed = true;  // what the user sees: the times at the machine's usual speed, said so beside them
    auto analyzer = std::make_shared<const DeviceAnalyzer>(DeviceAnalyzer::load(deviceId, sources));
    promise.set_value(analyzer);
    return analyzer;
}

void DeviceDataCache::invalidate(const std::string& deviceId) {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (deviceId.empty())
        m_entries.clear();
    else
        m_entries.erase(deviceId);
}

Result<std::map<std::string, StoredMeasurement>> storedMeasurementsOf(const std::string& modelSha256,
                                                                      const std::vector<std::string>& deviceIds,
                                                                      const std::string& dbPath) {
    std::map<std::string, StoredMeasurement> out;
    std::error_code ec;
    if (modelSha256.empty() || !std::filesystem::exists(dbPath, ec)) return out;
    auto store = MeasurementStore::open(dbPath);  // the user's database: it may be in WAL mode, being written
    if (!store) return store.error();
    for (const std::string& id : deviceIds) {
        Result<std::optional<StoredMeasurement>> m = store.value()->latest(modelSha256, id);
        if (!m) return m.error();
        if (m.value()) out.emplace(id, *m.value());
    }
    return out;
}

std::vector<std::string> predictableDeviceIds() {
    std::vector<std::string> ids;
    for (const Device& d : allDevices("")) ids.push_back(d.id);
    return ids;
}

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

ModelAnalysis analyzeModel(std::shared_ptr<const ModelFile> model, const std::vector<DeviceAnalyzer>& devices) {
    ModelAnalysis a;
    a.file = model->name();
    a.graph = model->canonical();
    a.metrics = *model->metricsOf(a.graph);
    a.model = std::move(model);
    for (const DeviceAnalyzer& d : devices) a.devices.push_back(d.analyze(*a.model));
    return a;
}

Result<ModelAnalysis> analyzeModel(const std::string& file, const std::vector<std::string>& deviceIds, DeviceDataCache& cache,
                                   const LoadOptions& options) {
    Result<std::shared_ptr<const ModelFile>> model = ModelFile::read(file, options, ModelFile::Keep::Hash);
    if (!model) return model.error();
    std::vector<DeviceAnalyzer> devices;
    for (const std::string& id : deviceIds) devices.push_back(*cache.get(id));
    return analyzeModel(std::move(model).value(), devices);
}

}  // namespace km

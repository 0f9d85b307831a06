// SPDX-License-Identifier: Apache-2.0
// Data flow A (docs/architecture.md): a model file -> its graph -> per device: kernels under the
// device's fusion rules and their predicted latency. What the GUI shows and the report prints;
// immutable once made, so views on any thread can share it.
#pragma once

#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "graph/graph.h"
#include "graph/metrics.h"
#include "onnx/onnx_loader.h"
#include "store/measurement_store.h"
#include "workflows/device_analyzer.h"
#include "workflows/model_file.h"

namespace km {

struct ModelAnalysis {
    std::string file;
    std::shared_ptr<const ModelFile> model;  // the file as read, once
    std::shared_ptr<const Graph> graph;      // its canonical graph (no spelling kept)
    GraphMetrics metrics;
    std::vector<DeviceAnalysis> devices;  // in the order asked for
};

// The devices' rules and predictors, read once and shared by every analysis of a process (a
// predictor is tens of MB of trees). Thread-safe.
class DeviceDataCache {
public:
    // `db`: the database whose predictors win over the shipped ones ("" = the user's default).
    explicit DeviceDataCache(std::string db = {}) : m_db(std::move(db)) {}
    // Reads the device's data on first use; callers asking for the same device meanwhile wait for
    // that read, callers asking for other devices read theirs in parallel.
    std::shared_ptr<const DeviceAnalyzer> get(const std::string& deviceId);
    // Forgets one device (after its predictor was rebuilt), or all with "".
    void invalidate(const std::string& deviceId = {});

private:
    std::string m_db;
    std::mutex m_mutex;
    std::map<std::string, std::shared_future<std::shared_ptr<const DeviceAnalyzer>>> m_entries;
};

// Reads `file` once (keeping its SHA-256, for stored measurements and the report) and analyses it
// for each device. A device without rules or a predictor gets
// its reason in DeviceAnalysis::error; only an unreadable model file is an error of the whole call.
Result<ModelAnalysis> analyzeModel(const std::string& file, const std::vector<std::string>& deviceIds, DeviceDataCache& cache,
                                   const LoadOptions& options = {});
// The same for a model already read.
ModelAnalysis analyzeModel(std::shared_ptr<const ModelFile> model, const std::vector<DeviceAnalyzer>& devices);

// Device `device`'s predicted time laid over the kernels of device `rowsDevice` (both indices
// into a.devices, both with a prediction): each of its kernels is counted in the row holding its
// first op (matched by file node name), so the rows sum to its kernel total. One entry per kernel
// of rowsDevice.
struct AttributedTime {
    double ms = 0, lowMs = 0, highMs = 0;
    int kernels = 0;           // the device's kernels counted in this row
    bool sameBoundary = true;  // exactly one kernel, with exactly the row's file nodes
    std::string source;        // "regressor", "fallback", "none", or "mixed"; empty without kernels
};
std::vector<AttributedTime> attributeToKernels(const ModelAnalysis& a, size_t rowsDevice, size_t device);

// The newest measurement of the model with this SHA-256 (ModelFile::sha256) on each device, from
// the database `dbPath` (a missing database has none and is not created). Devices never measured
// are left out; so is everything for an empty hash.
Result<std::map<std::string, StoredMeasurement>> storedMeasurementsOf(const std::string& modelSha256,
                                                                      const std::vector<std::string>& deviceIds, const std::string& dbPath);

// Ids of the devices a user can predict for: the built-in ones (test devices left out), then the
// user's (workflows/devices.h, from the default database).
std::vector<std::string> predictableDeviceIds();

}  // namespace km

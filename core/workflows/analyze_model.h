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
#include "fusion/partition.h"
#include "fusion/rule_set.h"
#include "graph/graph.h"
#include "graph/metrics.h"
#include "onnx/onnx_loader.h"
#include "predict/predictor.h"
#include "store/measurement_store.h"

namespace km {

// One device's view of the model.
struct DeviceAnalysis {
    std::string deviceId;
    // Why there is no prediction ("no predictor for ...: build one with ..."); empty when there is.
    std::string error;
    std::string rulesSource, predictorSource;  // the files or databases read
    // The device's fusion rules and predictor (null without them; rules may exist without a
    // predictor, an error then says so): provenance, sampling history and accuracy for the
    // predictor page and the report.
    std::shared_ptr<const RuleSet> rules;
    std::shared_ptr<const PredictorSet> predictor;
    // The graph as this device runs it: the model's graph itself unless the device's rules keep
    // some spellings node by node (RuleSet::literalSpellings), then a re-read of the file.
    std::shared_ptr<const Graph> graph;
    KernelPartition partition;   // kernels of `graph`
    ModelPrediction prediction;  // aligned with partition.kernels
    // Model graph node index -> this device's kernel id (matched through Node::sourceNodes when
    // the device's graph differs; a merged node follows its first source node). -1: no kernel.
    std::vector<int> kernelOfModelNode;
    // Per kernel: the model graph nodes holding any of its file nodes, in model order. Differs from
    // inverting kernelOfModelNode when the device runs a spelling node by node that the model graph
    // merged (x * HardSigmoid(x) as two kernels, one hswish node): both kernels list that node.
    std::vector<std::vector<size_t>> modelNodesOfKernel;
    // Per kernel: FLOPs and bytes moved of its nodes (metrics of `graph`).
    std::vector<NodeMetrics> kernelMetrics;

    bool ok() const { return error.empty(); }
};

struct ModelAnalysis {
    std::string file;
    std::shared_ptr<const Graph> graph;  // as loaded with the default options
    GraphMetrics metrics;
    std::vector<DeviceAnalysis> devices;  // in the order asked for
};

// The devices' rules and predictors, read once and shared by every analysis of a process (a
// predictor is tens of MB of trees). Thread-safe.
class DeviceDataCache {
public:
    struct Entry {
        std::string error;
        std::string rulesSource, predictorSource;
        std::shared_ptr<const RuleSet> rules;           // null without rules
        std::shared_ptr<const PredictorSet> predictor;  // null with an error
    };
    // `db`: the database whose predictors win over the shipped ones ("" = the user's default).
    explicit DeviceDataCache(std::string db = {}) : m_db(std::move(db)) {}
    // Reads the device's data on first use; callers asking for the same device meanwhile wait for
    // that read, callers asking for other devices read theirs in parallel.
    std::shared_ptr<const Entry> get(const std::string& deviceId);
    // Forgets one device (after its predictor was rebuilt), or all with "".
    void invalidate(const std::string& deviceId = {});

private:
    std::string m_db;
    std::mutex m_mutex;
    std::map<std::string, std::shared_future<std::shared_ptr<const Entry>>> m_entries;
};

// Loads `file` and analyses it for each device. A device without rules or a predictor gets its
// reason in DeviceAnalysis::error; only an unreadable model file is an error of the whole call.
Result<ModelAnalysis> analyzeModel(const std::string& file, const std::vector<std::string>& deviceIds, DeviceDataCache& cache,
                                   const LoadOptions& options = {});

// Device `device`'s predicted time laid over the kernels of device `rowsDevice` (both indices
// into a.devices, both with a prediction): each of its kernels is counted in the row holding its
// first op (matched by file node name), so the rows sum to its kernel total. One entry per kernel
// of rowsDevice.
struct AttributedTime {
    double ms = 0, lowMs = 0, highMs = 0;
    int kernels = 0;            // the device's kernels counted in this row
    bool sameBoundary = true;   // exactly one kernel, with exactly the row's file nodes
    std::string source;         // "regressor", "fallback", "none", or "mixed"; empty without kernels
};
std::vector<AttributedTime> attributeToKernels(const ModelAnalysis& a, size_t rowsDevice, size_t device);

// The newest measurement of the file (by SHA-256) on each device, from the database `dbPath` (a
// missing database has none and is not created). Devices never measured are left out.
Result<std::map<std::string, StoredMeasurement>> storedMeasurementsOf(const std::string& file, const std::vector<std::string>& deviceIds,
                                                                       const std::string& dbPath);

// Ids of the built-in devices a user can predict for (test devices left out), in their order.
std::vector<std::string> predictableDeviceIds();

}  // namespace km

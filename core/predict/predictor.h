// A device's predictor: one regressor per kernel type, a generic regressor over all kernel samples
// (the marked fallback for kernel types without their own), and the per-model overhead. Model
// latency = sum of kernel predictions + overhead (docs/predictors.md). Stored as JSON
// (schema kernelmeter.predictor/1) with its provenance.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "fusion/partition.h"
#include "graph/metrics.h"
#include "predict/adaptive.h"
#include "predict/regressor.h"

namespace km {

struct KernelTypePredictor {
    Regressor regressor;
    std::vector<RoundMetrics> rounds;  // the sampling history (the GUI's accuracy plot)
    size_t samples = 0;
};

struct PredictorSet {
    std::string deviceId;
    std::string runtime, runtimeVersion, cpuModel, builtAtUtc, command;  // provenance
    std::map<std::string, KernelTypePredictor> types;  // by kernel type ("conv-bn-relu")
    std::optional<Regressor> generic;                   // all samples pooled; for unknown types
    double overheadMs = 0;                              // per model: dispatch, input, output

    std::string toJson() const;
    static Result<PredictorSet> fromJson(const std::string& json, const std::string& displayName);
};

struct KernelPrediction {
    int kernelId = 0;
    std::string type;
    double ms = 0;
    // How: "regressor" (its own type's), "fallback" (the generic regressor: a marked estimate),
    // or "none" (unknown op or no fallback either: ms is 0 and a warning says so).
    std::string source;
};

struct ModelPrediction {
    double totalMs = 0;  // sum of kernels + overhead
    double overheadMs = 0;
    std::vector<KernelPrediction> kernels;  // in kernel order
    std::vector<std::string> warnings;      // one per kernel type predicted by fallback or not at all
};

// `metrics`: computeGraphMetrics(graph).perNode.
ModelPrediction predictModel(const KernelPartition& partition, const std::vector<NodeMetrics>& metrics,
                             const PredictorSet& predictor);

}  // namespace km

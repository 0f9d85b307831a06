// SPDX-License-Identifier: Apache-2.0
// The one prediction path (data flow A, docs/architecture.md): a device's fusion rules and
// latency predictor, read once, applied to any number of models read once (ModelFile). The CLI's
// predict and kernels, evaluate, the evaluation data, calibrate, the GUI's analysis, the report and
// the benchmarks all predict through DeviceAnalyzer::analyze.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "fusion/partition.h"
#include "fusion/rule_set.h"
#include "graph/graph.h"
#include "graph/metrics.h"
#include "predict/predictor.h"
#include "workflows/devices.h"
#include "workflows/measure_models.h"
#include "workflows/model_file.h"

namespace km {

// One device's view of a model.
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
    // Whether the device is the machine the predictor was built on (null without a predictor).
    std::shared_ptr<const HostComparison> host;
    // Set when the times are carried to the device's usual speed (DeviceDataSources::atUsualSpeed):
    // what that speed is and the sentence saying so (usualSpeedNote); empty otherwise.
    UsualSpeed usual;
    std::string speedNote;
    // The graph as this device runs it: the model's canonical graph itself unless the device's
    // rules keep some spellings node by node (RuleSet::literalSpellings) that the model has.
    std::shared_ptr<const Graph> graph;
    std::shared_ptr<const GraphMetrics> metrics;  // per node of `graph`
    KernelPartition partition;                    // kernels of `graph` (also without a predictor, when there are rules)
    ModelPrediction prediction;                   // aligned with partition.kernels; empty without a predictor
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

// Where a device's rules and predictor come from; empty fields take the defaults of
// workflows/data_sources.h (the user's, then the shipped ones).
struct DeviceDataSources {
    std::string rulesFile;      // a rule set JSON file
    std::string predictorFile;  // a predictor JSON file
    std::string db;             // the database whose predictors win over the shipped ones
    bool rulesOnly = false;     // read no predictor (splitting into kernels only)
    // Predict at the device's usual machine speed: when the predictor records the speed of its
    // milliseconds (PredictorSet::referenceMs) and `db` holds at least kMinEarlierReferenceTimes
    // measurements of the device on the CPU and runtime version it has now, every time is
    // multiplied by their usual reference time (usualSpeed) over the predictor's. Off: the
    // predictor's own milliseconds (what evaluate, calibrate and adapt work in).
    bool atUsualSpeed = false;
};

// For a device whose times come from a table (runtime "none") and that has no predictor yet: the
// error saying what to do instead of detecting rules or building a predictor, neither of which
// it can (adapt one on the dataset its times are in). Nothing for any other device.
std::optional<Error> tableOnlyDeviceError(const std::string& deviceId, const std::string& db = "");

// For a device without fusion rules (`hasRules` false) or without a predictor: the error saying
// the quickest way to one. A table-only device: tableOnlyDeviceError. A device that measures, when
// a device of its runtime has a predictor with kernel times (its thread count first): adapt that
// one (minutes; the adapted predictor carries its source's rules) before detecting rules and
// building its own. Nothing when no device of its runtime has one (the plain errors say how to
// build).
std::optional<Error> missingPredictorError(const std::string& deviceId, const std::string& db, bool hasRules);

// A device's predictor as lists of devices tell it (`device list`, `device show`, Tools >
// Devices...): the one predict would use, read without its regressors (a second each).
struct DevicePredictorStatus {
    std::optional<PredictorSet> predictor;  // its header only (PredictorSet::headerFromJson)
    std::string source;                     // the database or file it came from
    std::string database;                   // the user's database asked ("": the default one)
    HostComparison host;
    std::string error;  // no predictor or no rules: why, and the quickest way to one (when explained)
};
// `explain`: fill `error` (missingPredictorError reads the other devices' predictors for it).
DevicePredictorStatus devicePredictorStatus(const Device& device, const std::string& db, bool explain);
// One line: how the predictor was made, when, whether it is the user's or shipped, and whether it
// belongs to the device ("adapted 2026-12-07 from xnnpack-t1, yours", "built 2026-11-24, shipped;
// other CPU"); "none" without one.
std::string predictorStatusLine(const DevicePredictorStatus& status);
// The runtime a predictor's times are of, with its version ("xnnpack 0.0~git20220216.ae108ef");
// "" for one adapted from imported times (kNoRuntime: nothing says which runtime the phone ran).
std::string predictorRuntimeText(const PredictorSet& predictor);

// "predicted at DEVICE's usual speed: ... x F": why the times of a predictor carried to the
// device's usual speed `usual` differ from its own (`predictor` as stored, speedScale 1).
std::string usualSpeedNote(const PredictorSet& predictor, const std::string& deviceId, const UsualSpeed& usual);

// The usual speed DeviceAnalyzer::load (atUsualSpeed, database `db`) would carry `predictor` to on
// device `deviceId` now, from the device's latest hello and measurements; referenceMs 0 when it
// would leave the predictor's own milliseconds. After new measurements: whether a prediction
// made before them is still at the device's usual speed.
UsualSpeed usualSpeedNow(const std::string& deviceId, const PredictorSet& predictor, const std::string& db = {});

class DeviceAnalyzer {
public:
    // Reads the device's rules and then its predictor. Never fails as a whole: what is missing is
    // error() (rules missing: no partition either; predictor missing: kernels but no prediction).
    static DeviceAnalyzer load(const std::string& deviceId, const DeviceDataSources& sources = {});
    // From data in hand (a predictor being calibrated, a test's rule set). `predictor` may be null.
    DeviceAnalyzer(std::string deviceId, std::shared_ptr<const RuleSet> rules, std::shared_ptr<const PredictorSet> predictor,
                   std::string rulesSource = {}, std::string predictorSource = {});

    const std::string& deviceId() const { return m_deviceId; }
    // Why rules or a predictor are missing; nullopt when both are there.
    const std::optional<Error>& error() const { return m_error; }
    const std::shared_ptr<const RuleSet>& rules() const { return m_rules; }
    const std::shared_ptr<const PredictorSet>& predictor() const { return m_predictor; }
    const std::string& rulesSource() const { return m_rulesSource; }
    const std::string& predictorSource() const { return m_predictorSource; }
    // The predictor's machine against the device's (workflows/devices.h, compareHost), found when
    // loaded; null without a predictor or for an id that is no device (a test's).
    const std::shared_ptr<const HostComparison>& host() const { return m_host; }
    // The device's usual speed the times are carried to (referenceMs 0: not carried).
    const UsualSpeed& usual() const { return m_usual; }
    const std::string& speedNote() const { return m_speedNote; }

    // The model as this device runs it: its graph with the device's spellings, kernels, metrics,
    // the prediction (when there is a predictor) and the kernel <-> model node maps.
    DeviceAnalysis analyze(const ModelFile& model) const;
    // The device without a model: its rules, predictor, host comparison and error, no kernels (the
    // predictor page before any model is open).
    DeviceAnalysis describe() const;

private:
    DeviceAnalyzer() = default;
    std::string m_deviceId, m_rulesSource, m_predictorSource, m_speedNote;
    UsualSpeed m_usual;
    std::optional<Error> m_error;
    std::shared_ptr<const RuleSet> m_rules;
    std::shared_ptr<const PredictorSet> m_predictor;
    std::shared_ptr<const HostComparison> m_host;
};

}  // namespace km

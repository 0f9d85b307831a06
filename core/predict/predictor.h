// SPDX-License-Identifier: Apache-2.0
// A device's predictor: one regressor per kernel type, a generic regressor over all kernel samples
// (the marked fallback for kernel types without their own), and the per-model overhead. Model
// latency = sum of kernel predictions + overhead (docs/predictors.md). Stored as JSON
// (schema kernelmeter.predictor/1) with its provenance.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/result.h"
#include "fusion/partition.h"
#include "graph/metrics.h"
#include "predict/adaptive.h"
#include "predict/features.h"
#include "predict/regressor.h"

namespace km {

// How far a regressor is off on kernels it was not trained on: the 5th and 95th percentiles of
// measured / predicted over its validation kernels. A prediction p gets the interval
// [p x low, p x high] (about 90% of such kernels fall inside).
struct ErrorBand {
    double low = 1, high = 1;
    size_t kernels = 0;  // validation kernels behind it; 0: unknown (the interval is the point)
};
ErrorBand errorBandOf(const std::vector<double>& predictedMs, const std::vector<double>& measuredMs);

// The model-level terms, fitted on whole generated networks (core/zoo):
// model ms = overheadMs + kernelScale x (sum of the kernel regressors' predictions) + perKernelMs x
// (kernels predicted). The scale and the per-kernel cost carry what isolated kernel measurements
// miss inside a network (cold weights and inputs, one more dispatch per kernel).
struct ModelCalibration {
    double overheadMs = 0;
    double kernelScale = 1;
    double perKernelMs = 0;
    size_t models = 0;    // calibration networks behind the fit; 0: not calibrated
    double within10 = 0;  // share of them predicted within 10% after the fit
    double rmspe = 0;     // and the root mean squared relative error
    std::string terms;    // which terms were fitted: "scale", "overhead+scale", "scale+per-kernel", ...
};
// Minimises the squared relative error over the calibration networks. Each subset of the terms
// (the scale always, the overhead and the per-kernel cost optionally, both kept >= 0) is fitted,
// and the one with the lowest leave-one-out RMSPE is kept, so a term is only used when it predicts
// networks it was not fitted on better. Without a usable fit: scale 1 and the median difference
// as overhead. `kernelCounts`: kernels per network (empty: no per-kernel term).
ModelCalibration fitModelCalibration(const std::vector<double>& kernelSumMs, const std::vector<double>& kernelCounts,
                                     const std::vector<double>& measuredMs);

// One measured kernel configuration and its time (ms, in the regressors' unit).
struct KernelSample {
    KernelSpec spec;
    double ms = 0;
};

struct KernelTypePredictor {
    Regressor regressor;
    std::vector<RoundMetrics> rounds;  // the sampling history (the GUI's accuracy plot)
    size_t samples = 0;
    ErrorBand band;
    // The training kernels themselves (empty in predictors built before they were kept): what
    // other methods are trained on when they are compared with ours (evaluate's nn-Meter variant).
    std::vector<KernelSample> training;
};

// How an adapted predictor was made (workflows/adapt_predictor.h): its source, the networks whose
// target times the transfer was fitted on, and the fit (predict/transfer.h).
struct AdaptedNetwork {
    std::string name, modelHash;
    double measuredMs = 0;     // on the target
    double sourceMs = 0;       // the source predictor's prediction, unadapted
    double fittedMs = 0;       // the adapted prediction (fit on all networks)
    double leaveOneOutMs = 0;  // the prediction of a fit on the other networks
    double weight = 1;         // in the fit, relative to the others (mean 1; predict/transfer.h)
};
// The source's training kernels of one transfer group measured on the target by adapt: how many,
// their measured / source ratios (median, lowest, highest), and the fit measured = scale x source
// + fixedMs (ms in the target's kernel unit).
struct AdaptedKernelGroup {
    std::string group;
    size_t kernels = 0;
    double ratio = 0, lowRatio = 0, highRatio = 0;
    double scale = 0, fixedMs = 0;
    // Each kernel measured: (the source's ms, the target's ms), by source time. The fit's data, kept
    // so that its residuals (and another fit's) can be read from the predictor; empty in records
    // written before 2026-12-03.
    std::vector<std::pair<double, double>> timesMs;
    // The same kernels fitted as target = powerScale x source ^ exponent (0, 1: not fitted).
    double powerScale = 0, exponent = 1;
    // The same kernels priced by their work instead of the source's times: target = workMsPerMflop
    // x MFLOPs + workMsPerMb x MB moved + workFixedMs (relative least squares weighted by the
    // kernels' times, each term at least 0; all 0: not fitted), the kernels' left-out RMSPE of that fit and of the affine one of the
    // source's times (fractions; 0: not computed), and whether adapt priced the group so (another
    // runtime's kernels whose work tells their times better than the source's times do).
    double workMsPerMflop = 0, workMsPerMb = 0, workFixedMs = 0;
    double workLeaveOneOutRmspe = 0, leaveOneOutRmspe = 0;
    bool pricedByWork = false;
};
// [{group, kernels, ratio, low_ratio, high_ratio, scale, fixed_ms, times_ms: [[source, target]...],
// power_scale, exponent, leave_one_out_rmspe, work: {ms_per_mflop, ms_per_mb, fixed_ms,
// leave_one_out_rmspe, priced}}]: the predictor's JSON and adapt's.
nlohmann::json kernelGroupsToJson(const std::vector<AdaptedKernelGroup>& groups);

struct Adaptation {
    std::string sourceDevice, sourceRuntime, sourceRuntimeVersion, sourceCpuModel, sourceBuiltAtUtc;
    std::string timesFrom;  // "measured by adapt on <cpu>" or "dataset <name>"
    std::string terms;      // the fit's terms and shrinkage
    double commonScale = 1;
    double rmspe = 0, leaveOneOutRmspe = 0, within10 = 0, leaveOneOutWithin10 = 0;
    std::vector<AdaptedNetwork> networks;
    std::vector<AdaptedKernelGroup> kernelGroups;  // empty: no kernels were measured
    std::string kernelDevice;                      // the device they were measured on (empty: the target)
    // The usual reference time of the target's earlier measurements on the same CPU and runtime
    // (workflows' usualSpeed) when adapt measured its networks, and how many there were (0: fewer
    // than 5, or none): with PredictorSet::referenceMs, whether the adaptation met the machine in
    // its usual phase.
    double earlierReferenceMs = 0;
    int earlierMeasurements = 0;
};

// The interval of an adapted predictor's predictions, from the left-out errors of its fit (each
// network predicted by the fit on the others): symmetric on the log scale, its half-width the
// k-th smallest |log(measured / left out)| with k = ceil(0.8 (n + 1)) (the split-conformal 80%
// quantile; at most n: with 10 networks the second largest), and at least kMinTransferBand: ten
// networks left out within a few percent do not show that others will be (on the HELP table one
// draw's ten cells were all left out within 4.6%; a 5% band held 47% of the other cells, a 10% one
// 82%), and a network measured in another session moves by up to 10% here. It covers the
// adaptation's whole error (the source regressors' included), so it replaces the source's bands
// (docs/adapt.md, method point 6). Its `kernels` counts the networks behind it (0: no band).
constexpr double kMinTransferBand = 1.10;
ErrorBand transferBandOf(const std::vector<AdaptedNetwork>& networks);
// An adapted predictor's prediction more than this many times its longest network's measured time
// (or less than its shortest's over this) gets a warning: its fit says nothing that far out
// (docs/adapt.md, Limits: xnnpack-t1 -> opencv-t1, adapted on networks of up to 35 ms, put two
// networks at 2.9 times that within 7% and ResNeXt-50 at 5.2 times 33% too long).
constexpr double kAdaptedRangeFactor = 4;

struct PredictorSet {
    std::string deviceId;
    std::string runtime, runtimeVersion, cpuModel, builtAtUtc, command;  // provenance
    int logicalCores = 0;                                                // of the machine the kernels were measured on (0: not recorded)
    std::map<std::string, KernelTypePredictor> types;                    // by kernel type ("conv-bn-relu")
    std::optional<Regressor> generic;                                    // all samples pooled; for unknown types
    ErrorBand genericBand;
    double overheadMs = 0;         // per model: dispatch, input, output
    double kernelScale = 1;        // kernel predictions x this (in-network time)
    double perKernelMs = 0;        // ... + this, per kernel with a prediction
    ModelCalibration calibration;  // how overheadMs and kernelScale were fitted
    // The machine speed the milliseconds are at (0: raw milliseconds of whenever the kernels were
    // measured, as in older predictors). The regressors learn kernel
    // times scaled to the reference workload's baseline of the build's database, at which the
    // reference takes regressorReferenceMs; predictions are at the reference's median speed over
    // the build, referenceMs: their ratio is folded into kernelScale and overheadMs
    // (docs/predictors.md, "Kernel times at the reference speed").
    double referenceMs = 0;
    double regressorReferenceMs = 0;
    // Not stored: predictModel multiplies every time it predicts by this. DeviceAnalyzer sets it
    // to carry the milliseconds from referenceMs's machine speed to the device's usual one
    // (workflows/device_analyzer.h, DeviceDataSources::atUsualSpeed); 1: the stored unit.
    double speedScale = 1;
    // The reference workload's time at the speed the predicted milliseconds are at (0: unknown).
    double speedReferenceMs() const { return referenceMs * speedScale; }
    // Adapted predictors: a factor per transfer group (predict/transfer.h, transferGroupOf) on top
    // of kernelScale (a group without one: 1), how the adaptation was made, and the fusion rules
    // of the source, whose kernel types the regressors predict (a rule set JSON document; empty:
    // the device's own rules apply).
    std::map<std::string, double> groupScale;
    // Adapted with kernel costs (predict/transfer.h): a kernel of a group listed here costs this
    // many ms instead of perKernelMs (kernelScale is then 0: the source's kernel times drop out).
    std::map<std::string, double> groupKernelMs;
    // Adapted with work rates: each kernel also costs its MFLOPs x the rate of its group (listed
    // here, else msPerMflop) + the MB it moves x the MB rate of its group (listed here, else
    // msPerMb). With the work rates family kernelScale is 0; a fit through the kernels may price
    // some groups so (their groupScale 0) and the others by the source's times.
    std::map<std::string, double> groupMsPerMflop, groupMsPerMb;
    double msPerMflop = 0, msPerMb = 0;
    // Adapted with the power form of the kernels' fits (predict/transfer.h): a kernel of a group
    // listed here costs kernelScale x groupScale x r x (exponentUnitScale x r)^(exponent - 1), r
    // its regressor's output: its group scale times the source's time of it (exponentUnitScale x
    // r, in which the kernels were fitted) to the exponent.
    std::map<std::string, double> groupExponent;
    double exponentUnitScale = 1;
    // The device's runtime removes operations whose results are never read (dead code), so
    // models are predicted without them (graph.h, withoutUnreadNodes). Found by adapt when the
    // networks tell (NAS-Bench-201 cells whose edges into the output are `none`).
    bool dropsUnreadOps = false;
    std::optional<Adaptation> adaptation;
    std::string rulesJson;
    // referenceMs / regressorReferenceMs, or 1 without them.
    double unitScale() const { return referenceMs > 0 && regressorReferenceMs > 0 ? referenceMs / regressorReferenceMs : 1.0; }
    // Where the times come from, for "built ... on <this>": the CPU model; for a predictor adapted
    // from imported times, "dataset <name>" (no CPU is known; older ones kept that text in
    // cpuModel); else "an unrecorded CPU".
    std::string timesSource() const;

    std::string toJson() const;
    static Result<PredictorSet> fromJson(const std::string& json, const std::string& displayName);
    // Everything but the regressors (no `types`, no `generic`): where a predictor comes from and
    // how it was made, for lists of devices, in a fraction of a whole read's time.
    static Result<PredictorSet> headerFromJson(const std::string& json, const std::string& displayName);
};

struct KernelPrediction {
    int kernelId = 0;
    std::string type;
    double ms = 0;  // the regressor's prediction x the predictor's kernelScale + its perKernelMs
    // The regressor's error band around ms; for an adapted predictor at least as wide as the
    // transfer's left-out errors on its networks.
    double lowMs = 0, highMs = 0;
    // How: "regressor" (its own type's), "fallback" (the generic regressor: a marked estimate),
    // or "none" (unknown op or no fallback either: ms is 0 and a warning says so).
    std::string source;
};

struct ModelPrediction {
    double totalMs = 0;  // sum of kernels + overhead
    // Sums of the kernels' bands + overhead: an interval that assumes the kernels' errors move
    // together (wide when they do not, never too narrow for that reason).
    double lowMs = 0, highMs = 0;
    double overheadMs = 0;
    std::vector<KernelPrediction> kernels;  // in kernel order
    std::vector<std::string> warnings;      // one per kernel type predicted by fallback or not at all
    // An adapted predictor's: the prediction reaches where its fit was not checked (a kernel group
    // none of its networks had, or far outside their times); the warnings say how.
    bool beyondAdaptation = false;
};

// Remembers each kernel's regressor output by (regressor, features), for one PredictorSet: the
// candidates of an architecture search share most of their kernel configurations, and a hash
// lookup replaces the kernel's tree walks (docs/performance.md has the numbers). Bound to the first predictor it is used with; another one clears it (as
// does clear(), needed after editing that predictor in place). Not thread-safe: one per thread.
class KernelPredictionCache {
public:
    void clear();
    size_t size() const { return m_entries.size(); }
    size_t hits() const { return m_hits; }
    size_t misses() const { return m_misses; }

private:
    friend ModelPrediction predictModel(const KernelPartition&, const std::vector<NodeMetrics>&, const PredictorSet&,
                                        KernelPredictionCache*);
    struct Key {
        const Regressor* regressor;  // the kernel type's, or the generic one (same features, same output)
        std::array<float, kFeatureCount> features;
        bool operator==(const Key& o) const;
    };
    struct KeyHash {
        size_t operator()(const Key& k) const;
    };
    const PredictorSet* m_owner = nullptr;
    std::unordered_map<Key, double, KeyHash> m_entries;  // the regressor's ms, before kernelScale
    size_t m_hits = 0, m_misses = 0;
};

// `metrics`: computeGraphMetrics(graph).perNode. With a cache, regressor outputs are looked up
// before the trees are walked (identical results).
ModelPrediction predictModel(const KernelPartition& partition, const std::vector<NodeMetrics>& metrics, const PredictorSet& predictor,
                             KernelPredictionCache* cache = nullptr);

}  // namespace km

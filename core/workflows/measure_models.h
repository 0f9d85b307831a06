// SPDX-License-Identifier: Apache-2.0
// measureModels: ONNX files -> runtime export -> kernelmeter-agent -> latency per model, with
// per-layer times and the runtime's fusion groups mapped back to the graph's node names.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "backends/agent_client.h"
#include "backends/device.h"
#include "common/progress.h"
#include "onnx/onnx_loader.h"
#include "store/measurement_store.h"

namespace km {

struct MeasureModelsOptions {
    MeasureOptions protocol;  // rounds, instances, ... (defaults in measurement.h)
    // Which agent, where (transport), limits. An empty agentPath: the device's own agent and
    // transport (workflows/devices.h, agentLaunchFor).
    AgentLaunch agent;
    double timeoutSeconds = 900;  // per agent request without an answer -> the agent is stopped
    LoadOptions load;             // input shapes
    // Models measured together, interleaved, per agent request. Results are stored after each
    // batch, so an interrupted campaign loses at most one batch. Default 5.
    int batchSize = 5;
    // Measure the reference workload (workflows/reference_workload.h) in every round of every
    // process and report each model's ratio to it. Default on; off costs one model's time less.
    bool reference = true;
    MeasurementStore* store = nullptr;  // when set: results are saved as taken, and models already
    bool remeasure = false;             // stored for the device are skipped unless remeasure
    // Never start the agent: models the store has for the device are reported from it, the others
    // as not measured. Replays a build from its database (build-predictor --stored-only).
    bool storedOnly = false;
};

struct NodeTime {
    std::string node;  // graph node name (or the runtime's layer name when it maps to none)
    double ms = 0;
};

struct ModelReport {
    std::string path;
    std::string modelHash;   // SHA-256 of the file
    bool fromStore = false;  // true: an earlier measurement, not measured again
    bool ok = false;
    std::string error;
    // The agent ran and the runtime refused this model (not a crash or a timeout): trying again
    // on the same device will not help.
    bool refusedByRuntime = false;
    LatencyStats stats;
    std::vector<std::vector<double>> roundMedians;  // per process instance, ms (also from the store, since schema 2)
    // Runtimes with per-layer profiles only. Names are the file's node names (no pattern merged),
    // so a kernel of a merged graph finds its members through Node::sourceNodes.
    std::vector<NodeTime> layers;
    std::vector<std::vector<std::string>> fusionGroups;  // node names; executing node first
    std::string runtimeVersion;
    MachineInfo machine;
    // Relative to the reference workload of the same rounds (reference.median == 0 when it was not
    // measured; referenceError then says why, if it was asked for).
    ReferenceRatio reference;
    std::vector<std::vector<double>> referenceRounds;  // the reference's, aligned with roundMedians
    std::string referenceError;
    // A multi-thread device: stats and reference come from the rounds in phase, those whose
    // reference round took at most inPhaseMaxReferenceMs (0: all rounds; measurement.h,
    // kInPhaseTolerance); how many were left out, and whether too few were in phase to keep them.
    double inPhaseMaxReferenceMs = 0;
    int outOfPhaseRounds = 0;
    bool tooFewInPhase = false;
    // reference.median x the device's reference baseline (ms): the model's time at the machine speed
    // the baseline was taken at. 0 when there is no ratio. The baseline is stored per device and
    // machine on first use; without a store, this campaign's first reference rounds set it.
    double normalizedMs = 0;
    double referenceBaselineMs = 0;
    // Set when the store had this model for the device but from another machine or runtime version
    // than the device's agent reports now (a VM moved to another CPU, a runtime upgraded): where
    // that measurement was taken. The model was measured again.
    std::string storedElsewhere;
};

// (p90 - p10) / median of a model's round medians above which, after the protocol's extra
// processes, its median is no stable time: rounds in two modes (such as XNNPACK at 2 threads with
// a pool per model, docs/measurement.md point 11) or a machine busy with other work.
inline constexpr double kUnsteadySpread = 0.5;
// The same spread of the reference workload's own rounds beside a model above which its ratio to
// them no longer stands for the model's time: rounds in two modes (XNNPACK at 2 threads with a
// pool per model spread them up to 35 times their median). Below it the ratios take out a busy
// phase too: beside five networks of an opencv-t2 adaptation that met one (the reference at
// 0.40-0.41 ms, 0.35 beside the other five; spread 51-58%) they put 82-91% of the 22 torchvision
// networks within 10% at the reference speed, the networks' raw times 23-50% (docs/adapt.md).
inline constexpr double kUnusableReferenceSpread = 1.0;
// "NAME: its rounds spread N% (p10 A ms, p90 B ms) ..." when `r` was measured and spread more than
// kUnsteadySpread; empty otherwise.
std::string unsteadyWarning(const ModelReport& r, const std::string& name);

// Why the models' ratios to the reference workload cannot stand for their times, naming the first
// model at fault (`names` parallel to `reports`): one was measured without the reference, or the
// reference's own rounds beside it spread more than kUnusableReferenceSpread (two modes). Empty
// when they can. The reference's level may differ between batches and sessions: that is the
// machine's drift, which the ratios take out.
std::string referenceUnusableReason(const std::vector<ModelReport>& reports, const std::vector<std::string>& names);

// How far (a fraction) a session's median reference time may stand from the device's usual one
// before the session is said to have met the machine in a slow or fast phase, and how many
// earlier times that takes. On the 2-core VM, quiet, the reference's times of two sessions an
// hour apart agreed within 0.1% and a third, three hours later, within 8% (opencv-t2), and an
// adaptation that met a phase 15-19% slow predicted every network 5-32% too long in ms.
inline constexpr double kPhaseTolerance = 0.10;
inline constexpr size_t kMinEarlierReferenceTimes = 5;
// Measurements taken less than this apart (seconds) belong to one measuring session.
inline constexpr int64_t kSessionGapSeconds = 30 * 60;

// A device's usual machine speed from its earlier measurements' reference times.
struct UsualSpeed {
    double referenceMs = 0;   // 0: fewer than kMinEarlierReferenceTimes measurements
    size_t measurements = 0;  // those with a reference time
    size_t sessions = 0;      // measuring sessions they came from
    // The fastest and the slowest session's median reference time: how far the machine's phases
    // were apart (equal with one session; 0 with referenceMs 0).
    double fastestSessionMs = 0, slowestSessionMs = 0;
};
// Each measuring session (measurements each taken within kSessionGapSeconds of the one before;
// an unreadable time starts a session of its own) reduced to its median reference time, then the
// median of those: a long session, such as a build's thousands of kernels or an adapt's hundreds,
// weighs as much as a campaign of 22 networks and no more, so one slow or fast phase of the
// machine cannot set the usual speed by its count alone.
UsualSpeed usualSpeed(std::vector<StoredReferenceTime> earlier);

// "while ... measured on DEVICE, the reference workload took A ms against B ms, its usual time
// over N earlier measurements there: the machine ran P% slower (faster) than then" (no full stop:
// the caller says what that means for its result) when this session's median reference time
// `sessionMs` stands more than kPhaseTolerance from the device's usual one; empty otherwise, or
// with fewer than kMinEarlierReferenceTimes earlier measurements. `what`: what was measured.
std::string machinePhaseWarning(const std::string& what, const std::string& deviceId, double sessionMs, const UsualSpeed& usual);
// The same from the usual reference time `usualMs` and the count of earlier measurements behind it
// (as an adapted predictor records them, Adaptation::earlierReferenceMs).
std::string machinePhaseWarning(const std::string& what, const std::string& deviceId, double sessionMs, double usualMs, size_t earlier);
// The reference times `store` holds for the device, taken on this CPU and runtime version with
// the current reference workload, except those of `excludeHashes` (the models of the session
// being judged) and, when `takenBeforeUtc` is set (ISO 8601), those taken at or after it; oldest
// first (usualSpeed's input).
std::vector<StoredReferenceTime> earlierReferenceTimes(MeasurementStore& store, const std::string& deviceId, const std::string& cpuModel,
                                                       const std::string& runtimeVersion, const std::set<std::string>& excludeHashes,
                                                       const std::string& takenBeforeUtc = {});
// machinePhaseWarning for one stored measurement: its reference time against those of the
// device's measurements of other models taken before it on the same CPU and runtime version.
std::string storedPhaseWarning(MeasurementStore& store, const StoredMeasurement& m, const std::string& what);
// The reference times (ms) of the reports of `reports` measured now, in their order: this
// session's machine speed. A report taken from the store carries its own session's and is left out.
std::vector<double> referenceTimesMeasuredNow(const std::vector<ModelReport>& reports);
// The check of a measuring campaign: the median reference time of the models of `reports`
// measured now (not taken from the store) against the device's earlier measurements on the CPU
// and runtime version they ran on: those taken before `startedAtUtc` (ISO 8601, when the
// campaign began; its own are stored as taken), earlier sessions' times of the same models
// included; without it, those of other models only. machinePhaseWarning's sentence, or empty
// (nothing measured now, too few earlier measurements, or within tolerance).
std::string measuredPhaseWarning(const std::vector<ModelReport>& reports, MeasurementStore& store, const std::string& deviceId,
                                 const std::string& what, const std::string& startedAtUtc = {});

// Measures the models in interleaved batches, each batch in a fresh agent. If the agent crashes or
// hangs, each model of that batch is measured again alone, so one bad model fails alone. With a
// store, each result is saved right after its batch and stored models are reused when they were
// taken on the CPU, core count and runtime version the device has now (as a model measured in the
// same call reports them, else one hello to a fresh agent; others are measured again after the
// rest; stored-only runs reuse them all). Never throws.
std::vector<ModelReport> measureModels(const std::vector<std::string>& paths, const Device& device, const MeasureModelsOptions& options,
                                       Progress* progress = nullptr);

}  // namespace km

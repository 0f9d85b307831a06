// SPDX-License-Identifier: Apache-2.0
// The measurement protocol (docs/measurement.md): warm up, then spread
// each model's runs over a long window interleaved round-robin with the other models, keep
// per-round medians, repeat in fresh runtime instances, report the median and a spread, and
// measure again when the spread is high.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "backends/runtime.h"

namespace km {

struct MeasureOptions {
    int warmupRuns = 10;          // at least this many untimed runs per model and instance
    double warmupMinMs = 200;     // and at least this long
    int rounds = 20;              // rounds per instance; each round visits every model once
    int runsPerRound = 3;         // timed runs per model per round; the round keeps their median
    int instances = 3;            // fresh runtime instances (models reloaded) per measurement
    double maxSpread = 0.10;      // measure a model in one more instance while its instances
                                  // disagree by more than this (instancesDisagree) ...
    int maxExtraInstances = 2;    // ... at most this many times
    double timeoutSeconds = 600;  // the client kills the agent after this long without an answer
};

struct LatencyStats {
    double medianMs = 0;  // median over instances of each instance's median round
    double p10Ms = 0;     // 10th / 90th percentile of all round medians
    double p90Ms = 0;
    double minRoundMs = 0;  // fastest round median (a low-quantile view less sensitive to drift)
    double cv = 0;          // stddev / mean of all round medians
    int runs = 0;           // timed runs in total
    int rounds = 0;         // round medians in total
    int instances = 0;
};

struct ModelInput {
    std::string name;   // caller's id for the model
    std::string bytes;  // ONNX exported for the device's runtime
    std::vector<InputSpec> inputs;
};

struct ModelMeasurement {
    std::string name;
    bool ok = false;
    std::string error;  // why it failed, when !ok
    LatencyStats stats;
    std::vector<std::vector<double>> roundMedians;  // per instance, ms; lets a client pool processes
    std::vector<LayerTime> layers;                  // median per-layer times over rounds (runtimes that report them)
    std::vector<std::vector<std::string>> fusionGroups;
};

// Quantile q in [0, 1] with linear interpolation; values need not be sorted.
double quantile(std::vector<double> values, double q);
// Summary of round medians grouped per instance.
LatencyStats summarizeRounds(const std::vector<std::vector<double>>& roundMediansPerInstance, int runsPerRound);

// A model's time as a multiple of the reference workload measured in the same rounds of the same
// processes. The machine's speed phases (docs/measurement.md) slow both alike, so the
// ratio repeats across campaigns where raw milliseconds do not (docs/measurement.md).
struct ReferenceRatio {
    double median = 0;           // median over instances of each instance's median per-round ratio; 0 = none
    double p10 = 0, p90 = 0;     // quantiles of all per-round ratios
    double referenceMs = 0;      // median of the reference's round medians in those rounds
    double referenceSpread = 0;  // (p90 - p10) / median of those reference rounds: how much the machine moved
    int pairs = 0;               // rounds where both were measured
};

// Pairs round r of instance i of `model` with round r of instance i of `reference` (rounds beyond
// the shorter list are dropped).
ReferenceRatio ratioToReference(const std::vector<std::vector<double>>& modelRoundsPerInstance,
                                const std::vector<std::vector<double>>& referenceRoundsPerInstance);

// A device running on several threads meets phases of a shared machine in which its threads do
// not all get a core: the reference workload's rounds then take 1.2-1.5 times their fast level,
// and networks of many small parallel operations up to 1.8 times theirs (MobileNetV3 under XNNPACK
// at 2 threads on the 2-core VM), so ratios taken in such rounds do not repeat (docs/measurement.md,
// point 13). A round is *in phase* when the reference's round took at most (1 + kInPhaseTolerance)
// times the fast level; a model keeps its in-phase rounds when it has at least kMinInPhaseRounds.
inline constexpr double kInPhaseTolerance = 0.15;
inline constexpr int kMinInPhaseRounds = 8;

// The rounds of `model` (and the aligned ones of `reference`) whose reference round took at most
// `maxReferenceMs`, per instance (instances left without a round are dropped from both); the
// inputs unchanged when fewer than kMinInPhaseRounds qualify or `maxReferenceMs` <= 0.
struct InPhaseRounds {
    std::vector<std::vector<double>> model, reference;
    int dropped = 0;     // rounds left out as out of phase
    bool enough = true;  // false: too few in-phase rounds; `model` and `reference` are all rounds
};
InPhaseRounds inPhaseRounds(const std::vector<std::vector<double>>& modelRoundsPerInstance,
                            const std::vector<std::vector<double>>& referenceRoundsPerInstance, double maxReferenceMs);

// Whether a model's instances disagree by more than `maxSpread`: (max - min) / median of each
// instance's median ratio to the reference rounds of the same instance, or of each instance's median
// round where not every instance has reference rounds; with a single instance, (p90 - p10) / median
// of its rounds (the only evidence there is). A process can settle in a fast or slow mode for its
// life, which another instance outvotes; the machine's drift moves every model and the reference
// alike and is no reason to measure again (docs/measurement.md, "Re-measuring").
bool instancesDisagree(const std::vector<std::vector<double>>& modelRoundsPerInstance,
                       const std::vector<std::vector<double>>& referenceRoundsPerInstance, double maxSpread);

// Runs the protocol for all models on one runtime. Milliseconds come from `clockMs` (steady clock
// by default; tests pass a fake). `progress(done, total)` is called after each round.
std::vector<ModelMeasurement> measureInterleaved(Runtime& runtime, const Device& device, const std::vector<ModelInput>& models,
                                                 const MeasureOptions& options, const std::function<void(int, int)>& progress = {},
                                                 const std::function<double()>& clockMs = {});

}  // namespace km

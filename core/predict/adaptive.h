// SPDX-License-Identifier: Apache-2.0
// Adaptive sampling of one kernel type (docs/predictors.md): measure an initial sample from the
// prior, train, find where the regressor is wrong, measure the neighbourhood of those places,
// retrain, until the validation target or the budget is reached.
//
// Three disjoint sets, cut from one pool of distinct prior samples: training (grows every round); a
// probe set that only locates large errors (its points are never trained on, only their
// neighbours); and a validation set that only scores each round. Refining around the scored points would
// flatter the score, so the two held-out roles are kept apart.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/progress.h"
#include "common/result.h"
#include "predict/regressor.h"
#include "sampling/kernel_spec.h"

namespace km {

// Measures kernel specs; one entry per spec, nullopt where the device could not run it. Called
// with batches; implementations store samples as they are taken.
using KernelMeasurer = std::function<Result<std::vector<std::optional<double>>>(const std::vector<KernelSpec>&)>;

struct AdaptiveOptions {
    size_t initialSamples = 200;
    size_t probeSamples = 100;
    size_t validationSamples = 100;
    size_t refinePoints = 20;       // probe points with the largest errors refined per round
    size_t neighboursPerPoint = 6;  // nearest neighbours measured around each
    size_t randomPerRound = 20;     // fresh prior samples per round, so no region is starved
    int maxRounds = 8;
    size_t maxSamples = 3000;      // training samples; the loop stops before exceeding it
    double targetWithin10 = 0.99;  // share of validation kernels within +-10% ...
    double targetWithin5 = 0.90;   // ... and within +-5%
    // Both regressor kinds are trained each round and the better on validation is kept.
    std::vector<RegressorKind> kinds = {RegressorKind::RandomForest, RegressorKind::GradientBoosted};
    int trees = 0;           // 0: RegressorOptions::forKind's default
    SamplerOptions sampler;  // seed of every draw
};

struct RoundMetrics {
    int round = 0;
    size_t samples = 0;  // training samples after the round's measurements
    RegressorKind kind = RegressorKind::RandomForest;
    double rmseMs = 0, rmspe = 0, within5 = 0, within10 = 0;  // on the validation set; shares 0..1
};

struct AdaptiveResult {
    Regressor regressor;
    std::vector<RoundMetrics> rounds;
    std::vector<KernelSpec> trainSpecs;
    std::vector<double> trainMs;
    std::vector<KernelSpec> validationSpecs;
    std::vector<double> validationMs;
    bool reachedTarget = false;
};

// One kernel type's sampling, a round at a time, so that a caller building many types can give
// the remaining time to whichever types still need it (buildPredictor) instead of fixing each
// type's share in advance. `start` measures the held-out sets and the initial sample and trains
// round 1; each `refine` measures around the worst probe points and trains the next round.
class AdaptiveSampler {
public:
    // `onRound` (may be empty) sees each round's metrics as they come (the GUI's live plot).
    AdaptiveSampler(const Prior& prior, std::string kernelType, KernelMeasurer measure, AdaptiveOptions options,
                    Progress* progress = nullptr, std::function<void(const RoundMetrics&)> onRound = {});
    Status start();
    Status refine();  // one more round; does nothing once done()
    // Target reached, round or sample limit hit, or nothing new could be measured (budget, refusals).
    bool done() const { return m_done; }
    const std::string& kernelType() const { return m_type; }
    // The latest round (requires a successful start).
    const RoundMetrics& lastRound() const { return m_result.rounds.back(); }
    AdaptiveResult result() const;  // the current regressor and every sample so far

private:
    struct Measured {
        std::vector<KernelSpec> specs;
        std::vector<double> ms;
        FeatureRows rows;
    };
    Status measureInto(const std::vector<KernelSpec>& specs, Measured& into);
    Status trainRound();

    const Prior& m_prior;
    std::string m_type;
    KernelMeasurer m_measure;
    AdaptiveOptions m_options;
    Progress* m_progress;
    std::function<void(const RoundMetrics&)> m_onRound;
    std::vector<KernelSpec> m_heldOut;
    Measured m_validation, m_probe, m_train;
    AdaptiveResult m_result;
    bool m_done = false;
};

// Spends the time left on refinement: passes over the samplers not yet done, one round each, the
// types furthest from the target (lowest share within 10%) first, until all are done or `stop`
// says so (checked before each round). A type whose round fails is left with its last regressor;
// the failures are returned as messages naming the type.
std::vector<std::string> refineWorstFirst(const std::vector<AdaptiveSampler*>& samplers, const std::function<bool()>& stop);

// All rounds of one type in one go (AdaptiveSampler until done).
Result<AdaptiveResult> buildKernelRegressor(const Prior& prior, const std::string& kernelType, const KernelMeasurer& measure,
                                            const AdaptiveOptions& options, Progress* progress = nullptr,
                                            const std::function<void(const RoundMetrics&)>& onRound = {});

// Metrics of predictions against measurements (shares 0..1; rmspe as a share too).
RoundMetrics scorePredictions(const std::vector<double>& predictedMs, const std::vector<double>& measuredMs);

}  // namespace km

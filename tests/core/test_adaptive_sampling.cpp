// SPDX-License-Identifier: Apache-2.0
// The adaptive sampling loop on a synthetic cost with a step: it reaches its validation target,
// its rounds are recorded, held-out kernels are never trained on, and metrics are computed as
// defined. Plain random sampling with the same granularity runs beside it and both are printed:
// with the roofline base in the regressors, random sampling reaches the same target as fast
// (160 vs 170 samples when written), so "fewer samples than random" is not claimed (docs/predictors.md).
#include <QtTest>

#include <cmath>
#include <map>
#include <memory>
#include <set>

#include "predict/adaptive.h"

using namespace km;

namespace {

// A convolution cost with a step no roofline explains: kernels with 16 or fewer input channels at
// 56x56 and above run 3x slower (a layout change), a region the prior holds few layers of.
double syntheticMs(const KernelSpec& s) {
    const double outH = std::ceil(double(s.h) / double(s.stride)), outW = std::ceil(double(s.w) / double(s.stride));
    const double macs = outH * outW * double(s.cout) * double(s.cin / s.groups) * double(s.kernel * s.kernel);
    const double slowdown = s.cin <= 16 && s.h >= 56 ? 3.0 : 1.0;
    return 0.01 + macs * slowdown / 1.5e9;
}

// An activation's cost: linear in its elements, which the roofline base alone explains.
double linearMs(const KernelSpec& s) { return 0.002 + double(s.cin * s.h * s.w) / 1e9; }

KernelMeasurer counting(size_t& measured, double (*cost)(const KernelSpec&) = syntheticMs) {
    return [&measured, cost](const std::vector<KernelSpec>& specs) -> Result<std::vector<std::optional<double>>> {
        std::vector<std::optional<double>> out;
        for (const auto& s : specs) out.push_back(cost(s));
        measured += specs.size();
        return out;
    };
}

}  // namespace

class TestAdaptiveSampling : public QObject {
    Q_OBJECT
private:
    Prior m_prior;

private slots:
    void initTestCase() {
        Result<Prior> p = loadPrior(KM_SOURCE_DIR "/datasets/priors");
        QVERIFY(p.ok());
        m_prior = p.value();
    }

    void metricsAsDefined() {
        const RoundMetrics m = scorePredictions({1.0, 2.18, 2.9, 4.0}, {1.0, 2.0, 3.0, 5.0});
        QCOMPARE(m.within5, 0.5);    // 1.0 exact, 2.9 vs 3.0 (3.3%)
        QCOMPARE(m.within10, 0.75);  // + 2.18 vs 2.0 (9%)
        QVERIFY(std::fabs(m.rmseMs - std::sqrt((0.18 * 0.18 + 0.01 + 1.0) / 4)) < 1e-12);
        QVERIFY(std::fabs(m.rmspe - std::sqrt((0.09 * 0.09 + 1.0 / 900 + 0.04) / 4)) < 1e-12);
    }

    void adaptiveLoopReachesItsTargetOnAStep() {
        AdaptiveOptions adaptive;
        adaptive.initialSamples = 100;
        adaptive.probeSamples = 150;
        adaptive.validationSamples = 150;
        adaptive.refinePoints = 20;
        adaptive.neighboursPerPoint = 5;
        adaptive.randomPerRound = 10;
        adaptive.maxRounds = 12;
        // Below the product's 99% / 90%: on this cost neither loop reaches 99% within 10% in 12
        // rounds (both stall near 97-98%: a few validation kernels sit on the step's edge).
        adaptive.targetWithin10 = 0.97;
        adaptive.targetWithin5 = 0.95;
        adaptive.trees = 100;
        adaptive.kinds = {RegressorKind::GradientBoosted};
        // Random sampling: the same loop with no refinement, the same number of new samples a round.
        AdaptiveOptions random = adaptive;
        random.refinePoints = 0;
        random.randomPerRound = 30;

        size_t measuredA = 0, measuredR = 0;
        std::vector<int> rounds;
        Result<AdaptiveResult> a = buildKernelRegressor(m_prior, "conv", counting(measuredA), adaptive, nullptr,
                                                        [&](const RoundMetrics& m) { rounds.push_back(m.round); });
        QVERIFY2(a.ok(), a.ok() ? "" : a.error().message.c_str());
        Result<AdaptiveResult> r = buildKernelRegressor(m_prior, "conv", counting(measuredR), random);
        QVERIFY(r.ok());
        for (const auto& m : a.value().rounds)
            qInfo("adaptive round %d: %zu samples, %.1f%% within 10%%, %.1f%% within 5%%", m.round, m.samples, 100 * m.within10,
                  100 * m.within5);
        for (const auto& m : r.value().rounds)
            qInfo("random   round %d: %zu samples, %.1f%% within 10%%, %.1f%% within 5%%", m.round, m.samples, 100 * m.within10,
                  100 * m.within5);
        QVERIFY(a.value().reachedTarget);
        QVERIFY(a.value().rounds.size() >= 2);  // the first sample alone does not reach it: refinement did
        QCOMPARE(int(rounds.size()), int(a.value().rounds.size()));
        QVERIFY(measuredA >= a.value().rounds.back().samples);

        // Held-out kernels are never trained on; training has no duplicates.
        std::set<std::string> train;
        for (const auto& s : a.value().trainSpecs) QVERIFY(train.insert(s.key()).second);
        for (const auto& s : a.value().validationSpecs) QVERIFY(!train.count(s.key()));
    }

    // Refinement time goes to the types that need it: a type that reached its target in the first
    // round gets no more, the others get one round per pass, the furthest from target first, and
    // the stop condition is checked before every round.
    void refinementGoesWorstFirstUntilStopped() {
        AdaptiveOptions o;
        o.initialSamples = 60;
        o.probeSamples = 60;
        o.validationSamples = 60;
        o.refinePoints = 10;
        o.neighboursPerPoint = 3;
        o.randomPerRound = 10;
        o.maxRounds = 20;
        o.targetWithin10 = 0.999;
        o.targetWithin5 = 0.95;
        o.trees = 40;
        o.kinds = {RegressorKind::GradientBoosted};
        size_t measured = 0;
        std::vector<std::pair<std::string, RoundMetrics>> events;
        auto sampler = [&](const char* type, double (*cost)(const KernelSpec&), uint64_t seed) {
            AdaptiveOptions to = o;
            to.sampler.seed = seed;
            return std::make_unique<AdaptiveSampler>(m_prior, type, counting(measured, cost), to, nullptr,
                                                     [&events, type](const RoundMetrics& m) { events.emplace_back(type, m); });
        };
        auto easy = sampler("relu", linearMs, 1);
        auto conv = sampler("conv", syntheticMs, 2);
        auto dw = sampler("dwconv", syntheticMs, 3);
        o.targetWithin10 = 0.9;  // the activation's target is within reach of one round
        auto easyLoose = sampler("relu", linearMs, 4);
        for (auto* s : {easy.get(), conv.get(), dw.get(), easyLoose.get()}) QVERIFY(s->start().ok());
        QVERIFY(easyLoose->done() && easyLoose->result().reachedTarget);
        QVERIFY(!conv->done() && !dw->done());
        const size_t starts = events.size();
        QCOMPARE(int(starts), 4);

        std::map<std::string, double> within10;  // each type's latest score
        for (const auto& [type, m] : events) within10[type] = m.within10;
        const size_t limit = starts + 7;
        const std::vector<std::string> failures =
            refineWorstFirst({easy.get(), conv.get(), dw.get(), easyLoose.get(), nullptr}, [&] { return events.size() >= limit; });
        QVERIFY(failures.empty());
        QCOMPARE(events.size(), limit);  // stopped before the round that would have exceeded it
        // The first pass refines every open type once, in ascending order of its first-round score.
        std::vector<std::string> firstPass;
        for (const char* t : {"relu", "conv", "dwconv"})
            if (!(std::string(t) == "relu" && easy->result().rounds.size() == 1 && easy->done())) firstPass.push_back(t);
        std::stable_sort(firstPass.begin(), firstPass.end(), [&](const auto& a, const auto& b) { return within10[a] < within10[b]; });
        for (size_t k = 0; k < firstPass.size(); ++k) {
            QCOMPARE(events[starts + k].first, firstPass[k]);
            QCOMPARE(events[starts + k].second.round, 2);
        }
        QCOMPARE(easyLoose->result().rounds.size(), size_t(1));  // done types get nothing more
    }
};

QTEST_GUILESS_MAIN(TestAdaptiveSampling)
#include "test_adaptive_sampling.moc"

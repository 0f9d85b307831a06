#include "predict/adaptive.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <set>

#include "predict/features.h"

namespace km {
namespace {

struct Measured {
    std::vector<KernelSpec> specs;
    std::vector<double> ms;
    FeatureRows rows;
};

// Measures `specs` and keeps those that ran and have features.
Status measureInto(const KernelMeasurer& measure, const std::vector<KernelSpec>& specs, Measured& into) {
    if (specs.empty()) return Ok{};
    Result<std::vector<std::optional<double>>> ms = measure(specs);
    if (!ms) return ms.error();
    if (ms.value().size() != specs.size()) return internalError("the kernel measurer returned the wrong number of results.");
    for (size_t i = 0; i < specs.size(); ++i) {
        if (!ms.value()[i] || !(*ms.value()[i] > 0)) continue;
        Result<KernelFeatures> f = specFeatures(specs[i]);
        if (!f) continue;
        into.specs.push_back(specs[i]);
        into.ms.push_back(*ms.value()[i]);
        into.rows.emplace_back(f.value().begin(), f.value().end());
    }
    return Ok{};
}

std::vector<double> predictAll(const Regressor& r, const FeatureRows& rows) {
    std::vector<double> out;
    for (const auto& row : rows) out.push_back(r.predictMs(row));
    return out;
}

}  // namespace

RoundMetrics scorePredictions(const std::vector<double>& predicted, const std::vector<double>& measured) {
    RoundMetrics m;
    const size_t n = std::min(predicted.size(), measured.size());
    if (n == 0) return m;
    double se = 0, spe = 0;
    size_t in5 = 0, in10 = 0;
    for (size_t i = 0; i < n; ++i) {
        const double err = predicted[i] - measured[i], rel = err / measured[i];
        se += err * err;
        spe += rel * rel;
        in5 += std::fabs(rel) <= 0.05;
        in10 += std::fabs(rel) <= 0.10;
    }
    m.rmseMs = std::sqrt(se / double(n));
    m.rmspe = std::sqrt(spe / double(n));
    m.within5 = double(in5) / double(n);
    m.within10 = double(in10) / double(n);
    return m;
}

Result<AdaptiveResult> buildKernelRegressor(const Prior& prior, const std::string& type, const KernelMeasurer& measure,
                                            const AdaptiveOptions& o, Progress* progress,
                                            const std::function<void(const RoundMetrics&)>& onRound) {
    if (o.kinds.empty()) return badInput("adaptive sampling needs at least one regressor kind.");
    // One pool of distinct specs, split into validation, probe and the initial training sample,
    // so that training never draws a held-out spec. A small space (fc: 18 usable prior layers) may
    // hold fewer specs than asked for: the three parts then shrink in proportion, instead of the
    // held-out sets taking them all (an fc build once had 65 validation kernels and no training).
    SamplerOptions so = o.sampler;
    so.seed = o.sampler.seed * 1000003 + 1;
    const size_t wanted = o.validationSamples + o.probeSamples + o.initialSamples;
    const std::vector<KernelSpec> pool = sampleSpecs(prior, type, wanted, so);
    const double share = wanted ? double(pool.size()) / double(wanted) : 0;
    const size_t nValidation = size_t(double(o.validationSamples) * share), nProbe = size_t(double(o.probeSamples) * share);
    const std::vector<KernelSpec> validationSpecs(pool.begin(), pool.begin() + long(nValidation));
    const std::vector<KernelSpec> probeSpecs(pool.begin() + long(nValidation), pool.begin() + long(nValidation + nProbe));
    const std::vector<KernelSpec> initialSpecs(pool.begin() + long(nValidation + nProbe), pool.end());
    std::vector<KernelSpec> heldOut = validationSpecs;
    heldOut.insert(heldOut.end(), probeSpecs.begin(), probeSpecs.end());
    Measured validation, probe, train;
    if (Status s = measureInto(measure, validationSpecs, validation); !s) return s.error();
    if (Status s = measureInto(measure, probeSpecs, probe); !s) return s.error();
    if (Status s = measureInto(measure, initialSpecs, train); !s) return s.error();
    if (train.specs.size() < 10 || validation.specs.empty())
        return unsupported(fmt::format("kernel type {}: too few kernels could be measured ({} for training, {} for validation).",
                                       type, train.specs.size(), validation.specs.size()));

    AdaptiveResult result;
    for (int round = 1; round <= o.maxRounds; ++round) {
        if (progress && progress->isCancelled()) break;
        // Train each kind; keep the better on validation (within 10%, then RMSPE).
        std::optional<Regressor> best;
        RoundMetrics bestMetrics;
        for (RegressorKind kind : o.kinds) {
            RegressorOptions ro = RegressorOptions::forKind(kind);
            if (o.trees > 0) ro.trees = o.trees;
            ro.seed = o.sampler.seed;
            ro.baseColumns = {size_t(Feature::Flops), size_t(Feature::BytesIn), size_t(Feature::BytesOut), size_t(Feature::BytesWeights)};
            Result<Regressor> r = Regressor::train(train.rows, train.ms, ro);
            if (!r) return r.error();
            RoundMetrics m = scorePredictions(predictAll(r.value(), validation.rows), validation.ms);
            m.kind = kind;
            if (!best || m.within10 > bestMetrics.within10 || (m.within10 == bestMetrics.within10 && m.rmspe < bestMetrics.rmspe)) {
                best = std::move(r).value();
                bestMetrics = m;
            }
        }
        bestMetrics.round = round;
        bestMetrics.samples = train.specs.size();
        result.rounds.push_back(bestMetrics);
        result.regressor = *best;
        if (onRound) onRound(bestMetrics);
        if (progress) progress->report(double(round) / o.maxRounds, fmt::format("{}: round {}, {} samples, {:.1f}% within 10%", type, round,
                                                                               train.specs.size(), 100 * bestMetrics.within10));
        if (bestMetrics.within10 >= o.targetWithin10 && bestMetrics.within5 >= o.targetWithin5) {
            result.reachedTarget = true;
            break;
        }
        if (round == o.maxRounds || train.specs.size() >= o.maxSamples) break;

        // Where is it wrong? The probe points with the largest relative errors above 5%.
        const std::vector<double> probePred = predictAll(*best, probe.rows);
        std::vector<size_t> order(probe.specs.size());
        for (size_t i = 0; i < order.size(); ++i) order[i] = i;
        auto relErr = [&](size_t i) { return std::fabs(probePred[i] / probe.ms[i] - 1); };
        std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return relErr(a) > relErr(b); });
        std::set<std::string> known;
        for (const auto& s : train.specs) known.insert(s.key());
        for (const auto& s : heldOut) known.insert(s.key());
        std::vector<KernelSpec> next;
        for (size_t j = 0; j < std::min(o.refinePoints, order.size()) && relErr(order[j]) > 0.05; ++j) {
            size_t taken = 0;
            for (const KernelSpec& n : neighbours(probe.specs[order[j]])) {
                if (taken == o.neighboursPerPoint) break;
                if (known.insert(n.key()).second) {
                    next.push_back(n);
                    ++taken;
                }
            }
        }
        so.seed = o.sampler.seed * 1000003 + 10 + uint64_t(round);
        std::vector<KernelSpec> exclude(heldOut);
        exclude.insert(exclude.end(), train.specs.begin(), train.specs.end());
        exclude.insert(exclude.end(), next.begin(), next.end());
        for (auto& s : sampleSpecs(prior, type, o.randomPerRound, so, exclude)) next.push_back(s);
        if (next.size() + train.specs.size() > o.maxSamples) next.resize(o.maxSamples - train.specs.size());
        if (next.empty()) break;
        const size_t before = train.specs.size();
        if (Status s = measureInto(measure, next, train); !s) return s.error();
        if (train.specs.size() == before) break;  // nothing more could be measured (budget, refusals)
    }
    result.trainSpecs = train.specs;
    result.trainMs = train.ms;
    result.validationSpecs = validation.specs;
    result.validationMs = validation.ms;
    return result;
}

}  // namespace km

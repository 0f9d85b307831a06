// SPDX-License-Identifier: Apache-2.0
#include "predict/adaptive.h"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <set>

#include "predict/features.h"

namespace km {
namespace {

std::vector<double> predictAll(const Regressor& r, const FeatureRows& rows) {
    std::vector<double> out;
    for (const auto& row : rows) out.push_back(r.predictMs(row));
    return out;
}

SamplerOptions seeded(const AdaptiveOptions& o, uint64_t salt) {
    SamplerOptions so = o.sampler;
    so.seed = o.sampler.seed * 1000003 + salt;
    return so;
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

AdaptiveSampler::AdaptiveSampler(const Prior& prior, std::string kernelType, KernelMeasurer measure, AdaptiveOptions options,
                                 Progress* progress, std::function<void(const RoundMetrics&)> onRound)
    : m_prior(prior),
      m_type(std::move(kernelType)),
      m_measure(std::move(measure)),
      m_options(std::move(options)),
      m_progress(progress),
      m_onRound(std::move(onRound)) {}

// Measures `specs` and keeps those that ran and have features.
Status AdaptiveSampler::measureInto(const std::vector<KernelSpec>& specs, Measured& into) {
    if (specs.empty()) return Ok{};
    Result<std::vector<std::optional<double>>> ms = m_measure(specs);
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

Status AdaptiveSampler::start() {
    const AdaptiveOptions& o = m_options;
    if (o.kinds.empty()) return badInput("adaptive sampling needs at least one regressor kind.");
    // One pool of distinct specs, split into validation, probe and the initial training sample,
    // so that training never draws a held-out spec. A small space (fc: 18 usable prior layers) may
    // hold fewer specs than asked for: the three parts then shrink in proportion, instead of the
    // held-out sets taking them all (an fc build once had 65 validation kernels and no training).
    const size_t wanted = o.validationSamples + o.probeSamples + o.initialSamples;
    const std::vector<KernelSpec> pool = sampleSpecs(m_prior, m_type, wanted, seeded(o, 1));
    const double share = wanted ? double(pool.size()) / double(wanted) : 0;
    const size_t nValidation = size_t(double(o.validationSamples) * share), nProbe = size_t(double(o.probeSamples) * share);
    const std::vector<KernelSpec> validationSpecs(pool.begin(), pool.begin() + long(nValidation));
    const std::vector<KernelSpec> probeSpecs(pool.begin() + long(nValidation), pool.begin() + long(nValidation + nProbe));
    const std::vector<KernelSpec> initialSpecs(pool.begin() + long(nValidation + nProbe), pool.end());
    m_heldOut = validationSpecs;
    m_heldOut.insert(m_heldOut.end(), probeSpecs.begin(), probeSpecs.end());
    if (Status s = measureInto(validationSpecs, m_validation); !s) return s;
    if (Status s = measureInto(probeSpecs, m_probe); !s) return s;
    if (Status s = measureInto(initialSpecs, m_train); !s) return s;
    if (m_train.specs.size() < 10 || m_validation.specs.empty())
        return unsupported(fmt::format("too few {} kernels could be measured ({} for training, {} for validation).", m_type,
                                       m_train.specs.size(), m_validation.specs.size()));
    return trainRound();
}

// Trains each kind, keeps the better on validation (within 10%, then RMSPE), records the round.
Status AdaptiveSampler::trainRound() {
    const AdaptiveOptions& o = m_options;
    std::optional<Regressor> best;
    RoundMetrics bestMetrics;
    for (RegressorKind kind : o.kinds) {
        RegressorOptions ro = RegressorOptions::forKind(kind);
        if (o.trees > 0) ro.trees = o.trees;
        ro.seed = o.sampler.seed;
        ro.baseColumns = {size_t(Feature::Flops), size_t(Feature::BytesIn), size_t(Feature::BytesOut), size_t(Feature::BytesWeights)};
        Result<Regressor> r = Regressor::train(m_train.rows, m_train.ms, ro);
        if (!r) return r.error();
        RoundMetrics m = scorePredictions(predictAll(r.value(), m_validation.rows), m_validation.ms);
        m.kind = kind;
        if (!best || m.within10 > bestMetrics.within10 || (m.within10 == bestMetrics.within10 && m.rmspe < bestMetrics.rmspe)) {
            best = std::move(r).value();
            bestMetrics = m;
        }
    }
    bestMetrics.round = int(m_result.rounds.size()) + 1;
    bestMetrics.samples = m_train.specs.size();
    m_result.rounds.push_back(bestMetrics);
    m_result.regressor = *best;
    if (m_onRound) m_onRound(bestMetrics);
    if (m_progress)
        m_progress->report(double(bestMetrics.round) / o.maxRounds,
                           fmt::format("{}: round {}, {} samples, {:.1f}% within 10%", m_type, bestMetrics.round, m_train.specs.size(),
                                       100 * bestMetrics.within10));
    if (bestMetrics.within10 >= o.targetWithin10 && bestMetrics.within5 >= o.targetWithin5) {
        m_result.reachedTarget = true;
        m_done = true;
    }
    if (bestMetrics.round >= o.maxRounds || m_train.specs.size() >= o.maxSamples) m_done = true;
    return Ok{};
}

Status AdaptiveSampler::refine() {
    if (m_done || m_result.rounds.empty()) return Ok{};
    const AdaptiveOptions& o = m_options;
    // Where is it wrong? The probe points with the largest relative errors above 5%.
    const std::vector<double> probePred = predictAll(m_result.regressor, m_probe.rows);
    std::vector<size_t> order(m_probe.specs.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    auto relErr = [&](size_t i) { return std::fabs(probePred[i] / m_probe.ms[i] - 1); };
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return relErr(a) > relErr(b); });
    std::set<std::string> known;
    for (const auto& s : m_train.specs) known.insert(s.key());
    for (const auto& s : m_heldOut) known.insert(s.key());
    std::vector<KernelSpec> next;
    for (size_t j = 0; j < std::min(o.refinePoints, order.size()) && relErr(order[j]) > 0.05; ++j) {
        size_t taken = 0;
        for (const KernelSpec& n : neighbours(m_probe.specs[order[j]])) {
            if (taken == o.neighboursPerPoint) break;
            if (known.insert(n.key()).second) {
                next.push_back(n);
                ++taken;
            }
        }
    }
    std::vector<KernelSpec> exclude(m_heldOut);
    exclude.insert(exclude.end(), m_train.specs.begin(), m_train.specs.end());
    exclude.insert(exclude.end(), next.begin(), next.end());
    const int round = int(m_result.rounds.size());
    for (auto& s : sampleSpecs(m_prior, m_type, o.randomPerRound, seeded(o, 10 + uint64_t(round)), exclude)) next.push_back(s);
    if (next.size() + m_train.specs.size() > o.maxSamples) next.resize(o.maxSamples - m_train.specs.size());
    const size_t before = m_train.specs.size();
    if (!next.empty())
        if (Status s = measureInto(next, m_train); !s) return s;
    if (m_train.specs.size() == before) {  // nothing more could be measured (budget, refusals)
        m_done = true;
        return Ok{};
    }
    return trainRound();
}

AdaptiveResult AdaptiveSampler::result() const {
    AdaptiveResult r = m_result;
    r.trainSpecs = m_train.specs;
    r.trainMs = m_train.ms;
    r.validationSpecs = m_validation.specs;
    r.validationMs = m_validation.ms;
    return r;
}

std::vector<std::string> refineWorstFirst(const std::vector<AdaptiveSampler*>& samplers, const std::function<bool()>& stop) {
    std::vector<std::string> failures;
    std::set<const AdaptiveSampler*> failed;
    for (;;) {
        std::vector<AdaptiveSampler*> open;
        for (AdaptiveSampler* s : samplers)
            if (s && !s->done() && !failed.count(s)) open.push_back(s);
        if (open.empty() || stop()) break;
        std::stable_sort(open.begin(), open.end(), [](const AdaptiveSampler* a, const AdaptiveSampler* b) {
            return a->lastRound().within10 < b->lastRound().within10;
        });
        for (AdaptiveSampler* s : open) {
            if (stop()) break;
            if (Status st = s->refine(); !st) {
                failures.push_back(fmt::format("kernel type {}: {}", s->kernelType(), st.error().message));
                failed.insert(s);
            }
        }
    }
    return failures;
}

Result<AdaptiveResult> buildKernelRegressor(const Prior& prior, const std::string& type, const KernelMeasurer& measure,
                                            const AdaptiveOptions& o, Progress* progress,
                                            const std::function<void(const RoundMetrics&)>& onRound) {
    AdaptiveSampler sampler(prior, type, measure, o, progress, onRound);
    if (Status s = sampler.start(); !s) return s.error();
    while (!sampler.done()) {
        if (progress && progress->isCancelled()) break;
        if (Status s = sampler.refine(); !s) return s.error();
    }
    return sampler.result();
}

}  // namespace km

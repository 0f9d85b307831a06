// SPDX-License-Identifier: Apache-2.0
#include "backends/measurement.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <numeric>

namespace km {
namespace {

double steadyMs() {
    using namespace std::chrono;
    return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

double median(std::vector<double> v) { return quantile(std::move(v), 0.5); }

// State of one model across instances.
struct Track {
    std::vector<std::vector<double>> roundMedians;       // per instance
    std::map<std::string, std::vector<double>> layerMs;  // per layer, one value per round
    std::vector<std::string> layerOrder;                 // execution order as first reported
    std::unique_ptr<RuntimeModel> live;                  // the current instance
    bool failed = false;
    std::string error;
};

void recordLayers(Track& t, const std::vector<LayerTime>& layers) {
    for (const auto& l : layers) {
        auto& v = t.layerMs[l.layer];
        if (v.empty()) t.layerOrder.push_back(l.layer);
        v.push_back(l.ms);
    }
}

// One instance: fresh loads, warm-up, then `rounds` interleaved rounds over the models in `active`.
void runInstance(Runtime& runtime, const Device& device, const std::vector<ModelInput>& models, std::vector<Track>& tracks,
                 const std::vector<size_t>& active, const MeasureOptions& o, const std::function<double()>& now,
                 const std::function<void()>& roundDone) {
    std::vector<size_t> loaded;
    for (size_t m : active) {
        Result<std::unique_ptr<RuntimeModel>> r = runtime.load(models[m].bytes, device, models[m].inputs);
        if (!r) {
            tracks[m].failed = true;
            tracks[m].error = r.error().message;
            continue;
        }
        tracks[m].live = std::move(r).value();
        const double start = now();
        for (int i = 0; i < o.warmupRuns || now() - start < o.warmupMinMs; ++i) {
            if (Status s = tracks[m].live->run(); !s) {
                tracks[m].failed = true;
                tracks[m].error = s.error().message;
                tracks[m].live.reset();
                break;
            }
        }
        if (tracks[m].live) {
            tracks[m].roundMedians.emplace_back();
            loaded.push_back(m);
        }
    }
    std::vector<double> times(static_cast<size_t>(std::max(o.runsPerRound, 1)));
    for (int r = 0; r < o.rounds; ++r) {
        // Rotate the visiting order so no model always follows the same neighbour.
        for (size_t k = 0; k < loaded.size(); ++k) {
            Track& t = tracks[loaded[(k + static_cast<size_t>(r)) % loaded.size()]];
            if (!t.live) continue;
            for (double& ms : times) {
                const double start = now();
                Status s = t.live->run();
                ms = now() - start;
                if (!s) {
                    t.failed = true;
                    t.error = s.error().message;
                    t.live.reset();
                    break;
                }
            }
            if (!t.live) continue;
            t.roundMedians.back().push_back(median(times));
            recordLayers(t, t.live->lastLayerTimes());
        }
        if (roundDone) roundDone();
    }
}

}  // namespace

double quantile(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const double pos = std::clamp(q, 0.0, 1.0) * static_cast<double>(v.size() - 1);
    const size_t lo = static_cast<size_t>(std::floor(pos));
    const size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

LatencyStats summarizeRounds(const std::vector<std::vector<double>>& perInstance, int runsPerRound) {
    LatencyStats s;
    std::vector<double> all, instanceMedians;
    for (const auto& rounds : perInstance) {
        if (rounds.empty()) continue;
        instanceMedians.push_back(median(rounds));
        all.insert(all.end(), rounds.begin(), rounds.end());
    }
    if (all.empty()) return s;
    s.medianMs = median(instanceMedians);
    s.p10Ms = quantile(all, 0.1);
    s.p90Ms = quantile(all, 0.9);
    s.minRoundMs = *std::min_element(all.begin(), all.end());
    const double mean = std::accumulate(all.begin(), all.end(), 0.0) / static_cast<double>(all.size());
    double var = 0;
    for (double x : all) var += (x - mean) * (x - mean);
    s.cv = mean > 0 ? std::sqrt(var / static_cast<double>(all.size())) / mean : 0;
    s.rounds = static_cast<int>(all.size());
    s.runs = s.rounds * runsPerRound;
    s.instances = static_cast<int>(instanceMedians.size());
    return s;
}

ReferenceRatio ratioToReference(const std::vector<std::vector<double>>& model, const std::vector<std::vector<double>>& reference) {
    ReferenceRatio r;
    std::vector<double> all, refRounds, instanceMedians;
    for (size_t i = 0; i < std::min(model.size(), reference.size()); ++i) {
        std::vector<double> ratios;
        for (size_t k = 0; k < std::min(model[i].size(), reference[i].size()); ++k) {
            if (reference[i][k] <= 0) continue;
            ratios.push_back(model[i][k] / reference[i][k]);
            refRounds.push_back(reference[i][k]);
        }
        if (ratios.empty()) continue;
        instanceMedians.push_back(median(ratios));
        all.insert(all.end(), ratios.begin(), ratios.end());
    }
    if (all.empty()) return r;
    r.median = median(instanceMedians);
    r.p10 = quantile(all, 0.1);
    r.p90 = quantile(all, 0.9);
    r.referenceMs = median(refRounds);
    r.referenceSpread = r.referenceMs > 0 ? (quantile(refRounds, 0.9) - quantile(refRounds, 0.1)) / r.referenceMs : 0;
    r.pairs = static_cast<int>(all.size());
    return r;
}

InPhaseRounds inPhaseRounds(const std::vector<std::vector<double>>& model, const std::vector<std::vector<double>>& reference,
                            double maxReferenceMs) {
    InPhaseRounds out{model, reference, 0, true};
    if (!(maxReferenceMs > 0)) return out;
    InPhaseRounds kept;
    int inPhase = 0;
    for (size_t i = 0; i < std::min(model.size(), reference.size()); ++i) {
        std::vector<double> m, r;
        for (size_t k = 0; k < std::min(model[i].size(), reference[i].size()); ++k) {
            if (reference[i][k] > 0 && reference[i][k] <= maxReferenceMs) {
                m.push_back(model[i][k]);
                r.push_back(reference[i][k]);
            } else {
                ++kept.dropped;
            }
        }
        inPhase += int(m.size());
        if (m.empty()) continue;
        kept.model.push_back(std::move(m));
        kept.reference.push_back(std::move(r));
    }
    if (inPhase < kMinInPhaseRounds) {
        out.enough = false;
        return out;
    }
    return kept;
}

bool instancesDisagree(const std::vector<std::vector<double>>& model, const std::vector<std::vector<double>>& reference, double maxSpread) {
    const auto measured = std::count_if(model.begin(), model.end(), [](const auto& r) { return !r.empty(); });
    if (measured == 1) {  // summarizeRounds skips the empty instances
        const LatencyStats s = summarizeRounds(model, 1);
        return s.medianMs > 0 && (s.p90Ms - s.p10Ms) / s.medianMs > maxSpread;
    }
    if (measured < 2) return false;
    std::vector<double> ratios, medians;
    for (size_t i = 0; i < model.size(); ++i) {
        if (model[i].empty()) continue;
        medians.push_back(median(model[i]));
        const ReferenceRatio r = i < reference.size() ? ratioToReference({model[i]}, {reference[i]}) : ReferenceRatio{};
        if (r.median > 0) ratios.push_back(r.median);
    }
    const std::vector<double>& v = ratios.size() == medians.size() ? ratios : medians;
    const double mid = median(v);
    return mid > 0 && (*std::max_element(v.begin(), v.end()) - *std::min_element(v.begin(), v.end())) / mid > maxSpread;
}

std::vector<ModelMeasurement> measureInterleaved(Runtime& runtime, const Device& device, const std::vector<ModelInput>& models,
                                                 const MeasureOptions& o, const std::function<void(int, int)>& progress,
                                                 const std::function<double()>& clockMs) {
    const auto now = clockMs ? clockMs : std::function<double()>(steadyMs);
    std::vector<Track> tracks(models.size());
    std::vector<size_t> active(models.size());
    std::iota(active.begin(), active.end(), 0);
    const int plannedRounds = o.rounds * (o.instances + o.maxExtraInstances);
    int roundsDone = 0;
    auto roundDone = [&] {
        ++roundsDone;
        if (progress) progress(roundsDone, plannedRounds);
    };
    for (int i = 0; i < o.instances; ++i) runInstance(runtime, device, models, tracks, active, o, now, roundDone);
    // Instances that disagree: measure those models again in fresh instances, interleaved among
    // themselves. (The agent does not know which model is the reference; a client pooling processes
    // judges with it.)
    for (int extra = 0; extra < o.maxExtraInstances; ++extra) {
        std::vector<size_t> noisy;
        for (size_t m = 0; m < models.size(); ++m)
            if (!tracks[m].failed && instancesDisagree(tracks[m].roundMedians, {}, o.maxSpread)) noisy.push_back(m);
        if (noisy.empty()) break;
        runInstance(runtime, device, models, tracks, noisy, o, now, roundDone);
    }
    if (progress) progress(plannedRounds, plannedRounds);

    std::vector<ModelMeasurement> out;
    for (size_t m = 0; m < models.size(); ++m) {
        Track& t = tracks[m];
        ModelMeasurement r;
        r.name = models[m].name;
        r.ok = !t.failed;
        r.error = t.error;
        if (r.ok) {
            r.stats = summarizeRounds(t.roundMedians, o.runsPerRound);
            r.roundMedians = t.roundMedians;
            for (const auto& layer : t.layerOrder) r.layers.push_back({layer, median(t.layerMs[layer])});
            // Any fresh instance can answer the fusion question; reload one if all were released.
            if (!t.live) {
                if (auto again = runtime.load(models[m].bytes, device, models[m].inputs)) t.live = std::move(again).value();
            }
            if (t.live) r.fusionGroups = t.live->fusionGroups(r.layers);
        }
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace km

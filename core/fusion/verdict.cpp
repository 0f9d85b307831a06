// SPDX-License-Identifier: Apache-2.0
#include "fusion/verdict.h"

#include <algorithm>
#include <cmath>

namespace km {
namespace {

double medianOf(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

std::pair<double, double> medianInterval(std::vector<double> v) {
    if (v.empty()) return {0, 0};
    std::sort(v.begin(), v.end());
    const double n = double(v.size());
    // Ranks n/2 -+ 1.96 sqrt(n)/2 (normal approximation of the binomial); the extremes below n = 6.
    const long k = std::max(0L, long(std::floor(n / 2 - 0.98 * std::sqrt(n))));
    return {v[size_t(k)], v[v.size() - 1 - size_t(k)]};
}

FusionEvidence pairedEvidence(const std::vector<std::vector<double>>& overhead, const std::vector<std::vector<double>>& first,
                              const std::vector<std::vector<double>>& second, const std::vector<std::vector<double>>& block) {
    std::vector<double> savings, t0, t1, t2, t12;
    const size_t processes = std::min({overhead.size(), first.size(), second.size(), block.size()});
    for (size_t p = 0; p < processes; ++p) {
        const size_t rounds = std::min({overhead[p].size(), first[p].size(), second[p].size(), block[p].size()});
        for (size_t r = 0; r < rounds; ++r) {
            t0.push_back(overhead[p][r]);
            t1.push_back(first[p][r]);
            t2.push_back(second[p][r]);
            t12.push_back(block[p][r]);
            savings.push_back(first[p][r] + second[p][r] - overhead[p][r] - block[p][r]);
        }
    }
    FusionEvidence e;
    e.rounds = int(savings.size());
    e.overheadMs = medianOf(t0);
    e.firstMs = medianOf(t1);
    e.secondMs = medianOf(t2);
    e.blockMs = medianOf(t12);
    e.savingMs = medianOf(savings);
    std::tie(e.savingLowMs, e.savingHighMs) = medianInterval(savings);
    return e;
}

FusionVerdict spellingTimingVerdict(const std::vector<std::vector<double>>& overhead, const std::vector<std::vector<double>>& spelled,
                                    const std::vector<std::vector<double>>& native, SpellingEvidence& e, const VerdictOptions& o) {
    std::vector<double> excess, t0, ts, tn;
    const size_t processes = std::min({overhead.size(), spelled.size(), native.size()});
    for (size_t p = 0; p < processes; ++p)
        for (size_t r = 0; r < std::min({overhead[p].size(), spelled[p].size(), native[p].size()}); ++r) {
            t0.push_back(overhead[p][r]);
            ts.push_back(spelled[p][r]);
            tn.push_back(native[p][r]);
            excess.push_back((spelled[p][r] - overhead[p][r]) - 1.5 * (native[p][r] - overhead[p][r]));
        }
    e.rounds = int(excess.size());
    e.overheadMs = medianOf(t0);
    e.spelledMs = medianOf(ts);
    e.nativeMs = medianOf(tn);
    if (excess.empty() || e.nativeMs - e.overheadMs < o.minWorkMs) return FusionVerdict::Inconclusive;
    const auto [lo, hi] = medianInterval(excess);
    if (hi < 0) return FusionVerdict::Fused;
    if (lo > 0) return FusionVerdict::NotFused;
    return FusionVerdict::Inconclusive;
}

FusionVerdict decideVerdict(const FusionEvidence& e, const VerdictOptions& o) {
    if (e.rounds == 0) return FusionVerdict::Inconclusive;
    const double work = std::max(0.0, std::min(e.firstMs, e.secondMs) - e.overheadMs);
    if (work < o.minWorkMs) return FusionVerdict::Inconclusive;
    const double threshold = o.alpha * work;
    if (e.savingLowMs > threshold) return FusionVerdict::Fused;
    if (e.savingHighMs < threshold) return FusionVerdict::NotFused;
    return FusionVerdict::Inconclusive;
}

FusionVerdict combineVerdicts(const std::vector<FusionVerdict>& perPoint) {
    const auto fused = std::count(perPoint.begin(), perPoint.end(), FusionVerdict::Fused);
    const auto notFused = std::count(perPoint.begin(), perPoint.end(), FusionVerdict::NotFused);
    if (fused > notFused) return FusionVerdict::Fused;
    if (notFused > fused) return FusionVerdict::NotFused;
    return FusionVerdict::Inconclusive;
}

}  // namespace km

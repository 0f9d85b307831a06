// SPDX-License-Identifier: Apache-2.0
#include "predict/accuracy.h"

#include <algorithm>
#include <cmath>

namespace km {

namespace {

std::vector<double> ranksOf(const std::vector<double>& v) {
    std::vector<size_t> order(v.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t x, size_t y) { return v[x] < v[y]; });
    std::vector<double> rank(v.size());
    for (size_t i = 0; i < order.size();) {
        size_t j = i;
        while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
        for (size_t k = i; k <= j; ++k) rank[order[k]] = 0.5 * double(i + j);
        i = j + 1;
    }
    return rank;
}

}  // namespace

double spearmanOf(const std::vector<double>& a, const std::vector<double>& b) {
    const size_t n = std::min(a.size(), b.size());
    if (n < 3) return 0;
    const std::vector<double> ra = ranksOf({a.begin(), a.begin() + long(n)}), rb = ranksOf({b.begin(), b.begin() + long(n)});
    double ma = 0, mb = 0;
    for (size_t i = 0; i < n; ++i) ma += ra[i], mb += rb[i];
    ma /= double(n);
    mb /= double(n);
    double sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < n; ++i) {
        sab += (ra[i] - ma) * (rb[i] - mb);
        saa += (ra[i] - ma) * (ra[i] - ma);
        sbb += (rb[i] - mb) * (rb[i] - mb);
    }
    return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : 0.0;
}

IntervalCoverage intervalCoverageOf(const std::vector<double>& predictedMs, const std::vector<double>& lowMs,
                                    const std::vector<double>& highMs, const std::vector<double>& measuredMs) {
    IntervalCoverage c;
    std::vector<double> lows, highs;
    size_t inside = 0, below = 0, above = 0;
    const size_t n = std::min({predictedMs.size(), lowMs.size(), highMs.size(), measuredMs.size()});
    for (size_t i = 0; i < n; ++i) {
        const double p = predictedMs[i], lo = lowMs[i], hi = highMs[i], m = measuredMs[i];
        if (!(p > 0) || !(lo > 0) || !(hi > 0) || !(m > 0)) continue;
        ++c.models;
        if (m < lo)
            ++below;
        else if (m > hi)
            ++above;
        else
            ++inside;
        lows.push_back(lo / p);
        highs.push_back(hi / p);
    }
    if (c.models == 0) return c;
    const double count = double(c.models);
    c.inside = double(inside) / count;
    c.below = double(below) / count;
    c.above = double(above) / count;
    auto median = [](std::vector<double>& v) {
        std::sort(v.begin(), v.end());
        const size_t h = v.size() / 2;
        return v.size() % 2 ? v[h] : 0.5 * (v[h - 1] + v[h]);
    };
    c.medianLow = median(lows);
    c.medianHigh = median(highs);
    return c;
}

AccuracyMetrics accuracyOf(const std::vector<double>& predictedMs, const std::vector<double>& measuredMs) {
    AccuracyMetrics a;
    std::vector<double> scoredP, scoredM;
    double sq = 0, relSq = 0, relAbs = 0;
    size_t w5 = 0, w10 = 0, w15 = 0;
    for (size_t i = 0; i < std::min(predictedMs.size(), measuredMs.size()); ++i) {
        const double p = predictedMs[i], m = measuredMs[i];
        if (!(p > 0) || !(m > 0)) continue;
        const double rel = std::abs(p / m - 1);
        ++a.models;
        scoredP.push_back(p);
        scoredM.push_back(m);
        sq += (p - m) * (p - m);
        relSq += rel * rel;
        relAbs += rel;
        // A hair of tolerance so that an error of exactly 10% (as computed in floating point) counts.
        w5 += rel <= 0.05 + 1e-12;
        w10 += rel <= 0.10 + 1e-12;
        w15 += rel <= 0.15 + 1e-12;
    }
    if (a.models == 0) return a;
    const double n = double(a.models);
    a.rmseMs = std::sqrt(sq / n);
    a.rmspe = std::sqrt(relSq / n);
    a.mape = relAbs / n;
    a.within5 = double(w5) / n;
    a.within10 = double(w10) / n;
    a.within15 = double(w15) / n;
    a.spearman = spearmanOf(scoredP, scoredM);
    return a;
}

std::vector<double> relativeLeastSquares(const std::vector<std::vector<double>>& rows, const std::vector<double>& measured, size_t skip,
                                         const std::vector<double>& weights) {
    if (rows.empty() || rows.size() != measured.size()) return {};
    if (!weights.empty() && (weights.size() != rows.size() || !std::all_of(weights.begin(), weights.end(), [](double w) { return w > 0; })))
        return {};
    const size_t k = rows.front().size();
    // Normal equations of the rows scaled by 1 / measured, solved by Gaussian elimination with
    // partial pivoting.
    std::vector<std::vector<double>> a(k, std::vector<double>(k + 1, 0.0));
    for (size_t i = 0; i < rows.size(); ++i) {
        if (i == skip) continue;
        if (!(measured[i] > 0) || rows[i].size() != k) return {};
        const double w = weights.empty() ? 1.0 : weights[i];
        for (size_t r = 0; r < k; ++r) {
            const double u = w * rows[i][r] / measured[i];
            for (size_t c = 0; c < k; ++c) a[r][c] += u * rows[i][c] / measured[i];
            a[r][k] += u;
        }
    }
    for (size_t c = 0; c < k; ++c) {
        size_t pivot = c;
        for (size_t r = c + 1; r < k; ++r)
            if (std::abs(a[r][c]) > std::abs(a[pivot][c])) pivot = r;
        std::swap(a[c], a[pivot]);
        if (!(std::abs(a[c][c]) > 1e-12 * (std::abs(a[c][k]) + 1e-300))) return {};
        for (size_t r = 0; r < k; ++r) {
            if (r == c) continue;
            const double f = a[r][c] / a[c][c];
            for (size_t cc = c; cc <= k; ++cc) a[r][cc] -= f * a[c][cc];
        }
    }
    std::vector<double> b(k);
    for (size_t r = 0; r < k; ++r) b[r] = a[r][k] / a[r][r];
    return b;
}

}  // namespace km

// SPDX-License-Identifier: Apache-2.0
#include "predict/accuracy.h"

#include <algorithm>
#include <cmath>

namespace km {

AccuracyMetrics accuracyOf(const std::vector<double>& predictedMs, const std::vector<double>& measuredMs) {
    AccuracyMetrics a;
    double sq = 0, relSq = 0, relAbs = 0;
    size_t w5 = 0, w10 = 0, w15 = 0;
    for (size_t i = 0; i < std::min(predictedMs.size(), measuredMs.size()); ++i) {
        const double p = predictedMs[i], m = measuredMs[i];
        if (!(p > 0) || !(m > 0)) continue;
        const double rel = std::abs(p / m - 1);
        ++a.models;
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
    return a;
}

std::vector<double> relativeLeastSquares(const std::vector<std::vector<double>>& rows, const std::vector<double>& measured, size_t skip) {
    if (rows.empty() || rows.size() != measured.size()) return {};
    const size_t k = rows.front().size();
    // Normal equations of the rows scaled by 1 / measured, solved by Gaussian elimination with
    // partial pivoting.
    std::vector<std::vector<double>> a(k, std::vector<double>(k + 1, 0.0));
    for (size_t i = 0; i < rows.size(); ++i) {
        if (i == skip) continue;
        if (!(measured[i] > 0) || rows[i].size() != k) return {};
        for (size_t r = 0; r < k; ++r) {
            const double u = rows[i][r] / measured[i];
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

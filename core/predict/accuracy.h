// SPDX-License-Identifier: Apache-2.0
// Accuracy of latency predictions against measurements (kernelmeter-cli evaluate, docs/results.md)
// and the relative least-squares fit shared by model calibration and the fitted baselines.
#pragma once

#include <cstddef>
#include <limits>
#include <vector>

namespace km {

struct AccuracyMetrics {
    size_t models = 0;   // pairs scored (both values > 0)
    double rmseMs = 0;   // root mean squared error, ms
    double rmspe = 0;    // root mean squared relative error (0.05 = 5%)
    double mape = 0;     // mean absolute relative error
    double within5 = 0;  // share of models with |predicted / measured - 1| <= 5%, 10%, 15%
    double within10 = 0;
    double within15 = 0;
    // Spearman's rank correlation of predicted and measured (ties get their mean rank): how well
    // the prediction orders the models, what an architecture search needs first. 0 below 3 pairs.
    double spearman = 0;
};

// How well a predictor's intervals hold its measurements: the share of measured times inside
// [low, high], below and above it, and how wide the intervals are (their bounds over the
// prediction, medians over the models). An interval that covers everything by being twice the
// prediction says as little as one that covers nothing.
struct IntervalCoverage {
    size_t models = 0;                     // scored (prediction, measurement and both bounds > 0)
    double inside = 0;                     // shares of `models`: low <= measured <= high
    double below = 0;                      // measured < low (the model ran faster than the interval allows)
    double above = 0;                      // measured > high
    double medianLow = 0, medianHigh = 0;  // median of low / predicted and of high / predicted
};

// Pairs where either value is not > 0 are skipped (a model without a prediction or a measurement).
IntervalCoverage intervalCoverageOf(const std::vector<double>& predictedMs, const std::vector<double>& lowMs,
                                    const std::vector<double>& highMs, const std::vector<double>& measuredMs);

// Pairs where either value is not > 0 are skipped (a model without a prediction or a measurement).
AccuracyMetrics accuracyOf(const std::vector<double>& predictedMs, const std::vector<double>& measuredMs);

// Spearman's rank correlation of two equally long series (ties: mean ranks); 0 below 3 values or
// when either series is constant.
double spearmanOf(const std::vector<double>& a, const std::vector<double>& b);

// Coefficients b minimising sum_i w_i (rows_i . b / measured_i - 1)^2, the error that +-10%
// accuracy counts; row `skip` left out (leave-one-out; rows.size() = none); `weights` w_i (empty:
// all 1). Empty when the system is singular (fewer rows than columns, a zero column), a
// measurement is not > 0, or the weights are not one > 0 per row.
std::vector<double> relativeLeastSquares(const std::vector<std::vector<double>>& rows, const std::vector<double>& measured,
                                         size_t skip = std::numeric_limits<size_t>::max(), const std::vector<double>& weights = {});

}  // namespace km

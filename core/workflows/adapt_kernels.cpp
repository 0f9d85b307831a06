// SPDX-License-Identifier: Apache-2.0
#include "workflows/adapt_kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <tuple>

#include <Eigen/Dense>

#include "predict/transfer.h"

namespace km {
namespace {

// A kernel's weight in its group's fits: its time over the group's mean. The squared relative
// error times it is (fitted - measured)^2 / (measured x mean): a kernel counts by its time, as it
// does in a network's, and one of a few microseconds, whose time after the tail's is mostly
// noise (0.0075 -> 0.77 ms, 0.0017 -> 0 ms), no longer decides the fit (docs/adapt.md).
double kernelWeight(double measuredMs, double meanMs) { return measuredMs / meanMs; }

// measured ~ sum_c coefficient_c x column_c, minimising the squared relative error weighted by
// kernelWeight, every coefficient >= 0: of the subsets of columns whose unconstrained fit has no
// negative coefficient, the one with the least error (a coefficient outside it is 0). The columns
// of a point are x[i], its measured time y[i] > 0. Empty when no subset can be solved.
std::vector<double> relativeNonNegativeFit(const std::vector<std::vector<double>>& x, const std::vector<double>& y) {
    const size_t columns = x.empty() ? 0 : x.front().size();
    double mean = 0;
    for (double v : y) mean += v / double(y.size());
    std::vector<double> best;
    double bestError = std::numeric_limits<double>::infinity();
    for (unsigned subset = 1; subset < (1u << columns); ++subset) {
        std::vector<size_t> in;
        for (size_t c = 0; c < columns; ++c)
            if (subset & (1u << c)) in.push_back(c);
        Eigen::MatrixXd a(long(y.size()), long(in.size()));
        for (size_t i = 0; i < y.size(); ++i)
            for (size_t c = 0; c < in.size(); ++c) a(long(i), long(c)) = x[i][in[c]] / y[i] * std::sqrt(kernelWeight(y[i], mean));
        const Eigen::MatrixXd normal = a.transpose() * a;
        const Eigen::LDLT<Eigen::MatrixXd> ldlt(normal);
        // A column of zeros, or two proportional ones: not this subset.
        if (ldlt.info() != Eigen::Success || !(ldlt.vectorD().minCoeff() > 1e-12 * normal.diagonal().maxCoeff())) continue;
        Eigen::VectorXd target(long(y.size()));
        for (size_t i = 0; i < y.size(); ++i) target(long(i)) = std::sqrt(kernelWeight(y[i], mean));
        const Eigen::VectorXd w = ldlt.solve(a.transpose() * target);
        if (!w.allFinite() || w.minCoeff() < 0) continue;
        const double error = (a * w - target).squaredNorm();
        if (error < bestError) {
            bestError = error;
            best.assign(columns, 0.0);
            for (size_t c = 0; c < in.size(); ++c) best[in[c]] = w(long(c));
        }
    }
    return best;
}

// The fit's left-out RMSPE over the points (a fraction, weighted as the fit): each predicted by the
// fit on the others; infinite when one of those fits cannot be solved.
double leaveOneOutRmspe(const std::vector<std::vector<double>>& x, const std::vector<double>& y) {
    double sq = 0, mean = 0, weights = 0;
    for (double v : y) mean += v / double(y.size());
    for (size_t i = 0; i < y.size(); ++i) {
        std::vector<std::vector<double>> xr;
        std::vector<double> yr;
        for (size_t j = 0; j < y.size(); ++j)
            if (j != i) xr.push_back(x[j]), yr.push_back(y[j]);
        const std::vector<double> w = relativeNonNegativeFit(xr, yr);
        if (w.empty()) return std::numeric_limits<double>::infinity();
        double predicted = 0;
        for (size_t c = 0; c < w.size(); ++c) predicted += w[c] * x[i][c];
        sq += kernelWeight(y[i], mean) * std::pow(predicted / y[i] - 1, 2);
        weights += kernelWeight(y[i], mean);
    }
    return std::sqrt(sq / weights);
}

// measured ~ a x source^b: least squares on the logs, b pulled toward 1 (a penalty
// kExponentPull x (b - 1)^2 beside the squared log errors), so that a group whose kernels span a
// narrow range of sizes keeps about the affine form's proportion, and held within [0.5, 2]
// (kernels whose ratios scatter by orders of magnitude, as another runtime's do, gave -0.02 and
// 2.7). {a, b}; {0, 1} without two kernels of different sizes.
constexpr double kExponentPull = 1.0;
std::pair<double, double> relativePowerFit(const std::vector<std::pair<double, double>>& points) {
    if (points.size() < 2) return {0.0, 1.0};
    double mx = 0, my = 0;
    for (const auto& [source, measured] : points) mx += std::log(source), my += std::log(measured);
    mx /= double(points.size()), my /= double(points.size());
    double sxx = 0, sxy = 0;
    for (const auto& [source, measured] : points) {
        const double x = std::log(source) - mx;
        sxx += x * x, sxy += x * (std::log(measured) - my);
    }
    if (!(sxx > 0)) return {0.0, 1.0};
    const double b = std::clamp((sxy + kExponentPull) / (sxx + kExponentPull), 0.5, 2.0);
    return {std::exp(my - b * mx), b};
}

}  // namespace

std::vector<AnchorKernel> chooseAnchorKernels(const PredictorSet& bareSource, const std::map<std::string, double>& groupMs, size_t perGroup,
                                              double maxSourceMs) {
    double largest = 0;
    for (const auto& [group, ms] : groupMs) largest = std::max(largest, ms);
    std::map<std::string, std::vector<AnchorKernel>> byGroup;
    for (const auto& [type, predictor] : bareSource.types)
        for (const KernelSample& sample : predictor.training) {
            Result<KernelFeatures> f = specFeatures(sample.spec);
            if (!f) continue;
            const std::string group = transferGroupOf(type, f.value());
            if (!groupMs.count(group)) continue;
            // As the source predicts it inside a network, without the per-kernel term (an
            // adapted source: its group's scale and its own cost per kernel too).
            const double* scale = groupValueOf(bareSource.groupScale, group);
            const double* fixed = groupValueOf(bareSource.groupKernelMs, group);
            if (!fixed) fixed = groupValueOf(bareSource.groupKernelMs, transferRootOf(group));
            const double ms =
                predictor.regressor.predictMs(f.value().data(), f.value().size()) * bareSource.kernelScale * (scale ? *scale : 1.0) +
                (fixed ? *fixed : 0.0);
            if (!(ms > 0) || (maxSourceMs > 0 && ms > maxSourceMs)) continue;
            byGroup[group].push_back({group, sample.spec, ms, kernelMflops(f.value()), kernelMovedMb(f.value())});
        }
    std::vector<AnchorKernel> out;
    for (auto& [group, kernels] : byGroup) {
        std::sort(kernels.begin(), kernels.end(), [](const AnchorKernel& a, const AnchorKernel& b) {
            return a.sourceMs != b.sourceMs ? a.sourceMs < b.sourceMs : a.spec.key() < b.spec.key();
        });
        const double share = largest > 0 ? groupMs.at(group) / largest : 0.0;
        const size_t n = std::min(size_t(std::lround(double(perGroup) * (1 + 3 * share))), kernels.size());
        // One kernel alone would be measured and then dropped by anchorRatios: time that a slow
        // board (minutes per kernel under emulation) cannot spare.
        if (n < 2) continue;
        for (size_t i = 0; i < n; ++i)
            out.push_back(kernels[(2 * i + 1) * kernels.size() / (2 * n)]);  // the middle of the i-th of n slices
    }
    return out;
}

std::vector<AdaptedKernelGroup> anchorRatios(const std::vector<AnchorKernel>& kernels,
                                             const std::vector<std::optional<double>>& measuredMs) {
    std::map<std::string, std::vector<double>> ratios;
    std::map<std::string, std::vector<std::pair<double, double>>> pairs;  // (source, measured)
    std::map<std::string, std::vector<std::vector<double>>> sourceColumns, workColumns;
    for (size_t i = 0; i < kernels.size() && i < measuredMs.size(); ++i)
        if (measuredMs[i] && *measuredMs[i] > 0 && kernels[i].sourceMs > 0) {
            const AnchorKernel& k = kernels[i];
            ratios[k.group].push_back(*measuredMs[i] / k.sourceMs);
            pairs[k.group].emplace_back(k.sourceMs, *measuredMs[i]);
            sourceColumns[k.group].push_back({k.sourceMs, 1.0});
            workColumns[k.group].push_back({k.mflops, k.movedMb, 1.0});
        }
    std::vector<AdaptedKernelGroup> out;
    for (auto& [group, r] : ratios) {
        if (r.size() < 2) continue;
        std::vector<std::pair<double, double>>& times = pairs[group];
        std::vector<double> measured;
        for (const auto& [source, ms] : times) measured.push_back(ms);
        AdaptedKernelGroup g;
        g.group = group;
        if (const std::vector<double> w = relativeNonNegativeFit(sourceColumns[group], measured); !w.empty())
            g.scale = w[0], g.fixedMs = w[1];
        std::tie(g.powerScale, g.exponent) = relativePowerFit(times);
        if (r.size() >= kMinKernelsForWork)
            if (const std::vector<double> w = relativeNonNegativeFit(workColumns[group], measured); !w.empty()) {
                g.workMsPerMflop = w[0], g.workMsPerMb = w[1], g.workFixedMs = w[2];
                const double work = leaveOneOutRmspe(workColumns[group], measured);
                const double source = leaveOneOutRmspe(sourceColumns[group], measured);
                if (std::isfinite(work) && std::isfinite(source))  // else 0: not compared
                    g.workLeaveOneOutRmspe = work, g.leaveOneOutRmspe = source;
            }
        std::sort(r.begin(), r.end());
        std::sort(times.begin(), times.end());
        const size_t n = r.size();
        g.kernels = n;
        g.ratio = n % 2 ? r[n / 2] : 0.5 * (r[n / 2 - 1] + r[n / 2]);
        g.lowRatio = r.front(), g.highRatio = r.back();
        g.timesMs = std::move(times);
        out.push_back(std::move(g));
    }
    return out;
}

bool priceByWork(const AdaptedKernelGroup& group, bool anotherRuntime) {
    const bool compared = group.workMsPerMflop + group.workMsPerMb + group.workFixedMs > 0 && group.leaveOneOutRmspe > 0;
    return anotherRuntime && compared && group.workLeaveOneOutRmspe <= 0.8 * group.leaveOneOutRmspe;
}

}  // namespace km

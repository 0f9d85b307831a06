// SPDX-License-Identifier: Apache-2.0
#include "workflows/adapt_kernels.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "predict/transfer.h"

namespace km {
namespace {

// measured ~ scale x source + fixed, minimising the squared relative error, both terms >= 0 (a
// term that comes out negative is fixed at 0 and the other refitted).
std::pair<double, double> relativeAffineFit(const std::vector<std::pair<double, double>>& points) {
    double ss = 0, sn = 0, nn = 0, s1 = 0, n1 = 0;  // normal equations with x = (source, 1) / measured
    for (const auto& [source, measured] : points) {
        const double a = source / measured, b = 1 / measured;
        ss += a * a, sn += a * b, nn += b * b, s1 += a, n1 += b;
    }
    const double det = ss * nn - sn * sn;
    if (det > 1e-12 * ss * nn) {
        const double scale = (s1 * nn - n1 * sn) / det, fixed = (ss * n1 - sn * s1) / det;
        if (scale >= 0 && fixed >= 0) return {scale, fixed};
    }
    const double scaleOnly = ss > 0 ? s1 / ss : 0, fixedOnly = nn > 0 ? n1 / nn : 0;
    double errScale = 0, errFixed = 0;
    for (const auto& [source, measured] : points) {
        errScale += std::pow(scaleOnly * source / measured - 1, 2);
        errFixed += std::pow(fixedOnly / measured - 1, 2);
    }
    return errScale <= errFixed ? std::pair{scaleOnly, 0.0} : std::pair{0.0, fixedOnly};
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
            auto scale = bareSource.groupScale.find(group);
            auto fixed = bareSource.groupKernelMs.find(group);
            if (fixed == bareSource.groupKernelMs.end()) fixed = bareSource.groupKernelMs.find(transferRootOf(group));
            const double ms = predictor.regressor.predictMs(f.value().data(), f.value().size()) * bareSource.kernelScale *
                                  (scale == bareSource.groupScale.end() ? 1.0 : scale->second) +
                              (fixed == bareSource.groupKernelMs.end() ? 0.0 : fixed->second);
            if (!(ms > 0) || (maxSourceMs > 0 && ms > maxSourceMs)) continue;
            byGroup[group].push_back({group, sample.spec, ms});
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
    for (size_t i = 0; i < kernels.size() && i < measuredMs.size(); ++i)
        if (measuredMs[i] && *measuredMs[i] > 0 && kernels[i].sourceMs > 0) {
            ratios[kernels[i].group].push_back(*measuredMs[i] / kernels[i].sourceMs);
            pairs[kernels[i].group].emplace_back(kernels[i].sourceMs, *measuredMs[i]);
        }
    std::vector<AdaptedKernelGroup> out;
    for (auto& [group, r] : ratios) {
        if (r.size() < 2) continue;
        std::vector<std::pair<double, double>>& times = pairs[group];
        const auto [scale, fixedMs] = relativeAffineFit(times);
        const auto [powerScale, exponent] = relativePowerFit(times);
        std::sort(r.begin(), r.end());
        std::sort(times.begin(), times.end());
        const size_t n = r.size();
        const double median = n % 2 ? r[n / 2] : 0.5 * (r[n / 2 - 1] + r[n / 2]);
        out.push_back({group, n, median, r.front(), r.back(), scale, fixedMs, std::move(times), powerScale, exponent});
    }
    return out;
}

}  // namespace km

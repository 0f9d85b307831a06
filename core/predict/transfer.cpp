// SPDX-License-Identifier: Apache-2.0
#include "predict/transfer.h"

#include <fmt/format.h>
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

namespace km {
namespace {

double valueOr(const std::map<std::string, double>& values, const std::string& key, double otherwise = 0) {
    const auto it = values.find(key);
    return it == values.end() ? otherwise : it->second;
}

// One candidate model: which terms, which shrinkage (< 0: all groups share one scale, cost or
// rate), and what the groups' columns hold: the source's times, kernel counts, or MFLOPs.
enum Basis { kTimes, kAnchored, kCounts, kWork };  // kAnchored: the times through the kernels' fits
struct Candidate {
    bool overhead = false, perKernel = false;
    double shrinkage = -1;
    Basis basis = kTimes;
    bool copiesApart = false;  // kAnchored: two columns, the copy groups and the others, each shrunk toward one scale
    bool atCap = false;        // copiesApart, one scale: the copies at TransferOptions::copiesRatioCap times it
    bool power = false;        // kAnchored: the groups with a power fit taken kernel by kernel through it
};

struct Design {
    std::vector<std::string> groups;
    Eigen::MatrixXd groupMs;  // networks x groups: the source's times, the kernel counts, or the work
    Eigen::VectorXd kernels, measured;
    std::vector<bool> shrunk;  // per group: pulled toward the common value (empty: all are)
    // Per group: the penalty's weight (empty: the group's mean squared share of a network's time).
    std::vector<double> penaltyWeight;
    Eigen::VectorXd weight;  // per network: its weight in the fit and in GCV (mean 1)
    bool shrunkAt(int k) const { return shrunk.empty() || shrunk[size_t(k)]; }
};

// Solves the penalised relative least squares on the rows in `use`. Parameter vector:
// [overhead, perKernel, scale_1..scale_G, common]. Terms that come out negative are fixed at 0
// and the rest solved again. Returns an empty vector when nothing can be fitted. With `df`, also
// the fit's effective number of parameters (the trace of its hat matrix: what the penalty and the
// terms fixed at 0 leave free), for generalised cross-validation.
Eigen::VectorXd solve(const Design& d, const Candidate& c, const std::vector<int>& use, double* df = nullptr) {
    const int g = int(d.groups.size()), n = 2 + g + 1;
    if (c.shrinkage < 0) {  // one common value: the same problem with the shrunk groups summed
        std::vector<int> others;
        for (int k = 0; k < g; ++k)
            if (!d.shrunkAt(k)) others.push_back(k);
        Design one{{"all"}, Eigen::MatrixXd::Zero(d.groupMs.rows(), 1 + long(others.size())), d.kernels, d.measured, {}, {}, d.weight};
        for (int k = 0; k < g; ++k)
            if (d.shrunkAt(k)) one.groupMs.col(0) += d.groupMs.col(k);
        for (size_t j = 0; j < others.size(); ++j) {
            one.groups.push_back(d.groups[size_t(others[j])]);
            one.groupMs.col(long(j) + 1) = d.groupMs.col(others[j]);
        }
        one.shrunk.assign(one.groups.size(), false);  // nothing left to pull together
        const Eigen::VectorXd q = solve(one, {c.overhead, c.perKernel, 0.0, c.basis, c.copiesApart, c.atCap}, use, df);
        if (q.size() == 0) return {};
        Eigen::VectorXd p(n);
        p(0) = q(0);
        p(1) = q(1);
        p.segment(2, g + 1).setConstant(q(2));
        for (size_t j = 0; j < others.size(); ++j) p(2 + others[j]) = q(3 + long(j));
        return p;
    }
    std::vector<bool> free(size_t(n), true);
    free[0] = c.overhead;
    free[1] = c.perKernel;
    for (int round = 0; round < n; ++round) {
        Eigen::MatrixXd a = Eigen::MatrixXd::Zero(n, n);
        Eigen::VectorXd b = Eigen::VectorXd::Zero(n);
        // A network's row. The fixed terms' columns stay in the normal equations until their
        // rows are replaced below: their share of the trace sets the ridge, which keeps designs
        // with identical columns (the same head in every cell of a benchmark) solvable.
        auto rowOf = [&](int i) {
            Eigen::VectorXd x = Eigen::VectorXd::Zero(n);
            const double w = 1.0 / d.measured(i);
            x(0) = w;
            x(1) = d.kernels(i) * w;
            for (int k = 0; k < g; ++k) x(2 + k) = d.groupMs(i, k) * w;
            return x;
        };
        for (int i : use) {
            const Eigen::VectorXd x = rowOf(i);
            a += d.weight(i) * x * x.transpose();
            b += d.weight(i) * x;  // target: measured x w = 1
        }
        // Penalty weights: a group's typical share of a network's time, squared, so the strength
        // is in units of the data term (one network's squared relative error).
        for (int k = 0; k < g; ++k) {
            if (!d.shrunkAt(k)) continue;
            double share = 0;
            for (int i : use) share += std::pow(d.groupMs(i, k) / d.measured(i), 2);
            share /= double(use.size());
            const double lambda = c.shrinkage * (d.penaltyWeight.empty() ? share : d.penaltyWeight[size_t(k)]);
            const int s = 2 + k, m = n - 1;
            a(s, s) += lambda;
            a(m, m) += lambda;
            a(s, m) -= lambda;
            a(m, s) -= lambda;
        }
        // Fixed parameters: identity rows (value 0). A trace-relative ridge keeps the system
        // regular when a group has no time in any network used.
        const double ridge = 1e-10 * std::max(1.0, a.trace());
        for (int k = 0; k < n; ++k) {
            if (!free[size_t(k)]) {
                a.row(k).setZero();
                a.col(k).setZero();
                a(k, k) = 1;
                b(k) = 0;
            } else {
                a(k, k) += ridge;
            }
        }
        const auto ldlt = a.ldlt();
        Eigen::VectorXd p = ldlt.solve(b);
        if (!p.allFinite()) return {};
        int negative = -1;
        for (int k = 0; k < n - 1; ++k)
            if (free[size_t(k)] && p(k) < 0 && (negative < 0 || p(k) < p(negative))) negative = k;
        if (negative < 0) {
            if (df) {
                *df = 0;
                for (int i : use) {
                    Eigen::VectorXd x = rowOf(i);
                    for (int k = 0; k < n; ++k)
                        if (!free[size_t(k)]) x(k) = 0;
                    *df += d.weight(i) * x.dot(ldlt.solve(x));
                }
            }
            return p;
        }
        free[size_t(negative)] = false;
    }
    return {};
}

double predictRow(const Design& d, const Eigen::VectorXd& p, int i) {
    double ms = p(0) + p(1) * d.kernels(i);
    for (int k = 0; k < int(d.groups.size()); ++k) ms += p(2 + k) * d.groupMs(i, k);
    return ms;
}

}  // namespace

std::string transferGroupOf(const std::string& kernelType, int64_t kernelSize) {
    const bool convRooted = kernelType.rfind("conv", 0) == 0 || kernelType.rfind("gconv", 0) == 0;
    if (!convRooted) return kernelType;
    return kernelType + (kernelSize <= 1 ? "@1x1" : "@kxk");
}

std::string transferGroupOf(const std::string& kernelType, const KernelFeatures& features) {
    const float k = features[size_t(Feature::KernelH)];
    std::string group = transferGroupOf(kernelType, std::isfinite(k) ? int64_t(k) : 1);
    // The depthwise window: the root's in a depthwise-rooted kernel, the chained one's otherwise.
    if (kernelType.find("dwconv") != std::string::npos) {
        const float window = kernelType.rfind("dwconv", 0) == 0 ? k : features[size_t(Feature::InnerKernel)];
        if (std::isfinite(window) && window >= 7) group += kLargeDepthwiseWindow;
    }
    return group;
}

std::string wholeTransferGroupOf(const std::string& group) {
    const size_t at = group.find(kLargeDepthwiseWindow);
    return at == std::string::npos ? group : group.substr(0, at);
}

const double* groupValueOf(const std::map<std::string, double>& values, const std::string& group) {
    if (auto it = values.find(group); it != values.end()) return &it->second;
    // Per kernel on the prediction path: only a split group has a whole group to fall back to.
    const size_t at = group.find(kLargeDepthwiseWindow);
    if (at == std::string::npos) return nullptr;
    if (auto it = values.find(group.substr(0, at)); it != values.end()) return &it->second;
    return nullptr;
}

std::string transferRootOf(const std::string& group) {
    const size_t at = std::min(group.find('@'), group.find(kLargeDepthwiseWindow));
    return group.substr(0, std::min(group.find('-'), at)) + (at == std::string::npos ? std::string() : group.substr(at));
}

bool isCopyGroup(const std::string& group) {
    static const std::set<std::string> kCopies = {"concat", "split", "channelshuffle", "reshape", "flatten", "transpose",
                                                  "pad",    "slice", "gather",         "resize",  "identity"};
    return kCopies.count(group.substr(0, std::min(group.find('-'), group.find('@')))) > 0;
}

Result<TransferFit> fitTransfer(const std::vector<TransferNetwork>& networks, const TransferOptions& options) {
    std::set<std::string> groupSet;
    std::vector<const TransferNetwork*> usable;
    for (const TransferNetwork& n : networks) {
        double sum = 0;
        for (const auto& [g, ms] : n.groupMs) sum += ms;
        if (!(n.measuredMs > 0) || !(sum > 0)) continue;
        usable.push_back(&n);
        for (const auto& [g, ms] : n.groupMs)
            if (ms > 0) groupSet.insert(g);
    }
    for (const TransferNetwork* n : usable)
        if (!(n->weight > 0) || !std::isfinite(n->weight))
            return badInput(fmt::format("network {} has the weight {}; a transfer needs positive weights.", n->name, n->weight));
    if (usable.size() < 3)
        return badInput(fmt::format("a transfer needs at least 3 networks with a measured time and a prediction; {} of {} are usable.",
                                    usable.size(), networks.size()));
    // Three designs: the source's times and the work over the groups, the kernel counts over
    // their roots.
    Design times, counts;
    times.groups.assign(groupSet.begin(), groupSet.end());
    const int rows = int(usable.size()), g = int(times.groups.size());
    times.groupMs = Eigen::MatrixXd::Zero(rows, g);
    times.kernels = Eigen::VectorXd::Zero(rows);
    times.measured = Eigen::VectorXd::Zero(rows);
    times.weight = Eigen::VectorXd::Ones(rows);
    for (int i = 0; i < rows; ++i) times.weight(i) = usable[size_t(i)]->weight;
    times.weight *= rows / times.weight.sum();  // a mean of 1: GCV's effective terms stay comparable to the networks
    counts = times;
    std::vector<int> rootColumn;  // per group, its root's column in `counts`
    {
        std::set<std::string> roots;
        for (const std::string& group : times.groups) roots.insert(transferRootOf(group));
        counts.groups.assign(roots.begin(), roots.end());
        counts.groupMs = Eigen::MatrixXd::Zero(rows, long(roots.size()));
        for (const std::string& group : times.groups)
            rootColumn.push_back(int(std::distance(roots.begin(), roots.find(transferRootOf(group)))));
    }
    // The work: MFLOPs per group, and the MB moved as one more column that is not shrunk.
    Design work = times;
    work.groups.push_back("moved MB");
    work.groupMs = Eigen::MatrixXd::Zero(rows, g + 1);
    work.shrunk.assign(size_t(g), true);
    work.shrunk.push_back(false);
    bool haveCounts = options.kernelCosts, haveWork = options.workRates;
    for (int i = 0; i < rows; ++i) {
        const TransferNetwork& n = *usable[size_t(i)];
        double counted = 0;
        for (int k = 0; k < g; ++k) {
            const std::string& group = times.groups[size_t(k)];
            if (auto it = n.groupMs.find(group); it != n.groupMs.end()) times.groupMs(i, k) = it->second;
            if (auto it = n.groupKernels.find(group); it != n.groupKernels.end()) {
                counts.groupMs(i, rootColumn[size_t(k)]) += it->second;
                counted += it->second;
            }
            if (auto it = n.groupMflops.find(group); it != n.groupMflops.end()) work.groupMs(i, k) = it->second;
        }
        work.groupMs(i, g) = n.movedMb;
        haveCounts = haveCounts && counted > 0;  // networks without counts or work: times only
        haveWork = haveWork && work.groupMs.row(i).head(g).sum() > 0 && n.movedMb > 0;
        times.kernels(i) = counts.kernels(i) = work.kernels(i) = n.kernels;
        times.measured(i) = counts.measured(i) = work.measured(i) = n.measuredMs;
    }
    // The source's times through each group's kernel fit (scale x time + cost x kernels, in the
    // target's kernel unit). A group without one: its time x the fits' typical ratio (the
    // geometric mean of their kernels' median ratios, weighted by the groups' shares of the
    // networks' time), so that a common scale applies to every column alike.
    Design anchored = times;
    // Through the kernels, the penalty counts each group as a network spending all its time in
    // it: the kernels measured how the groups differ, and a group's scale on top of its kernels'
    // fit departs from the common one only where the networks insist. By the group's mean share
    // (the free scales' weight), the pull is the same fraction of every group's own data, so a
    // group that one network of 10 has followed that network freely (opencv-t1 -> xnnpack-t1:
    // the concatenating 1x1 convolutions, which one DenseNet had, at 6 times the source's time
    // where their kernels ran at 0.93 of it, which priced SqueezeNet and GoogLeNet at 1.6 times
    // their time; docs/adapt.md).
    anchored.penaltyWeight.assign(size_t(g), 1.0);
    double typicalRatio = 1;
    bool anchors = false;
    {
        double logSum = 0, weight = 0;
        for (int k = 0; k < g; ++k)
            if (auto it = options.groupAnchor.find(times.groups[size_t(k)]); it != options.groupAnchor.end() && it->second.ratio > 0) {
                double share = 0;
                for (int i = 0; i < rows; ++i) share += times.groupMs(i, k) / times.measured(i);
                logSum += share * std::log(it->second.ratio);
                weight += share;
            }
        anchors = weight > 0;
        if (anchors) typicalRatio = std::exp(logSum / weight);
        for (int k = 0; k < g; ++k) {
            auto it = options.groupAnchor.find(times.groups[size_t(k)]);
            if (it == options.groupAnchor.end() || !(it->second.ratio > 0)) {
                anchored.groupMs.col(k) *= typicalRatio;
                continue;
            }
            const KernelAnchor& a = it->second;
            for (int i = 0; i < rows; ++i) {
                const TransferNetwork& n = *usable[size_t(i)];
                const double kernels = valueOr(n.groupKernels, times.groups[size_t(k)]);
                anchored.groupMs(i, k) = a.byWork ? a.workMsPerMflop * work.groupMs(i, k) +
                                                        a.workMsPerMb * valueOr(n.groupMovedMb, times.groups[size_t(k)]) +
                                                        a.workFixedMs * kernels
                                                  : a.scale * times.groupMs(i, k) + a.fixedMs * kernels;
            }
        }
    }
    // The same with each group that has a power fit taken kernel by kernel through it (a x t^b
    // summed over its kernels), where every network lists its kernels' times.
    Design anchoredPower = anchored;
    bool power = false;
    if (anchors && std::all_of(usable.begin(), usable.end(), [](const TransferNetwork* n) { return !n->groupKernelMs.empty(); }))
        for (int k = 0; k < g; ++k) {
            const std::string& group = times.groups[size_t(k)];
            auto it = options.groupAnchor.find(group);
            if (it == options.groupAnchor.end() || !(it->second.ratio > 0) || !(it->second.powerScale > 0) || it->second.byWork) continue;
            power = true;
            for (int i = 0; i < rows; ++i) {
                double sum = 0;
                if (auto ks = usable[size_t(i)]->groupKernelMs.find(group); ks != usable[size_t(i)]->groupKernelMs.end())
                    for (double t : ks->second)
                        if (t > 0) sum += it->second.powerScale * std::pow(t, it->second.exponent);
                anchoredPower.groupMs(i, k) = sum;
            }
        }
    // The same in two columns, the copy groups' times and the others' (TransferOptions::copiesApart),
    // both scales shrunk toward a common one: a free scale for copies rests on the one or two
    // networks that copy much, and left each of them out at several times its time.
    std::vector<int> copyGroups;
    auto copiesApartOf = [&](const Design& base, double copiesFactor) {
        Design d = base;
        d.groups = {"others", "copies"};
        d.groupMs = Eigen::MatrixXd::Zero(rows, 2);
        // Weighted as a network spending all its time in the group: the copies' mean share is
        // small, and without the network that copies much the penalty would hold nothing.
        d.penaltyWeight = {1.0, 1.0};
        for (int k = 0; k < g; ++k) {
            const bool copies = std::find(copyGroups.begin(), copyGroups.end(), k) != copyGroups.end();
            d.groupMs.col(copies ? 1 : 0) += base.groupMs.col(k) * (copies ? copiesFactor : 1.0);
        }
        return d;
    };
    if (anchors && options.copiesApart) {
        for (int k = 0; k < g; ++k)
            if (isCopyGroup(times.groups[size_t(k)])) copyGroups.push_back(k);
        // Worth a term only where the networks spend time copying.
        if ((copiesApartOf(anchored, 1).groupMs.col(1).array() / anchored.measured.array()).maxCoeff() < 0.05) copyGroups.clear();
    }
    // The copies' column as fitted, and at the cap (TransferOptions::copiesRatioCap).
    const double cap = options.copiesRatioCap > 0 ? options.copiesRatioCap : 1.0;
    const Design anchoredCopies = copiesApartOf(anchored, 1), anchoredCap = copiesApartOf(anchored, cap);
    const Design powerCopies = copiesApartOf(anchoredPower, 1), powerCap = copiesApartOf(anchoredPower, cap);
    std::vector<Candidate> candidates;
    for (int terms = 0; terms < 4; ++terms) {
        const bool overhead = terms & 1, perKernel = terms & 2;
        if ((overhead && !options.overheadTerm) || (perKernel && !options.perKernelTerm)) continue;
        // The affine form of the kernels' fits before the power form, so that a tie keeps it.
        for (Basis basis : {kTimes, kAnchored})
            for (bool pw : {false, true}) {
                if ((basis == kAnchored && !anchors) || (pw && (basis != kAnchored || !power))) continue;
                if (basis == kTimes && anchors && options.throughKernelsOnly) continue;
                candidates.push_back({overhead, perKernel, -1, basis, false, false, pw});
                for (double s : options.shrinkage) candidates.push_back({overhead, perKernel, s, basis, false, false, pw});
            }
        if (!copyGroups.empty())
            for (bool pw : {false, true}) {
                if (pw && !power) continue;
                for (double s : TransferOptions{}.shrinkage) candidates.push_back({overhead, perKernel, s, kAnchored, true, false, pw});
                if (options.copiesRatioCap > 0) candidates.push_back({overhead, perKernel, -1, kAnchored, true, true, pw});
            }
    }
    // Kernel costs last, so that a tie keeps the source's times. Their common cost is the
    // per-kernel term already.
    if (haveCounts)
        for (bool overhead : {false, true}) {
            if (overhead && !options.overheadTerm) continue;
            candidates.push_back({overhead, false, -1, kCounts});
            for (double s : options.shrinkage) candidates.push_back({overhead, false, s, kCounts});
        }
    if (haveWork)
        for (int terms = 0; terms < 4; ++terms) {
            const bool overhead = terms & 1, perKernel = terms & 2;
            if ((overhead && !options.overheadTerm) || (perKernel && !options.perKernelTerm)) continue;
            candidates.push_back({overhead, perKernel, -1, kWork});
            for (double s : options.shrinkage) candidates.push_back({overhead, perKernel, s, kWork});
        }
    auto designOf = [&](const Candidate& c) -> const Design& {
        if (c.copiesApart) return c.atCap ? (c.power ? powerCap : anchoredCap) : (c.power ? powerCopies : anchoredCopies);
        if (c.basis == kAnchored) return c.power ? anchoredPower : anchored;
        return c.basis == kCounts ? counts : c.basis == kWork ? work : times;
    };
    std::vector<int> all(static_cast<size_t>(rows));
    for (int i = 0; i < rows; ++i) all[size_t(i)] = i;
    // The best candidate of each family: the source's times scaled, kernel costs, work rates.
    struct Best {
        Candidate candidate;
        double gcv = std::numeric_limits<double>::infinity();  // generalised cross-validation RMSPE
        std::vector<double> looMs;
        double lowestLoo = std::numeric_limits<double>::infinity();  // sum of squared left-out errors, lowest of the family
    } plain, throughKernels, costs, rates;
    size_t refusedLeftOut = 0;  // candidates refused for their left-out errors alone
    for (const Candidate& c : candidates) {
        // More free terms than networks minus one: judged in-sample would flatter it; skip.
        const int free = 1 + c.overhead + c.perKernel + (c.basis == kWork);
        if (rows < free + 2) continue;
        const Design& d = designOf(c);
        double sq = 0;
        std::vector<double> looMs(static_cast<size_t>(rows));
        bool ok = true;
        for (int i = 0; i < rows && ok; ++i) {
            std::vector<int> rest;
            for (int j = 0; j < rows; ++j)
                if (j != i) rest.push_back(j);
            const Eigen::VectorXd p = solve(d, c, rest);
            if (p.size() == 0) {
                ok = false;
                break;
            }
            looMs[size_t(i)] = predictRow(d, p, i);
            sq += d.weight(i) * std::pow(looMs[size_t(i)] / d.measured(i) - 1, 2);
        }
        // Errors weigh by the networks' weights here as in the fit.
        // Generalised cross-validation: the in-sample RMSPE inflated by the effective number of
        // parameters, 1 / (1 - df / n). Leaving one network out misjudges a design whose networks
        // are each the extreme of some group (as the chosen ones are): the network left out is
        // then predicted from nothing like it. GCV is leave-one-out in the rotation that gives
        // every network the same leverage (Golub, Heath and Wahba, 1979).
        double df = 0, gcv = std::numeric_limits<double>::infinity();
        if (ok)
            if (const Eigen::VectorXd p = solve(d, c, all, &df); p.size() > 0 && df < rows - 0.5) {
                // Copies slower relative to the rest than the threads can make them: past the cap.
                if (c.copiesApart && !c.atCap && options.copiesRatioCap > 0 && p(3) > options.copiesRatioCap * p(2)) continue;
                double rss = 0;
                for (int i = 0; i < rows; ++i) rss += d.weight(i) * std::pow(predictRow(d, p, i) / d.measured(i) - 1, 2);
                gcv = std::sqrt(rss / rows) / (1 - df / rows);
            }
        // The best of each family by GCV; ties keep the simpler candidate (fewer terms, one scale,
        // then stronger shrinkage first).
        // GCV's blind spot: a fit with nearly as many effective terms as networks matches them all
        // and its GCV rests on a tiny residual. One that also misses the networks left out by
        // more than 4x its GCV RMSPE and by more than 50% is not chosen (xnnpack-t1 -> xnnpack-t2
        // on the 2-core VM: FLOP rates with 9.1 effective terms for 10 networks, GCV 9.7%, left out
        // 182%; docs/adapt.md).
        if (ok && std::sqrt(sq / rows) > std::max(4 * gcv, 0.5)) {
            ++refusedLeftOut;
            continue;
        }
        Best& kind = c.basis == kCounts ? costs : c.basis == kWork ? rates : c.basis == kAnchored ? throughKernels : plain;
        if (ok) kind.lowestLoo = std::min(kind.lowestLoo, sq);
        if (!ok || !(gcv < kind.gcv * (1 - 1e-9))) continue;
        kind = {c, gcv, std::move(looMs), kind.lowestLoo};
    }
    // Through the kernels measured on the target unless scaling the source's times freely is
    // clearly better (GCV RMSPE at least 20% lower): with 10 networks, group scales fitted on
    // them alone match them within 1-2% and miss each of them left out by 25-50%, where the
    // kernels measured the groups' scales directly (docs/adapt.md).
    Best scaled = !throughKernels.looMs.empty() && (plain.looMs.empty() || plain.gcv > 0.8 * throughKernels.gcv) ? throughKernels : plain;
    scaled.lowestLoo = std::min(plain.lowestLoo, throughKernels.lowestLoo);
    const Best& other = costs.gcv <= rates.gcv ? costs : rates;
    // Leaving the source's times out must be clearly better (GCV RMSPE at least 20% lower): with
    // 10 networks and dozens of candidates the smallest error is partly luck, and a close win did
    // not hold out (on the Galaxy S7, work rates at 24.3% against group scales at 26.1% left out
    // scored 39% within 10% on the other cells against 60%).
    const Best& chosen = !other.looMs.empty() && (scaled.looMs.empty() || other.gcv <= 0.8 * scaled.gcv) ? other : scaled;
    if (chosen.looMs.empty())
        return badInput(
            refusedLeftOut > 0
                ? "the transfer could not be fitted on these networks: every candidate fit missed the networks left out one at a "
                  "time by more than 4 times its error on them and by more than 50% (their times do not follow the source's "
                  "view of them)."
                : "the transfer could not be fitted on these networks (every candidate was singular).");
    const Candidate& best = chosen.candidate;
    const Design& d = designOf(best);
    const Eigen::VectorXd p = solve(d, best, all);
    if (p.size() == 0) return badInput("the transfer could not be fitted on these networks.");
    TransferFit fit;
    fit.overheadMs = p(0);
    fit.commonScale = 0;
    // A group measured on the target: its scale s on top of its kernels' fit, as a scale and
    // a cost per kernel of the source's times (or, in the power form, of their powers).
    auto setThroughKernels = [&fit, &best](const std::string& group, const KernelAnchor& anchor, double s) {
        if (anchor.byWork) {
            fit.groupScale[group] = 0;
            fit.groupFixedMs[group] = s * anchor.workFixedMs;
            fit.groupMsPerMflop[group] = s * anchor.workMsPerMflop;
            fit.groupMsPerMb[group] = s * anchor.workMsPerMb;
            return;
        }
        const bool pw = best.power && anchor.powerScale > 0;
        fit.groupScale[group] = s * (pw ? anchor.powerScale : anchor.scale);
        fit.groupFixedMs[group] = pw ? 0.0 : s * anchor.fixedMs;
        if (pw) fit.groupExponent[group] = anchor.exponent;
    };
    const std::string kernelFits = best.power ? "the kernels' power fits" : "the kernels' fits";
    if (best.basis == kWork) {
        fit.workRates = true;
        fit.perKernelMs = p(1);
        for (int k = 0; k < g; ++k) fit.groupMsPerMflop[d.groups[size_t(k)]] = p(2 + k);
        fit.msPerMb = p(2 + g);
        fit.msPerMflop = p(2 + g + 1);
        fit.terms = best.shrinkage < 0 ? "one FLOP rate+memory" : fmt::format("group FLOP rates (shrinkage {})+memory", best.shrinkage);
    } else if (best.basis == kCounts) {
        fit.kernelCosts = true;
        const int roots = int(d.groups.size());
        fit.perKernelMs = p(2 + roots);
        for (int r = 0; r < roots; ++r) fit.groupKernelMs[d.groups[size_t(r)]] = p(2 + r);
        for (int k = 0; k < g; ++k) fit.groupKernelMs[times.groups[size_t(k)]] = p(2 + rootColumn[size_t(k)]);
        fit.terms = best.shrinkage < 0 ? "one kernel cost" : fmt::format("group kernel costs (shrinkage {})", best.shrinkage);
    } else if (best.copiesApart) {
        // One scale for the copy groups' column and one for the others', each group through its
        // kernels' fit (or the typical ratio) as in the columns.
        const double common = p(2), copies = best.atCap ? options.copiesRatioCap * p(2) : p(3);
        fit.perKernelMs = p(1);
        fit.commonScale = common * typicalRatio;
        for (int k = 0; k < g; ++k) {
            const std::string& group = times.groups[size_t(k)];
            const double s = std::find(copyGroups.begin(), copyGroups.end(), k) != copyGroups.end() ? copies : common;
            auto anchor = options.groupAnchor.find(group);
            if (anchor == options.groupAnchor.end() || !(anchor->second.ratio > 0)) {
                fit.groupScale[group] = s * typicalRatio;
                continue;
            }
            setThroughKernels(group, anchor->second, s);
        }
        for (const auto& [group, anchor] : options.groupAnchor)  // groups no network had
            if (anchor.ratio > 0 && !fit.groupScale.count(group)) setThroughKernels(group, anchor, isCopyGroup(group) ? copies : common);
        fit.terms = best.atCap
                        ? fmt::format("one scale of {}, copies {:.3g} times it (the threads' gain)", kernelFits, options.copiesRatioCap)
                        : fmt::format("one scale of {}, copies {:.3g} times it (shrinkage {})", kernelFits,
                                      common > 0 ? copies / common : 0.0, best.shrinkage);
    } else {
        fit.perKernelMs = p(1);
        fit.commonScale = p(2 + g);
        for (int k = 0; k < g; ++k) fit.groupScale[d.groups[size_t(k)]] = p(2 + k);
        if (best.basis == kAnchored) {
            // Back to scales of the source's times and costs per kernel: a group's column was
            // (its fit's scale x time + cost x kernels), or the typical ratio x time.
            fit.commonScale *= typicalRatio;
            for (const auto& [group, anchor] : options.groupAnchor) {
                if (!(anchor.ratio > 0)) continue;
                auto k = std::find(d.groups.begin(), d.groups.end(), group);
                setThroughKernels(group, anchor, k == d.groups.end() ? p(2 + g) : p(2 + long(k - d.groups.begin())));
            }
            for (int k = 0; k < g; ++k)
                if (!fit.groupFixedMs.count(d.groups[size_t(k)])) fit.groupScale[d.groups[size_t(k)]] = p(2 + k) * typicalRatio;
            fit.terms = best.shrinkage < 0 ? "one scale of " + kernelFits
                                           : fmt::format("group scales of {} (shrinkage {})", kernelFits, best.shrinkage);
        } else {
            fit.terms = best.shrinkage < 0 ? "one scale" : fmt::format("group scales (shrinkage {})", best.shrinkage);
        }
    }
    fit.shrinkage = best.shrinkage;
    if (best.overhead) fit.terms += "+overhead";
    if (best.perKernel) fit.terms += "+per-kernel";
    for (int i = 0; i < rows; ++i) fit.fittedMs.push_back(predictRow(d, p, i));
    fit.leaveOneOutMs = chosen.looMs;
    fit.generalisedCvRmspe = chosen.gcv;
    auto gcvOf = [](const Best& b) { return b.looMs.empty() ? -1.0 : b.gcv; };
    auto looOf = [&](const Best& b) { return b.looMs.empty() ? -1.0 : std::sqrt(b.lowestLoo / rows); };
    fit.familyGeneralisedCvRmspe = {gcvOf(scaled), gcvOf(costs), gcvOf(rates)};
    fit.familyLeaveOneOutRmspe = {looOf(scaled), looOf(costs), looOf(rates)};
    double sq = 0, looSq = 0;
    size_t within = 0, looWithin = 0;
    for (int i = 0; i < rows; ++i) {
        const double e = fit.fittedMs[size_t(i)] / times.measured(i) - 1, l = fit.leaveOneOutMs[size_t(i)] / times.measured(i) - 1;
        sq += e * e;
        looSq += l * l;
        within += std::abs(e) <= 0.10;
        looWithin += std::abs(l) <= 0.10;
    }
    fit.rmspe = std::sqrt(sq / rows);
    fit.leaveOneOutRmspe = std::sqrt(looSq / rows);
    fit.within10 = double(within) / rows;
    fit.leaveOneOutWithin10 = double(looWithin) / rows;
    return fit;
}

}  // namespace km

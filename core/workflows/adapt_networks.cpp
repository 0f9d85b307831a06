// SPDX-License-Identifier: Apache-2.0
#include "workflows/adapt_networks.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <set>

#include "predict/transfer.h"

namespace km {
namespace {

// The space the choice spreads over. A candidate's place: its size (log of the source's time),
// the share of its time a dead-code-removing runtime would not run, and the shares of its time
// per group. Sizes weigh like the group shares' whole range, and so does the unread share, so
// that networks with much and with nothing unread are both chosen and the fit can tell the two
// runtimes apart.
class CandidateSpace {
public:
    explicit CandidateSpace(const std::vector<TransferCandidate>& candidates) {
        std::set<std::string> groupSet;
        for (const TransferCandidate& c : candidates)
            for (const auto& [g, ms] : c.groupMs) groupSet.insert(g);
        for (const TransferCandidate& c : candidates) {
            std::vector<double> x{std::log(std::max(c.sourceMs, 1e-6)), c.unreadShare};
            for (const std::string& g : groupSet) {
                auto it = c.groupMs.find(g);
                x.push_back(it == c.groupMs.end() || !(c.sourceMs > 0) ? 0.0 : it->second / c.sourceMs);
            }
            m_places.push_back(std::move(x));
        }
        double unreadHi = 0;
        for (const auto& p : m_places) m_low = std::min(m_low, p[0]), m_high = std::max(m_high, p[0]), unreadHi = std::max(unreadHi, p[1]);
        m_sizeWeight = m_high > m_low ? 1.0 / (m_high - m_low) : 1.0;
        m_unreadWeight = unreadHi > 0 ? 1.0 / unreadHi : 0.0;
    }
    // Squared distance between candidates a and b.
    double distance(size_t a, size_t b) const {
        const std::vector<double>&x = m_places[a], &y = m_places[b];
        double d = std::pow((x[0] - y[0]) * m_sizeWeight * 2, 2) + std::pow((x[1] - y[1]) * m_unreadWeight * 2, 2);
        for (size_t k = 2; k < x.size(); ++k) d += std::pow(x[k] - y[k], 2);
        return d;
    }
    // How far candidate a's size is from the middle of the candidates' sizes (log units).
    double offMiddle(size_t a) const { return std::abs(m_places[a][0] - (m_low + m_high) / 2); }

private:
    std::vector<std::vector<double>> m_places;
    double m_low = std::numeric_limits<double>::infinity(), m_high = -std::numeric_limits<double>::infinity();
    double m_sizeWeight = 1, m_unreadWeight = 0;
};

}  // namespace

int adaptInputSizeOf(const Graph& graph) {
    if (graph.inputs.size() != 1) return 0;
    const Tensor* in = graph.tensor(graph.inputs.front());
    if (!in || !in->shape.known || in->shape.rank() != 4) return 0;
    const int64_t h = in->shape.dims[2], w = in->shape.dims[3];
    if (h != w || std::find(kAdaptInputSizes.begin(), kAdaptInputSizes.end(), h) == kAdaptInputSizes.end()) return 0;
    return int(h);
}

ZooOptions adaptZooOptions(int inputSize) {
    ZooOptions zoo;
    zoo.maxResolution = 224;
    if (inputSize > 0) zoo.minResolution = zoo.maxResolution = inputSize;
    return zoo;
}

std::vector<size_t> chooseTransferNetworks(const std::vector<TransferCandidate>& candidates, size_t count, uint32_t seed) {
    std::vector<size_t> order(candidates.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::mt19937 rng(seed);
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<size_t> chosen;
    std::vector<bool> taken(candidates.size(), false);
    std::set<std::string> covered;
    // 1. Kernel types: the candidate adding the most uncovered types, first in the seeded order.
    while (chosen.size() < count) {
        size_t best = candidates.size(), bestGain = 0;
        for (size_t i : order) {
            if (taken[i]) continue;
            size_t gain = 0;
            for (const std::string& t : candidates[i].kernelTypes) gain += covered.count(t) == 0;
            if (gain > bestGain) best = i, bestGain = gain;
        }
        if (best == candidates.size()) break;
        taken[best] = true;
        chosen.push_back(best);
        covered.insert(candidates[best].kernelTypes.begin(), candidates[best].kernelTypes.end());
    }
    // 2. Spread: the candidate farthest from every chosen one (the smallest of its distances is
    // the largest).
    const CandidateSpace space(candidates);
    while (chosen.size() < count && chosen.size() < candidates.size()) {
        size_t best = candidates.size();
        double bestDistance = -1;
        for (size_t i : order) {
            if (taken[i]) continue;
            double nearest = std::numeric_limits<double>::infinity();
            for (size_t c : chosen) nearest = std::min(nearest, space.distance(i, c));
            if (chosen.empty()) nearest = -space.offMiddle(i);  // start near the middle size
            if (nearest > bestDistance || best == candidates.size()) best = i, bestDistance = nearest;
        }
        taken[best] = true;
        chosen.push_back(best);
    }
    return chosen;
}

std::vector<double> representedShares(const std::vector<TransferCandidate>& candidates, const std::vector<size_t>& chosen) {
    std::vector<double> share(chosen.size(), 0.0);
    if (chosen.empty()) return share;
    const CandidateSpace space(candidates);
    for (size_t j = 0; j < candidates.size(); ++j) {
        size_t nearest = 0;
        for (size_t k = 1; k < chosen.size(); ++k)
            if (space.distance(j, chosen[k]) < space.distance(j, chosen[nearest])) nearest = k;
        share[nearest] += 1.0 / double(candidates.size());
    }
    return share;
}

DeviceAnalyzer bareSourceOf(const DeviceAnalyzer& source, bool keepUnreadOps) {
    auto bare = std::make_shared<PredictorSet>(*source.predictor());
    if (keepUnreadOps) bare->dropsUnreadOps = false;
    bare->overheadMs = 0;
    bare->perKernelMs = 0;
    // An adapted source's kernelScale is already in its own unit; a built one's regressors are at
    // the regressor reference, brought to its reference speed.
    bare->kernelScale = bare->adaptation ? bare->kernelScale : bare->unitScale();
    return DeviceAnalyzer(source.deviceId(), source.rules(), bare, source.rulesSource(), source.predictorSource());
}

TransferCandidate transferCandidateOf(const DeviceAnalysis& a, const std::string& name) {
    TransferCandidate c;
    c.name = name;
    std::set<std::string> types;
    for (size_t k = 0; k < a.prediction.kernels.size(); ++k) {
        const KernelPrediction& p = a.prediction.kernels[k];
        if (p.source == "none") continue;
        const Kernel& kernel = a.partition.kernels[k];
        const KernelFeatures f = kernelFeatures(kernel, a.metrics->perNode);
        const std::string group = transferGroupOf(kernel.type, f);
        c.groupMs[group] += p.ms;
        c.groupKernelMs[group].push_back(p.ms);
        c.groupKernels[group] += 1;
        c.groupMflops[group] += kernelMflops(f);
        c.movedMb += kernelMovedMb(f);
        c.groupMovedMb[group] += kernelMovedMb(f);
        c.kernels += 1;
        c.sourceMs += p.ms;
        if (p.source == "regressor") types.insert(kernel.type);
    }
    c.kernelTypes.assign(types.begin(), types.end());
    return c;
}

}  // namespace km

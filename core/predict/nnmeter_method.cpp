// SPDX-License-Identifier: Apache-2.0
#include "predict/nnmeter_method.h"

#include <fmt/format.h>
#include <algorithm>
#include <limits>

#include "fusion/partition.h"
#include "sampling/kernel_spec.h"

namespace km {
namespace {

constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();

float dim(const std::vector<int64_t>& shape, size_t i) { return i < shape.size() ? float(shape[i]) : kMissing; }

float firstInt(const Attributes& attrs, const char* name) {
    const auto* v = attrs.ints(name);
    return v && !v->empty() ? float(v->front()) : kMissing;
}

}  // namespace

std::vector<float> nnMeterFeatures(const Kernel& k, const std::vector<NodeMetrics>& metrics) {
    const KernelConfig& c = k.config;
    static const std::vector<int64_t> none;
    const std::vector<int64_t>& in = c.inputShapes.empty() ? none : c.inputShapes.front();
    const float h = dim(in, 2), cin = dim(in, 1), cout = dim(c.outputShape, 1);
    const NodeMetrics& root = metrics.at(k.nodes.front());
    const float flops = float(double(root.flops) / 2e6), params = float(double(root.params) / 1e6);
    switch (familyOf(k.type)) {
    case KernelFamily::Conv:
    case KernelFamily::DwConv:
    case KernelFamily::GConv:
    case KernelFamily::ConvTranspose: return {h, cin, cout, firstInt(c.attrs, "kernel"), firstInt(c.attrs, "stride"), flops, params};
    case KernelFamily::Fc: return {cin, cout, flops, params};
    case KernelFamily::Pool: return {h, cin, cout, firstInt(c.attrs, "kernel"), firstInt(c.attrs, "stride")};
    case KernelFamily::Concat: {
        std::vector<float> f{h, float(c.inputShapes.size())};
        for (size_t i = 0; i < 4; ++i) f.push_back(i < c.inputShapes.size() ? dim(c.inputShapes[i], 1) : kMissing);
        return f;
    }
    case KernelFamily::GlobalPool:
    case KernelFamily::Elementwise: break;
    }
    return {h, cin};
}

Result<NnMeterMethod> NnMeterMethod::train(const PredictorSet& ours, std::vector<std::string>* warnings) {
    NnMeterMethod m;
    m.m_unitScale = ours.unitScale() * ours.speedScale;  // in the milliseconds `ours` predicts in
    auto warn = [&](std::string w) {
        if (warnings) warnings->push_back(std::move(w));
    };
    for (const auto& [type, p] : ours.types) {
        if (p.training.empty()) continue;
        FeatureRows rows;
        std::vector<double> ms;
        for (const KernelSample& s : p.training) {
            Result<SpecKernel> k = specKernel(s.spec);
            if (!k) continue;
            rows.push_back(nnMeterFeatures(k.value().kernel, k.value().metrics));
            ms.push_back(s.ms);
        }
        if (rows.size() < 2) {
            warn(fmt::format("nn-meter: kernel type {}: too few usable training kernels ({}).", type, rows.size()));
            continue;
        }
        RegressorOptions o = RegressorOptions::forKind(RegressorKind::RandomForest);
        o.trees = 320;
        o.maxDepth = 70;
        o.subsample = 0.63;                                                 // sklearn's bootstrap draws about 63% distinct rows
        o.columnSample = std::min(1.0, 6.0 / double(rows.front().size()));  // max_features = 6
        o.minChildWeight = 1;                                               // min_samples_leaf = 1
        o.logTarget = false;                                                // nn-Meter fits milliseconds
        o.seed = 10;                                                        // its random_state
        // One thread: XGBoost's OpenMP workers spin while they wait, so on a loaded machine two
        // threads took 30x longer than one (and slowed whatever else was running).
        o.threads = 1;
        Result<Regressor> r = Regressor::train(rows, ms, o);
        if (!r) {
            warn(fmt::format("nn-meter: kernel type {}: {}", type, r.error().message));
            continue;
        }
        m.m_samples += rows.size();
        m.m_types.emplace(type, std::move(r).value());
    }
    if (m.m_types.empty())
        return unsupported(
            fmt::format("the {} predictor kept no training kernels (built before they were stored), so the nn-Meter "
                        "variant cannot be trained on the same samples.",
                        ours.deviceId));
    return m;
}

NnMeterPrediction NnMeterMethod::predict(const Graph& graph, const RuleSet& rules, const std::vector<NodeMetrics>& metrics) const {
    NnMeterPrediction out;
    const KernelPartition part = partitionGraph(graph, rules, FusionAnchor::RootOp);
    for (const Kernel& k : part.kernels) {
        ++out.kernels;
        auto it = m_types.find(k.type);
        if (it == m_types.end()) {
            ++out.unpredicted;
            if (std::find(out.unpredictedTypes.begin(), out.unpredictedTypes.end(), k.type) == out.unpredictedTypes.end())
                out.unpredictedTypes.push_back(k.type);
            continue;
        }
        out.totalMs += it->second.predictMs(nnMeterFeatures(k, metrics));
    }
    out.totalMs *= m_unitScale;
    return out;
}

}  // namespace km

// SPDX-License-Identifier: Apache-2.0
// nn-Meter's way of predicting a model, rebuilt so that ours can be compared with it on the same
// data (kernelmeter-cli evaluate, method "nn-meter"; docs/predictors.md, docs/results.md):
// - kernels from nn-Meter's root-type greedy fusion over the device's pair rules
//   (partitionGraph with FusionAnchor::RootOp; chain rules unused);
// - per kernel type a random forest on nn-Meter's features (below), with nn-Meter's settings for
//   its convolution kernels (320 trees, depth 70, 6 features per split, one sample per leaf),
//   trained on OUR predictor's training kernels of that type (the same samples, so the comparison
//   is of methods, not of measuring campaigns);
// - model latency = the plain sum of kernel predictions: no per-model overhead, no calibration on
//   whole networks; a kernel type without samples counts 0 ms, as in nn-Meter (counted, so the
//   report can say how often).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "fusion/rule_set.h"
#include "graph/graph.h"
#include "graph/metrics.h"
#include "predict/predictor.h"
#include "predict/regressor.h"

namespace km {

// nn-Meter's features of a kernel, by its root op's family: convolutions [H, Cin, Cout, k, s,
// FLOPs/2e6, Params/1e6] (the root op's FLOPs and parameters; groups, W, dilation, pads and batch
// ignored); fc [Cin, Cout, FLOPs/2e6, Params/1e6]; pooling [H, Cin, Cout, k, s]; global pooling and
// element-wise [H, C]; concat [H, n, C1..C4]. Missing values are NaN.
std::vector<float> nnMeterFeatures(const Kernel& kernel, const std::vector<NodeMetrics>& metrics);

struct NnMeterPrediction {
    double totalMs = 0;
    size_t kernels = 0;
    size_t unpredicted = 0;  // kernels of a type without a forest: 0 ms each
    std::vector<std::string> unpredictedTypes;
};

class NnMeterMethod {
public:
    // Trains one forest per kernel type of `ours` that kept its training kernels. Fails when none
    // did (predictors built before the samples were kept). `warnings`: types left out and why.
    static Result<NnMeterMethod> train(const PredictorSet& ours, std::vector<std::string>* warnings = nullptr);

    // `metrics`: computeGraphMetrics(graph).perNode. Load the graph with rules.literalSpellings().
    NnMeterPrediction predict(const Graph& graph, const RuleSet& rules, const std::vector<NodeMetrics>& metrics) const;

    size_t typeCount() const { return m_types.size(); }
    size_t sampleCount() const { return m_samples; }

private:
    std::map<std::string, Regressor> m_types;
    double m_unitScale = 1;  // the predictor's regressor unit -> its prediction unit (PredictorSet::unitScale)
    size_t m_samples = 0;
};

}  // namespace km

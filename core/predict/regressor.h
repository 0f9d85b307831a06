// SPDX-License-Identifier: Apache-2.0
// Kernel-latency regressors: tree ensembles trained through the XGBoost C API (random-forest mode,
// as in nn-Meter, or gradient boosting), stored as XGBoost's own JSON model inside our JSON so a
// saved predictor survives library upgrades. Prediction does not call XGBoost: the trees are read
// into flat arrays and walked here (thread-safe, no per-call library overhead); tests check it
// against XGBoost's own prediction.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "common/result.h"

namespace km {

enum class RegressorKind { RandomForest, GradientBoosted };
const char* regressorKindName(RegressorKind kind);  // "random_forest", "gradient_boosted"

struct RegressorOptions {
    // Settings that suit each kind: random forests grow deep trees on bootstrap-sized row samples
    // (nn-Meter used depth 70 and 320 trees); boosting grows shallow trees in many rounds. Sizes
    // are half of what predictors were built with until 2026-11-24 (GB 200 x 0.1, RF 100): on the
    // shipped predictors' training kernels (bench_forest_size, five folds) that cost 0.3-0.6 points
    // of kernels within 10% and halves the tree steps of a prediction (docs/performance.md).
    static RegressorOptions forKind(RegressorKind kind);

    RegressorKind kind = RegressorKind::GradientBoosted;
    int trees = 100;  // boosting rounds (GB) or forest size (RF)
    int maxDepth = 6;
    double learningRate = 0.2;  // GB only (RF uses 1)
    double subsample = 0.8;     // rows per tree
    double columnSample = 0.8;  // features per tree (GB) or per split (RF)
    double minChildWeight = 1;
    uint64_t seed = 1;
    bool logTarget = true;  // fit log(ms): relative errors matter, latencies span 1000x
    // Columns of a linear base model ms ~ b0 + sum b_i x_i (least squares, e.g. FLOPs and bytes):
    // the trees then learn log(ms / base), the departures from a roofline-like trend, instead of
    // the trend itself, which piecewise-constant trees only approximate in steps. Empty: no base.
    std::vector<size_t> baseColumns;
    int threads = 1;  // XGBoost training threads
};

// Rows of features, one row per sample; all rows the same width.
using FeatureRows = std::vector<std::vector<float>>;

class Regressor {
public:
    static Result<Regressor> train(const FeatureRows& rows, const std::vector<double>& targetsMs, const RegressorOptions& options);
    // Our JSON ({"schema": "kernelmeter.regressor/1", kind, log_target, features, xgboost: {...}}).
    static Result<Regressor> fromJson(const std::string& json);
    static Result<Regressor> fromJson(const nlohmann::json& document);  // the same, already parsed
    std::string toJson() const;

    double predictMs(const float* features, size_t count) const;
    double predictMs(const std::vector<float>& features) const { return predictMs(features.data(), features.size()); }
    size_t featureCount() const { return m_features; }
    // Split nodes one prediction passes (what its cost grows with): trees x depth for shallow
    // forests walked as complete trees, else the trees' mean leaf depths summed.
    double stepsPerPrediction() const;
    RegressorKind kind() const { return m_kind; }
    // XGBoost's own prediction for `rows` (tests compare the tree walk with it).
    Result<std::vector<double>> predictWithXgboost(const FeatureRows& rows) const;

private:
    // One node in 8 bytes; a tree's nodes contiguous and renumbered breadth first so that siblings
    // are neighbours (one child index per node, the right child is left + 1).
    struct TreeNode {
        float value;    // split threshold, or the leaf's value
        uint32_t meta;  // kLeaf | kMissingLeft | feature << kFeatureShift | left child's offset in its tree
    };
    static constexpr uint32_t kLeaf = 1u << 31, kMissingLeft = 1u << 30;  // NaN goes left
    static constexpr int kFeatureShift = 24;
    static constexpr uint32_t kFeatureMask = 0x3fu, kChildMask = (1u << kFeatureShift) - 1;
    // `text`: the model's JSON text (kept for toJson and predictWithXgboost).
    static Result<Regressor> fromXgboostJson(const nlohmann::json& model, std::string text, RegressorKind kind, bool logTarget,
                                             size_t features);
    // Least-squares fit of the base on the training rows (fills the m_base* members).
    Status fitBase(const FeatureRows& rows, const std::vector<double>& targetsMs, const std::vector<size_t>& columns);

    double baseMs(const float* features, size_t count) const;
    // Fills the m_complete* members when every tree is at most kMaxCompleteDepth deep.
    void buildCompleteTrees();
    // `sum` plus the trees' leaves, added in tree order (both walks give the same bits).
    template <bool kMayBeMissing>  // false: no feature the trees split on is NaN
    double walkCompleteTrees(const float* features, double sum) const;
    double walkTrees(const float* features, double sum) const;  // on m_nodes (any depth)

    RegressorKind m_kind = RegressorKind::GradientBoosted;
    bool m_logTarget = true;
    std::vector<size_t> m_baseColumns;
    std::vector<double> m_baseCoefficients;  // b0, then one per base column (scaled units: see m_baseScale)
    std::vector<double> m_baseScale;         // per base column: divisor applied before the coefficient
    double m_baseFloorMs = 0;                // the base never goes below this (a tenth of the smallest target)
    size_t m_features = 0;
    double m_base = 0;
    std::vector<TreeNode> m_nodes;  // every tree's nodes
    std::vector<uint32_t> m_roots;  // where each tree starts in m_nodes
    // Boosting's shallow trees again, each padded to a complete binary tree of the deepest tree's
    // depth (a leaf above that depth becomes splits whose every leaf holds its value): a walk is
    // then that many steps with no branch, children at 2i + 1 and 2i + 2, and the trees' loads
    // overlap. Deep random-forest trees (2^20 nodes padded) keep the walk on m_nodes.
    static constexpr int kMaxCompleteDepth = 8;
    static constexpr size_t kCompleteLanes = 8;  // trees walked together
    struct CompleteNode {
        float threshold;
        uint32_t feature;  // a padding split reads feature 0 (either way leads to the same value)
    };
    int m_completeDepth = 0;                     // 0: not built (some tree is deeper)
    std::vector<CompleteNode> m_completeNodes;   // per group of lanes: 2^depth - 1 positions x lanes
    std::vector<uint8_t> m_completeMissingLeft;  // the same places: 1 where a missing feature goes left
    std::vector<float> m_completeLeaves;         // per group of lanes: 2^depth leaves x lanes
    uint64_t m_completeFeatures = 0;             // bit f: some split reads feature f
    std::string m_xgboostJson;                   // the model as XGBoost wrote it
};

}  // namespace km

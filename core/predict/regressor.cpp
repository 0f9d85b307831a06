// SPDX-License-Identifier: Apache-2.0
#include "predict/regressor.h"

#include <fmt/format.h>
#include <xgboost/c_api.h>
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>

namespace km {
namespace {

using Json = nlohmann::json;

struct BoosterDeleter {
    void operator()(void* h) const {
        if (h) XGBoosterFree(h);
    }
};
struct MatrixDeleter {
    void operator()(void* h) const {
        if (h) XGDMatrixFree(h);
    }
};
using Booster = std::unique_ptr<void, BoosterDeleter>;
using Matrix = std::unique_ptr<void, MatrixDeleter>;

Error xgbError(const std::string& what) { return internalError(fmt::format("XGBoost: {}: {}", what, XGBGetLastError())); }

Result<Matrix> matrixOf(const FeatureRows& rows, size_t width) {
    std::vector<float> flat;
    flat.reserve(rows.size() * width);
    for (const auto& r : rows) {
        if (r.size() != width)
            return badInput(fmt::format("feature rows of {} and {} values: all rows need the same width.", width, r.size()));
        flat.insert(flat.end(), r.begin(), r.end());
    }
    DMatrixHandle h = nullptr;
    if (XGDMatrixCreateFromMat(flat.data(), rows.size(), width, std::nanf(""), &h) != 0) return xgbError("creating a matrix");
    return Matrix(h);
}

Result<Booster> boosterFrom(const std::string& model) {
    BoosterHandle h = nullptr;
    if (XGBoosterCreate(nullptr, 0, &h) != 0) return xgbError("creating a booster");
    Booster b(h);
    if (XGBoosterLoadModelFromBuffer(h, model.data(), model.size()) != 0) return xgbError("loading a model");
    return b;
}

}  // namespace

RegressorOptions RegressorOptions::forKind(RegressorKind kind) {
    RegressorOptions o;
    o.kind = kind;
    if (kind == RegressorKind::RandomForest) {
        o.trees = 50;
        o.maxDepth = 20;
        o.subsample = 0.63;  // about the distinct share of a bootstrap sample
        o.columnSample = 0.8;
    }
    return o;
}

const char* regressorKindName(RegressorKind kind) { return kind == RegressorKind::RandomForest ? "random_forest" : "gradient_boosted"; }

Result<Regressor> Regressor::train(const FeatureRows& rows, const std::vector<double>& targetsMs, const RegressorOptions& o) {
    if (rows.empty() || rows.size() != targetsMs.size())
        return badInput(
            fmt::format("training a regressor needs as many targets as rows ({} rows, {} targets).", rows.size(), targetsMs.size()));
    const size_t width = rows.front().size();
    for (double t : targetsMs)
        if (!(t > 0) || !std::isfinite(t)) return badInput(fmt::format("training target {} ms: latencies must be positive.", t));
    for (size_t c : o.baseColumns)
        if (c >= width) return badInput(fmt::format("base column {} of rows with {} features.", c, width));
    Regressor base;
    if (!o.baseColumns.empty())
        if (Status s = base.fitBase(rows, targetsMs, o.baseColumns); !s) return s.error();
    std::vector<float> labels;
    for (size_t i = 0; i < targetsMs.size(); ++i) {
        const double t = o.baseColumns.empty() ? targetsMs[i] : targetsMs[i] / base.baseMs(rows[i].data(), width);
        labels.push_back(float(o.logTarget || !o.baseColumns.empty() ? std::log(t) : t));
    }
    double mean = 0;
    for (float l : labels) mean += l / double(labels.size());
    Result<Matrix> m = matrixOf(rows, width);
    if (!m) return m.error();
    if (XGDMatrixSetFloatInfo(m.value().get(), "label", labels.data(), labels.size()) != 0) return xgbError("setting labels");
    DMatrixHandle mats[] = {m.value().get()};
    BoosterHandle h = nullptr;
    if (XGBoosterCreate(mats, 1, &h) != 0) return xgbError("creating a booster");
    Booster b(h);
    const bool forest = o.kind == RegressorKind::RandomForest;
    const std::vector<std::pair<std::string, std::string>> params{
        {"objective", "reg:squarederror"},
        {"tree_method", "exact"},
        {"max_depth", std::to_string(o.maxDepth)},
        {"eta", forest ? "1" : fmt::format("{}", o.learningRate)},
        {"subsample", fmt::format("{}", o.subsample)},
        {forest ? "colsample_bynode" : "colsample_bytree", fmt::format("{}", o.columnSample)},
        {"min_child_weight", fmt::format("{}", o.minChildWeight)},
        // One round of deep trees: an L2 penalty would pull every small leaf toward the base score.
        {"lambda", forest ? "0" : "1"},
        {"base_score", fmt::format("{}", mean)},
        {"num_parallel_tree", forest ? std::to_string(o.trees) : "1"},
        {"seed", std::to_string(o.seed)},
        {"nthread", std::to_string(std::max(1, o.threads))},
        {"verbosity", "0"},
    };
    for (const auto& [k, v] : params)
        if (XGBoosterSetParam(h, k.c_str(), v.c_str()) != 0) return xgbError("setting " + k);
    const int rounds = forest ? 1 : o.trees;
    for (int i = 0; i < rounds; ++i)
        if (XGBoosterUpdateOneIter(h, i, m.value().get()) != 0) return xgbError("training");
    bst_ulong len = 0;
    const char* data = nullptr;
    if (XGBoosterSaveModelToBuffer(h, R"({"format": "json"})", &len, &data) != 0) return xgbError("saving the model");
    std::string text(data, len);
    const Json model = Json::parse(text, nullptr, false);
    if (model.is_discarded()) return badInput("regressor: XGBoost saved a model that is not JSON.");
    Result<Regressor> r = fromXgboostJson(model, std::move(text), o.kind, o.logTarget || !o.baseColumns.empty(), width);
    if (!r) return r.error();
    r.value().m_baseColumns = base.m_baseColumns;
    r.value().m_baseCoefficients = base.m_baseCoefficients;
    r.value().m_baseScale = base.m_baseScale;
    r.value().m_baseFloorMs = base.m_baseFloorMs;
    return r;
}

Status Regressor::fitBase(const FeatureRows& rows, const std::vector<double>& y, const std::vector<size_t>& columns) {
    // Normal equations of [1, x_c / scale_c] -> ms, solved by Gaussian elimination with pivoting;
    // a small ridge keeps collinear columns solvable.
    const size_t k = columns.size() + 1;
    std::vector<double> scale(columns.size(), 1.0);
    for (size_t j = 0; j < columns.size(); ++j)
        for (const auto& r : rows) scale[j] = std::max(scale[j], std::fabs(double(r[columns[j]])));
    std::vector<std::vector<double>> a(k, std::vector<double>(k + 1, 0.0));
    for (size_t i = 0; i < rows.size(); ++i) {
        std::vector<double> x(k, 1.0);
        for (size_t j = 0; j < columns.size(); ++j) {
            const double v = double(rows[i][columns[j]]);
            x[j + 1] = std::isfinite(v) ? v / scale[j] : 0.0;
        }
        // Weighted by 1 / y^2: the fit minimises relative errors, so small kernels count as much
        // as large ones (the trees correct what is left, in log space).
        const double w = 1.0 / (y[i] * y[i]);
        for (size_t p = 0; p < k; ++p) {
            for (size_t q = 0; q < k; ++q) a[p][q] += w * x[p] * x[q];
            a[p][k] += w * x[p] * y[i];
        }
    }
    for (size_t p = 0; p < k; ++p) a[p][p] += 1e-9 * a[p][p] + 1e-300;
    for (size_t c = 0; c < k; ++c) {
        size_t pivot = c;
        for (size_t r = c + 1; r < k; ++r)
            if (std::fabs(a[r][c]) > std::fabs(a[pivot][c])) pivot = r;
        std::swap(a[c], a[pivot]);
        if (std::fabs(a[c][c]) < 1e-300) return internalError("the base model's least-squares system is singular.");
        for (size_t r = 0; r < k; ++r) {
            if (r == c) continue;
            const double f = a[r][c] / a[c][c];
            for (size_t q = c; q <= k; ++q) a[r][q] -= f * a[c][q];
        }
    }
    m_baseColumns = columns;
    m_baseScale = scale;
    m_baseCoefficients.assign(k, 0.0);
    for (size_t p = 0; p < k; ++p) m_baseCoefficients[p] = a[p][k] / a[p][p];
    m_baseFloorMs = *std::min_element(y.begin(), y.end()) / 10;
    return Ok{};
}

double Regressor::baseMs(const float* x, size_t count) const {
    if (m_baseColumns.empty()) return 1.0;
    double ms = m_baseCoefficients[0];
    for (size_t j = 0; j < m_baseColumns.size(); ++j) {
        const size_t c = m_baseColumns[j];
        const double v = c < count ? double(x[c]) : 0.0;
        if (std::isfinite(v)) ms += m_baseCoefficients[j + 1] * v / m_baseScale[j];
    }
    return std::max(ms, m_baseFloorMs);
}

Result<Regressor> Regressor::fromXgboostJson(const Json& j, std::string text, RegressorKind kind, bool logTarget, size_t features) {
    Regressor r;
    r.m_kind = kind;
    r.m_logTarget = logTarget;
    r.m_features = features;
    r.m_xgboostJson = std::move(text);
    try {
        const Json& learner = j.at("learner");
        r.m_base = std::stod(learner.at("learner_model_param").at("base_score").get<std::string>());
        const Json& gbm = learner.at("gradient_booster");
        if (gbm.value("name", "") != "gbtree") return badInput("regressor: only XGBoost tree boosters (gbtree) are read.");
        if (features > kFeatureMask + 1)
            return badInput(fmt::format("regressor: {} features; at most {} are supported.", features, kFeatureMask + 1));
        for (const Json& t : gbm.at("model").at("trees")) {
            const auto left = t.at("left_children").get<std::vector<int32_t>>();
            const auto right = t.at("right_children").get<std::vector<int32_t>>();
            const auto feature = t.at("split_indices").get<std::vector<int32_t>>();
            const auto value = t.at("split_conditions").get<std::vector<float>>();
            const auto defaultLeft = t.at("default_left").get<std::vector<uint8_t>>();
            const size_t n = left.size();
            if (n == 0 || right.size() != n || feature.size() != n || value.size() != n || defaultLeft.size() != n)
                return badInput("regressor: a tree's arrays differ in length.");
            if (n > kChildMask) return badInput(fmt::format("regressor: a tree of {} nodes is larger than supported.", n));
            for (size_t i = 0; i < n; ++i) {
                const bool leaf = left[i] < 0;
                if (!leaf && (left[i] >= int32_t(n) || right[i] < 0 || right[i] >= int32_t(n) || left[i] <= int32_t(i) ||
                              right[i] <= int32_t(i) || left[i] == right[i] || feature[i] < 0 || size_t(feature[i]) >= features))
                    return badInput(fmt::format("regressor: tree node {} points outside its tree or its features.", i));
            }
            // Breadth-first renumbering: XGBoost's node i becomes order[i]; children get
            // consecutive numbers. Children lie after their parent, so every node is reached once.
            std::vector<int32_t> order(n, -1), byNew;
            order[0] = 0;
            byNew.push_back(0);
            for (size_t k = 0; k < byNew.size(); ++k) {
                const int32_t old = byNew[k];
                if (left[size_t(old)] < 0) continue;
                for (int32_t child : {left[size_t(old)], right[size_t(old)]}) {
                    if (order[size_t(child)] >= 0) return badInput(fmt::format("regressor: tree node {} has two parents.", child));
                    order[size_t(child)] = int32_t(byNew.size());
                    byNew.push_back(child);
                }
            }
            r.m_roots.push_back(uint32_t(r.m_nodes.size()));
            for (const int32_t old : byNew) {
                const size_t i = size_t(old);
                if (left[i] < 0) {
                    r.m_nodes.push_back({value[i], kLeaf});
                } else {
                    const uint32_t meta =
                        uint32_t(order[size_t(left[i])]) | uint32_t(feature[i]) << kFeatureShift | (defaultLeft[i] ? kMissingLeft : 0u);
                    r.m_nodes.push_back({value[i], meta});
                }
            }
        }
    } catch (const std::exception& e) {
        return badInput(fmt::format("regressor: the XGBoost model lacks a field ({}).", e.what()));
    }
    r.buildCompleteTrees();
    return r;
}

Result<Regressor> Regressor::fromJson(const std::string& text) {
    const Json j = Json::parse(text, nullptr, false);
    if (j.is_discarded()) return badInput("regressor: not a kernelmeter.regressor/1 JSON document.");
    return fromJson(j);
}

Result<Regressor> Regressor::fromJson(const Json& j) {
    if (!j.is_object() || j.value("schema", "") != "kernelmeter.regressor/1")
        return badInput("regressor: not a kernelmeter.regressor/1 JSON document.");
    const std::string kind = j.value("kind", "");
    if (kind != "random_forest" && kind != "gradient_boosted") return badInput(fmt::format("regressor: unknown kind '{}'.", kind));
    if (!j.contains("xgboost") || !j.at("features").is_number_unsigned())
        return badInput("regressor: fields 'xgboost' and 'features' are required.");
    const Json& model = j.at("xgboost");
    if (!model.is_object()) return badInput("regressor: field 'xgboost' is not an XGBoost model.");
    Result<Regressor> r =
        fromXgboostJson(model, model.dump(), kind == "random_forest" ? RegressorKind::RandomForest : RegressorKind::GradientBoosted,
                        j.value("log_target", true), j.at("features").get<size_t>());
    if (!r || !j.contains("base")) return r;
    try {
        const Json& b = j.at("base");
        Regressor& reg = r.value();
        reg.m_baseColumns = b.at("columns").get<std::vector<size_t>>();
        reg.m_baseCoefficients = b.at("coefficients").get<std::vector<double>>();
        reg.m_baseScale = b.at("scale").get<std::vector<double>>();
        reg.m_baseFloorMs = b.at("floor_ms").get<double>();
        if (reg.m_baseCoefficients.size() != reg.m_baseColumns.size() + 1 || reg.m_baseScale.size() != reg.m_baseColumns.size())
            return badInput("regressor: field 'base' has arrays of the wrong lengths.");
        for (size_t c : reg.m_baseColumns)
            if (c >= reg.m_features) return badInput("regressor: field 'base' names a column beyond the features.");
    } catch (const std::exception& e) {
        return badInput(fmt::format("regressor: field 'base': {}", e.what()));
    }
    return r;
}

std::string Regressor::toJson() const {
    Json j{
        {"schema", "kernelmeter.regressor/1"}, {"kind", regressorKindName(m_kind)}, {"log_target", m_logTarget}, {"features", m_features}};
    if (!m_baseColumns.empty())
        j["base"] = {{"columns", m_baseColumns}, {"coefficients", m_baseCoefficients}, {"scale", m_baseScale}, {"floor_ms", m_baseFloorMs}};
    Json model = Json::parse(m_xgboostJson);
    // Training statistics (split gains, node covers, inner-node weights) take 45% of the text and
    // most of the deflated size, and neither our tree walk nor XGBoost's prediction reads them:
    // saved as zeros of the same length, so XGBoost still loads the model (tested).
    if (Json* trees = model.contains("learner") ? &model["learner"]["gradient_booster"]["model"]["trees"] : nullptr;
        trees && trees->is_array())
        for (Json& t : *trees)
            for (const char* key : {"loss_changes", "sum_hessian", "base_weights"})
                if (t.contains(key) && t[key].is_array()) t[key] = Json(std::vector<double>(t[key].size(), 0.0));
    j["xgboost"] = std::move(model);
    return j.dump();
}

void Regressor::buildCompleteTrees() {
    m_completeDepth = 0;
    m_completeNodes.clear();
    m_completeMissingLeft.clear();
    m_completeLeaves.clear();
    m_completeFeatures = 0;
    // The deepest tree's depth (a node's depth is one more than its parent's; parents come first).
    int depth = 0;
    std::vector<int> nodeDepth(m_nodes.size(), 0);
    for (size_t t = 0; t < m_roots.size(); ++t) {
        const size_t end = t + 1 < m_roots.size() ? m_roots[t + 1] : m_nodes.size();
        for (size_t i = m_roots[t]; i < end; ++i) {
            if (m_nodes[i].meta & kLeaf) continue;
            const size_t left = m_roots[t] + (m_nodes[i].meta & kChildMask);
            nodeDepth[left] = nodeDepth[left + 1] = nodeDepth[i] + 1;
            depth = std::max(depth, nodeDepth[i] + 1);
            if (depth > kMaxCompleteDepth) return;
        }
    }
    if (m_roots.empty() || depth == 0) return;
    const size_t splits = (size_t{1} << depth) - 1, leaves = size_t{1} << depth;
    const size_t groups = (m_roots.size() + kCompleteLanes - 1) / kCompleteLanes;
    // The trees of a group interleaved (position-major, then lane), so that one base address
    // serves all its lanes; a last group's missing trees have padding splits and zero leaves.
    m_completeNodes.assign(groups * kCompleteLanes * splits, CompleteNode{0.0f, 0u});
    m_completeMissingLeft.assign(m_completeNodes.size(), 0);
    m_completeLeaves.assign(groups * kCompleteLanes * leaves, 0.0f);
    for (size_t t = 0; t < m_roots.size(); ++t) {
        const size_t group = t / kCompleteLanes, lane = t % kCompleteLanes;
        CompleteNode* nodes = m_completeNodes.data() + group * kCompleteLanes * splits + lane;
        uint8_t* missingLeft = m_completeMissingLeft.data() + group * kCompleteLanes * splits + lane;
        float* leafValues = m_completeLeaves.data() + group * kCompleteLanes * leaves + lane;
        // (node in m_nodes, position in the complete tree); a leaf at position p covers the
        // complete tree's leaves below p.
        std::vector<std::pair<uint32_t, size_t>> stack{{m_roots[t], 0}};
        while (!stack.empty()) {
            const auto [at, position] = stack.back();
            stack.pop_back();
            const TreeNode n = m_nodes[at];
            if (n.meta & kLeaf) {
                size_t first = position, count = 1;
                while (first < splits) {
                    first = 2 * first + 1;
                    count *= 2;
                }
                for (size_t j = first - splits; j < first - splits + count; ++j) leafValues[j * kCompleteLanes] = n.value;
                continue;
            }
            const uint32_t feature = (n.meta >> kFeatureShift) & kFeatureMask;
            nodes[position * kCompleteLanes] = {n.value, feature};
            missingLeft[position * kCompleteLanes] = (n.meta & kMissingLeft) != 0;
            m_completeFeatures |= uint64_t{1} << feature;
            const uint32_t left = m_roots[t] + (n.meta & kChildMask);
            stack.push_back({left, 2 * position + 1});
            stack.push_back({left + 1, 2 * position + 2});
        }
    }
    m_completeDepth = depth;
}

template <bool kMayBeMissing>
double Regressor::walkCompleteTrees(const float* x, double sum) const {
    // A group's trees together, one level of each per step: no branch depends on the data (a
    // stream of different networks defeats branch prediction on tree paths; one network predicted
    // over and over does not, and flatters branchy walks: docs/performance.md), and the loads of
    // the lanes do not wait for each other. Position p's children are 2p + 1 and 2p + 2.
    constexpr size_t kLanes = kCompleteLanes;
    const size_t splits = (size_t{1} << m_completeDepth) - 1, leaves = splits + 1;
    const size_t trees = m_roots.size(), groups = (trees + kLanes - 1) / kLanes;
    for (size_t g = 0; g < groups; ++g) {
        const size_t first = g * kLanes * splits;
        const CompleteNode* nodes = m_completeNodes.data() + first;
        uint32_t at[kLanes] = {};
        for (int d = 0; d < m_completeDepth; ++d)
            for (size_t l = 0; l < kLanes; ++l) {
                const CompleteNode n = nodes[at[l] * kLanes + l];
                const float v = x[n.feature];
                bool right = v >= n.threshold;
                if constexpr (kMayBeMissing) right = right || (std::isnan(v) && !m_completeMissingLeft[first + at[l] * kLanes + l]);
                at[l] = 2 * at[l] + 1 + uint32_t(right);
            }
        const float* leafValues = m_completeLeaves.data() + g * kLanes * leaves;
        for (size_t l = 0; l < kLanes && g * kLanes + l < trees; ++l) sum += leafValues[(at[l] - splits) * kLanes + l];
    }
    return sum;
}

double Regressor::walkTrees(const float* x, double sum) const {
    // Trees are walked eight at a time, a level of each per pass: the eight node loads do not
    // depend on each other, so their cache misses overlap (the forests are megabytes).
    constexpr size_t kLanes = 8;
    const TreeNode* nodes = m_nodes.data();
    for (size_t first = 0; first < m_roots.size(); first += kLanes) {
        const size_t lanes = std::min(kLanes, m_roots.size() - first);
        uint32_t root[kLanes], at[kLanes];
        for (size_t l = 0; l < lanes; ++l) root[l] = at[l] = m_roots[first + l];
        for (bool moving = true; moving;) {
            moving = false;
            for (size_t l = 0; l < lanes; ++l) {
                const TreeNode n = nodes[at[l]];
                if (n.meta & kLeaf) continue;
                moving = true;
                const float v = x[(n.meta >> kFeatureShift) & kFeatureMask];
                const bool left = std::isnan(v) ? (n.meta & kMissingLeft) != 0 : v < n.value;
                at[l] = root[l] + (n.meta & kChildMask) + (left ? 0u : 1u);
            }
        }
        for (size_t l = 0; l < lanes; ++l) sum += nodes[at[l]].value;
    }
    return sum;
}

double Regressor::stepsPerPrediction() const {
    if (m_completeDepth > 0) return double(m_roots.size()) * m_completeDepth;
    double steps = 0;
    std::vector<int> depth(m_nodes.size(), 0);
    for (size_t t = 0; t < m_roots.size(); ++t) {
        const size_t end = t + 1 < m_roots.size() ? m_roots[t + 1] : m_nodes.size();
        double sum = 0, leaves = 0;
        for (size_t i = m_roots[t]; i < end; ++i) {
            if (m_nodes[i].meta & kLeaf) {
                sum += depth[i];
                ++leaves;
                continue;
            }
            const size_t left = m_roots[t] + (m_nodes[i].meta & kChildMask);
            depth[left] = depth[left + 1] = depth[i] + 1;
        }
        steps += leaves > 0 ? sum / leaves : 0;
    }
    return steps;
}

double Regressor::predictMs(const float* x, size_t count) const {
    // Features the caller did not pass are missing (NaN), as in XGBoost.
    std::array<float, kFeatureMask + 1> padded;
    if (count < m_features) {
        padded.fill(std::nanf(""));
        std::copy(x, x + count, padded.begin());
        x = padded.data();
    }
    double sum = m_base;
    if (m_completeDepth > 0) {
        // A missing feature the trees split on needs each split's default direction; without one,
        // a plain comparison is the whole step.
        bool missing = false;
        for (uint64_t used = m_completeFeatures; used; used &= used - 1) missing = missing || std::isnan(x[std::countr_zero(used)]);
        sum = missing ? walkCompleteTrees<true>(x, sum) : walkCompleteTrees<false>(x, sum);
    } else {
        sum = walkTrees(x, sum);
    }
    return (m_logTarget ? std::exp(sum) : sum) * baseMs(x, std::max(count, m_features));
}

Result<std::vector<double>> Regressor::predictWithXgboost(const FeatureRows& rows) const {
    Result<Booster> b = boosterFrom(m_xgboostJson);
    if (!b) return b.error();
    Result<Matrix> m = matrixOf(rows, m_features);
    if (!m) return m.error();
    bst_ulong len = 0;
    const float* out = nullptr;
    if (XGBoosterPredict(b.value().get(), m.value().get(), 0, 0, 0, &len, &out) != 0) return xgbError("predicting");
    std::vector<double> ms;
    for (bst_ulong i = 0; i < len; ++i)
        ms.push_back((m_logTarget ? std::exp(double(out[i])) : double(out[i])) * baseMs(rows[i].data(), rows[i].size()));
    return ms;
}

}  // namespace km

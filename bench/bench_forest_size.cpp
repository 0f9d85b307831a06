// SPDX-License-Identifier: Apache-2.0
// How accuracy and prediction cost depend on the size of the kernel regressors (docs/performance.md):
// for each kernel type of a built predictor, the kernels it was trained on are split into five
// folds; each regressor setting is trained on four and scored on the fifth, with the build's own
// features and base model. Prints per setting the share of held-out kernels within 10% and 5%
// (pooled over all types and per type) and the tree steps one prediction walks. No measuring: the
// kernel times are the predictor's own.
//   build/bench/bench/bench_forest_size PREDICTOR.json [TYPE...]
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include "predict/features.h"
#include "predict/predictor.h"
#include "predict/regressor.h"

namespace {

struct Setting {
    std::string name;
    km::RegressorKind kind;
    int trees;
    double learningRate;  // boosting only
};

struct Score {
    size_t n = 0, within10 = 0, within5 = 0;
    void add(double predicted, double measured) {
        const double e = std::fabs(predicted / measured - 1);
        ++n;
        within10 += e <= 0.10;
        within5 += e <= 0.05;
    }
    std::string text() const {
        return n ? fmt::format("{:5.1f}% {:5.1f}%", 100.0 * double(within10) / double(n), 100.0 * double(within5) / double(n)) : "-";
    }
};

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        fmt::print(stderr, "usage: bench_forest_size PREDICTOR.json [TYPE...]\n");
        return 2;
    }
    std::ifstream in(argv[1]);
    std::stringstream text;
    text << in.rdbuf();
    km::Result<km::PredictorSet> set = km::PredictorSet::fromJson(text.str(), argv[1]);
    if (!set) {
        fmt::print(stderr, "{}\n", set.error().message);
        return 1;
    }
    std::vector<std::string> only(argv + 2, argv + argc);
    const std::vector<Setting> settings{
        {"GB 200 x 0.1", km::RegressorKind::GradientBoosted, 200, 0.1},
        {"GB 100 x 0.2", km::RegressorKind::GradientBoosted, 100, 0.2},
        {"GB 60 x 0.3", km::RegressorKind::GradientBoosted, 60, 0.3},
        {"RF 100", km::RegressorKind::RandomForest, 100, 1},
        {"RF 50", km::RegressorKind::RandomForest, 50, 1},
        {"RF 25", km::RegressorKind::RandomForest, 25, 1},
    };
    std::vector<Score> pooled(settings.size());
    std::vector<double> steps(settings.size(), 0);
    size_t typesScored = 0;
    fmt::print("{:<26}{:>6}", "type (built as)", "rows");
    for (const Setting& s : settings) fmt::print("  {:>13}", s.name);
    fmt::print("\n");
    for (const auto& [type, predictor] : set.value().types) {
        if (!only.empty() && std::find(only.begin(), only.end(), type) == only.end()) continue;
        km::FeatureRows rows;
        std::vector<double> ms;
        for (const km::KernelSample& k : predictor.training) {
            km::Result<km::KernelFeatures> f = km::specFeatures(k.spec);
            if (!f) continue;
            rows.emplace_back(f.value().begin(), f.value().end());
            ms.push_back(k.ms);
        }
        if (rows.size() < 50) continue;
        ++typesScored;
        std::vector<size_t> fold(rows.size());
        std::mt19937 rng(7);
        for (size_t i = 0; i < fold.size(); ++i) fold[i] = i % 5;
        std::shuffle(fold.begin(), fold.end(), rng);
        fmt::print("{:<26}{:>6}", fmt::format("{} ({})", type, predictor.regressor.kind() == km::RegressorKind::RandomForest ? "RF" : "GB"),
                   rows.size());
        for (size_t s = 0; s < settings.size(); ++s) {
            Score score;
            for (size_t f = 0; f < 5; ++f) {
                km::FeatureRows train, test;
                std::vector<double> trainMs, testMs;
                for (size_t i = 0; i < rows.size(); ++i) {
                    (fold[i] == f ? test : train).push_back(rows[i]);
                    (fold[i] == f ? testMs : trainMs).push_back(ms[i]);
                }
                km::RegressorOptions o = km::RegressorOptions::forKind(settings[s].kind);
                o.trees = settings[s].trees;
                if (settings[s].kind == km::RegressorKind::GradientBoosted) o.learningRate = settings[s].learningRate;
                o.baseColumns = {size_t(km::Feature::Flops), size_t(km::Feature::BytesIn), size_t(km::Feature::BytesOut),
                                 size_t(km::Feature::BytesWeights)};
                km::Result<km::Regressor> r = km::Regressor::train(train, trainMs, o);
                if (!r) {
                    fmt::print(stderr, "{}: {}\n", type, r.error().message);
                    return 1;
                }
                for (size_t i = 0; i < test.size(); ++i) {
                    const double p = r.value().predictMs(test[i]);
                    score.add(p, testMs[i]);
                    pooled[s].add(p, testMs[i]);
                }
                if (f == 0) steps[s] += double(r.value().stepsPerPrediction());
            }
            fmt::print("  {:>13}", score.text());
        }
        fmt::print("\n");
    }
    fmt::print("{:<32}", "all types (within 10%, 5%)");
    for (const Score& s : pooled) fmt::print("  {:>13}", s.text());
    fmt::print("\n{:<32}", "tree steps per prediction");
    for (double s : steps) fmt::print("  {:>13.0f}", typesScored ? s / double(typesScored) : 0.0);
    fmt::print("\n");
    return 0;
}

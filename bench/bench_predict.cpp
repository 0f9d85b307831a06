// SPDX-License-Identifier: Apache-2.0
// Prediction speed (docs/performance.md): a MobileNetV2 graph already in memory (partition, features, tree
// walks, sum) and the same from its ONNX file, beside reading the file's bytes. The predictor is
// $KM_BENCH_PREDICTOR (a build-predictor JSON) or, without it, one trained here on synthetic
// kernel times with the default regressor settings and 150 samples per kernel type: speed does
// not depend on what the trees learned, only on their number and depth.
//   build/test/bench/bench_predict --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "bench_models.h"
#include "fusion/partition.h"
#include "onnx/onnx_loader.h"
#include "predict/features.h"
#include "predict/predictor.h"
#include "workflows/device_analyzer.h"
#include "zoo/zoo.h"

namespace {

std::string modelPath() { return benchModelsDir() + "/real/mobilenet_v2.onnx"; }

const km::PredictorSet& predictor() {
    static const km::PredictorSet set = [] {
        if (const char* env = std::getenv("KM_BENCH_PREDICTOR")) {
            std::ifstream in(env);
            std::stringstream text;
            text << in.rdbuf();
            return km::PredictorSet::fromJson(text.str(), env).value();
        }
        km::PredictorSet s;
        s.deviceId = "opencv-t1";
        const km::Prior prior = km::loadPrior(KM_SOURCE_DATA_DIR "/priors").value();
        const km::Graph g = km::loadModelFile(modelPath()).value();
        std::set<std::string> types;
        const km::RuleSet rules = km::loadRuleSetFile(KM_SOURCE_DATA_DIR "/rules/opencv-t1.json").value();
        for (const auto& k : km::partitionGraph(g, rules).kernels) types.insert(k.type);
        for (const auto& type : types) {
            km::FeatureRows rows;
            std::vector<double> ms;
            for (const auto& spec : km::sampleSpecs(prior, type, 150, km::SamplerOptions{})) {
                auto f = km::specFeatures(spec);
                if (!f.ok()) continue;
                rows.emplace_back(f.value().begin(), f.value().end());
                ms.push_back(0.002 + 1e-9 * double(spec.h * spec.w * spec.cin * spec.cout * spec.kernel));
            }
            km::RegressorOptions o = km::RegressorOptions::forKind(km::RegressorKind::GradientBoosted);
            auto r = km::Regressor::train(rows, ms, o);
            if (r.ok()) s.types[type] = km::KernelTypePredictor{std::move(r).value(), {}, rows.size(), km::ErrorBand{}, {}};
        }
        return s;
    }();
    return set;
}

// The fusion rules of the predictor's device (opencv-t1's for the synthetic predictor): kernels
// partitioned for another runtime would find no regressor of their type.
const km::RuleSet& rules() {
    static const km::RuleSet r = [] {
        const std::string device = std::getenv("KM_BENCH_PREDICTOR") ? predictor().deviceId : "opencv-t1";
        return km::loadRuleSetFile(KM_SOURCE_DATA_DIR "/rules/" + device + ".json").value();
    }();
    return r;
}

// The one prediction path (workflows/device_analyzer.h) with this benchmark's predictor and rules.
const km::DeviceAnalyzer& analyzer() {
    static const km::DeviceAnalyzer a(predictor().deviceId, std::make_shared<const km::RuleSet>(rules()),
                                      std::make_shared<const km::PredictorSet>(predictor()));
    return a;
}

// The inner loop the path runs per device (partition, metrics, kernel predictions, sum), on a
// graph in memory.
void predictInMemory(benchmark::State& state) {
    const km::Graph g = km::loadModelFile(modelPath()).value();
    const km::PredictorSet& p = predictor();
    double total = 0;
    for (auto _ : state) {
        const km::KernelPartition part = km::partitionGraph(g, rules());
        const km::ModelPrediction m = km::predictModel(part, km::computeGraphMetrics(g).perNode, p);
        total += m.totalMs;
    }
    benchmark::DoNotOptimize(total);
    state.counters["models_per_s"] = benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}

// A different MobileNetV2-like network each time (64 generated variants: widths, depths, kernel
// sizes, resolutions), as an architecture search predicts them: repeating one graph lets the
// CPU's branch predictors learn the trees' paths, which a stream of new candidates does not allow.
void predictInMemoryVaried(benchmark::State& state) {
    std::vector<km::Graph> graphs;
    double kernels = 0;
    for (uint32_t seed = 1; seed <= 64; ++seed) {
        const km::ZooModel z = km::generateZooModel("mobilenetv2", seed).value();
        graphs.push_back(km::loadOnnxBytes(z.bytes.data(), z.bytes.size(), z.name, "").value());
        kernels += double(km::partitionGraph(graphs.back(), rules()).kernels.size()) / 64;
    }
    const km::PredictorSet& p = predictor();
    double total = 0;
    size_t next = 0;
    for (auto _ : state) {
        const km::Graph& g = graphs[next++ % graphs.size()];
        const km::KernelPartition part = km::partitionGraph(g, rules());
        total += km::predictModel(part, km::computeGraphMetrics(g).perNode, p).totalMs;
    }
    benchmark::DoNotOptimize(total);
    state.counters["models_per_s"] = benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
    state.counters["kernels"] = kernels;
}

// The same with a kernel prediction cache kept across models, as an architecture search would
// keep it: here every model after the first finds all its kernels in the cache.
void predictInMemoryCached(benchmark::State& state) {
    const km::Graph g = km::loadModelFile(modelPath()).value();
    const km::PredictorSet& p = predictor();
    km::KernelPredictionCache cache;
    double total = 0;
    for (auto _ : state) {
        const km::KernelPartition part = km::partitionGraph(g, rules());
        total += km::predictModel(part, km::computeGraphMetrics(g).perNode, p, &cache).totalMs;
    }
    benchmark::DoNotOptimize(total);
    state.counters["models_per_s"] = benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}

// What `kernelmeter-cli predict` does per file: read and parse once, the device's spellings as a
// pass, then the analysis with the kernel <-> node maps.
void predictFromFile(benchmark::State& state) {
    double total = 0;
    for (auto _ : state) {
        const auto model = km::ModelFile::read(modelPath()).value();
        total += analyzer().analyze(*model).prediction.totalMs;
    }
    benchmark::DoNotOptimize(total);
}

// The whole path for a graph built in memory (an architecture search's candidate): pattern
// passes, metrics, partition, prediction and maps.
void analyzeInMemory(benchmark::State& state) {
    km::LoadOptions raw;
    raw.recognisePatterns = false;
    const km::Graph literal = km::loadModelFile(modelPath(), raw).value();
    double total = 0;
    for (auto _ : state) {
        const auto model = km::ModelFile::fromGraph(literal, "mobilenet_v2");
        total += analyzer().analyze(*model).prediction.totalMs;
    }
    benchmark::DoNotOptimize(total);
    state.counters["models_per_s"] = benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}

void partitionOnly(benchmark::State& state) {
    const km::Graph g = km::loadModelFile(modelPath()).value();
    for (auto _ : state) benchmark::DoNotOptimize(km::partitionGraph(g, rules()).kernels.size());
}

void metricsOnly(benchmark::State& state) {
    const km::Graph g = km::loadModelFile(modelPath()).value();
    for (auto _ : state) benchmark::DoNotOptimize(km::computeGraphMetrics(g).perNode.size());
}

void loadFileOnly(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(km::loadModelFile(modelPath()).value().nodes().size());
}

}  // namespace

BENCHMARK(predictInMemory)->Unit(benchmark::kMicrosecond);
BENCHMARK(predictInMemoryVaried)->Unit(benchmark::kMicrosecond);
BENCHMARK(predictInMemoryCached)->Unit(benchmark::kMicrosecond);
BENCHMARK(predictFromFile)->Unit(benchmark::kMillisecond);
BENCHMARK(analyzeInMemory)->Unit(benchmark::kMicrosecond);
BENCHMARK(partitionOnly)->Unit(benchmark::kMicrosecond);
BENCHMARK(metricsOnly)->Unit(benchmark::kMicrosecond);
BENCHMARK(loadFileOnly)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();

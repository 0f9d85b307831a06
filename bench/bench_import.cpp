// SPDX-License-Identifier: Apache-2.0
// Import speed: a ResNet-50 ONNX file (102 MB of weights) and a 1,000-node graph, with plain
// reading of the same bytes as the floor, and the SHA-256 of those bytes (every model, generated
// network and kernel file is hashed). Numbers and the command live in docs/performance.md.
//   build/test/bench/bench_import --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "bench_models.h"
#include "common/sha256.h"
#include "graph/metrics.h"
#include "onnx/onnx_loader.h"

namespace {

void readBytesOnly(benchmark::State& state, const std::string& rel) {
    const std::string path = benchModelsDir() + "/" + rel;
    for (auto _ : state) {
        std::ifstream in(path, std::ios::binary | std::ios::ate);
        std::string bytes(static_cast<size_t>(std::max<std::streamoff>(in.tellg(), 0)), '\0');
        in.seekg(0);
        if (bytes.empty() || !in.read(bytes.data(), static_cast<std::streamsize>(bytes.size())))
            state.SkipWithError(("cannot read " + path).c_str());
        benchmark::DoNotOptimize(bytes.data());
    }
}

void importModel(benchmark::State& state, const std::string& rel) {
    const std::string path = benchModelsDir() + "/" + rel;
    size_t nodes = 0;
    for (auto _ : state) {
        km::Result<km::Graph> g = km::loadModelFile(path);
        if (!g) {
            state.SkipWithError(g.error().message.c_str());
            break;
        }
        nodes = g.value().nodes().size();
        benchmark::DoNotOptimize(km::computeGraphMetrics(g.value()).total.macs);
    }
    state.counters["nodes"] = static_cast<double>(nodes);
}

// SHA-256 of the ResNet-50 file's bytes, by the CPU's SHA extensions where sha256Hex has them
// or by the specification's code alone.
void hashBytes(benchmark::State& state, bool portable) {
    const std::string path = benchModelsDir() + "/real/resnet50.onnx";
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.empty()) state.SkipWithError(("cannot read " + path).c_str());
    for (auto _ : state) benchmark::DoNotOptimize(portable ? km::sha256HexPortable(bytes) : km::sha256Hex(bytes));
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(bytes.size()));
    state.SetLabel(portable || !km::sha256UsesCpuExtensions() ? "portable code" : "SHA extensions");
}

}  // namespace

BENCHMARK_CAPTURE(hashBytes, resnet50_sha256, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(hashBytes, resnet50_sha256_portable, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(readBytesOnly, resnet50_file, std::string("real/resnet50.onnx"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(importModel, resnet50, std::string("real/resnet50.onnx"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(importModel, deep_1000_nodes, std::string("bench/deep_1000_nodes.onnx"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(importModel, shufflenet_v2_folding, std::string("real/shufflenet_v2_x1_0.onnx"))->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();

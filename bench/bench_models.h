// SPDX-License-Identifier: Apache-2.0
// Where the benchmarks find their model files: $KM_BENCH_MODELS, else the fixtures of the build
// tree when it has the tests (KM_DEFAULT_BENCH_MODELS), else the working directory.
#pragma once

#include <cstdlib>
#include <string>

inline std::string benchModelsDir() {
    if (const char* env = std::getenv("KM_BENCH_MODELS")) return env;
#ifdef KM_DEFAULT_BENCH_MODELS
    return KM_DEFAULT_BENCH_MODELS;
#else
    return ".";
#endif
}

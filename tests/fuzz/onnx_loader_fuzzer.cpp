// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the model readers: any bytes must give a Graph or a clear error, never a
// crash, hang or huge allocation. Built with KM_FUZZ=ON (Clang); CTest runs it for 60 seconds.
#include <cstddef>
#include <cstdint>
#include <string>

#include "graph/metrics.h"
#include "onnx/onnx_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    km::Result<km::Graph> onnx = km::loadOnnxBytes(data, size, "fuzz.onnx", "");
    if (onnx) (void)km::computeGraphMetrics(onnx.value());
    if (size > 0 && (data[0] == '{' || data[0] == '[')) {
        km::Result<km::Graph> ir = km::loadNnMeterIrText(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json");
        if (ir) (void)km::computeGraphMetrics(ir.value());
    }
    return 0;
}

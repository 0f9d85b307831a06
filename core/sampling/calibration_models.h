// Generated networks for calibrating a predictor's model-level terms (the per-model overhead and
// the in-network kernel scale, docs/predictors.md). Kernels measured one by one run with their
// weights and inputs hot in cache; inside a network they do not, and every layer pays its own
// dispatch. A small set of whole networks, measured as such, fits that difference. They are built
// from seeded random choices (resolution, widths, block kinds from residual, inverted-residual with
// optional squeeze-excite, dense concatenation and shuffle blocks, activations), so they look like
// real CNNs without being any of the networks a predictor is evaluated on.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"

namespace km {

struct CalibrationModel {
    std::string bytes;        // serialised ONNX (opset 14)
    std::string description;  // e.g. "r160 w24 inverted-residual x7 hswish se" (for logs and reports)
};

// Deterministic in `seed`.
Result<CalibrationModel> buildCalibrationModel(uint32_t seed);

}  // namespace km

// SPDX-License-Identifier: Apache-2.0
// Tensor shapes (NCHW for 4-D activations) and element types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace km {

// Element type of a tensor; the numbering follows ONNX's TensorProto.DataType so files map 1:1.
enum class DType : int { Undefined = 0, Float = 1, UInt8 = 2, Int8 = 3, Int32 = 6, Int64 = 7, Bool = 9, Float16 = 10, Double = 11 };

int dtypeSizeBytes(DType type);  // 0 for Undefined
std::string dtypeName(DType type);

// A shape with every dimension known (dynamic dimensions are resolved at import).
// An unknown shape (shape inference could not tell) has known == false and no dims.
struct TensorShape {
    std::vector<int64_t> dims;
    bool known = true;

    static TensorShape unknown() { return {{}, false}; }
    int rank() const { return static_cast<int>(dims.size()); }
    // Product of dims, or nullopt when unknown or when it overflows int64.
    // Inline: every prediction asks it of every tensor. The overflow test multiplies instead of
    // dividing (a 64-bit division costs more than the rest of the loop).
    std::optional<int64_t> numElements() const {
        if (!known) return std::nullopt;
        int64_t n = 1;
        for (int64_t d : dims)
            if (d < 0 || __builtin_mul_overflow(n, d, &n)) return std::nullopt;
        return n;
    }
    // "1x3x224x224", "scalar" for rank 0, "?" when unknown.
    std::string toString() const;
    bool operator==(const TensorShape&) const = default;
};

// Largest element count a single tensor may have (2^31, 8 GiB of float). Shapes beyond it are
// rejected at import as implausible rather than allocated or multiplied into overflow.
inline constexpr int64_t kMaxTensorElements = int64_t{1} << 31;

// Parses "1x3x224x224" (also "1,3,224,224"); nullopt on anything else.
std::optional<std::vector<int64_t>> parseDims(const std::string& text);

}  // namespace km

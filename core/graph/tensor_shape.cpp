// SPDX-License-Identifier: Apache-2.0
#include "graph/tensor_shape.h"

#include <algorithm>
#include <charconv>

namespace km {

int dtypeSizeBytes(DType type) {
    switch (type) {
    case DType::Float:
    case DType::Int32: return 4;
    case DType::UInt8:
    case DType::Int8:
    case DType::Bool: return 1;
    case DType::Int64:
    case DType::Double: return 8;
    case DType::Float16: return 2;
    case DType::Undefined: break;
    }
    return 0;
}

std::string dtypeName(DType type) {
    switch (type) {
    case DType::Float: return "float32";
    case DType::UInt8: return "uint8";
    case DType::Int8: return "int8";
    case DType::Int32: return "int32";
    case DType::Int64: return "int64";
    case DType::Bool: return "bool";
    case DType::Float16: return "float16";
    case DType::Double: return "float64";
    case DType::Undefined: break;
    }
    return "undefined";
}

std::string TensorShape::toString() const {
    if (!known) return "?";
    if (dims.empty()) return "scalar";
    std::string s;
    for (size_t i = 0; i < dims.size(); ++i) {
        if (i) s += 'x';
        s += std::to_string(dims[i]);
    }
    return s;
}

std::optional<std::vector<int64_t>> parseDims(const std::string& text) {
    std::vector<int64_t> dims;
    const char* p = text.data();
    const char* end = p + text.size();
    while (p < end) {
        int64_t v = 0;
        auto [next, ec] = std::from_chars(p, end, v);
        if (ec != std::errc() || v <= 0) return std::nullopt;
        dims.push_back(v);
        p = next;
        if (p == end) break;
        if (*p != 'x' && *p != ',') return std::nullopt;
        ++p;
        if (p == end) return std::nullopt;
    }
    if (dims.empty()) return std::nullopt;
    return dims;
}

}  // namespace km

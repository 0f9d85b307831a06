// SPDX-License-Identifier: Apache-2.0
// SHA-256 of bytes, as lowercase hex. Identifies model files by content (measurements, reports).
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace km {

std::string sha256Hex(std::string_view bytes);
Result<std::string> sha256OfFile(const std::string& path);

// The same digest by the specification's code alone, whatever the CPU: the reference the
// accelerated path is checked against (tests, benchmarks).
std::string sha256HexPortable(std::string_view bytes);
// Whether sha256Hex runs on the CPU's SHA extensions here.
bool sha256UsesCpuExtensions();

}  // namespace km

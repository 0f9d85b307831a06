// SPDX-License-Identifier: Apache-2.0
// SHA-256 of bytes, as lowercase hex. Identifies model files by content (measurements, reports).
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace km {

std::string sha256Hex(std::string_view bytes);
Result<std::string> sha256OfFile(const std::string& path);

}  // namespace km

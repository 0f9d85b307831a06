// SPDX-License-Identifier: Apache-2.0
// The current UTC time as ISO 8601 ("2026-11-22T18:39:06Z"), for provenance fields.
#pragma once

#include <ctime>
#include <string>

namespace km {

inline std::string utcNowIso8601() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

}  // namespace km

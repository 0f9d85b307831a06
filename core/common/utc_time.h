// SPDX-License-Identifier: Apache-2.0
// The current UTC time as ISO 8601 ("2026-11-22T18:39:06Z"), for provenance fields, and such a
// time read back.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>

namespace km {

// A time (seconds since 1970-01-01T00:00:00Z) as ISO 8601.
inline std::string iso8601Utc(std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

inline std::string utcNowIso8601() { return iso8601Utc(std::time(nullptr)); }

// Seconds since 1970-01-01T00:00:00Z of a time written by utcNowIso8601; nullopt for any other
// text (empty, another format, trailing characters).
inline std::optional<int64_t> secondsSinceEpochUtc(const std::string& iso8601) {
    std::tm tm{};
    const char* end = strptime(iso8601.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!end || *end != '\0') return std::nullopt;
    return int64_t(timegm(&tm));
}

}  // namespace km

// SPDX-License-Identifier: Apache-2.0
// Machine-readable progress of long commands (`--events` on build-predictor and detect-rules):
// one JSON object per line on stdout, flushed as it happens, each carrying
// "schema": "kernelmeter.events/1" and "event" (docs/cli.md, "Events"). With events on, the
// human-readable summary goes to stderr, so stdout holds events only; the desktop application
// reads nothing else.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "common/progress.h"
#include "common/result.h"

namespace km::cli {

inline constexpr const char* kEventsSchema = "kernelmeter.events/1";

class EventStream {
public:
    // With events on, a reader that goes away (the desktop application closed or crashed) stops
    // the command as its Cancel does (SIGTERM: termination.h) at the next event, instead of leaving
    // it to run for nobody: SIGPIPE is ignored so that the write fails and says so.
    EventStream(bool enabled, bool quiet);
    bool enabled() const { return m_enabled; }
    // Where human-readable results go: stderr while events own stdout.
    std::ostream& text() const;
    // Writes {"schema", "event", fields...} as one line (nothing when events are off).
    void emit(const std::string& event, const nlohmann::ordered_json& fields = nlohmann::ordered_json::object()) const;
    // Progress: "progress" events (whole percents or a new message) with events on, else the
    // usual lines on stderr (none when quiet).
    Progress progress() const;
    // A warning on stderr and, with events on, a "warning" event.
    void warning(const std::string& message) const;
    // Reports `error` as reportError does and, with events on, an "error" event; the exit code.
    int fail(const Error& error) const;

private:
    bool m_enabled, m_quiet;
};

}  // namespace km::cli

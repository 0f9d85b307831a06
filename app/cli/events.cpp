// SPDX-License-Identifier: Apache-2.0
#include "cli/events.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <iostream>
#include <memory>

#include "cli/commands.h"

namespace km::cli {

EventStream::EventStream(bool enabled, bool quiet) : m_enabled(enabled), m_quiet(quiet) {
    if (m_enabled) signal(SIGPIPE, SIG_IGN);
}

std::ostream& EventStream::text() const { return m_enabled ? std::cerr : std::cout; }

void EventStream::emit(const std::string& event, const nlohmann::ordered_json& fields) const {
    if (!m_enabled) return;
    nlohmann::ordered_json line{{"schema", kEventsSchema}, {"event", event}};
    for (auto it = fields.begin(); it != fields.end(); ++it) line[it.key()] = it.value();
    errno = 0;
    std::cout << line.dump() << std::endl;  // flushed: a reader follows the command live
    if (!std::cout && errno == EPIPE) kill(getpid(), SIGTERM);
}

Progress EventStream::progress() const {
    if (!m_enabled) return stderrProgress(m_quiet);
    auto last = std::make_shared<std::pair<int, std::string>>(-1, "");
    return Progress([this, last](double f, const std::string& message) {
        const int percent = int(std::floor(f * 100));
        if (percent == last->first && message == last->second) return;
        *last = {percent, message};
        emit("progress", {{"fraction", f}, {"message", message}});
    });
}

void EventStream::warning(const std::string& message) const {
    std::cerr << "kernelmeter-cli: warning: " << message << "\n";
    emit("warning", {{"message", message}});
}

int EventStream::fail(const Error& error) const {
    const int code = reportError(error);
    emit("error", {{"message", error.message}, {"exit_code", code}});
    return code;
}

}  // namespace km::cli

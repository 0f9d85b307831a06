// SPDX-License-Identifier: Apache-2.0
// One command run on a device through its transport prefix ("ssh pi@board"; empty: here), with
// bytes on its standard input and what it prints captured: how `device deploy` asks a board its
// architecture and copies the agent onto it. The command is quoted as one argument after the
// prefix, so the far side's shell runs it as ssh does.
#pragma once

#include <string>

#include "common/result.h"

namespace km {

struct CommandOutput {
    int exitCode = -1;  // -1: killed by a signal or the timeout
    std::string out, err;
};

// Runs `/bin/sh -c '<transportPrefix> <remoteCommand quoted>'` (just remoteCommand without a prefix).
// An error only when it cannot be started or runs past `timeoutSeconds` (then it is killed);
// a non-zero exit is a result, for the caller to judge.
Result<CommandOutput> runThroughTransport(const std::string& transportPrefix, const std::string& remoteCommand,
                                          const std::string& input = {}, double timeoutSeconds = 120);

// `s` in single quotes for a POSIX shell.
std::string shellQuoted(const std::string& s);

}  // namespace km

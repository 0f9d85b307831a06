// SPDX-License-Identifier: Apache-2.0
// The process groups of the children this process runs: an agent, or a transport's shell with
// what it started (core/backends). Each child leads a group of its own so that stopping it
// reaches the transport's processes too. They are registered while they run so that a process
// told to end by a signal (kernelmeter-cli: app/cli/termination.h) ends them first: left alone, a
// transport's processes outlived their client until the agent's next line found nobody to read
// it, and a transport that lingers after its agent (a shell script) stayed for good.
#pragma once

#include <sys/types.h>

namespace km {

// Registers the group led by `leader` (a child that called setpgid(0, 0)).
void addChildGroup(pid_t leader);
// Unregisters it: call before reaping the leader, whose pid may be reused once reaped.
void removeChildGroup(pid_t leader);
// Sends `signal` to every group still registered. Any thread.
void signalChildGroups(int signal);

}  // namespace km

// SPDX-License-Identifier: Apache-2.0
// What the CLI does when it is told to stop by a signal: Ctrl+C (SIGINT), a closed terminal
// (SIGHUP), or the desktop application's Cancel (SIGTERM). Left to their default action, these end
// the process without unwinding, and a run's generated models (core/common/scratch_folder.h: up to
// 1 GB for adapt) stay on disk until the next run under the same cache. Measurements are stored as
// they are taken, so only the scratch folders need removing: one thread waits for the signals
// (blocked in every other thread), ends the agents and transports this process started (their
// process groups), removes this process's folders under the cache, and ends the process by the
// same signal, as its default action would have.
#pragma once

#include <memory>
#include <string>

namespace km::cli {

class TerminationCleanup {
public:
    // Blocks SIGINT, SIGTERM and SIGHUP and starts the thread that waits for them. Call first in
    // main(), before any other thread exists, so that every thread inherits the blocked set.
    // Children clear their signal mask before exec (core/backends), so the agents still stop.
    TerminationCleanup();

    // The folder holding the run's scratch folders (its --cache); "" for a command without any.
    void setScratchRoot(const std::string& root);

private:
    struct Shared;
    std::shared_ptr<Shared> m_shared;  // also held by the waiting thread, which is never joined
};

}  // namespace km::cli

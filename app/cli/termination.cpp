// SPDX-License-Identifier: Apache-2.0
#include "cli/termination.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <mutex>
#include <system_error>
#include <thread>

#include "common/child_groups.h"
#include "common/scratch_folder.h"

namespace km::cli {

struct TerminationCleanup::Shared {
    std::mutex mutex;
    std::string root;  // guarded by mutex
};

namespace {

sigset_t stopSignals() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, s);
    return set;
}

}  // namespace

TerminationCleanup::TerminationCleanup() : m_shared(std::make_shared<Shared>()) {
    const sigset_t set = stopSignals();
    if (pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) return;  // the default actions stay
    // The waiting thread: removes the scratch folders, then ends the process by the signal it got.
    auto waitAndEnd = [shared = m_shared, set] {
        int sig = 0;
        while (sigwait(&set, &sig) != 0) {}
        std::string root;
        {
            std::lock_guard lock(shared->mutex);
            root = shared->root;
        }
        // The agents and transports first: they measure for nobody once this process is gone,
        // and a transport's processes are not this one's children's group (common/child_groups.h).
        signalChildGroups(SIGKILL);
        if (!root.empty()) ScratchFolder::removeThisProcesses(root);
        // Ended by the signal itself, so that the parent (a shell, the desktop application) sees
        // what it sent: the signal is still blocked in every other thread, so it comes here.
        signal(sig, SIG_DFL);
        sigset_t one;
        sigemptyset(&one);
        sigaddset(&one, sig);
        pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
        kill(getpid(), sig);
        _exit(128 + sig);  // not reached unless the signal was ignored meanwhile
    };
    try {
        std::thread(waitAndEnd).detach();
    } catch (const std::system_error&) {
        pthread_sigmask(SIG_UNBLOCK, &set, nullptr);  // nobody would wait for them: the default actions again
    }
}

void TerminationCleanup::setScratchRoot(const std::string& root) {
    std::lock_guard lock(m_shared->mutex);
    m_shared->root = root;
}

}  // namespace km::cli

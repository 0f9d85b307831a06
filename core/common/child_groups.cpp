// SPDX-License-Identifier: Apache-2.0
#include "common/child_groups.h"

#include <signal.h>

#include <mutex>
#include <set>

namespace km {
namespace {

std::mutex& groupsMutex() {
    static std::mutex m;
    return m;
}

std::set<pid_t>& groups() {
    static std::set<pid_t> s;  // guarded by groupsMutex()
    return s;
}

}  // namespace

void addChildGroup(pid_t leader) {
    if (leader <= 0) return;
    std::lock_guard lock(groupsMutex());
    groups().insert(leader);
}

void removeChildGroup(pid_t leader) {
    std::lock_guard lock(groupsMutex());
    groups().erase(leader);
}

void signalChildGroups(int signal) {
    std::lock_guard lock(groupsMutex());
    for (pid_t leader : groups()) kill(-leader, signal);
}

}  // namespace km

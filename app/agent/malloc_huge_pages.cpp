// SPDX-License-Identifier: Apache-2.0
#include "malloc_huge_pages.h"

#include <gnu/libc-version.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "aligned_new.h"

namespace km {

namespace {

constexpr const char kTunable[] = "glibc.malloc.hugetlb";

// The tunable's value in GLIBC_TUNABLES (colon-separated name=value pairs); empty when not there.
std::string tunableValue() {
    const char* all = std::getenv("GLIBC_TUNABLES");
    if (!all) return {};
    const std::string s(all), prefix = std::string(kTunable) + "=";
    for (size_t start = 0; start <= s.size();) {
        const size_t end = std::min(s.find(':', start), s.size());
        if (s.compare(start, prefix.size(), prefix) == 0) return s.substr(start + prefix.size(), end - start - prefix.size());
        start = end + 1;
    }
    return {};
}

bool glibcKnowsTunable() {  // glibc.malloc.hugetlb came with glibc 2.35
    int major = 0, minor = 0;
    if (std::sscanf(gnu_get_libc_version(), "%d.%d", &major, &minor) != 2) return false;
    return major > 2 || (major == 2 && minor >= 35);
}

bool kernelOffersHugePages() {  // "always [madvise] never": glibc asks with madvise
    std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
    std::string line;
    std::getline(f, line);
    return line.find("[always]") != std::string::npos || line.find("[madvise]") != std::string::npos;
}

}  // namespace

void reexecWithHugePages(char** argv) {
    // Once only, whatever glibc does with the variable.
    constexpr const char* kAgain = "KM_AGENT_STARTED_AGAIN";
    if (std::getenv(kAgain)) {
        unsetenv(kAgain);
        return;
    }
    if (!tunableValue().empty() || !glibcKnowsTunable() || !kernelOffersHugePages()) return;
    const char* before = std::getenv("GLIBC_TUNABLES");
    const std::string old = before ? before : "";
    const std::string value = (old.empty() ? "" : old + ":") + kTunable + "=1";
    if (setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0 || setenv(kAgain, "1", 1) != 0) return;
    execv("/proc/self/exe", argv);
    unsetenv(kAgain);
    // Still here: the program could not be started again; it runs on as before, without huge pages.
    if (before)
        setenv("GLIBC_TUNABLES", old.c_str(), 1);
    else
        unsetenv("GLIBC_TUNABLES");
}

const char* agentAllocation() {
    static const bool onHugePages = tunableValue() == "1" && glibcKnowsTunable() && kernelOffersHugePages();
    return onHugePages ? kAgentAllocationOnHugePages : kAgentAllocation;
}

}  // namespace km

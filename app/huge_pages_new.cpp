// SPDX-License-Identifier: Apache-2.0
// The GUI and the CLI replace the global operator new/delete (a replacement C++ allows; it covers
// every library in the process, protobuf's strings among them) so that blocks of 4 MiB or more are
// backed by transparent huge pages where the system offers them on request (THP "madvise", the
// Debian default).
//
// Why: reading, parsing and rewriting a large ONNX file allocates and fills several copies of its
// weights, and on a VM every 4 KiB page faulted in costs microseconds: for the 244 MB AlexNet
// of the evaluation set the client spent about 5 s of CPU and 240k page faults before the agent
// had it; with huge pages 2.3 s and 11k (docs/performance.md, "Measuring"). The agent has its
// own allocator (app/agent/aligned_new.cpp) and its heap on huge pages through glibc
// (app/agent/malloc_huge_pages.h): the memory a runtime runs in is part of the measuring protocol.
#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>

#include "replaced_new.h"

namespace {
constexpr std::size_t kHugeFromBytes = std::size_t{4} << 20;
constexpr std::uintptr_t kPageBytes = 4096;
}  // namespace

void* km::allocateBlock(std::size_t n) noexcept {
    void* p = std::malloc(n ? n : 1);
    if (p && n >= kHugeFromBytes) {
        // The whole pages inside the block; the kernel backs its 2 MiB-aligned parts with huge
        // pages when they are first touched. Where THP is off this fails and changes nothing.
        const auto first = (reinterpret_cast<std::uintptr_t>(p) + kPageBytes - 1) & ~(kPageBytes - 1);
        const auto end = (reinterpret_cast<std::uintptr_t>(p) + n) & ~(kPageBytes - 1);
        if (end > first) (void)madvise(reinterpret_cast<void*>(first), end - first, MADV_HUGEPAGE);
    }
    return p;
}

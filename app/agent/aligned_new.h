// SPDX-License-Identifier: Apache-2.0
// The agent's placement of large C++ allocations (aligned_new.cpp), reported with every
// measurement as MachineInfo::allocation.
#pragma once

namespace km {

inline constexpr const char* kAgentAllocation = "aligned-64";
// The same on glibc's transparent huge pages (malloc_huge_pages.h).
inline constexpr const char* kAgentAllocationOnHugePages = "aligned-64+huge-pages";
// Blocks of this many bytes or more start on a 64-byte boundary.
inline constexpr unsigned long kAlignedFromBytes = 4096;

}  // namespace km

// SPDX-License-Identifier: Apache-2.0
// The agent's placement of large C++ allocations (aligned_new.cpp), reported with every
// measurement as MachineInfo::allocation.
#pragma once

namespace km {

inline constexpr const char* kAgentAllocation = "aligned-64";
// Blocks of this many bytes or more start on a 64-byte boundary.
inline constexpr unsigned long kAlignedFromBytes = 4096;

}  // namespace km

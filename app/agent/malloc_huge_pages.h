// SPDX-License-Identifier: Apache-2.0
// The agent's heap on transparent huge pages (docs/measurement.md, protocol point 9): glibc 2.35+
// asks the kernel for huge pages for its heap and its large blocks when the tunable
// glibc.malloc.hugetlb is 1, which it reads once, at start-up. So the agent sets it and starts
// itself again before doing anything else. Most of an OpenCV instance's fixed cost on a large
// model was page faults (one instance of a 244 MB AlexNet: 7.1-7.4 s, on huge pages 2.7-3.8 s).
#pragma once

namespace km {

// Called first in main(). Unless GLIBC_TUNABLES already names glibc.malloc.hugetlb (a user's "0"
// is respected), or this glibc or kernel cannot give huge pages, adds glibc.malloc.hugetlb=1 to
// it and executes /proc/self/exe again with the same arguments (same process id and pipes, so
// the client and any transport see nothing). Returns only when nothing was re-executed.
void reexecWithHugePages(char** argv);

// What MachineInfo::allocation reports: "aligned-64" (aligned_new.cpp), with "+huge-pages" when
// glibc.malloc.hugetlb is 1, glibc knows it and the kernel's transparent huge pages are not off.
const char* agentAllocation();

}  // namespace km

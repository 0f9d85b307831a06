// SPDX-License-Identifier: Apache-2.0
// What machine a measurement was taken on; stored with every measurement and dataset.
#pragma once

#include <string>

namespace km {

struct MachineInfo {
    // The CPU as /proc/cpuinfo names it (describeCpu below): on x86 the "model name" with the
    // family, model and stepping, "AMD EPYC (family 26, model 2, stepping 1)" (a VM's brand string
    // alone can hide a move to another CPU generation; docs/measurement.md, "Which machine"); on Arm
    // the board and the cores' names and part numbers, "Raspberry Pi 4 Model B Rev 1.4: ARM
    // Cortex-A72 (implementer 0x41, part 0xd08, variant 0x0, revision 3)".
    std::string cpuModel;
    int logicalCores = 0;
    std::string kernel;  // "Linux 6.1.0-... x86_64"
    std::string hostname;
    // How the measuring process placed large buffers: "aligned-64+huge-pages" (the agent since
    // 2026-12-06 where glibc and the kernel allow, app/agent/malloc_huge_pages.h), "aligned-64"
    // (elsewhere, and the agent from 2026-11-24, app/agent/aligned_new.cpp); empty from earlier
    // agents (the C library's default placement, which made OpenCV's timings depend on what ran
    // before; docs/measurement.md, point 9).
    std::string allocation;
};

// Reads the local machine (the agent calls it on the device it runs on).
MachineInfo readMachineInfo();

struct CpuDescription {
    std::string cpuModel;  // as MachineInfo::cpuModel; empty only when nothing names the CPU
    int logicalCores = 0;  // "processor" entries; 0 when the text lists none
};

// The CPU that a /proc/cpuinfo text describes, on a kernel that names its architecture
// `unameMachine` (uname -m: "x86_64", "aarch64") on a board whose device tree calls it
// `boardModel` (/proc/device-tree/model; empty on PCs). Arm kernels give no "model name", only
// implementer and part numbers per core, named here from a table (an unlisted part keeps its
// numbers); cores of different kinds (big.LITTLE) are listed with their counts. When the text
// is another architecture's than the kernel's (an arm64 agent under qemu-user reads the host's
// /proc/cpuinfo), the result says so: "aarch64 emulated on <the host's CPU>", never the host's
// CPU as if it were the device's. Pure, for the tests.
CpuDescription describeCpu(const std::string& cpuinfo, const std::string& unameMachine, const std::string& boardModel);

}  // namespace km

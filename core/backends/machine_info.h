// SPDX-License-Identifier: Apache-2.0
// What machine a measurement was taken on; stored with every measurement and dataset.
#pragma once

#include <string>

namespace km {

struct MachineInfo {
    // /proc/cpuinfo's "model name", with the family, model and stepping where the kernel lists
    // them: "AMD EPYC (family 26, model 2, stepping 1)". A VM's brand string alone can hide a move
    // to another CPU generation (docs/measurement.md, "Which machine").
    std::string cpuModel;
    int logicalCores = 0;
    std::string kernel;  // "Linux 6.1.0-... x86_64"
    std::string hostname;
    // How the measuring process placed large buffers: "aligned-64" (the agent since 2026-11-24,
    // app/agent/aligned_new.cpp); empty from earlier agents (the C library's default placement,
    // which made OpenCV's timings depend on what ran before; docs/measurement.md).
    std::string allocation;
};

// Reads the local machine (the agent calls it on the device it runs on).
MachineInfo readMachineInfo();

}  // namespace km

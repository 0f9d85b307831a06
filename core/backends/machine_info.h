// What machine a measurement was taken on; stored with every measurement and dataset.
#pragma once

#include <string>

namespace km {

struct MachineInfo {
    std::string cpuModel;   // "AMD EPYC" (from /proc/cpuinfo "model name")
    int logicalCores = 0;
    std::string kernel;     // "Linux 6.1.0-... x86_64"
    std::string hostname;
};

// Reads the local machine (the agent calls it on the device it runs on).
MachineInfo readMachineInfo();

}  // namespace km

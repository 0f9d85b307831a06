// SPDX-License-Identifier: Apache-2.0
#include "backends/machine_info.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>

namespace km {

MachineInfo readMachineInfo() {
    MachineInfo info;
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line, family, model, stepping;
    // The first processor's value of a "key\t: value" line (an empty value stays empty).
    auto take = [&line](const char* key, std::string& into) {
        if (!into.empty() || line.rfind(key, 0) != 0) return;
        const auto colon = line.find(':');
        if (colon == std::string::npos || line.find_first_not_of(" \t", std::string(key).size()) != colon) return;
        const auto start = line.find_first_not_of(' ', colon + 1);
        if (start != std::string::npos) into = line.substr(start);
    };
    while (std::getline(cpuinfo, line)) {
        take("model name", info.cpuModel);
        take("cpu family", family);
        take("model", model);
        take("stepping", stepping);
        if (line.rfind("processor", 0) == 0) ++info.logicalCores;
    }
    if (!family.empty() && !model.empty())
        info.cpuModel += (info.cpuModel.empty() ? "" : " ") +
                         ("(family " + family + ", model " + model + (stepping.empty() ? "" : ", stepping " + stepping) + ")");
    if (info.logicalCores == 0) info.logicalCores = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
    utsname u{};
    if (uname(&u) == 0) {
        info.kernel = std::string(u.sysname) + " " + u.release + " " + u.machine;
        info.hostname = u.nodename;
    }
    return info;
}

}  // namespace km

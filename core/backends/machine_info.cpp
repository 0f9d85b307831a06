#include "backends/machine_info.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>

namespace km {

MachineInfo readMachineInfo() {
    MachineInfo info;
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line)) {
        if (line.rfind("model name", 0) == 0 && info.cpuModel.empty()) {
            auto colon = line.find(':');
            if (colon != std::string::npos) info.cpuModel = line.substr(line.find_first_not_of(' ', colon + 1));
        }
        if (line.rfind("processor", 0) == 0) ++info.logicalCores;
    }
    if (info.logicalCores == 0) info.logicalCores = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
    utsname u{};
    if (uname(&u) == 0) {
        info.kernel = std::string(u.sysname) + " " + u.release + " " + u.machine;
        info.hostname = u.nodename;
    }
    return info;
}

}  // namespace km

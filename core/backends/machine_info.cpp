// SPDX-License-Identifier: Apache-2.0
#include "backends/machine_info.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

namespace km {
namespace {

std::string trimmed(const std::string& s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return {};
    const auto last = s.find_last_not_of(" \t\r\n");
    return s.substr(first, last - first + 1);
}

// Arm cores by (implementer, part) of the MIDR register, as Linux prints them in /proc/cpuinfo
// (the kernel's arch/arm64 cputype list names the same numbers). Cores missing here keep their
// numbers in the description, which still tells two machines apart.
struct ArmPart {
    unsigned implementer, part;
    const char* name;
};
constexpr ArmPart kArmParts[] = {
    {0x41, 0xd02, "ARM Cortex-A34"},
    {0x41, 0xd03, "ARM Cortex-A53"},
    {0x41, 0xd04, "ARM Cortex-A35"},
    {0x41, 0xd05, "ARM Cortex-A55"},
    {0x41, 0xd06, "ARM Cortex-A65"},
    {0x41, 0xd07, "ARM Cortex-A57"},
    {0x41, 0xd08, "ARM Cortex-A72"},
    {0x41, 0xd09, "ARM Cortex-A73"},
    {0x41, 0xd0a, "ARM Cortex-A75"},
    {0x41, 0xd0b, "ARM Cortex-A76"},
    {0x41, 0xd0c, "ARM Neoverse N1"},
    {0x41, 0xd0d, "ARM Cortex-A77"},
    {0x41, 0xd0e, "ARM Cortex-A76AE"},
    {0x41, 0xd40, "ARM Neoverse V1"},
    {0x41, 0xd41, "ARM Cortex-A78"},
    {0x41, 0xd42, "ARM Cortex-A78AE"},
    {0x41, 0xd44, "ARM Cortex-X1"},
    {0x41, 0xd46, "ARM Cortex-A510"},
    {0x41, 0xd47, "ARM Cortex-A710"},
    {0x41, 0xd48, "ARM Cortex-X2"},
    {0x41, 0xd49, "ARM Neoverse N2"},
    {0x41, 0xd4a, "ARM Neoverse E1"},
    {0x41, 0xd4b, "ARM Cortex-A78C"},
    {0x41, 0xd4c, "ARM Cortex-X1C"},
    {0x41, 0xd4d, "ARM Cortex-A715"},
    {0x41, 0xd4e, "ARM Cortex-X3"},
    {0x41, 0xd4f, "ARM Neoverse V2"},
    {0x41, 0xd80, "ARM Cortex-A520"},
    {0x41, 0xd81, "ARM Cortex-A720"},
    {0x41, 0xd82, "ARM Cortex-X4"},
    {0x42, 0x100, "Broadcom Brahma-B53"},
    {0x43, 0x0a1, "Cavium ThunderX"},
    {0x43, 0x0af, "Cavium ThunderX2"},
    {0x46, 0x001, "Fujitsu A64FX"},
    {0x48, 0xd01, "HiSilicon TSV110"},
    {0x4e, 0x003, "NVIDIA Denver"},
    {0x4e, 0x004, "NVIDIA Carmel"},
    {0x51, 0x800, "Qualcomm Kryo 2xx Gold"},
    {0x51, 0x801, "Qualcomm Kryo 2xx Silver"},
    {0x51, 0x802, "Qualcomm Kryo 3xx Gold"},
    {0x51, 0x803, "Qualcomm Kryo 3xx Silver"},
    {0x51, 0x804, "Qualcomm Kryo 4xx Gold"},
    {0x51, 0x805, "Qualcomm Kryo 4xx Silver"},
    {0x51, 0xc00, "Qualcomm Falkor"},
    {0x53, 0x001, "Samsung Exynos M1"},
    {0x53, 0x002, "Samsung Exynos M3"},
    {0x53, 0x003, "Samsung Exynos M4"},
    {0x53, 0x004, "Samsung Exynos M5"},
    {0x61, 0x022, "Apple M1 Icestorm"},
    {0x61, 0x023, "Apple M1 Firestorm"},
    {0xc0, 0xac3, "Ampere-1"},
};

struct ArmImplementer {
    unsigned id;
    const char* name;
};
constexpr ArmImplementer kArmImplementers[] = {{0x41, "Arm"},       {0x42, "Broadcom"}, {0x43, "Cavium"}, {0x46, "Fujitsu"},
                                               {0x48, "HiSilicon"}, {0x4e, "NVIDIA"},   {0x50, "APM"},    {0x51, "Qualcomm"},
                                               {0x53, "Samsung"},   {0x61, "Apple"},    {0xc0, "Ampere"}};

// "0x41" -> 0x41; text that is no number matches no table entry.
unsigned numberOf(const std::string& text) {
    char* end = nullptr;
    const unsigned long n = std::strtoul(text.c_str(), &end, 0);
    return text.empty() || *end != '\0' ? ~0u : static_cast<unsigned>(n);
}

std::string armCoreName(const std::string& implementer, const std::string& part) {
    const unsigned impl = numberOf(implementer), p = numberOf(part);
    for (const ArmPart& a : kArmParts)
        if (a.implementer == impl && a.part == p) return a.name;
    for (const ArmImplementer& i : kArmImplementers)
        if (i.id == impl) return std::string(i.name) + " core";
    return "Arm core";
}

// The instruction-set family of a kernel's machine name (uname -m): "x86", "arm", "other" or "" (none).
std::string isaFamilyOfMachine(const std::string& unameMachine) {
    if (unameMachine == "x86_64" || unameMachine == "amd64" ||
        (unameMachine.size() == 4 && unameMachine[0] == 'i' && unameMachine.substr(2) == "86"))
        return "x86";
    if (unameMachine.rfind("aarch64", 0) == 0 || unameMachine.rfind("arm", 0) == 0) return "arm";
    return unameMachine.empty() ? "" : "other";
}

}  // namespace

CpuDescription describeCpu(const std::string& cpuinfo, const std::string& unameMachine, const std::string& boardModel) {
    CpuDescription d;
    // Keys whose first value counts (the first processor's), and each processor's Arm identity.
    std::map<std::string, std::string> first;
    struct ArmCore {
        std::string implementer, part, variant, revision;
    };
    std::vector<ArmCore> cores;
    std::istringstream in(cpuinfo);
    std::string line;
    while (std::getline(in, line)) {
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        const std::string key = trimmed(line.substr(0, colon)), value = trimmed(line.substr(colon + 1));
        if (key == "processor") {
            ++d.logicalCores;
            cores.emplace_back();
            continue;
        }
        first.try_emplace(key, value);
        if (cores.empty()) cores.emplace_back();  // a kernel that lists the fields before any "processor"
        if (key == "CPU implementer") cores.back().implementer = value;
        if (key == "CPU part") cores.back().part = value;
        if (key == "CPU variant") cores.back().variant = value;
        if (key == "CPU revision") cores.back().revision = value;
    }
    auto value = [&first](const char* key) {
        const auto it = first.find(key);
        return it == first.end() ? std::string() : it->second;
    };

    std::string textFamily;  // whose /proc/cpuinfo this is
    if (!value("CPU implementer").empty()) {
        textFamily = "arm";
        // Kinds of cores in the order listed, with how many of each.
        std::vector<std::pair<std::string, int>> kinds;
        for (const ArmCore& c : cores) {
            if (c.implementer.empty() && c.part.empty()) continue;
            std::string kind = armCoreName(c.implementer, c.part) + " (implementer " + c.implementer + ", part " + c.part;
            if (!c.variant.empty()) kind += ", variant " + c.variant;
            if (!c.revision.empty()) kind += ", revision " + c.revision;
            kind += ")";
            auto it = std::find_if(kinds.begin(), kinds.end(), [&kind](const auto& k) { return k.first == kind; });
            if (it == kinds.end())
                kinds.emplace_back(kind, 1);
            else
                ++it->second;
        }
        for (const auto& [kind, count] : kinds)
            d.cpuModel += (d.cpuModel.empty() ? "" : " + ") + (kinds.size() > 1 ? std::to_string(count) + " x " : "") + kind;
        // The board (a Raspberry Pi's device tree, or the Model / Hardware line some kernels add).
        std::string board = trimmed(boardModel);
        if (board.empty()) board = value("Model");
        if (board.empty()) board = value("Hardware");
        if (!board.empty()) d.cpuModel = board + ": " + d.cpuModel;
    } else {
        if (!value("vendor_id").empty() || !value("cpu family").empty()) textFamily = "x86";
        d.cpuModel = value("model name");
        const std::string family = value("cpu family"), model = value("model"), stepping = value("stepping");
        if (!family.empty() && !model.empty())
            d.cpuModel += (d.cpuModel.empty() ? "" : " ") +
                          ("(family " + family + ", model " + model + (stepping.empty() ? "" : ", stepping " + stepping) + ")");
        // Other architectures name the core in a line of their own (RISC-V, POWER, MIPS).
        for (const char* key : {"uarch", "cpu", "cpu model"})
            if (d.cpuModel.empty()) d.cpuModel = value(key);
    }

    const std::string kernelFamily = isaFamilyOfMachine(unameMachine);
    if (!textFamily.empty() && !kernelFamily.empty() && textFamily != kernelFamily)
        d.cpuModel = unameMachine + " emulated on " + (d.cpuModel.empty() ? "an unnamed " + textFamily + " CPU" : d.cpuModel);
    else if (d.cpuModel.empty() && !unameMachine.empty())
        d.cpuModel = unameMachine + " (its /proc/cpuinfo names no CPU)";
    return d;
}

MachineInfo readMachineInfo() {
    MachineInfo info;
    auto wholeFile = [](const char* path) {
        std::ifstream f(path, std::ios::binary);
        std::ostringstream text;
        text << f.rdbuf();
        return text.str();
    };
    utsname u{};
    std::string unameMachine;
    if (uname(&u) == 0) {
        info.kernel = std::string(u.sysname) + " " + u.release + " " + u.machine;
        info.hostname = u.nodename;
        unameMachine = u.machine;
    }
    std::string board = wholeFile("/proc/device-tree/model");
    board = board.substr(0, board.find('\0'));  // the device tree's strings end in NUL
    const CpuDescription cpu = describeCpu(wholeFile("/proc/cpuinfo"), unameMachine, board);
    info.cpuModel = cpu.cpuModel;
    info.logicalCores = cpu.logicalCores > 0 ? cpu.logicalCores : static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
    return info;
}

}  // namespace km

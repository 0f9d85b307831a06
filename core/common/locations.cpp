// SPDX-License-Identifier: Apache-2.0
#include "common/locations.h"

#include <cstdlib>
#include <filesystem>
#include <vector>

namespace km {

namespace fs = std::filesystem;

namespace {

// $name when set and not empty.
std::optional<std::string> env(const char* name) {
    const char* v = std::getenv(name);
    if (v && *v) return std::string(v);
    return std::nullopt;
}

// $xdgVariable, else ~/<fallback>, else the current folder.
fs::path xdgBase(const char* xdgVariable, const char* fallback) {
    if (auto v = env(xdgVariable)) return *v;
    if (auto home = env("HOME")) return fs::path(*home) / fallback;
    return ".";
}

}  // namespace

std::string programDir() {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : self.parent_path().string();
}

std::optional<std::string> siblingProgram(const std::string& name) {
    struct Known {
        const char* name;
        const char* envVar;
        const char* buildSubdir;  // under app/ in the build tree
    };
    static const Known known[] = {{kAgentProgram, "KM_AGENT", "agent"}, {kCliProgram, "KM_CLI", "cli"}, {kGuiProgram, "KM_GUI", ""}};
    std::string subdir;
    for (const Known& k : known)
        if (name == k.name) {
            if (auto v = env(k.envVar)) return v;
            subdir = k.buildSubdir;
        }
    const fs::path self = programDir();
    if (self.empty()) return std::nullopt;
    // Installed side by side; in the build tree app/<subdir>/name, seen from app/ or a sibling of it.
    std::vector<fs::path> candidates{self / name, self / ".." / name};
    if (!subdir.empty()) candidates.insert(candidates.end(), {self / subdir / name, self / ".." / subdir / name});
    std::error_code ec;
    for (const fs::path& c : candidates)
        if (fs::is_regular_file(c, ec)) return fs::weakly_canonical(c, ec).string();
    return std::nullopt;
}

bool runsFromBuildTree() {
    const std::string dir = fs::path(programDir()).lexically_normal().string();
    const std::string build = fs::path(KM_BUILD_DIR).lexically_normal().string();
    return !dir.empty() && dir.size() >= build.size() && dir.compare(0, build.size(), build) == 0 &&
           (dir.size() == build.size() || dir[build.size()] == '/');
}

std::optional<std::string> findShipped(const char* envRoot, const std::string& installed, const std::string& inSource,
                                       const std::string& relative) {
    std::vector<fs::path> roots;
    if (envRoot)
        if (auto v = env(envRoot)) roots.emplace_back(*v);
    if (const std::string self = programDir(); !self.empty()) roots.push_back(fs::path(self) / ".." / "share" / "kernelmeter" / installed);
    if (runsFromBuildTree()) roots.push_back(fs::path(KM_SOURCE_DIR) / inSource);
    std::error_code ec;
    for (const auto& root : roots)
        if (fs::exists(root / relative, ec)) return (root / relative).lexically_normal().string();
    return std::nullopt;
}

std::string userDataDir() { return (xdgBase("XDG_DATA_HOME", ".local/share") / "kernelmeter").string(); }

std::string userCacheDir(const std::string& sub) { return (xdgBase("XDG_CACHE_HOME", ".cache") / "kernelmeter" / sub).string(); }

}  // namespace km

// SPDX-License-Identifier: Apache-2.0
#include "common/scratch_folder.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <filesystem>
#include <functional>
#include <random>
#include <vector>

namespace km {

namespace fs = std::filesystem;

namespace {

std::string hostName() {
    char name[HOST_NAME_MAX + 1] = {};
    if (gethostname(name, sizeof name - 1) != 0 || !name[0]) return "host";
    std::string out(name);
    for (char& c : out)
        if (c == '-' || c == '/' || c == '\\') c = '_';  // the name's fields stay '-'-separated
    return out;
}

// The pid in a folder name "run-<host>-<pid>-<random>" of this host; 0 for any other name.
long runFolderPid(const std::string& name, const std::string& host) {
    const std::string prefix = "run-" + host + "-";
    if (name.rfind(prefix, 0) != 0) return 0;
    const std::string rest = name.substr(prefix.size());
    const size_t dash = rest.find('-');
    if (dash == 0 || dash == std::string::npos || rest.size() != dash + 9 ||
        !std::all_of(rest.begin() + long(dash) + 1, rest.end(), [](unsigned char c) { return std::isxdigit(c); }))
        return 0;  // not a name create() makes
    if (!std::all_of(rest.begin(), rest.begin() + long(dash), [](unsigned char c) { return std::isdigit(c); })) return 0;
    try {
        return std::max(0L, std::stol(rest.substr(0, dash)));
    } catch (...) {
        return 0;  // too many digits
    }
}

// True for a folder of this host whose process is gone.
bool isLeftover(const std::string& name, const std::string& host) {
    const long pid = runFolderPid(name, host);
    if (pid <= 0 || pid == long(getpid())) return false;
    return kill(pid_t(pid), 0) != 0 && errno == ESRCH;  // alive, or not ours to ask: kept
}

// The folders in `folder` that `remove` accepts by name and, `depth` levels further down, in its
// sub-folders (never inside a run's own folder).
void removeRunFolders(const fs::path& folder, const std::function<bool(const std::string&)>& remove, int depth) {
    std::error_code ec;
    std::vector<fs::path> gone, below;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code type;
        if (!it->is_directory(type) || it->is_symlink(type)) continue;
        const std::string name = it->path().filename().string();
        if (remove(name))
            gone.push_back(it->path());
        else if (depth > 0 && name.rfind("run-", 0) != 0)
            below.push_back(it->path());
    }
    for (const fs::path& p : gone) {
        std::error_code rm;
        fs::remove_all(p, rm);
    }
    for (const fs::path& p : below) removeRunFolders(p, remove, depth - 1);
}

}  // namespace

Result<ScratchFolder> ScratchFolder::create(const std::string& parent, const std::string& root) {
    std::error_code ec;
    fs::create_directories(parent, ec);
    if (ec) return ioError(fmt::format("{}: cannot create the folder ({}).", parent, ec.message()));
    const std::string host = hostName();
    const auto leftover = [&host](const std::string& name) { return isLeftover(name, host); };
    if (root.empty())
        removeRunFolders(parent, leftover, 0);
    else
        removeRunFolders(root, leftover, 3);  // `parent` among the rest
    std::random_device entropy;
    for (int attempt = 0; attempt < 16; ++attempt) {
        const fs::path dir = fs::path(parent) / fmt::format("run-{}-{}-{:08x}", host, long(getpid()), uint32_t(entropy()));
        if (fs::create_directory(dir, ec)) return ScratchFolder(dir.string());
        if (ec) return ioError(fmt::format("{}: cannot create a folder for the generated models ({}).", dir.string(), ec.message()));
    }
    return ioError(fmt::format("{}: cannot create a folder for the generated models (every name tried is taken).", parent));
}

ScratchFolder::ScratchFolder(ScratchFolder&& other) noexcept : m_path(std::move(other.m_path)) { other.m_path.clear(); }

ScratchFolder& ScratchFolder::operator=(ScratchFolder&& other) noexcept {
    if (this != &other) {
        removeNow();
        m_path = std::move(other.m_path);
        other.m_path.clear();
    }
    return *this;
}

ScratchFolder::~ScratchFolder() { removeNow(); }

void ScratchFolder::removeNow() {
    if (m_path.empty()) return;
    std::error_code ec;
    fs::remove_all(m_path, ec);  // best effort: what is left is removed by the next run (create)
    m_path.clear();
}

void ScratchFolder::removeThisProcesses(const std::string& root) {
    const std::string host = hostName();
    const long self = long(getpid());
    const auto own = [&](const std::string& name) { return runFolderPid(name, host) == self; };
    // The process goes on meanwhile and may be writing a model into one of them, which a removal
    // can miss: looked for again a few times.
    for (int pass = 0; pass < 4; ++pass) removeRunFolders(root, own, 3);
}

void removeFiles(const std::vector<std::string>& paths) {
    for (const std::string& p : paths) {
        std::error_code ec;
        fs::remove(p, ec);
    }
}

}  // namespace km

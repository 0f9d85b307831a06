// SPDX-License-Identifier: Apache-2.0
// `kernelmeter-cli report`: the PDF report without a display. The report is drawn with Qt by the
// desktop application's own code, and kernelmeter-cli links km_core only (ARCHITECTURE.md), so
// this command checks its arguments and runs `kernelmeter MODEL --device ... --report OUT` on the
// offscreen platform: one report, whichever way it is asked for.
#include <fmt/format.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"

extern char** environ;

namespace km::cli {
namespace {

namespace fs = std::filesystem;

// The desktop application next to this executable (installed: bin/; build tree: app/), or $KM_GUI.
std::string findGui() { return siblingProgram(kGuiProgram).value_or(""); }

}  // namespace

int runReport(const ReportArgs& args) {
    std::error_code ec;
    if (!fs::is_regular_file(args.model, ec)) return reportError(ioError(fmt::format("{}: no such model file.", args.model)));
    for (const std::string& id : args.devices)
        if (Result<Device> d = deviceFor(id); !d) return reportError(d.error());
    const fs::path out(args.output);
    if (!out.parent_path().empty() && !fs::is_directory(out.parent_path(), ec))
        return reportError(ioError(fmt::format("{}: the folder {} does not exist.", args.output, out.parent_path().string())));
    const std::string gui = findGui();
    if (gui.empty())
        return reportError(
            unsupported("the report is drawn by the desktop application 'kernelmeter', which is not installed next to "
                        "kernelmeter-cli (build with -DKM_BUILD_GUI=ON, or set KM_GUI to its path)."));
    std::vector<std::string> argvStrings = {gui, args.model};
    for (const std::string& id : args.devices) {
        argvStrings.push_back("--device");
        argvStrings.push_back(id);
    }
    argvStrings.push_back("--report");
    argvStrings.push_back(args.output);
    std::vector<char*> argv;
    for (std::string& s : argvStrings) argv.push_back(s.data());
    argv.push_back(nullptr);
    std::vector<std::string> envStrings;
    for (char** e = environ; *e; ++e)
        if (std::string_view(*e).rfind("QT_QPA_PLATFORM=", 0) != 0) envStrings.emplace_back(*e);
    envStrings.emplace_back("QT_QPA_PLATFORM=offscreen");
    std::vector<char*> envp;
    for (std::string& s : envStrings) envp.push_back(s.data());
    envp.push_back(nullptr);
    pid_t pid = 0;
    // Started with no signal blocked: this process blocks those it waits for (termination.h).
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
    const int rc = posix_spawn(&pid, gui.c_str(), nullptr, &attributes, argv.data(), envp.data());
    posix_spawnattr_destroy(&attributes);
    if (rc != 0) return reportError(ioError(fmt::format("cannot start {}: {}.", gui, std::strerror(rc))));
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return reportError(ioError(fmt::format("lost track of {}.", gui)));
    if (WIFSIGNALED(status))
        return reportError(ioError(fmt::format("{} stopped by signal {} while drawing the report.", gui, WTERMSIG(status))));
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
    if (code == 0 || code == 2) {
        if (fs::file_size(out, ec) > 0 && !ec)
            std::cout << fmt::format("report written to {} ({} bytes)\n", args.output, fs::file_size(out, ec));
    }
    return code;
}

}  // namespace km::cli

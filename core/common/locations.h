// SPDX-License-Identifier: Apache-2.0
// Where things are, for every program of KernelMeter (one place for these rules): the running
// program's folder, its sibling programs, the data KernelMeter ships, and the user's XDG data and
// cache folders. Environment overrides are read here and nowhere deeper.
#pragma once

#include <optional>
#include <string>

namespace km {

// The folder of the running program (/proc/self/exe), e.g. /usr/bin; "" if it cannot be read.
std::string programDir();

// KernelMeter's programs, by file name.
inline constexpr const char* kAgentProgram = "kernelmeter-agent";
inline constexpr const char* kCliProgram = "kernelmeter-cli";
inline constexpr const char* kGuiProgram = "kernelmeter";

// Another KernelMeter program: $KM_AGENT, $KM_CLI or $KM_GUI when set; else next to this program
// (installed: all in bin/) or where the build tree puts it (app/agent/, app/cli/, app/); nullopt
// when none of those exists.
std::optional<std::string> siblingProgram(const std::string& name);

// True for a program of the build tree this library was compiled in (not an installed copy).
bool runsFromBuildTree();

// `relative` under the first of: $envRoot (when envRoot is given and set),
// <prefix>/share/kernelmeter/<installed> next to the program, and for programs of the build tree
// only, <source>/<inSource>.
std::optional<std::string> findShipped(const char* envRoot, const std::string& installed, const std::string& inSource,
                                       const std::string& relative);

// $XDG_DATA_HOME/kernelmeter (default ~/.local/share/kernelmeter): the user's database and rules.
std::string userDataDir();
// $XDG_CACHE_HOME/kernelmeter/<sub> (default ~/.cache/kernelmeter/<sub>): generated models.
std::string userCacheDir(const std::string& sub);

}  // namespace km

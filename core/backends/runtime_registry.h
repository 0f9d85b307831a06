// SPDX-License-Identifier: Apache-2.0
// The one registration list of runtimes the agent can run. Adding a runtime: one file
// core/backends/<runtime>.cpp with a make function, one line in runtime_registry.cpp.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backends/runtime.h"

namespace km {

// Runtimes compiled into this agent. The "test" runtime (crashes, hangs and failures on demand)
// is only listed and made when allowTest is true (kernelmeter-agent --enable-test-runtime).
std::vector<std::string> runtimeNames(bool allowTest = false);
std::unique_ptr<Runtime> makeRuntime(const std::string& name, bool allowTest = false);

std::unique_ptr<Runtime> makeOpenCvRuntime();
std::unique_ptr<Runtime> makeXnnpackRuntime();
std::unique_ptr<Runtime> makeTestRuntime();

}  // namespace km

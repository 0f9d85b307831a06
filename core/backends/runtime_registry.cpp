// SPDX-License-Identifier: Apache-2.0
#include "backends/runtime_registry.h"

namespace km {
namespace {

struct Entry {
    const char* name;
    std::unique_ptr<Runtime> (*make)();
    bool testOnly;
};

const Entry kRuntimes[] = {
#ifndef KM_NO_OPENCV  // the agent-only build for boards carries XNNPACK alone (CMakeLists.txt)
    {"opencv-dnn", makeOpenCvRuntime, false},
#endif
    {"xnnpack", makeXnnpackRuntime, false},
    {"test", makeTestRuntime, true},
};

}  // namespace

std::vector<std::string> runtimeNames(bool allowTest) {
    std::vector<std::string> names;
    for (const auto& e : kRuntimes)
        if (!e.testOnly || allowTest) names.emplace_back(e.name);
    return names;
}

std::unique_ptr<Runtime> makeRuntime(const std::string& name, bool allowTest) {
    for (const auto& e : kRuntimes)
        if (name == e.name && (!e.testOnly || allowTest)) return e.make();
    return nullptr;
}

}  // namespace km

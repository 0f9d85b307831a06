// SPDX-License-Identifier: Apache-2.0
// Devices: a runtime on some hardware with fixed settings (threads, ...). A device is what a
// predictor is built for and what a measurement is taken on.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace km {

struct Device {
    std::string id;           // "opencv-t1"
    std::string displayName;  // "OpenCV DNN 4.6, CPU, 1 thread"
    std::string runtime;      // runtime name known to the agent: "opencv-dnn", "xnnpack", "test"
    int threads = 1;          // runtime threads; 1-thread devices are pinned to one core
    // Where the agent runs: empty for a local child process, else a command prefix such as
    // "ssh user@board" or "adb shell" (docs/measurement.md).
    std::string transport;
    std::map<std::string, std::string> settings;  // runtime-specific, e.g. {"backend": "opencv"}
    // The agent's command on the device's side; empty: the kernelmeter-agent installed beside
    // this program (the local one, or the same path on the far side of the transport).
    std::string agentPath;
    bool userDefined = false;  // defined by the user (workflows/devices.h), stored in their database

    // A device known only from measurements taken elsewhere (runtime kNoRuntime) cannot measure.
    bool canMeasure() const;
};

// Whether the runtime's per-layer profile says which ops ran fused (OpenCV DNN: a fused op's layer
// takes no time); XNNPACK's steps do not say what a subgraph fused.
bool reportsFusionGroups(const std::string& runtime);

// The runtime of a device that has only imported measurements (a phone measured in another lab).
inline constexpr const char* kNoRuntime = "none";

// Devices every installation knows. Adding a runtime adds its devices here and one line in
// core/backends/runtime_registry.cpp.
const std::vector<Device>& builtinDevices();
std::optional<Device> findBuiltinDevice(const std::string& id);

}  // namespace km

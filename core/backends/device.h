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

// What the controller knows of a runtime besides running it (the agent's side is
// runtime_registry.cpp): how to hand it a model, what its profile says, how it uses threads.
struct RuntimeTraits {
    std::string name;         // "opencv-dnn"
    std::string displayName;  // "OpenCV DNN"
    // Its ONNX reader needs OpenCV 4.6's quirks worked around (onnx/runtime_export.h).
    bool opencvOnnxDialect = false;
    // Its per-layer profile says which ops ran fused (OpenCV DNN: a fused op's layer takes no
    // time); XNNPACK's steps do not say what a subgraph fused.
    bool reportsFusionGroups = false;
    // Copies data (concat, split, channel shuffle) on one thread whatever its threads: OpenCV DNN
    // runs both ShuffleNets V2 at 2 threads in 0.87-0.90 of their 1-thread time (docs/adapt.md).
    bool copiesOnOneThread = false;
    // The reference workload's time per run (ms, 1 thread) on the project's 2-core machine, where
    // the typical minutes of adapting and building were measured; 0: not known.
    double projectReferenceMs = 0;
    // Runs operations whose results nobody reads (and x + y * 0 in full): a NAS-Bench-201 network
    // whose two 3x3 convolutions per cell feed only `none` edges takes as long as one whose
    // convolutions are read, under OpenCV DNN and XNNPACK at 1 and 2 threads alike (docs/adapt.md).
    // adapt then never fits the target as a runtime that removes them; false: not known.
    bool runsUnreadOps = false;
    // Its agent backend fills every weight itself (values of the tensor's shape, from a fixed
    // seed), so the model sent to it needs the shapes of large initializers, not their values
    // (OnnxDialect::WeightShapesOnly): a 230 MB AlexNet variant goes to each fresh instance as a
    // few kB.
    bool makesOwnWeights = false;
    // At more than one thread its networks of many small parallel operations slow unlike the
    // reference workload when the machine's threads do not all get a core (XNNPACK at 2 threads on
    // the 2-core VM: MobileNetV3-Small 1.8 times, the reference 1.27 times; OpenCV DNN's ratios
    // held through the same phases): measurements keep the rounds in phase (measurement.h,
    // kInPhaseTolerance).
    bool ratiosBreakInSlowPhases = false;
};

// The runtimes a device can name (not kNoRuntime nor the agent's test runtime).
const std::vector<RuntimeTraits>& knownRuntimes();
// The traits of `runtime`; for a name not known (kNoRuntime, "test") every trait off.
const RuntimeTraits& runtimeTraits(const std::string& runtime);

// The runtime of a device that has only imported measurements (a phone measured in another lab).
inline constexpr const char* kNoRuntime = "none";

// Devices every installation knows. Adding a runtime adds its devices here, its traits in
// knownRuntimes() and one line in core/backends/runtime_registry.cpp.
const std::vector<Device>& builtinDevices();
std::optional<Device> findBuiltinDevice(const std::string& id);

}  // namespace km

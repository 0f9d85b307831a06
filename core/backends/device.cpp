// SPDX-License-Identifier: Apache-2.0
#include "backends/device.h"

namespace km {

const std::vector<Device>& builtinDevices() {
    static const std::vector<Device> kDevices = {
        {"opencv-t1", "OpenCV DNN 4.6 on the CPU, 1 thread", "opencv-dnn", 1, "", {}, "", false},
        {"opencv-t2", "OpenCV DNN 4.6 on the CPU, 2 threads", "opencv-dnn", 2, "", {}, "", false},
        {"xnnpack-t1", "XNNPACK (TFLite's CPU engine) on the CPU, 1 thread", "xnnpack", 1, "", {}, "", false},
        {"xnnpack-t2", "XNNPACK (TFLite's CPU engine) on the CPU, 2 threads", "xnnpack", 2, "", {}, "", false},
    };
    return kDevices;
}

const std::vector<RuntimeTraits>& knownRuntimes() {
    // projectReferenceMs: the Intel VM of docs/adapt.md (`kernelmeter-cli measure --json` records
    // the reference's time with every measurement).
    static const std::vector<RuntimeTraits> kRuntimes = {
        {"opencv-dnn", "OpenCV DNN", true, true, true, 0.60, true, false, false},
        {"xnnpack", "XNNPACK", false, false, false, 0.24, true, true, true},
    };
    return kRuntimes;
}

const RuntimeTraits& runtimeTraits(const std::string& runtime) {
    for (const auto& r : knownRuntimes())
        if (r.name == runtime) return r;
    static const RuntimeTraits kUnknown;
    return kUnknown;
}

bool Device::canMeasure() const { return runtime != kNoRuntime && !runtime.empty(); }

std::optional<Device> findBuiltinDevice(const std::string& id) {
    for (const auto& d : builtinDevices())
        if (d.id == id) return d;
    return std::nullopt;
}

}  // namespace km

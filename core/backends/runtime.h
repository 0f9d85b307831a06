// SPDX-License-Identifier: Apache-2.0
// The interface a runtime (OpenCV DNN, XNNPACK, ...) implements inside kernelmeter-agent. No
// runtime header appears here; each runtime lives in its own core/backends/<runtime>.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "backends/device.h"
#include "common/result.h"

namespace km {

struct InputSpec {
    std::string name;            // the model input's name
    std::vector<int64_t> shape;  // concrete NCHW shape fed to the runtime
};

struct LayerTime {
    std::string layer;  // the runtime's layer name, mapped back to an ONNX node name where possible
    double ms = 0;
};

// One model loaded in one runtime instance. Thread contract: used from one thread only.
class RuntimeModel {
public:
    virtual ~RuntimeModel() = default;
    // One inference on fixed input data.
    virtual Status run() = 0;
    // Per-layer times of the last run, when the runtime reports them; empty otherwise.
    virtual std::vector<LayerTime> lastLayerTimes() { return {}; }
    // Layers the runtime executes together (fused), given median per-layer times; each group lists
    // layer names, the executing layer first. Empty when the runtime does not reveal fusion.
    virtual std::vector<std::vector<std::string>> fusionGroups(const std::vector<LayerTime>& medianTimes) { return {}; }
    // The values of the model's first output after the last run, when the runtime exposes them (to
    // check that two ways of running a model compute the same); empty otherwise.
    virtual std::vector<float> firstOutputValues() { return {}; }
};

class Runtime {
public:
    virtual ~Runtime() = default;
    virtual std::string name() const = 0;     // "opencv-dnn"
    virtual std::string version() const = 0;  // "4.6.0"
    // Loads ONNX bytes (already exported for this runtime) as a fresh instance for `device`, fed
    // with fixed random data of the given input shapes.
    virtual Result<std::unique_ptr<RuntimeModel>> load(const std::string& onnxBytes, const Device& device,
                                                       const std::vector<InputSpec>& inputs) = 0;
};

}  // namespace km

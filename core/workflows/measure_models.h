// measureModels: ONNX files -> runtime export -> kernelmeter-agent -> latency per model, with
// per-layer times and the runtime's fusion groups mapped back to the graph's node names.
#pragma once

#include <string>
#include <vector>

#include "backends/agent_client.h"
#include "backends/device.h"
#include "common/progress.h"
#include "onnx/onnx_loader.h"

namespace km {

struct MeasureModelsOptions {
    MeasureOptions protocol;       // rounds, instances, ... (defaults in measurement.h)
    AgentLaunch agent;             // which agent, where (transport), limits
    double timeoutSeconds = 900;   // per agent request without an answer -> the agent is stopped
    LoadOptions load;              // input shapes
};

struct NodeTime {
    std::string node;   // graph node name (or the runtime's layer name when it maps to none)
    double ms = 0;
};

struct ModelReport {
    std::string path;
    bool ok = false;
    std::string error;
    LatencyStats stats;
    std::vector<NodeTime> layers;                        // runtimes with per-layer profiles only
    std::vector<std::vector<std::string>> fusionGroups;  // node names; executing node first
    std::string runtimeVersion;
    MachineInfo machine;
};

// Measures all models interleaved in one agent. If the agent crashes or hangs, each model of the
// batch is measured again alone in a fresh agent, so one bad model fails alone. Never throws.
std::vector<ModelReport> measureModels(const std::vector<std::string>& paths, const Device& device,
                                       const MeasureModelsOptions& options, Progress* progress = nullptr);

}  // namespace km

// SPDX-License-Identifier: Apache-2.0
// The kernelmeter-agent protocol, version 2 (docs/measurement.md). Over the agent's stdin/stdout:
// each message is one JSON line; a "measure" request is followed by the bytes of its models,
// concatenated, each model's length given in its header entry. The agent answers zero or more
// "progress" lines, then one "result" (or "error") line. Everything else the agent or a runtime
// prints goes to stderr.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "backends/device.h"
#include "backends/machine_info.h"
#include "backends/measurement.h"
#include "common/result.h"

namespace km {

// 2: the messages of version 1, but multi-thread XNNPACK measurements differ (one thread pool per
// runtime, channel copies on it; docs/measurement.md points 11 and 12), so an agent of version 1
// must not add to a database of this version: it is refused and the device asks for a new agent.
inline constexpr int kAgentProtocolVersion = 2;

struct AgentHello {
    int protocol = kAgentProtocolVersion;
    std::string agentVersion;
    std::vector<std::pair<std::string, std::string>> runtimes;  // name, version
    MachineInfo machine;
};

struct MeasureRequest {
    Device device;
    MeasureOptions options;
    std::vector<ModelInput> models;
};

struct MeasureResponse {
    std::string runtimeVersion;
    MachineInfo machine;
    std::vector<ModelMeasurement> results;
};

// Message encoders: one line each, '\n' included.
std::string encodeHelloRequest();
std::string encodeHello(const AgentHello& hello);
std::string encodeMeasureHeader(const MeasureRequest& request);  // the model bytes follow it
std::string encodeProgress(int done, int total);
std::string encodeResult(const MeasureResponse& response);
std::string encodeError(const std::string& message);
// The protocol options as the JSON object the agent protocol sends (also stored with measurements).
std::string encodeMeasureOptions(const MeasureOptions& options);

// A parsed header line. For "measure", models[i].bytes are empty until the caller reads
// modelSizes[i] bytes per model after the line.
struct AgentMessage {
    std::string type;  // hello, measure, progress, result, error, quit
    AgentHello hello;
    MeasureRequest request;
    std::vector<size_t> modelSizes;
    int progressDone = 0, progressTotal = 0;
    MeasureResponse response;
    std::string error;
};
Result<AgentMessage> decodeMessage(const std::string& line);

// Largest model the protocol carries (bigger files are refused before sending).
inline constexpr size_t kMaxModelBytes = size_t{2} << 30;

}  // namespace km

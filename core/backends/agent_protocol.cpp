// SPDX-License-Identifier: Apache-2.0
#include "backends/agent_protocol.h"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "common/version.h"

namespace km {
namespace {

using Json = nlohmann::json;

Json machineJson(const MachineInfo& m) {
    Json j = {{"cpu_model", m.cpuModel}, {"logical_cores", m.logicalCores}, {"kernel", m.kernel}, {"hostname", m.hostname}};
    if (!m.allocation.empty()) j["allocation"] = m.allocation;
    return j;
}
MachineInfo machineFrom(const Json& j) {
    MachineInfo m;
    m.cpuModel = j.value("cpu_model", "");
    m.logicalCores = j.value("logical_cores", 0);
    m.kernel = j.value("kernel", "");
    m.hostname = j.value("hostname", "");
    m.allocation = j.value("allocation", "");
    return m;
}

Json deviceJson(const Device& d) {
    return {{"id", d.id}, {"display_name", d.displayName}, {"runtime", d.runtime}, {"threads", d.threads}, {"settings", d.settings}};
}
Device deviceFrom(const Json& j) {
    Device d;
    d.id = j.value("id", "");
    d.displayName = j.value("display_name", "");
    d.runtime = j.value("runtime", "");
    d.threads = j.value("threads", 1);
    if (j.contains("settings") && j["settings"].is_object()) d.settings = j["settings"].get<std::map<std::string, std::string>>();
    return d;
}

Json optionsJson(const MeasureOptions& o) {
    return {{"warmup_runs", o.warmupRuns},
            {"warmup_min_ms", o.warmupMinMs},
            {"rounds", o.rounds},
            {"runs_per_round", o.runsPerRound},
            {"instances", o.instances},
            {"max_spread", o.maxSpread},
            {"max_extra_instances", o.maxExtraInstances}};
}
MeasureOptions optionsFrom(const Json& j) {
    MeasureOptions o;
    o.warmupRuns = j.value("warmup_runs", o.warmupRuns);
    o.warmupMinMs = j.value("warmup_min_ms", o.warmupMinMs);
    o.rounds = j.value("rounds", o.rounds);
    o.runsPerRound = j.value("runs_per_round", o.runsPerRound);
    o.instances = j.value("instances", o.instances);
    o.maxSpread = j.value("max_spread", o.maxSpread);
    o.maxExtraInstances = j.value("max_extra_instances", o.maxExtraInstances);
    return o;
}

Json statsJson(const LatencyStats& s) {
    return {{"median_ms", s.medianMs}, {"p10_ms", s.p10Ms},  {"p90_ms", s.p90Ms},       {"min_round_ms", s.minRoundMs}, {"cv", s.cv},
            {"runs", s.runs},          {"rounds", s.rounds}, {"instances", s.instances}};
}
LatencyStats statsFrom(const Json& j) {
    LatencyStats s;
    s.medianMs = j.value("median_ms", 0.0);
    s.p10Ms = j.value("p10_ms", 0.0);
    s.p90Ms = j.value("p90_ms", 0.0);
    s.minRoundMs = j.value("min_round_ms", 0.0);
    s.cv = j.value("cv", 0.0);
    s.runs = j.value("runs", 0);
    s.rounds = j.value("rounds", 0);
    s.instances = j.value("instances", 0);
    return s;
}

std::string line(const Json& j) { return j.dump() + "\n"; }

}  // namespace

std::string encodeHelloRequest() { return line({{"protocol", kAgentProtocolVersion}, {"type", "hello"}}); }

std::string encodeHello(const AgentHello& h) {
    Json rt = Json::array();
    for (const auto& [name, version] : h.runtimes) rt.push_back({{"name", name}, {"version", version}});
    return line({{"protocol", h.protocol},
                 {"type", "hello"},
                 {"agent_version", h.agentVersion},
                 {"runtimes", rt},
                 {"machine", machineJson(h.machine)}});
}

std::string encodeMeasureHeader(const MeasureRequest& r) {
    Json models = Json::array();
    for (const auto& m : r.models) {
        Json inputs = Json::array();
        for (const auto& in : m.inputs) inputs.push_back({{"name", in.name}, {"shape", in.shape}});
        models.push_back({{"name", m.name}, {"size", m.bytes.size()}, {"inputs", inputs}});
    }
    return line({{"protocol", kAgentProtocolVersion},
                 {"type", "measure"},
                 {"device", deviceJson(r.device)},
                 {"options", optionsJson(r.options)},
                 {"models", models}});
}

std::string encodeProgress(int done, int total) {
    return line({{"protocol", kAgentProtocolVersion}, {"type", "progress"}, {"done", done}, {"total", total}});
}

std::string encodeResult(const MeasureResponse& r) {
    Json results = Json::array();
    for (const auto& m : r.results) {
        Json j{{"name", m.name}, {"ok", m.ok}};
        if (!m.ok)
            j["error"] = m.error;
        else {
            j["stats"] = statsJson(m.stats);
            j["round_medians"] = m.roundMedians;
            Json layers = Json::array();
            for (const auto& l : m.layers) layers.push_back({{"layer", l.layer}, {"ms", l.ms}});
            j["layers"] = layers;
            j["fusion_groups"] = m.fusionGroups;
        }
        results.push_back(std::move(j));
    }
    return line({{"protocol", kAgentProtocolVersion},
                 {"type", "result"},
                 {"runtime_version", r.runtimeVersion},
                 {"machine", machineJson(r.machine)},
                 {"results", results}});
}

std::string encodeMeasureOptions(const MeasureOptions& options) { return optionsJson(options).dump(); }

std::string encodeError(const std::string& message) {
    return line({{"protocol", kAgentProtocolVersion}, {"type", "error"}, {"message", message}});
}

Result<AgentMessage> decodeMessage(const std::string& text) {
    Json j = Json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return badInput("agent protocol: a message is not a JSON object.");
    const int protocol = j.value("protocol", 0);
    if (protocol != kAgentProtocolVersion)
        return unsupported(
            fmt::format("agent protocol: the other side speaks version {}, KernelMeter {} speaks version {}; install "
                        "kernelmeter-agent {} (protocol {}) on the device (`kernelmeter-cli device deploy ID` does it through "
                        "an ssh transport).",
                        protocol, kVersion, kAgentProtocolVersion, kVersion, kAgentProtocolVersion));
    AgentMessage m;
    try {
        m.type = j.value("type", "");
        if (m.type == "hello") {
            m.hello.protocol = protocol;
            m.hello.agentVersion = j.value("agent_version", "");
            if (j.contains("runtimes"))
                for (const auto& r : j["runtimes"]) m.hello.runtimes.emplace_back(r.value("name", ""), r.value("version", ""));
            if (j.contains("machine")) m.hello.machine = machineFrom(j["machine"]);
        } else if (m.type == "measure") {
            m.request.device = deviceFrom(j.at("device"));
            m.request.options = optionsFrom(j.value("options", Json::object()));
            for (const auto& e : j.at("models")) {
                ModelInput in;
                in.name = e.value("name", "");
                for (const auto& i : e.value("inputs", Json::array()))
                    in.inputs.push_back({i.value("name", ""), i.value("shape", std::vector<int64_t>{})});
                const size_t size = e.at("size").get<size_t>();
                if (size > kMaxModelBytes)
                    return badInput(fmt::format("agent protocol: model '{}' is {} bytes, too large.", in.name, size));
                m.modelSizes.push_back(size);
                m.request.models.push_back(std::move(in));
            }
        } else if (m.type == "progress") {
            m.progressDone = j.value("done", 0);
            m.progressTotal = j.value("total", 0);
        } else if (m.type == "result") {
            m.response.runtimeVersion = j.value("runtime_version", "");
            if (j.contains("machine")) m.response.machine = machineFrom(j["machine"]);
            for (const auto& e : j.at("results")) {
                ModelMeasurement r;
                r.name = e.value("name", "");
                r.ok = e.value("ok", false);
                r.error = e.value("error", "");
                if (r.ok) {
                    r.stats = statsFrom(e.at("stats"));
                    r.roundMedians = e.value("round_medians", std::vector<std::vector<double>>{});
                    for (const auto& l : e.value("layers", Json::array())) r.layers.push_back({l.value("layer", ""), l.value("ms", 0.0)});
                    r.fusionGroups = e.value("fusion_groups", std::vector<std::vector<std::string>>{});
                }
                m.response.results.push_back(std::move(r));
            }
        } else if (m.type == "error") {
            m.error = j.value("message", "");
        } else if (m.type != "quit") {
            return badInput(fmt::format("agent protocol: unknown message type '{}'.", m.type));
        }
    } catch (const std::exception& e) {
        return badInput(fmt::format("agent protocol: malformed '{}' message: {}", m.type, e.what()));
    }
    return m;
}

}  // namespace km

// SPDX-License-Identifier: Apache-2.0
// `kernelmeter-cli device add|list|show|check|remove` and `devices` (docs/devices.md, docs/cli.md).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "cli/commands.h"
#include "workflows/data_sources.h"
#include "workflows/device_analyzer.h"
#include "workflows/devices.h"

namespace km::cli {
namespace {

using Json = nlohmann::ordered_json;

std::string where(const Device& d) { return d.transport.empty() ? "this machine" : d.transport; }

// moreThreadsThanCores's warning, with how to redefine the device from here.
void warnCrowded(const std::string& warning) {
    std::cerr << "kernelmeter-cli: warning: " << warning
              << " `kernelmeter-cli device add ID ... --threads N --replace` defines it again with fewer.\n";
}

Json helloJson(const StoredHello& h, const std::string& runtime) {
    Json runtimes = Json::array();
    std::string version;
    for (const auto& [name, v] : h.hello.runtimes) {
        runtimes.push_back({{"name", name}, {"version", v}});
        if (name == runtime) version = v;
    }
    const MakeMinutes minutes = makeMinutesFor(runtime, h.referenceMs);  // at the device's speed
    return {{"checked_at_utc", h.checkedAtUtc},
            {"protocol", h.hello.protocol},
            {"agent_version", h.hello.agentVersion},
            {"runtime_version", version},
            {"runtimes", runtimes},
            {"cpu_model", h.hello.machine.cpuModel},
            {"logical_cores", h.hello.machine.logicalCores},
            {"kernel", h.hello.machine.kernel},
            {"hostname", h.hello.machine.hostname},
            {"reference_ms", h.referenceMs > 0 ? Json(h.referenceMs) : Json(nullptr)},
            {"reference_spread", h.referenceMs > 0 ? Json(h.referenceSpread) : Json(nullptr)},
            {"adapt_minutes", minutes.adapt},
            {"build_minutes", minutes.build}};
}

std::optional<StoredHello> lastHelloOf(const std::string& id) {
    std::error_code ec;
    if (!std::filesystem::exists(defaultDatabasePath(), ec)) return std::nullopt;
    auto store = MeasurementStore::open(defaultDatabasePath());
    if (!store) return std::nullopt;
    auto h = store.value()->lastHello(id);
    return h ? h.value() : std::nullopt;
}

Json deviceJson(const Device& d) {
    Json j{{"id", d.id},
           {"name", d.displayName},
           {"runtime", d.runtime},
           {"threads", d.threads},
           {"transport", d.transport},
           {"agent", d.agentPath},
           {"user_defined", d.userDefined},
           {"can_measure", d.canMeasure()}};
    const std::optional<StoredHello> h = lastHelloOf(d.id);
    j["last_check"] = h ? helloJson(*h, d.runtime) : Json(nullptr);
    return j;
}

void printHello(const StoredHello& h, const std::string& runtime) {
    std::string version = "?";
    for (const auto& [name, v] : h.hello.runtimes)
        if (name == runtime) version = v;
    std::cout << fmt::format("  checked     {}\n", h.checkedAtUtc);
    std::cout << fmt::format("  agent       kernelmeter-agent {} (protocol {})\n", h.hello.agentVersion, h.hello.protocol);
    std::cout << fmt::format("  runtime     {} {}\n", runtime, version);
    std::cout << fmt::format("  CPU         {}, {} logical cores\n", h.hello.machine.cpuModel, h.hello.machine.logicalCores);
    std::cout << fmt::format("  system      {} ({})\n", h.hello.machine.kernel, h.hello.machine.hostname);
    if (h.referenceMs > 0) std::cout << fmt::format("  reference   {:.3g} ms (spread {:.0f}%)\n", h.referenceMs, 100 * h.referenceSpread);
    // What that speed means for making its predictor (workflows/devices.h).
    const MakeMinutes m = makeMinutesFor(runtime, h.referenceMs);
    if (m.slowdown > 1)
        std::cout << fmt::format("  speed       {:.{}f} times slower than the 2-core machine the times below were measured on\n",
                                 m.slowdown, m.slowdown < 10 ? 1 : 0);
    std::cout << fmt::format("  making      adapting a predictor takes {}, building one {}\n", aboutDuration(m.adapt),
                             aboutDuration(m.build));
}

}  // namespace

int runDevices(bool json) {
    DeviceArgs args;
    args.json = json;
    return runDeviceList(args);
}

int runDeviceList(const DeviceArgs& args) {
    std::string warning;
    const std::vector<Device> devices = allDevices("", &warning);
    if (!warning.empty()) std::cerr << "kernelmeter-cli: your devices could not be read: " << warning << "\n";
    // Runtime versions of this machine's devices: ask the local agent (a fraction of a second);
    // a remote device's come from its last stored hello (the list never reaches out to boards).
    AgentClient local(agentLaunchFor(Device{}));
    const Result<AgentHello> hello = local.start(30);
    local.stop();
    auto versionOf = [&](const Device& d) -> std::string {
        std::optional<AgentHello> from;
        if (d.transport.empty() && d.agentPath.empty() && hello) from = hello.value();
        if (!from)
            if (const std::optional<StoredHello> h = lastHelloOf(d.id)) from = h->hello;
        if (from)
            for (const auto& [name, version] : from->runtimes)
                if (name == d.runtime) return version;
        return "";
    };
    if (args.json) {
        Json list = Json::array();
        for (const Device& d : devices) {
            Json j = deviceJson(d);
            const std::string version = versionOf(d);
            j["runtime_version"] = version.empty() ? Json(nullptr) : Json(version);
            const DevicePredictorStatus status = devicePredictorStatus(d, "", false);
            j["predictor"] = status.predictor
                                 ? Json{{"source", status.source},
                                        {"built_at_utc", status.predictor->builtAtUtc},
                                        {"adapted_from",
                                         status.predictor->adaptation ? Json(status.predictor->adaptation->sourceDevice) : Json(nullptr)},
                                        {"host_state", status.host.state},
                                        {"summary", predictorStatusLine(status)}}
                                 : Json(nullptr);
            list.push_back(std::move(j));
        }
        Json out{{"schema", "kernelmeter.devices/2"}, {"devices", list}};
        out["machine"] = hello ? Json{{"cpu_model", hello.value().machine.cpuModel},
                                      {"logical_cores", hello.value().machine.logicalCores},
                                      {"kernel", hello.value().machine.kernel}}
                               : Json(nullptr);
        std::cout << out.dump(1) << "\n";
    } else {
        // Where a device is reached comes last: a transport can be a long command.
        std::vector<std::string> cells;
        size_t width = 9;
        for (const Device& d : devices) {
            cells.push_back(predictorStatusLine(devicePredictorStatus(d, "", false)));
            width = std::max(width, cells.back().size());
        }
        std::cout << fmt::format("{:<14} {:<11} {:<24} {:>7}  {:<20}  {:<{}}  {}\n", "id", "runtime", "version", "threads", "last checked",
                                 "predictor", width, "where");
        for (size_t i = 0; i < devices.size(); ++i) {
            const Device& d = devices[i];
            const std::optional<StoredHello> h = lastHelloOf(d.id);
            const std::string version = versionOf(d);
            std::cout << fmt::format("{:<14} {:<11} {:<24} {:>7}  {:<20}  {:<{}}  {}\n", d.id, d.runtime, version.empty() ? "?" : version,
                                     d.threads, h ? h->checkedAtUtc : (d.canMeasure() ? "never" : "-"), cells[i], width,
                                     d.canMeasure() ? where(d) : "-");
        }
        if (hello)
            std::cout << fmt::format("\nthis machine: {}, {} logical cores, {}\n", hello.value().machine.cpuModel,
                                     hello.value().machine.logicalCores, hello.value().machine.kernel);
    }
    if (!hello) {
        std::cerr << "kernelmeter-cli: the local agent did not answer, so runtime versions are unknown: " << hello.error().message << "\n";
        return 1;
    }
    return warning.empty() ? 0 : 2;
}

int runDeviceAdd(const DeviceArgs& args) {
    Device d;
    d.id = args.id;
    d.runtime = args.runtime;
    d.threads = args.threads;
    d.transport = args.transport;
    d.agentPath = args.agent;
    d.displayName = args.name;
    Result<Device> added = addDevice(d, "", args.replace);
    if (!added) return reportError(added.error());
    std::cout << fmt::format("added {}: {}\n", added.value().id, added.value().displayName);
    // A remote device's cores are known once `device check` reaches it (it warns then).
    if (const std::string w = moreThreadsThanCores(added.value()); !w.empty()) warnCrowded(w);
    if (added.value().canMeasure())
        std::cout << fmt::format("next: kernelmeter-cli device check {}   (starts its agent and records its CPU)\n", added.value().id);
    return 0;
}

int runDeviceShow(const DeviceArgs& args) {
    Result<Device> d = findDevice(args.id);
    if (!d) return reportError(d.error());
    const Device& dev = d.value();
    const DevicePredictorStatus status = devicePredictorStatus(dev, "", true);
    const std::optional<PredictorSet>& predictor = status.predictor;
    const HostComparison& host = status.host;
    if (args.json) {
        Json j = deviceJson(dev);
        j["predictor"] = predictor
                             ? Json{{"source", status.source},
                                    {"built_at_utc", predictor->builtAtUtc},
                                    {"cpu_model", predictor->cpuModel},
                                    {"logical_cores", predictor->logicalCores},
                                    {"runtime_version", predictor->runtimeVersion},
                                    {"adapted_from", predictor->adaptation ? Json(predictor->adaptation->sourceDevice) : Json(nullptr)}}
                             : Json(nullptr);
        j["host_mismatch"] = predictor ? hostMismatchJson(host) : Json(nullptr);
        std::cout << j.dump(1) << "\n";
        return 0;
    }
    std::cout << fmt::format("{}: {}\n", dev.id, dev.displayName);
    std::cout << fmt::format("  runtime     {}, {} thread{}\n", dev.runtime, dev.threads, dev.threads == 1 ? "" : "s");
    if (dev.canMeasure()) {
        std::cout << fmt::format("  reached by  {}\n", dev.transport.empty() ? "a local child process" : "`" + dev.transport + "`");
        std::cout << fmt::format("  agent       {}\n", agentLaunchFor(dev).agentPath);
    }
    std::cout << fmt::format("  defined     {}\n", dev.userDefined ? "by you" : "built in");
    if (const std::optional<StoredHello> h = lastHelloOf(dev.id))
        printHello(*h, dev.runtime);
    else if (dev.canMeasure())
        std::cout << fmt::format("  checked     never (kernelmeter-cli device check {})\n", dev.id);
    if (predictor) {
        if (predictor->adaptation)
            std::cout << fmt::format("  predictor   {} (adapted {} from {}'s predictor, times from {})\n", status.source,
                                     predictor->builtAtUtc, predictor->adaptation->sourceDevice, predictor->timesSource());
        else
            std::cout << fmt::format("  predictor   {} (built {} on {})\n", status.source, predictor->builtAtUtc, predictor->timesSource());
        if (!host.message.empty()) std::cout << "  note        " << host.message << "\n";
    } else {
        std::cout << "  predictor   none: " << status.error << "\n";
    }
    return 0;
}

int runDeviceCheck(const DeviceArgs& args) {
    Result<Device> d = findDevice(args.id);
    if (!d) return reportError(d.error());
    DeviceCheckOptions o;
    o.referenceRounds = args.referenceRounds;
    o.helloTimeoutSeconds = args.timeoutSeconds;
    // Progress only on a terminal: a script or test sees the answer or one error line.
    Progress progress = stderrProgress(args.json || !isatty(STDERR_FILENO));
    Result<DeviceCheck> c = checkDevice(d.value(), o, &progress);
    if (!c) return reportError(c.error());
    if (const std::string w = moreThreadsThanCores(d.value(), c.value().stored.hello.machine.logicalCores); !w.empty()) warnCrowded(w);
    if (args.json) {
        Json j{{"id", d.value().id}, {"command", c.value().command}};
        j["hello"] = helloJson(c.value().stored, d.value().runtime);
        std::cout << j.dump(1) << "\n";
        return 0;
    }
    std::cout << fmt::format("{} answers (`{}`):\n", d.value().id, c.value().command);
    printHello(c.value().stored, d.value().runtime);
    return 0;
}

int runDeviceDeploy(const DeviceArgs& args) {
    Result<Device> d = findDevice(args.id);
    if (!d) return reportError(d.error());
    DeployOptions o;
    o.agentFile = args.agentFile;
    if (!args.remoteDir.empty()) o.remoteDir = args.remoteDir;
    o.timeoutSeconds = args.timeoutSeconds;
    Progress progress = stderrProgress(!isatty(STDERR_FILENO));
    Result<DeployReport> r = deployAgent(d.value(), o, &progress);
    if (!r) return reportError(r.error());
    std::cout << fmt::format("deployed {} to {} ({}) on {}:\n", r.value().agentFile, r.value().remotePath, r.value().arch, d.value().id);
    printHello(r.value().check.stored, d.value().runtime);
    return 0;
}

int runDeviceRemove(const DeviceArgs& args) {
    Result<DeviceRemoval> r = removeDevice(args.id, args.force);
    if (!r) return reportError(r.error());
    std::cout << fmt::format("removed {}", args.id);
    if (r.value().predictors + r.value().measurements > 0)
        std::cout << fmt::format("; its {} predictor(s) and {} measurement(s) stay in the database (adding {} again brings them back)",
                                 r.value().predictors, r.value().measurements, args.id);
    std::cout << "\n";
    return 0;
}

}  // namespace km::cli

// SPDX-License-Identifier: Apache-2.0
#include "workflows/devices.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "backends/machine_info.h"
#include "backends/remote_command.h"
#include "common/locations.h"
#include "predict/predictor.h"
#include "workflows/data_sources.h"
#include "workflows/reference_workload.h"

namespace km {
namespace {

constexpr size_t kMaxIdLength = 40;

bool isBuiltinId(const std::string& id) { return id == "test" || findBuiltinDevice(id).has_value(); }

std::string databasePath(const std::string& db) { return db.empty() ? defaultDatabasePath() : db; }

// The user's database, only if it exists (listing devices never creates one). To look things up,
// a shipped or read-only file is read as it is (never migrated: openStoreForReading).
Result<std::unique_ptr<MeasurementStore>> openIfPresent(const std::string& db, bool forWriting = false) {
    std::error_code ec;
    const std::string path = databasePath(db);
    if (!std::filesystem::exists(path, ec)) return std::unique_ptr<MeasurementStore>{};
    return forWriting ? MeasurementStore::open(path) : openStoreForReading(path);
}

std::string runtimesOf(const AgentHello& hello) {
    std::string out;
    for (const auto& [name, version] : hello.runtimes) out += (out.empty() ? "" : ", ") + name + " " + version;
    return out.empty() ? "none" : out;
}

std::string versionOf(const AgentHello& hello, const std::string& runtime) {
    for (const auto& [name, version] : hello.runtimes)
        if (name == runtime) return version;
    return "";
}

}  // namespace

const std::vector<std::string>& deviceRuntimes() {
    static const std::vector<std::string> kRuntimes = [] {
        std::vector<std::string> names;
        for (const RuntimeTraits& r : knownRuntimes()) names.push_back(r.name);
        names.emplace_back(kNoRuntime);
        return names;
    }();
    return kRuntimes;
}

std::vector<Device> allDevices(const std::string& db, std::string* warning) {
    std::vector<Device> out;
    for (const Device& d : builtinDevices())
        if (d.runtime != "test") out.push_back(d);
    Result<std::unique_ptr<MeasurementStore>> store = openIfPresent(db);
    Result<std::vector<Device>> mine =
        store && store.value() ? store.value()->userDevices() : Result<std::vector<Device>>(std::vector<Device>{});
    if (!store || !mine) {
        if (warning) *warning = (!store ? store.error() : mine.error()).message;
        return out;
    }
    for (Device& d : mine.value()) out.push_back(std::move(d));
    return out;
}

Result<Device> findDevice(const std::string& id, const std::string& db) {
    if (auto d = findBuiltinDevice(id); d && d->runtime != "test") return *d;
    std::string warning;
    for (Device& d : allDevices(db, &warning))
        if (d.id == id) return std::move(d);
    return badInput(fmt::format("device '{}': no such device; `kernelmeter-cli device list` lists them{}.", id,
                                warning.empty() ? "" : " (the user's devices could not be read: " + warning + ")"));
}

Status validateDeviceDefinition(const Device& d) {
    if (d.id.empty() || d.id.size() > kMaxIdLength)
        return badInput(fmt::format("device id '{}': give 1 to {} characters of a-z, 0-9 and '-'.", d.id, kMaxIdLength));
    for (char c : d.id)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return badInput(fmt::format("device id '{}': '{}' is not allowed; use only a-z, 0-9 and '-'.", d.id, c));
    if (d.id.front() == '-') return badInput(fmt::format("device id '{}': start it with a letter or digit.", d.id));
    if (isBuiltinId(d.id)) return badInput(fmt::format("device id '{}': a built-in device has this id; choose another.", d.id));
    const auto& runtimes = deviceRuntimes();
    if (std::find(runtimes.begin(), runtimes.end(), d.runtime) == runtimes.end())
        return badInput(fmt::format("device '{}': unknown runtime '{}'; use {}, or {} (measurements imported only).", d.id, d.runtime,
                                    fmt::join(runtimes.begin(), runtimes.end() - 1, ", "), kNoRuntime));
    if (d.threads < 1 || d.threads > 1024)
        return badInput(fmt::format("device '{}': --threads {} is not a thread count; give 1 or more.", d.id, d.threads));
    if (!d.canMeasure() && (!d.transport.empty() || !d.agentPath.empty()))
        return badInput(fmt::format("device '{}': a device without a runtime has no agent to reach; drop --transport and --agent.", d.id));
    return Ok{};
}

Result<Device> addDevice(Device d, const std::string& db, bool replace) {
    if (Status s = validateDeviceDefinition(d); !s) return s.error();
    if (d.displayName.empty()) {
        if (!d.canMeasure())
            d.displayName = "Measurements imported for this device (no runtime here)";
        else
            d.displayName =
                fmt::format("{} on {}, {} thread{}", runtimeTraits(d.runtime).displayName,
                            d.transport.empty() ? "this machine" : "`" + d.transport + "`", d.threads, d.threads == 1 ? "" : "s");
    }
    d.userDefined = true;
    Result<std::unique_ptr<MeasurementStore>> store = MeasurementStore::open(databasePath(db));
    if (!store) return store.error();
    if (!replace) {
        Result<std::vector<Device>> mine = store.value()->userDevices();
        if (!mine) return mine.error();
        for (const Device& other : mine.value())
            if (other.id == d.id)
                return badInput(
                    fmt::format("device '{}' exists already; `kernelmeter-cli device remove {}` first, or choose another id.", d.id, d.id));
    }
    if (Status s = store.value()->putUserDevice(d); !s) return s.error();
    return d;
}

Result<DeviceRemoval> storedDataOf(const std::string& id, const std::string& db) {
    DeviceRemoval r;
    Result<std::unique_ptr<MeasurementStore>> store = openIfPresent(db);
    if (!store) return store.error();
    if (!store.value()) return r;
    Result<int64_t> predictors = store.value()->predictorCount(id);
    Result<int64_t> measurements = store.value()->measurementCount(id);
    if (!predictors) return predictors.error();
    if (!measurements) return measurements.error();
    r.predictors = predictors.value();
    r.measurements = measurements.value();
    return r;
}

Result<DeviceRemoval> removeDevice(const std::string& id, bool force, const std::string& db) {
    if (isBuiltinId(id)) return badInput(fmt::format("device '{}' is built in; only devices you added can be removed.", id));
    Result<std::unique_ptr<MeasurementStore>> store = openIfPresent(db, true);
    if (!store) return store.error();
    Result<std::vector<Device>> mine = store.value() ? store.value()->userDevices() : Result<std::vector<Device>>(std::vector<Device>{});
    if (!mine) return mine.error();
    if (std::none_of(mine.value().begin(), mine.value().end(), [&](const Device& d) { return d.id == id; }))
        return badInput(fmt::format("device '{}': no such device of yours; `kernelmeter-cli device list` lists them.", id));
    Result<DeviceRemoval> counted = storedDataOf(id, db);
    if (!counted) return counted.error();
    const DeviceRemoval r = counted.value();
    if (r.predictors > 0 && !force)
        return badInput(
            fmt::format("device '{}' has {} predictor{}; nothing was removed. Add --force to remove the definition "
                        "(its predictors and measurements stay in the database).",
                        id, r.predictors, r.predictors == 1 ? "" : "s"));
    if (Status s = store.value()->removeUserDevice(id); !s) return s.error();
    return r;
}

AgentLaunch agentLaunchFor(const Device& device) {
    AgentLaunch launch;
    launch.transportPrefix = device.transport;
    if (!device.agentPath.empty())
        launch.agentPath = device.agentPath;
    else if (device.transport.empty())
        launch.agentPath = siblingProgram(kAgentProgram).value_or(kAgentProgram);
    else
        launch.agentPath = kAgentProgram;  // found on the device's PATH (the arm64 package installs it in /usr/bin)
    return launch;
}

Result<DeviceCheck> checkDevice(const Device& device, const DeviceCheckOptions& options, Progress* progress) {
    if (!device.canMeasure())
        return badInput(
            fmt::format("device '{}' has no runtime (its times or its predictor were imported): there is no agent to check.", device.id));
    DeviceCheck out;
    AgentClient agent(agentLaunchFor(device));
    out.command = agent.command();
    if (progress) progress->report(0, "starting " + out.command);
    Result<AgentHello> hello = agent.start(options.helloTimeoutSeconds);
    if (!hello) return Error{hello.error().code, fmt::format("device '{}': {}", device.id, hello.error().message)};
    out.stored.hello = hello.value();
    out.runtimeVersion = versionOf(hello.value(), device.runtime);
    if (out.runtimeVersion.empty())
        return unsupported(
            fmt::format("device '{}': the agent started by `{}` has no runtime '{}' (it has: {}); define the device "
                        "with a runtime it has, or install an agent built with {}.",
                        device.id, out.command, device.runtime, runtimesOf(hello.value()), device.runtime));
    if (options.referenceRounds > 0) {
        if (progress) progress->report(0.3, "timing the reference workload");
        Result<ModelInput> ref = referenceWorkload();
        if (!ref) return ref.error();
        MeasureRequest request{device, {}, {ref.value()}};
        request.options.rounds = options.referenceRounds;
        request.options.runsPerRound = 5;
        request.options.instances = 1;
        request.options.maxExtraInstances = 0;
        request.options.warmupRuns = 5;
        request.options.warmupMinMs = 100;
        Result<MeasureResponse> r = agent.measure(request, options.helloTimeoutSeconds * 10);
        if (!r) return Error{r.error().code, fmt::format("device '{}': timing the reference workload: {}", device.id, r.error().message)};
        if (r.value().results.empty() || !r.value().results[0].ok)
            return unsupported(fmt::format("device '{}': the runtime could not run the reference workload: {}", device.id,
                                           r.value().results.empty() ? "no result" : r.value().results[0].error));
        const LatencyStats& s = r.value().results[0].stats;
        out.stored.referenceMs = s.medianMs;
        out.stored.referenceSpread = s.medianMs > 0 ? (s.p90Ms - s.p10Ms) / s.medianMs : 0;
    }
    agent.stop();
    Result<std::unique_ptr<MeasurementStore>> store = MeasurementStore::open(databasePath(options.db));
    if (!store) return store.error();
    if (Status s = store.value()->saveHello(device.id, out.stored); !s) return s.error();
    Result<std::optional<StoredHello>> saved = store.value()->lastHello(device.id);
    if (saved && saved.value()) out.stored.checkedAtUtc = saved.value()->checkedAtUtc;
    if (progress) progress->report(1, "checked");
    return out;
}

namespace {

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

// The cross-built agent for `arch`: $KM_AGENT_AARCH64_DIR, share/kernelmeter/agents/aarch64, or
// in a source tree scripts/build-agent-arm64.sh's output.
std::optional<std::string> builtAgentFor(const std::string& arch) {
    if (arch != "aarch64") return std::nullopt;
    return findShipped("KM_AGENT_AARCH64_DIR", "agents/aarch64", "build/agent-arm64/app/agent", kAgentProgram);
}

}  // namespace

Result<DeployReport> deployAgent(const Device& device, const DeployOptions& options, Progress* progress) {
    if (!device.userDefined) return badInput(fmt::format("device '{}' is built in: it runs the agent installed here.", device.id));
    if (device.transport.empty())
        return badInput(
            fmt::format("device '{}' is this machine (no --transport): it runs the agent installed here; nothing to deploy.", device.id));
    DeployReport r;
    if (progress) progress->report(0, "asking the device its architecture");
    Result<CommandOutput> arch = runThroughTransport(device.transport, "uname -m", {}, options.timeoutSeconds);
    if (!arch) return arch.error();
    if (arch.value().exitCode != 0)
        return ioError(fmt::format("device '{}': `{} uname -m` failed (exit {}): {}", device.id, device.transport, arch.value().exitCode,
                                   trimmed(arch.value().err)));
    r.arch = trimmed(arch.value().out);
    const std::string here = readMachineInfo().kernel;  // "Linux 6.1.0 x86_64"
    const bool sameArch = here.size() >= r.arch.size() && here.compare(here.size() - r.arch.size(), r.arch.size(), r.arch) == 0;
    r.agentFile = options.agentFile;
    if (r.agentFile.empty() && sameArch) r.agentFile = siblingProgram(kAgentProgram).value_or("");
    if (r.agentFile.empty()) r.agentFile = builtAgentFor(r.arch).value_or("");
    if (r.agentFile.empty())
        return badInput(
            fmt::format("device '{}' is {}: give the agent built for it with --agent-file (scripts/build-agent-arm64.sh "
                        "makes one for aarch64), or install the kernelmeter-agent package on the device.",
                        device.id, r.arch));
    std::ifstream file(r.agentFile, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (!file.good() && !file.eof()) return ioError(fmt::format("{}: cannot read the agent program.", r.agentFile));
    if (bytes.size() < 4 || bytes.compare(0, 4,
                                          "\x7f"
                                          "ELF") != 0)
        return badInput(fmt::format("{}: not a program (no ELF header).", r.agentFile));
    r.remotePath = options.remoteDir + "/kernelmeter-agent";
    if (progress) progress->report(0.2, fmt::format("copying {} ({} bytes)", r.agentFile, bytes.size()));
    const std::string install = fmt::format(
        "mkdir -p {0} && cat > {0}/kernelmeter-agent.new && chmod 755 {0}/kernelmeter-agent.new && "
        "mv -f {0}/kernelmeter-agent.new {0}/kernelmeter-agent",
        options.remoteDir);
    Result<CommandOutput> copied = runThroughTransport(device.transport, install, bytes, options.timeoutSeconds);
    if (!copied) return copied.error();
    if (copied.value().exitCode != 0)
        return ioError(fmt::format("device '{}': copying the agent through `{}` failed (exit {}): {}", device.id, device.transport,
                                   copied.value().exitCode, trimmed(copied.value().err)));
    if (progress) progress->report(0.5, "starting it");
    Result<CommandOutput> hello = runThroughTransport(device.transport, r.remotePath + " --hello", {}, options.timeoutSeconds);
    if (!hello) return hello.error();
    if (hello.value().exitCode != 0) {
        const std::string err = trimmed(hello.value().err);
        const bool libraries = err.find("shared librar") != std::string::npos;
        return unsupported(fmt::format("device '{}': the agent was copied to {} but does not start (exit {}): {}{}", device.id,
                                       r.remotePath, hello.value().exitCode, err,
                                       libraries ? " Install its libraries on the device: sudo apt install libxnnpack0 libpthreadpool0 "
                                                   "libonnx1 libprotobuf32 libfmt9 (Debian 12), or the kernelmeter-agent package."
                                                 : ""));
    }
    Device updated = device;
    updated.agentPath = r.remotePath;
    Result<Device> stored = addDevice(updated, options.db, true);
    if (!stored) return stored.error();
    DeviceCheckOptions check;
    check.db = options.db;
    check.helloTimeoutSeconds = options.timeoutSeconds;
    check.referenceRounds = 3;
    Result<DeviceCheck> checked = checkDevice(stored.value(), check, progress);
    if (!checked) return checked.error();
    r.check = checked.value();
    return r;
}

MakeMinutes makeMinutesFor(const std::string& runtime, double referenceMs) {
    const double projectMs = runtimeTraits(runtime).projectReferenceMs;
    MakeMinutes m;
    if (!(projectMs > 0) || !(referenceMs > 1.5 * projectMs)) return m;
    m.slowdown = referenceMs / projectMs;
    m.adapt = int(std::lround(kAdaptMinutesTypical * m.slowdown));
    m.build = int(std::lround(kBuildMinutesTypical * m.slowdown));
    return m;
}

MakeMinutes makeMinutesFor(const Device& device, const std::string& db) {
    if (Result<std::unique_ptr<MeasurementStore>> store = openIfPresent(db); store && store.value())
        if (Result<std::optional<StoredHello>> h = store.value()->lastHello(device.id); h && h.value())
            return makeMinutesFor(device.runtime, h.value()->referenceMs);
    return {};
}

std::string aboutDuration(int minutes) {
    if (minutes < 120) return fmt::format("about {} minute{}", minutes, minutes == 1 ? "" : "s");
    if (minutes < 48 * 60) return fmt::format("about {} hours", std::lround(minutes / 60.0));
    return fmt::format("about {} days", std::lround(minutes / (24 * 60.0)));
}

std::string moreThreadsThanCores(const Device& device, int logicalCores) {
    if (logicalCores <= 0 && device.transport.empty()) logicalCores = readMachineInfo().logicalCores;
    if (!device.canMeasure() || logicalCores <= 0 || device.threads <= logicalCores) return {};
    return fmt::format(
        "{} runs {} threads on {} with {} core{}: the threads take turns on the cores, so its times will be slower and less steady "
        "than at {}.",
        device.id, device.threads, device.transport.empty() ? "this machine" : "a machine", logicalCores, logicalCores == 1 ? "" : "s",
        logicalCores);
}

BuiltOn builtOnOf(const PredictorSet& p) { return {p.cpuModel, p.logicalCores, p.runtimeVersion, p.runtime, p.deviceId}; }

HostComparison compareHost(const BuiltOn& builtOn, const Device& device, const std::string& db) {
    HostComparison c;
    if (!device.canMeasure()) {  // known only from imported measurements or an imported predictor: no agent tells its machine
        c.message =
            fmt::format("{} has no runtime here (its times or its predictor were imported): no agent reports its machine.", device.id);
        return c;
    }
    // Not this device's predictor, whatever the machine: another runtime's kernels, or another
    // thread count's times (a predictor file of another device given with --predictor).
    const bool otherRuntime = !builtOn.runtime.empty() && builtOn.runtime != device.runtime;
    std::optional<Device> madeFor;  // looked up (in the database too) only where the runtime agrees
    if (!otherRuntime && !builtOn.deviceId.empty() && builtOn.deviceId != device.id)
        if (Result<Device> d = findDevice(builtOn.deviceId, db); d) madeFor = d.value();
    if (otherRuntime) {
        c.differences.push_back("runtime");
        c.message = fmt::format(
            "this predictor is for {}{} and {} runs {}: its kernels are not the ones {} runs, so its times do not hold there; "
            "predict with {}'s own predictor, or adapt this one to it (kernelmeter-cli adapt --device {} --from {}; docs/adapt.md).",
            builtOn.runtime, builtOn.deviceId.empty() ? "" : " (made for " + builtOn.deviceId + ")", device.id, device.runtime, device.id,
            device.id, device.id, builtOn.deviceId.empty() ? "the device it was made for" : builtOn.deviceId);
    } else if (madeFor && madeFor->runtime == device.runtime && madeFor->threads != device.threads) {
        c.differences.push_back("threads");
        c.message = fmt::format(
            "this predictor is {}'s, at {} thread{}, and {} runs {} at {}: its times do not hold there; predict with {}'s own "
            "predictor, or adapt this one to it (kernelmeter-cli adapt --device {} --from {}; docs/adapt.md).",
            madeFor->id, madeFor->threads, madeFor->threads == 1 ? "" : "s", device.id, device.runtime, device.threads, device.id,
            device.id, madeFor->id);
    }
    std::optional<StoredHello> hello;
    MakeMinutes minutes;  // at the device's speed when its last check timed the reference
    if (Result<std::unique_ptr<MeasurementStore>> store = openIfPresent(db); store && store.value())
        if (Result<std::optional<StoredHello>> h = store.value()->lastHello(device.id); h) hello = h.value();
    if (hello) {
        c.deviceRuntimeVersion = versionOf(hello->hello, device.runtime);
        c.helloAtUtc = hello->checkedAtUtc;
        minutes = makeMinutesFor(device.runtime, hello->referenceMs);
    }
    if (device.transport.empty()) {  // this machine: read it now rather than trust an old hello
        const MachineInfo here = readMachineInfo();
        c.deviceCpu = here.cpuModel;
        c.deviceCores = here.logicalCores;
    } else if (hello) {
        c.deviceCpu = hello->hello.machine.cpuModel;
        c.deviceCores = hello->hello.machine.logicalCores;
    }
    if (!c.differences.empty()) {
        c.state = "mismatch";
        return c;
    }
    if (builtOn.cpuModel.empty()) {
        c.message = "the predictor does not record the CPU it was built on.";
        return c;
    }
    if (c.deviceCpu.empty()) {
        c.message = fmt::format("{} has never been reached, so its CPU is unknown: `kernelmeter-cli device check {}` records it.",
                                device.id, device.id);
        return c;
    }
    if (c.deviceCpu != builtOn.cpuModel) c.differences.push_back("CPU");
    if (builtOn.logicalCores > 0 && c.deviceCores > 0 && builtOn.logicalCores != c.deviceCores) c.differences.push_back("cores");
    if (!builtOn.runtimeVersion.empty() && !c.deviceRuntimeVersion.empty() && builtOn.runtimeVersion != c.deviceRuntimeVersion)
        c.differences.push_back("runtime version");
    c.state = c.differences.empty() ? "match" : "mismatch";
    if (c.mismatch()) {
        if (c.differences[0] == "CPU") {
            c.predictedFor = fmt::format("predicted for {}", builtOn.cpuModel);
            c.reports = c.deviceCpu;
        } else if (c.differences[0] == "cores") {
            c.predictedFor = fmt::format("predicted on a {}-core machine", builtOn.logicalCores);
            c.reports = fmt::format("{} cores", c.deviceCores);
        } else {
            c.predictedFor = fmt::format("predicted with {} {}", device.runtime, builtOn.runtimeVersion);
            c.reports = c.deviceRuntimeVersion;
        }
        c.ways = fmt::format("adapt ({}) or build ({})", aboutDuration(minutes.adapt), aboutDuration(minutes.build));
        c.message = fmt::format(
            "{}; {} reports {}: the times may be far off; adapt the predictor to {} from 10 networks measured on it (kernelmeter-cli "
            "adapt --device {} --from {}, {}) or build one (kernelmeter-cli build-predictor --device {}, {}).",
            c.predictedFor, device.id, c.reports, device.id, device.id, device.id, aboutDuration(minutes.adapt), device.id,
            aboutDuration(minutes.build));
    }
    return c;
}

}  // namespace km

// SPDX-License-Identifier: Apache-2.0
// Devices for every command and the GUI: the built-in ones and those the user defined (a runtime,
// a thread count and the command that reaches the device's agent), stored in the user database.
// Also where a device's numbers come from: the machine its agent last reported, compared with the
// machine a predictor was built on (docs/devices.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "backends/agent_client.h"
#include "backends/device.h"
#include "common/progress.h"
#include "common/result.h"
#include "store/measurement_store.h"

namespace km {

// Runtimes a device may name: those the agent can run, and kNoRuntime (imported measurements only).
const std::vector<std::string>& deviceRuntimes();

// The built-in devices, then the user's (by id) from database `db` (empty: the user's default).
// A database that cannot be read gives the built-in ones and its error in `warning`.
std::vector<Device> allDevices(const std::string& db, std::string* warning = nullptr);
// A built-in or user-defined device; a BadInput error naming the id and how to list devices.
Result<Device> findDevice(const std::string& id, const std::string& db = "");

// Checks a definition: id of [a-z0-9-] (1 to 40 characters, starting with a letter or digit) and
// not a built-in one, a known runtime, threads >= 1. BadInput errors name the field at fault.
Status validateDeviceDefinition(const Device& device);
// Validates and stores a definition (replacing one with the same id only when `replace`); fills an
// empty display name. Returns the stored definition.
Result<Device> addDevice(Device device, const std::string& db = "", bool replace = false);

struct DeviceRemoval {
    int64_t predictors = 0;    // kept in the database; re-adding the id brings them back
    int64_t measurements = 0;  // kept likewise
};
// What the database holds for a device (any id), with the kernels adapt timed under ID@tN.
Result<DeviceRemoval> storedDataOf(const std::string& id, const std::string& db = "");
// Removes a user-defined device. Refused (BadInput, nothing changed) for a built-in id, an unknown
// one, or a device with predictors unless `force`; its predictors and measurements are never
// deleted.
Result<DeviceRemoval> removeDevice(const std::string& id, bool force, const std::string& db = "");

// How to start the device's agent: its transport prefix and agent command, or the local agent.
AgentLaunch agentLaunchFor(const Device& device);

struct DeviceCheckOptions {
    double helloTimeoutSeconds = 120;  // a board over ssh or an emulator can take a while to start
    // Rounds of the reference workload timed after the hello (0: none). Each round is 5 runs after
    // the warm-up; 10 rounds take about 2 s on a desktop core, minutes under emulation.
    int referenceRounds = 10;
    std::string db;  // where the hello is stored; empty: the user's default database
};

struct DeviceCheck {
    StoredHello stored;          // the hello and the reference time, as stored
    std::string runtimeVersion;  // the device's runtime as its agent reports it
    std::string command;         // how the agent was started (transport + agent)
};
// Starts the device's agent through its transport, checks it speaks this protocol and has the
// device's runtime, times the reference workload, and stores the hello for the device. Errors name
// the command and what it printed.
Result<DeviceCheck> checkDevice(const Device& device, const DeviceCheckOptions& options, Progress* progress = nullptr);

struct DeployOptions {
    // The agent program to copy; empty: this machine's agent when the device has this machine's
    // architecture, the cross-built arm64 agent (scripts/build-agent-arm64.sh) for an aarch64 one.
    std::string agentFile;
    std::string remoteDir = "~/.local/lib/kernelmeter";  // on the device; created if missing
    double timeoutSeconds = 300;                         // per command through the transport
    std::string db;                                      // empty: the user's default database
};
struct DeployReport {
    std::string arch;        // `uname -m` on the device
    std::string agentFile;   // what was copied
    std::string remotePath;  // where it is now, the device's agent command from now on
    DeviceCheck check;       // the check run after it
};
// Copies the agent onto a user-defined device through its transport (which must carry standard
// input, as ssh does), makes it the device's agent and checks it. Errors name the command that
// failed and what it printed; missing libraries on the device come with the packages to install.
Result<DeployReport> deployAgent(const Device& device, const DeployOptions& options, Progress* progress = nullptr);

// What a predictor (or rule set) was built on, as recorded in it.
struct BuiltOn {
    std::string cpuModel;
    int logicalCores = 0;  // 0: not recorded (older files)
    std::string runtimeVersion;
    // The predictor's runtime and the device it was made for (empty: not a predictor's, or not
    // recorded): a predictor of another runtime, or of a device of the same runtime at other
    // threads (a --predictor file of another device), does not hold on any machine.
    std::string runtime, deviceId;
};
struct PredictorSet;
BuiltOn builtOnOf(const PredictorSet& predictor);

// Whether the device is the machine a predictor was built on, as far as is known.
struct HostComparison {
    // "match", "mismatch", or "unknown" (no hello stored for a remote device, or nothing recorded
    // in the predictor).
    std::string state = "unknown";
    std::string deviceCpu;  // what the device reports (the local machine for a local device)
    int deviceCores = 0;
    std::string deviceRuntimeVersion;      // from its last hello; empty: none stored
    std::string helloAtUtc;                // when that hello was stored; empty: none
    std::vector<std::string> differences;  // "runtime" or "threads" (the predictor's), "CPU", "cores", "runtime version"
    // One sentence for the user: what differs and what to do; empty on a match.
    std::string message;
    // For another machine (CPU, cores, runtime version), the message's parts without the device
    // and the commands, for beside a number where the application offers both ways (and to say it
    // once for devices that share them): "predicted for <CPU>", what the device reports ("<CPU>",
    // "4 cores", a version), "adapt (about 4 minutes) or build (about 45 minutes)". Else empty.
    std::string predictedFor, reports, ways;
    bool mismatch() const { return state == "mismatch"; }
    // Another device's predictor: of another runtime, or of the same runtime at other threads.
    bool notThisDevice() const {
        return mismatch() && !differences.empty() && (differences.front() == "runtime" || differences.front() == "threads");
    }
};
// What a user is told the two ways of making a predictor for a device take, on a 2-core machine
// like the project's (bench/adapt_time.sh measures adapt with its measuring; a build stops at its
// default budget, calibration included).
inline constexpr int kAdaptMinutesTypical = 4;
// Detecting a runtime's fusion rules on such a machine (docs/fusion.md: 5-7 minutes).
inline constexpr int kDetectRulesMinutesTypical = 7;
inline constexpr int kBuildMinutesTypical = 45;

// The two durations for a device of `runtime` whose reference workload took `referenceMs` when it
// was last checked (0: never timed): the typical minutes, times how much slower than the project's
// machine the device ran the reference, when that is more than 1.5 times (a board, an emulator;
// both ways are nearly all measuring). Never below the typical minutes: a faster device still
// generates, fits and starts processes as the project's machine does.
struct MakeMinutes {
    int adapt = kAdaptMinutesTypical, build = kBuildMinutesTypical;
    double slowdown = 1;  // the device's reference time over the project machine's (1: not known or not slower)
};
MakeMinutes makeMinutesFor(const std::string& runtime, double referenceMs);
// The same from the device's last check stored in database `db` (empty: the user's default).
MakeMinutes makeMinutesFor(const Device& device, const std::string& db = "");
// A warning when `device` runs more threads than its machine has cores (`logicalCores`; 0: this
// machine's for a local device, not known for a remote one until a check reports them): its
// threads then take turns on the cores, so its times are slower and less steady than at the
// cores' count. Empty otherwise.
std::string moreThreadsThanCores(const Device& device, int logicalCores = 0);

// "about 4 minutes", "about 3 hours", "about 2 days".
std::string aboutDuration(int minutes);

// Compares without starting the agent: a local device is this machine (its runtime version from
// the last stored hello, if any); a remote one is its last stored hello.
HostComparison compareHost(const BuiltOn& builtOn, const Device& device, const std::string& db = "");

}  // namespace km

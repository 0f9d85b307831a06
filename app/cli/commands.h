// Sub-commands of kernelmeter-cli. Each returns the process exit code:
// 0 success, 2 bad input (file, argument), 1 internal error.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace km::cli {

struct InspectArgs {
    std::string model;                     // ONNX or nn-Meter IR JSON file
    std::vector<std::string> inputShapes;  // "1x3x224x224" or "name=1x3x224x224"
    bool json = false;                     // machine-readable output (docs/cli.md)
    bool noPatterns = false;               // keep one node per file node
};
int runInspect(const InspectArgs& args);

int runDevices(bool json);

struct MeasureArgs {
    std::vector<std::string> models;
    std::string device;            // built-in device id
    bool json = false;
    bool layers = false;           // text output: per-layer times and fusion groups too
    bool quiet = false;            // no progress on stderr
    int rounds = 20;               // protocol, see core/backends/measurement.h
    int instances = 3;
    int runsPerRound = 3;
    int warmupRuns = 10;
    double warmupMinMs = 200;
    int maxExtraInstances = 2;
    double timeoutSeconds = 900;
    std::string transport;         // command prefix for a remote agent, e.g. "ssh user@board"
    std::string agentCommand;      // agent path (local) or command (remote); default: next to this CLI
    bool enableTestRuntime = false;
    int memoryLimitMb = 0;
    std::string db;                // SQLite database; default: the user's data directory
    bool noDb = false;             // measure without reading or writing a database
    bool remeasure = false;        // measure again models the database already has
    int batchSize = 5;             // models interleaved per agent request
    bool noReference = false;      // skip the reference workload (no ratio, no normalized_ms)
};
int runMeasure(const MeasureArgs& args);

// Prints the error to stderr and returns its exit code.
int reportError(const Error& error);

}  // namespace km::cli

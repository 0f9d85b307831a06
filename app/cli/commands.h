// SPDX-License-Identifier: Apache-2.0
// Sub-commands of kernelmeter-cli. Each returns the process exit code:
// 0 success, 2 bad input (file, argument), 1 internal error.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backends/device.h"
#include "common/locations.h"
#include "common/progress.h"
#include "common/result.h"
#include "fusion/rule_set.h"
#include "store/measurement_store.h"
#include "workflows/data_sources.h"
#include "workflows/devices.h"
#include "workflows/model_file.h"

#include <nlohmann/json.hpp>

namespace km::cli {

struct InspectArgs {
    std::string model;                     // ONNX or nn-Meter IR JSON file
    std::vector<std::string> inputShapes;  // "1x3x224x224" or "name=1x3x224x224"
    bool json = false;                     // machine-readable output (docs/cli.md)
    bool noPatterns = false;               // keep one node per file node
};
int runInspect(const InspectArgs& args);

int runDevices(bool json);  // `devices`: the same as `device list`

struct DeviceArgs {
    std::string id;
    std::string runtime;    // add: opencv-dnn, xnnpack or none
    int threads = 1;        // add
    std::string transport;  // add: command prefix that reaches the device ("ssh pi@board"); empty: local
    std::string agent;      // add: the agent's command on the device; empty: the installed one
    std::string name;       // add: display name; empty: made from the runtime and transport
    bool replace = false;   // add: redefine a device of yours with this id
    bool force = false;     // remove: even when it has predictors (they stay in the database)
    bool json = false;
    int referenceRounds = 10;     // check: rounds of the reference workload (0: hello only)
    double timeoutSeconds = 120;  // check: for the agent's hello; deploy: per command
    std::string agentFile;        // deploy: the agent program to copy (default: by the device's architecture)
    std::string remoteDir;        // deploy: where on the device (default ~/.local/lib/kernelmeter)
};
int runDeviceAdd(const DeviceArgs& args);
int runDeviceList(const DeviceArgs& args);
int runDeviceShow(const DeviceArgs& args);
int runDeviceCheck(const DeviceArgs& args);
int runDeviceRemove(const DeviceArgs& args);
int runDeviceDeploy(const DeviceArgs& args);
// The `host_mismatch` JSON of predict and device show (docs/cli.md).
nlohmann::ordered_json hostMismatchJson(const HostComparison& host);

struct MeasureArgs {
    std::vector<std::string> models;
    std::string device;  // built-in device id
    bool json = false;
    bool layers = false;  // text output: per-layer times and fusion groups too
    bool quiet = false;   // no progress on stderr
    int rounds = 20;      // protocol, see core/backends/measurement.h
    int instances = 3;
    int runsPerRound = 3;
    int warmupRuns = 10;
    double warmupMinMs = 200;
    int maxExtraInstances = 2;
    double timeoutSeconds = 900;
    std::string transport;     // command prefix for a remote agent, e.g. "ssh user@board"
    std::string agentCommand;  // agent path (local) or command (remote); default: next to this CLI
    bool enableTestRuntime = false;
    int memoryLimitMb = 0;
    std::string db;            // SQLite database; default: the user's data directory
    bool noDb = false;         // measure without reading or writing a database
    bool remeasure = false;    // measure again models the database already has
    int batchSize = 5;         // models interleaved per agent request
    bool noReference = false;  // skip the reference workload (no ratio, no normalized_ms)
};
int runMeasure(const MeasureArgs& args);

struct DetectRulesArgs {
    std::string device;
    double budgetMinutes = 15;     // no new test batch starts after this
    std::string output;            // rule set file; default: the user's rules folder (rulesPathFor)
    std::string cacheDir;          // test-case models; default: ~/.cache/kernelmeter/fusion-tests
    std::vector<std::string> ops;  // restrict to pairs of these canonical ops (default: all testable)
    std::string db;                // measurement database (resume); default: the user's data directory
    bool noDb = false;
    bool quiet = false;
    bool events = false;  // kernelmeter.events/1 lines on stdout (cli/events.h)
    // Operating points "hw<H>_c<C>" (default: the three of fusion/test_cases.h). A slow board or an
    // emulator can test one small point.
    std::vector<std::string> points;
    int rounds = 0, instances = 0;  // the detection protocol's (0: its defaults)
};
int runDetectRules(const DetectRulesArgs& args, const std::string& commandLine);

struct RulesArgs {
    std::string device;
    std::string rulesFile;  // default: the user's detected rules, else the shipped ones
    bool json = false;
};
int runRules(const RulesArgs& args);

struct KernelsArgs {
    std::string model;
    std::string device;
    std::string rulesFile;
    std::vector<std::string> inputShapes;
    bool json = false;
};
int runKernels(const KernelsArgs& args);

struct BuildPredictorArgs {
    std::string device;
    double budgetMinutes = 45;
    std::vector<std::string> types;  // default: the kernel types of the bundled example networks
    std::string output;              // also write the predictor's JSON here (it always goes into the database)
    std::string cacheDir;            // kernel models; default: ~/.cache/kernelmeter/kernel-models
    std::string rulesFile;
    std::string db;
    int initialSamples = 200;
    int probeSamples = 100;       // kernels scored each round to choose where to refine
    int validationSamples = 100;  // held-out kernels scoring each round
    int maxRounds = 6;
    int calibrationNetworks = 30;  // generated networks fitting overhead and kernel scale; 0: none
    bool listTypes = false;        // print the default kernel types (and where they occur) and stop
    bool storedOnly = false;       // measure nothing: replay the build from the database
    bool quiet = false;
    bool events = false;  // kernelmeter.events/1 lines on stdout (cli/events.h; the GUI's live plot)
};
int runBuildPredictor(const BuildPredictorArgs& args, const std::string& commandLine);

struct PredictArgs {
    std::vector<std::string> models;
    std::vector<std::string> devices;  // repeatable; in the order given
    std::string predictorFile;         // JSON; default: the newest in the database, else the shipped database
    std::string rulesFile;
    std::string db;
    std::vector<std::string> inputShapes;
    bool json = false;
    bool atBuildSpeed = false;  // the predictor's own milliseconds, not carried to the device's usual speed
    bool summary = false;       // one line per model (and device) instead of the kernels
};
int runPredict(const PredictArgs& args);

// `predictor export` / `predictor import`: a predictor as a file to hand on (workflows/predictor_files.h).
struct PredictorFileArgs {
    std::string device;  // export: whose predictor; import: the id to import it as (default: the file's)
    std::string file;    // export: -o; import: the file read
    std::string db;
};
int runPredictorExport(const PredictorFileArgs& args);
int runPredictorImport(const PredictorFileArgs& args);

struct CalibrateArgs {
    std::string device;
    std::string predictorFile;  // JSON; default: the newest in the database, else the shipped database
    std::string output;         // also write the calibrated predictor's JSON here
    std::string cacheDir;       // calibration networks; default: ~/.cache/kernelmeter/kernel-models
    std::string rulesFile;
    std::string db;
    int networks = 30;
    std::vector<std::string> models;  // ONNX files to calibrate on instead of generated networks
    bool referenceTimeOnly = false;   // only find the reference time of a predictor built without one
    bool quiet = false;
};
int runCalibrate(const CalibrateArgs& args, const std::string& commandLine);

struct ZooArgs {
    std::vector<std::string> families;  // default: every family of the zoo
    int count = 1;                      // models per family, seeds firstSeed .. firstSeed + count - 1
    uint32_t firstSeed = 1;
    int64_t minResolution = 96;  // input sizes drawn within this range (core/zoo/zoo.h)
    int64_t maxResolution = 320;
    std::string outputDir;  // write <family>-<seed>.onnx here; empty: only list them
    bool json = false;
    // NAS-Bench-201 arch strings: their networks instead of the families (nb201-<hash>.onnx)
    std::vector<std::string> nb201;
};
int runZoo(const ZooArgs& args);

struct DatasetArgs {
    std::string name = "zoo";           // dataset name in the database
    std::vector<std::string> families;  // build: default every family
    int perFamily = 50;                 // build: models per family
    uint32_t firstSeed = 1;
    int64_t minResolution = 96, maxResolution = 320;
    std::vector<std::string> devices;  // build: devices to measure on (at least one)
    std::string db;                    // default: the user's database (show: then the shipped benchmark.db)
    std::string modelDir;              // build: default ~/.cache/kernelmeter/datasets
    int rounds = 20, instances = 3;    // build: the model protocol (core/backends/measurement.h)
    int batchSize = 5;
    std::vector<std::string> importFiles;  // import-nnmeter: nn-Meter .jsonl files
    std::string importName = "nn-meter";   // import-nnmeter: dataset name
    std::vector<std::string> deviceMap;    // import-nnmeter: "nnmeter_name=device_id"
    std::string tableFile;                 // import-table: the CSV file
    std::string tableName;                 // import-table: dataset name (default: the file's name)
    bool json = false, quiet = false;
};
int runDatasetBuild(const DatasetArgs& args);
int runDatasetShow(const DatasetArgs& args);
int runDatasetImportNnMeter(const DatasetArgs& args);
int runDatasetImportTable(const DatasetArgs& args);

struct AdaptArgs {
    std::string device;               // the target
    std::string from;                 // the source device, whose predictor is adapted
    std::string sourcePredictorFile;  // the source's predictor JSON (default: its newest, else the shipped one)
    int networks = 10;                // networks chosen and measured (or taken from the dataset)
    int inputSize = 0;                // generated networks' square input side in pixels (0: 96 to 224)
    uint32_t seed = 1;                // of the choice
    std::vector<std::string> models;  // measure these ONNX files instead of chosen networks
    std::string dataset;              // take the target's times from this dataset instead of measuring
    std::string output;               // also write the adapted predictor's JSON here
    std::string cacheDir;             // generated networks; default: ~/.cache/kernelmeter/kernel-models
    std::string db;                   // default: the user's database
    int rounds = 20, instances = 3;   // the model protocol (core/backends/measurement.h)
    int kernelsPerGroup = 6;          // source training kernels measured per transfer group (0: none)
    bool atSessionSpeed = false;      // networks' times at this session's speed, not the target's usual one (AdaptOptions)
    bool json = false, quiet = false;
    bool events = false;  // kernelmeter.events/1 lines on stdout (the desktop application reads them); the table goes to stderr
};
int runAdapt(const AdaptArgs& args, const std::string& commandLine);

struct EvaluateArgs {
    std::string device;
    std::string dataset;              // a dataset in the database (default "zoo" when no --models)
    std::vector<std::string> models;  // or these files, with their measurements in the database
    std::string db;                   // default: the user's database (datasets: then the shipped benchmark.db)
    std::string predictorFile, rulesFile;
    bool atReferenceSpeed = false;  // score measurements scaled by their reference ratio
    bool atUsualSpeed = false;      // score the predictions carried to the usual speed before the scored measurements
    bool json = false;
};
int runEvaluate(const EvaluateArgs& args);

struct ReportArgs {
    std::string model;
    std::vector<std::string> devices;  // default: the devices the desktop application remembers
    std::string output;
};
int runReport(const ReportArgs& args);

// The built-in or user-defined device with this id, or a message saying how to list them; with
// `toMeasure`, also refused when it has no runtime (a device known from imported measurements).
// A device defined in database `db` (where `dataset import-table --db` defines a table's devices)
// is found there first, then in the user's own. `option` is what the messages name ("--from").
Result<Device> deviceFor(const std::string& id, bool toMeasure = false, const std::string& db = "", const std::string& option = "--device");

// Progress lines on stderr ("42% message"), redrawn in place on a terminal; silent when quiet.
Progress stderrProgress(bool quiet);
// Prints the error to stderr and returns its exit code.
int reportError(const Error& error);
// Stores a predictor in the database at dbPath (and writes its JSON to `output` if given); says
// where it went.
Result<std::string> savePredictor(const PredictorSet& set, MeasurementStore& store, const std::string& dbPath, const std::string& output);
// LoadOptions from --input-shape values ("1x3x224x224" or "name=1x3x224x224").
Result<LoadOptions> loadOptionsFrom(const std::vector<std::string>& inputShapes);

}  // namespace km::cli

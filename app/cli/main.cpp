// SPDX-License-Identifier: Apache-2.0
// kernelmeter-cli: the command-line face of km_core.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/commands.h"
#include "cli/termination.h"
#include "common/locations.h"
#include "common/version.h"
#include "workflows/adapt_predictor.h"

int main(int argc, char** argv) {
    km::cli::TerminationCleanup termination;  // before any thread
    CLI::App app{"KernelMeter: predict the inference latency of a neural network kernel by kernel."};
    app.name("kernelmeter-cli");
    // A usage error is bad input like any other: one line that names the option (CLI11's default
    // adds a second, "Run with --help ...").
    app.failure_message(
        [](const CLI::App*, const CLI::Error& e) { return "kernelmeter-cli: " + std::string(e.what()) + " (--help lists the options)\n"; });
    app.set_version_flag("--version", std::string("kernelmeter-cli ") + km::kVersion);
    app.require_subcommand(1);

    bool devicesJson = false;
    km::cli::InspectArgs inspect;
    auto* cmdInspect = app.add_subcommand("inspect", "List a model's nodes with shapes, MACs, FLOPs and parameters.");
    cmdInspect->add_option("model", inspect.model, "ONNX file or nn-Meter IR JSON file")->required();
    cmdInspect->add_option("--input-shape", inspect.inputShapes,
                           "shape of an input, e.g. 1x3x224x224 or input=1x3x224x224 (repeatable); "
                           "default: the file's shapes with a dynamic batch set to 1");
    cmdInspect->add_flag("--json", inspect.json, "print JSON (schema in docs/cli.md)");
    cmdInspect->add_flag("--no-patterns", inspect.noPatterns, "keep one node per file node (no hswish/swish/channelshuffle recognition)");

    app.add_subcommand("devices", "List the devices (the same as `device list`).")->add_flag("--json", devicesJson, "print JSON");
    auto* cmdDevices = app.get_subcommand("devices");

    km::cli::DeviceArgs device;
    auto* cmdDevice = app.add_subcommand("device", "Define, check and remove devices of your own (docs/devices.md).");
    cmdDevice->require_subcommand(1);
    auto* cmdDeviceAdd = cmdDevice->add_subcommand("add", "Define a device: a runtime, threads, and the command that reaches its agent.");
    cmdDeviceAdd->add_option("id", device.id, "device id: a-z, 0-9 and '-'")->required();
    cmdDeviceAdd->add_option("--runtime", device.runtime, "opencv-dnn, xnnpack, or none (measurements imported only)")->required();
    cmdDeviceAdd->add_option("--threads", device.threads, "runtime threads")->capture_default_str();
    cmdDeviceAdd->add_option("--transport", device.transport, "command prefix that reaches the device, e.g. \"ssh pi@board\"");
    cmdDeviceAdd->add_option("--agent", device.agent, "the agent's command on the device (default: kernelmeter-agent)");
    cmdDeviceAdd->add_option("--name", device.name, "display name");
    cmdDeviceAdd->add_flag("--replace", device.replace, "redefine a device of yours with this id");
    auto* cmdDeviceList = cmdDevice->add_subcommand("list", "List built-in and user-defined devices.");
    cmdDeviceList->add_flag("--json", device.json, "print JSON (schema in docs/cli.md)");
    auto* cmdDeviceShow = cmdDevice->add_subcommand("show", "Show a device: definition, last hello, predictor and whether they match.");
    cmdDeviceShow->add_option("id", device.id, "device id")->required();
    cmdDeviceShow->add_flag("--json", device.json, "print JSON");
    auto* cmdDeviceCheck = cmdDevice->add_subcommand("check", "Start a device's agent, print its hello and time the reference workload.");
    cmdDeviceCheck->add_option("id", device.id, "device id")->required();
    cmdDeviceCheck->add_option("--rounds", device.referenceRounds, "rounds of the reference workload (0: hello only)")
        ->capture_default_str()
        ->check(CLI::Range(0, 1000));
    cmdDeviceCheck->add_option("--timeout", device.timeoutSeconds, "seconds to wait for the agent's hello")->capture_default_str();
    cmdDeviceCheck->add_flag("--json", device.json, "print JSON");
    auto* cmdDeviceDeploy =
        cmdDevice->add_subcommand("deploy", "Copy the agent onto a device through its transport (ssh), make it its agent and check it.");
    cmdDeviceDeploy->add_option("id", device.id, "device id")->required();
    cmdDeviceDeploy->add_option("--agent-file", device.agentFile, "agent program to copy (default: chosen by the device's architecture)");
    cmdDeviceDeploy->add_option("--dir", device.remoteDir, "folder on the device (default ~/.local/lib/kernelmeter)");
    cmdDeviceDeploy->add_option("--timeout", device.timeoutSeconds, "seconds per command through the transport")->capture_default_str();
    auto* cmdDeviceRemove = cmdDevice->add_subcommand("remove", "Remove a device you defined (its data stays in the database).");
    cmdDeviceRemove->add_option("id", device.id, "device id")->required();
    cmdDeviceRemove->add_flag("--force", device.force, "remove it even though it has predictors");

    km::cli::MeasureArgs measure;
    auto* cmdMeasure = app.add_subcommand("measure", "Measure models on a device through kernelmeter-agent.");
    cmdMeasure->add_option("models", measure.models, "ONNX files")->required();
    cmdMeasure->add_option("--device", measure.device, "device id (kernelmeter-cli device list)")->required();
    cmdMeasure->add_flag("--json", measure.json, "print JSON (schema in docs/cli.md)");
    cmdMeasure->add_flag("--layers", measure.layers, "also print per-layer times and the runtime's fusion groups");
    cmdMeasure->add_flag("--quiet", measure.quiet, "no progress on stderr");
    cmdMeasure->add_option("--rounds", measure.rounds, "rounds per runtime instance")->capture_default_str()->check(CLI::Range(1, 100000));
    cmdMeasure->add_option("--instances", measure.instances, "fresh runtime instances")->capture_default_str()->check(CLI::Range(1, 100));
    cmdMeasure->add_option("--runs-per-round", measure.runsPerRound, "timed runs per model per round")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000));
    cmdMeasure->add_option("--warmup-runs", measure.warmupRuns, "untimed runs before timing")
        ->capture_default_str()
        ->check(CLI::Range(0, 100000));
    cmdMeasure->add_option("--warmup-ms", measure.warmupMinMs, "minimum warm-up time")->capture_default_str()->check(CLI::Range(0.0, 1e7));
    cmdMeasure->add_option("--max-extra-instances", measure.maxExtraInstances, "extra processes for a model whose processes disagree")
        ->capture_default_str()
        ->check(CLI::Range(0, 100));
    cmdMeasure->add_option("--timeout", measure.timeoutSeconds, "seconds without an answer before the agent is stopped")
        ->capture_default_str();
    cmdMeasure->add_option("--transport", measure.transport, "command prefix for a remote agent, e.g. \"ssh user@board\"");
    cmdMeasure->add_option("--agent", measure.agentCommand, "agent path or remote command (default: next to this program)");
    cmdMeasure->add_flag("--enable-test-runtime", measure.enableTestRuntime, "allow --device test (for KernelMeter's own tests)");
    cmdMeasure->add_option("--memory-limit-mb", measure.memoryLimitMb, "address-space limit of the agent");
    cmdMeasure->add_option("--db", measure.db, "SQLite database for measurements (default: ~/.local/share/kernelmeter/kernelmeter.db)");
    cmdMeasure->add_flag("--no-db", measure.noDb, "neither reuse nor save measurements");
    cmdMeasure->add_flag("--no-reference", measure.noReference, "do not measure the reference workload (no normalized_ms)");
    cmdMeasure->add_flag("--remeasure", measure.remeasure, "measure again models the database already has for the device");
    cmdMeasure->add_option("--batch-size", measure.batchSize, "models interleaved per agent run; results are saved after each")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000));

    km::cli::DetectRulesArgs detect;
    auto* cmdDetect = app.add_subcommand("detect-rules", "Find a device's operator-fusion rules by timing test models.");
    cmdDetect->add_option("--device", detect.device, "device id (kernelmeter-cli device list)")->required();
    cmdDetect->add_option("--budget-minutes", detect.budgetMinutes, "no new test batch starts after this long")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 100000.0));
    cmdDetect->add_option("-o,--output", detect.output, "rule set file (default: ~/.local/share/kernelmeter/rules/DEVICE.json)");
    cmdDetect->add_option("--cache", detect.cacheDir, "folder for the test-case models (default: ~/.cache/kernelmeter/fusion-tests)");
    cmdDetect->add_option("--ops", detect.ops, "test only pairs of these canonical ops (e.g. --ops conv relu add)");
    cmdDetect->add_option("--point", detect.points,
                          "operating point hw<H>_c<C>, e.g. hw8_c16 (repeatable; default: hw56_c24 hw28_c96 hw14_c256)");
    cmdDetect->add_option("--rounds", detect.rounds, "rounds per process (default 20)")->check(CLI::Range(1, 100000));
    cmdDetect->add_option("--instances", detect.instances, "processes per test batch (default 2)")->check(CLI::Range(1, 100));
    cmdDetect->add_option("--db", detect.db, "SQLite database for the measurements (default: ~/.local/share/kernelmeter/kernelmeter.db)");
    cmdDetect->add_flag("--no-db", detect.noDb, "do not save or reuse measurements (no resume)");
    cmdDetect->add_flag("--quiet", detect.quiet, "no progress on stderr");
    cmdDetect->add_flag("--events", detect.events,
                        "print progress, warnings and the outcome as kernelmeter.events/1 JSON lines on stdout (docs/cli.md); "
                        "the summary then goes to stderr");

    km::cli::RulesArgs rules;
    auto* cmdRules = app.add_subcommand("rules", "Show a device's fusion rules with their evidence.");
    cmdRules->add_option("--device", rules.device, "device id")->required();
    cmdRules->add_option("--rules", rules.rulesFile, "rule set file (default: yours from detect-rules, else the shipped one)");
    cmdRules->add_flag("--json", rules.json, "print the rule set as JSON");

    km::cli::KernelsArgs kernels;
    auto* cmdKernels = app.add_subcommand("kernels", "Split a model into the kernels a device executes.");
    cmdKernels->add_option("model", kernels.model, "ONNX file or nn-Meter IR JSON file")->required();
    cmdKernels->add_option("--device", kernels.device, "device id")->required();
    cmdKernels->add_option("--rules", kernels.rulesFile, "rule set file (default: yours from detect-rules, else the shipped one)");
    cmdKernels->add_option("--input-shape", kernels.inputShapes, "shape of an input, e.g. 1x3x224x224 (repeatable)");
    cmdKernels->add_flag("--json", kernels.json, "print JSON (schema in docs/cli.md)");

    km::cli::BuildPredictorArgs build;
    auto* cmdBuild = app.add_subcommand("build-predictor", "Build a device's kernel latency predictors by adaptive sampling.");
    cmdBuild->add_option("--device", build.device, "device id (kernelmeter-cli device list)")->required();
    cmdBuild->add_option("--budget-minutes", build.budgetMinutes, "wall-time budget, shared by the kernel types")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 100000.0));
    cmdBuild->add_option("--types", build.types, "kernel types to build (default: --list-types)");
    cmdBuild->add_option("--initial-samples", build.initialSamples, "first sample per kernel type")
        ->capture_default_str()
        ->check(CLI::Range(10, 100000));
    cmdBuild->add_option("--probe-samples", build.probeSamples, "kernels per type scored each round to choose where to refine")
        ->capture_default_str()
        ->check(CLI::Range(5, 100000));
    cmdBuild->add_option("--validation-samples", build.validationSamples, "held-out kernels per type that score each round")
        ->capture_default_str()
        ->check(CLI::Range(5, 100000));
    cmdBuild->add_option("--max-rounds", build.maxRounds, "adaptive rounds per kernel type")
        ->capture_default_str()
        ->check(CLI::Range(1, 100));
    cmdBuild->add_option("-o,--output", build.output, "also write the predictor as JSON to this file");
    cmdBuild->add_option("--cache", build.cacheDir, "folder for kernel models (default: ~/.cache/kernelmeter/kernel-models)");
    cmdBuild->add_option("--rules", build.rulesFile, "rule set file (default: yours from detect-rules, else the shipped one)");
    cmdBuild->add_option("--db", build.db, "SQLite database for the measurements (default: ~/.local/share/kernelmeter/kernelmeter.db)");
    cmdBuild
        ->add_option("--calibration-networks", build.calibrationNetworks,
                     "generated networks measured whole to fit the model overhead and kernel scale (0: none)")
        ->capture_default_str()
        ->check(CLI::Range(0, 1000));
    cmdBuild->add_flag("--list-types", build.listTypes,
                       "print the default kernel types (every type the device's rules make of the zoo's families and the bundled "
                       "examples) with the families they occur in, and stop");
    cmdBuild->add_flag("--stored-only", build.storedOnly,
                       "measure nothing: rebuild from the database's measurements (the same options replay an earlier build; "
                       "no calibration)");
    cmdBuild->add_flag("--quiet", build.quiet, "no progress on stderr");
    cmdBuild->add_flag("--events", build.events,
                       "print progress, each sampling round, warnings and the outcome as kernelmeter.events/1 JSON lines on stdout "
                       "(docs/cli.md; the desktop application's live plot); the table then goes to stderr");

    km::cli::CalibrateArgs calibrate;
    auto* cmdCalibrate =
        app.add_subcommand("calibrate", "Fit a predictor's model-level terms (scale, overhead, per-kernel cost) on measured networks.");
    cmdCalibrate->add_option("--device", calibrate.device, "device id")->required();
    cmdCalibrate->add_option("--predictor", calibrate.predictorFile,
                             "predictor JSON file (default: the newest in the database, else the shipped one)");
    cmdCalibrate->add_option("--networks", calibrate.networks, "generated networks to measure")
        ->capture_default_str()
        ->check(CLI::Range(3, 1000));
    cmdCalibrate->add_option("--models", calibrate.models, "calibrate on these ONNX files (at least 3) instead of generated networks")
        ->check(CLI::ExistingFile);
    cmdCalibrate->add_option("-o,--output", calibrate.output, "also write the calibrated predictor as JSON to this file");
    cmdCalibrate->add_option("--cache", calibrate.cacheDir, "folder for the networks (default: ~/.cache/kernelmeter/kernel-models)");
    cmdCalibrate->add_option("--rules", calibrate.rulesFile, "rule set file (default: yours from detect-rules, else the shipped one)");
    cmdCalibrate->add_option(
        "--db", calibrate.db,
        "SQLite database for measurements and the calibrated predictor (default: ~/.local/share/kernelmeter/kernelmeter.db)");
    cmdCalibrate->add_flag("--reference-time-only", calibrate.referenceTimeOnly,
                           "for a predictor built without a reference time: measure the networks with the reference workload and record "
                           "the reference time at which its predictions are unbiased; scale and overhead stay");
    cmdCalibrate->add_flag("--quiet", calibrate.quiet, "no progress on stderr");

    km::cli::PredictArgs predict;
    auto* cmdPredict = app.add_subcommand("predict", "Predict models' latency on devices, kernel by kernel.");
    cmdPredict->add_option("models", predict.models, "ONNX or nn-Meter IR files")->required();
    cmdPredict->add_option("--device", predict.devices, "device id (repeatable: the devices side by side)")
        ->required()
        ->allow_extra_args(false);  // one id per --device: `--device D MODEL` keeps MODEL a model
    cmdPredict->add_option("--predictor", predict.predictorFile,
                           "predictor JSON file (default: the newest in the database, else the shipped one)");
    cmdPredict->add_option("--db", predict.db, "database holding predictors (default: ~/.local/share/kernelmeter/kernelmeter.db)");
    cmdPredict->add_option("--rules", predict.rulesFile, "rule set file (default: yours from detect-rules, else the shipped one)");
    cmdPredict->add_option("--input-shape", predict.inputShapes, "shape of an input, e.g. 1x3x224x224 (repeatable)");
    cmdPredict->add_flag("--at-build-speed", predict.atBuildSpeed,
                         "the predictor's own milliseconds (of its build or adaptation), not the device's usual speed");
    auto* predictJson = cmdPredict->add_flag("--json", predict.json, "print JSON (schema in docs/cli.md)");
    cmdPredict->add_flag("--summary", predict.summary, "one line per model: each device's total, interval and kernel count")
        ->excludes(predictJson);

    km::cli::PredictorFileArgs predictorFile;
    auto* cmdPredictor = app.add_subcommand("predictor", "Hand a predictor on as a file, or take one in (docs/cli.md).");
    cmdPredictor->require_subcommand(1);
    auto* cmdPredictorExport =
        cmdPredictor->add_subcommand("export", "Write the predictor a device predicts with to a file, with its fusion rules.");
    cmdPredictorExport->add_option("--device", predictorFile.device, "device id")->required();
    cmdPredictorExport->add_option("-o,--output", predictorFile.file, "the predictor JSON file to write")->required();
    cmdPredictorExport->add_option("--db", predictorFile.db, "SQLite database (default: ~/.local/share/kernelmeter/kernelmeter.db)");
    auto* cmdPredictorImport =
        cmdPredictor->add_subcommand("import", "Add a predictor file to your database as a device's newest predictor.");
    cmdPredictorImport->add_option("file", predictorFile.file, "predictor JSON (predictor export, adapt -o, build-predictor -o)")
        ->required();
    cmdPredictorImport->add_option("--device", predictorFile.device,
                                   "the device it predicts for (default: the one the file names; an unknown id is defined)");
    cmdPredictorImport->add_option("--db", predictorFile.db, "SQLite database (default: ~/.local/share/kernelmeter/kernelmeter.db)");

    km::cli::ZooArgs zoo;
    auto* cmdZoo = app.add_subcommand("zoo", "Generate random variants of model families as ONNX (or list them).");
    cmdZoo->add_option("--family", zoo.families, "families to generate (default: all; see the list printed with an unknown name)");
    cmdZoo->add_option("--count", zoo.count, "models per family")->capture_default_str()->check(CLI::Range(1, 100000));
    cmdZoo->add_option("--first-seed", zoo.firstSeed, "seed of the first model of each family")->capture_default_str();
    cmdZoo->add_option("--min-resolution", zoo.minResolution, "smallest input size")->capture_default_str()->check(CLI::Range(8, 4096));
    cmdZoo->add_option("--max-resolution", zoo.maxResolution, "largest input size")->capture_default_str()->check(CLI::Range(8, 4096));
    cmdZoo->add_option("-o,--output", zoo.outputDir, "write FAMILY-SEED.onnx files into this folder (default: only list the models)");
    cmdZoo->add_flag("--json", zoo.json, "print JSON");
    cmdZoo->add_option("--nb201", zoo.nb201,
                       "NAS-Bench-201 arch strings (\"|nor_conv_3x3~0|+|...\"): the benchmark's networks instead of families (repeatable)");

    km::cli::DatasetArgs dataset;
    auto* cmdDataset = app.add_subcommand("dataset", "Benchmark datasets of generated models measured on devices.");
    cmdDataset->require_subcommand(1);
    auto* cmdDatasetBuild = cmdDataset->add_subcommand("build", "Generate models of the zoo's families and measure them (resumable).");
    cmdDatasetBuild->add_option("--name", dataset.name, "dataset name")->capture_default_str();
    cmdDatasetBuild->add_option("--family", dataset.families, "families (default: all; kernelmeter-cli zoo lists them)");
    cmdDatasetBuild->add_option("--per-family", dataset.perFamily, "models per family")
        ->capture_default_str()
        ->check(CLI::Range(1, 100000));
    cmdDatasetBuild->add_option("--first-seed", dataset.firstSeed, "seed of each family's first model")->capture_default_str();
    cmdDatasetBuild->add_option("--min-resolution", dataset.minResolution, "smallest input size")
        ->capture_default_str()
        ->check(CLI::Range(8, 4096));
    cmdDatasetBuild->add_option("--max-resolution", dataset.maxResolution, "largest input size")
        ->capture_default_str()
        ->check(CLI::Range(8, 4096));
    cmdDatasetBuild->add_option("--device", dataset.devices, "devices to measure on (repeatable)")->required();
    cmdDatasetBuild->add_option("--db", dataset.db, "SQLite database (default: ~/.local/share/kernelmeter/kernelmeter.db)");
    cmdDatasetBuild->add_option("--models-dir", dataset.modelDir, "folder for the ONNX files (default: ~/.cache/kernelmeter/datasets)");
    cmdDatasetBuild->add_option("--rounds", dataset.rounds, "rounds per runtime instance")
        ->capture_default_str()
        ->check(CLI::Range(1, 100000));
    cmdDatasetBuild->add_option("--instances", dataset.instances, "fresh runtime instances")
        ->capture_default_str()
        ->check(CLI::Range(1, 100));
    cmdDatasetBuild->add_option("--batch-size", dataset.batchSize, "models interleaved per agent run")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000));
    cmdDatasetBuild->add_flag("--quiet", dataset.quiet, "no progress on stderr");
    auto* cmdDatasetShow = cmdDataset->add_subcommand("show", "List a dataset's models with their measured latency per device.");
    cmdDatasetShow->add_option("--name", dataset.name, "dataset name")->capture_default_str();
    cmdDatasetShow->add_option("--db", dataset.db, "SQLite database (default: yours, then the shipped datasets/benchmark.db)");
    cmdDatasetShow->add_flag("--json", dataset.json, "print JSON (schema in docs/cli.md)");
    auto* cmdDatasetImport =
        cmdDataset->add_subcommand("import-nnmeter", "Import nn-Meter's benchmark dataset (.jsonl files) with its latencies.");
    cmdDatasetImport->add_option("files", dataset.importFiles, "nn-Meter dataset files (one model per line)")
        ->required()
        ->check(CLI::ExistingFile);
    cmdDatasetImport->add_option("--name", dataset.importName, "dataset name")->capture_default_str();
    cmdDatasetImport->add_option("--map", dataset.deviceMap,
                                 "NNMETER_DEVICE=DEVICE_ID: store that device's latencies under this id (repeatable; default: every "
                                 "device under its nn-Meter name)");
    cmdDatasetImport->add_option("--db", dataset.db, "SQLite database (default: ~/.local/share/kernelmeter/kernelmeter.db)");
    cmdDatasetImport->add_option("--models-dir", dataset.modelDir, "folder for the graphs (default: ~/.cache/kernelmeter/datasets)");
    auto* cmdDatasetTable = cmdDataset->add_subcommand(
        "import-table", "Import latencies measured elsewhere from a CSV table (ONNX files or NAS-Bench-201 arch strings).");
    cmdDatasetTable
        ->add_option("file", dataset.tableFile, "CSV: model (or arch) column, then device + latency_ms columns or one column per device")
        ->required();
    cmdDatasetTable->add_option("--name", dataset.tableName, "dataset name (default: the file's name without .csv)");
    cmdDatasetTable->add_option("--db", dataset.db, "SQLite database (default: ~/.local/share/kernelmeter/kernelmeter.db)");

    km::cli::AdaptArgs adapt;
    auto* cmdAdapt = app.add_subcommand(
        "adapt", "Make a predictor for a device from another device's predictor and a few networks measured on it (minutes).");
    cmdAdapt->add_option("--device", adapt.device, "the target device")->required();
    cmdAdapt->add_option("--from", adapt.from, "the source device, whose predictor is adapted")->required();
    cmdAdapt->add_option("--source-predictor", adapt.sourcePredictorFile,
                         "the source's predictor JSON (default: its newest, else the shipped one)");
    auto* adaptNetworks = cmdAdapt->add_option("--networks", adapt.networks, "networks the product chooses and measures on the target")
                              ->capture_default_str()
                              ->check(CLI::Range(3, 1000));
    cmdAdapt->add_option("--seed", adapt.seed, "seed of the choice of networks")->capture_default_str();
    auto* adaptModels = cmdAdapt->add_option("--models", adapt.models, "measure these ONNX files instead of chosen networks (at least 3)");
    auto* adaptDataset = cmdAdapt->add_option("--dataset", adapt.dataset, "take the target's times from this dataset instead of measuring");
    adaptModels->excludes(adaptDataset);
    adaptModels->excludes(adaptNetworks);
    cmdAdapt
        ->add_option("--input-size", adapt.inputSize,
                     "generate the networks with this square input size in pixels, the size yours run at (default: 96 to 224)")
        ->check(CLI::IsMember(km::kAdaptInputSizes))
        ->excludes(adaptModels)
        ->excludes(adaptDataset);
    cmdAdapt
        ->add_flag("--at-session-speed", adapt.atSessionSpeed,
                   "predict in ms at this session's machine speed, not the target's usual one (its earlier measurements')")
        ->excludes(adaptDataset);
    cmdAdapt->add_option("-o,--output", adapt.output, "also write the adapted predictor as JSON to this file");
    cmdAdapt->add_option("--cache", adapt.cacheDir, "folder for the networks (default: ~/.cache/kernelmeter/kernel-models)");
    cmdAdapt->add_option("--db", adapt.db, "SQLite database (default: ~/.local/share/kernelmeter/kernelmeter.db)");
    cmdAdapt->add_option("--rounds", adapt.rounds, "rounds per runtime instance")->capture_default_str()->check(CLI::Range(1, 100000));
    cmdAdapt->add_option("--instances", adapt.instances, "fresh runtime instances")->capture_default_str()->check(CLI::Range(1, 100));
    cmdAdapt
        ->add_option("--kernels-per-group", adapt.kernelsPerGroup,
                     "the source's training kernels measured on the target per kernel group, to pin the group scales (0: networks only)")
        ->capture_default_str()
        ->check(CLI::Range(0, 100))
        // A group's kernels are fitted as scale x source + cost: one kernel cannot pin that, and
        // measuring it would only cost time.
        ->check(CLI::Validator(
            [](std::string& v) {
                return v == "1" ? std::string("a group's fit needs at least 2 kernels: give 0 (the networks alone) or 2 to 100")
                                : std::string();
            },
            "0 or 2 to 100"))
        ->excludes(adaptDataset);
    auto* adaptJson = cmdAdapt->add_flag("--json", adapt.json, "print JSON (schema in docs/cli.md)");
    cmdAdapt->add_flag("--quiet", adapt.quiet, "no progress on stderr");
    cmdAdapt
        ->add_flag("--events", adapt.events,
                   "print progress, warnings and the outcome as kernelmeter.events/1 JSON lines on stdout (docs/cli.md); the table "
                   "then goes to stderr")
        ->excludes(adaptJson);

    km::cli::EvaluateArgs evaluate;
    auto* cmdEvaluate = app.add_subcommand("evaluate", "Score a device's predictor against measured models, beside baselines.");
    cmdEvaluate->add_option("--device", evaluate.device, "device id")->required();
    auto* evalDataset = cmdEvaluate->add_option("--dataset", evaluate.dataset, "dataset name (default: zoo)");
    cmdEvaluate
        ->add_option("--models", evaluate.models,
                     "ONNX files (or folders of them) measured on the device (kernelmeter-cli measure) instead of a dataset")
        ->excludes(evalDataset);
    cmdEvaluate->add_option("--db", evaluate.db, "SQLite database with the measurements (default: yours)");
    cmdEvaluate->add_option("--predictor", evaluate.predictorFile,
                            "predictor JSON file (default: the newest in the database, else the shipped one)");
    cmdEvaluate->add_option("--rules", evaluate.rulesFile, "rule set file (default: yours from detect-rules, else the shipped one)");
    auto* atReference = cmdEvaluate->add_flag("--at-reference-speed", evaluate.atReferenceSpeed,
                                              "score each measurement at one machine speed: its ratio to the reference workload x "
                                              "the predictor's reference time");
    cmdEvaluate
        ->add_flag("--at-usual-speed", evaluate.atUsualSpeed,
                   "score in ms the predictions carried to the device's usual speed, as predict gives them, from the measurements "
                   "taken before the scored ones")
        ->excludes(atReference);
    cmdEvaluate->add_flag("--json", evaluate.json, "print JSON (schema in docs/cli.md)");

    km::cli::ReportArgs report;
    auto* cmdReport = app.add_subcommand("report", "Write a model's PDF report (the desktop application's, drawn offscreen).");
    cmdReport->add_option("model", report.model, "ONNX file or nn-Meter IR JSON file")->required();
    cmdReport->add_option("--device", report.devices, "device id (repeatable; default: the devices last chosen in the GUI)");
    cmdReport->add_option("-o,--output", report.output, "PDF file to write")->required();

    auto commandLine = [&] {  // recorded as provenance
        std::string line = "kernelmeter-cli";
        for (int i = 1; i < argc; ++i) line += std::string(" ") + argv[i];
        return line;
    };
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? 0 : 2;  // usage errors are bad input
    }
    // The commands that generate models into scratch folders under their cache.
    for (const auto& [command, cacheDir] :
         {std::pair{cmdBuild, &build.cacheDir}, {cmdCalibrate, &calibrate.cacheDir}, {cmdAdapt, &adapt.cacheDir}})
        if (command->parsed()) termination.setScratchRoot(cacheDir->empty() ? km::userCacheDir("kernel-models") : *cacheDir);
    try {
        if (cmdInspect->parsed()) return km::cli::runInspect(inspect);
        if (cmdDevices->parsed()) return km::cli::runDevices(devicesJson);
        if (cmdDeviceAdd->parsed()) return km::cli::runDeviceAdd(device);
        if (cmdDeviceList->parsed()) return km::cli::runDeviceList(device);
        if (cmdDeviceShow->parsed()) return km::cli::runDeviceShow(device);
        if (cmdDeviceCheck->parsed()) return km::cli::runDeviceCheck(device);
        if (cmdDeviceRemove->parsed()) return km::cli::runDeviceRemove(device);
        if (cmdDeviceDeploy->parsed()) return km::cli::runDeviceDeploy(device);
        if (cmdMeasure->parsed()) return km::cli::runMeasure(measure);
        if (cmdDetect->parsed()) return km::cli::runDetectRules(detect, commandLine());
        if (cmdRules->parsed()) return km::cli::runRules(rules);
        if (cmdKernels->parsed()) return km::cli::runKernels(kernels);
        if (cmdBuild->parsed()) return km::cli::runBuildPredictor(build, commandLine());
        if (cmdPredict->parsed()) return km::cli::runPredict(predict);
        if (cmdPredictorExport->parsed()) return km::cli::runPredictorExport(predictorFile);
        if (cmdPredictorImport->parsed()) return km::cli::runPredictorImport(predictorFile);
        if (cmdCalibrate->parsed()) return km::cli::runCalibrate(calibrate, commandLine());
        if (cmdZoo->parsed()) return km::cli::runZoo(zoo);
        if (cmdDatasetBuild->parsed()) return km::cli::runDatasetBuild(dataset);
        if (cmdDatasetShow->parsed()) return km::cli::runDatasetShow(dataset);
        if (cmdDatasetImport->parsed()) return km::cli::runDatasetImportNnMeter(dataset);
        if (cmdDatasetTable->parsed()) return km::cli::runDatasetImportTable(dataset);
        if (cmdAdapt->parsed()) return km::cli::runAdapt(adapt, commandLine());
        if (cmdEvaluate->parsed()) return km::cli::runEvaluate(evaluate);
        if (cmdReport->parsed()) return km::cli::runReport(report);
    } catch (const std::exception& e) {
        std::cerr << "kernelmeter-cli: internal error: " << e.what() << "\n";
        return 1;
    }
    return 0;
}

// SPDX-License-Identifier: Apache-2.0
// buildDataset: a benchmark dataset of generated models (core/zoo) measured on devices
// (kernelmeter-cli dataset build; docs/zoo.md). Models are written as ONNX files, recorded in the
// store's dataset_models table, and measured through kernelmeter-agent with the model protocol,
// interleaved across families so an interrupted campaign is balanced; each batch is stored as
// taken, and a rerun measures only what is missing (resume).
#pragma once

#include <string>
#include <vector>

#include "backends/device.h"
#include "common/progress.h"
#include "common/result.h"
#include "store/measurement_store.h"
#include "workflows/measure_models.h"
#include "zoo/zoo.h"

namespace km {

struct BuildDatasetOptions {
    std::string name = "zoo";           // dataset name in the store
    std::vector<std::string> families;  // default (empty): every family of the zoo
    int perFamily = 50;                 // models per family: seeds firstSeed .. firstSeed + perFamily - 1
    uint32_t firstSeed = 1;
    ZooOptions zoo;                // input resolutions of the generated models
    std::string modelDir;          // files go to <modelDir>/<name>/<family>-<seed>.onnx (required)
    MeasureModelsOptions measure;  // protocol, agent; measure.store is required
};

struct DatasetDeviceReport {
    std::string deviceId;
    int measured = 0;  // this run
    int reused = 0;    // already in the store
    int failed = 0;    // not measured (refused by the runtime, crashed, timed out): see warnings
};

struct DatasetReport {
    std::vector<DatasetModel> models;  // the dataset's models (this run's and earlier ones)
    std::vector<DatasetDeviceReport> devices;
    std::vector<std::string> warnings;
};

// Fails on a bad option (unknown family, no store, no folder) or when the store cannot record the
// models; a model that cannot be measured is a warning. Cancelled through `progress` between
// batches (what was measured is kept).
Result<DatasetReport> buildDataset(const std::vector<Device>& devices, const BuildDatasetOptions& options, Progress* progress = nullptr);

}  // namespace km

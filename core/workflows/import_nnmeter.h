// SPDX-License-Identifier: Apache-2.0
// importNnMeterDataset: nn-Meter's benchmark dataset (its .jsonl files: one model per line, an
// object with "id", the model as an nn-Meter IR graph under "graph", and one latency in ms per
// device under the device's name, e.g. "cortexA76cpu_tflite21") into a dataset of the store, so
// that `kernelmeter-cli evaluate --dataset NAME` scores a predictor against those devices' numbers
// (kernelmeter-cli dataset import-nnmeter; docs/cli.md).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/measurement_store.h"

namespace km {

struct NnMeterImportOptions {
    std::string name = "nn-meter";  // dataset name in the store
    // IR graphs are written to <modelDir>/<name>/<id>.json (required).
    std::string modelDir;
    // nn-Meter device name -> the device id its latencies are stored under. Empty: every latency
    // under nn-Meter's own name. Not empty: latencies of unmapped names are left out.
    std::map<std::string, std::string> deviceMap;
    MeasurementStore* store = nullptr;  // required
};

struct NnMeterImportReport {
    size_t models = 0;                        // models in the dataset after the import
    std::map<std::string, size_t> latencies;  // per device id: latencies stored (new or already there)
    std::vector<std::string> warnings;        // lines left out, each naming its file and line
};

// A line that is not a usable model (bad JSON, no id or graph, a graph the IR importer refuses,
// no latency) is a warning naming the file and line; the import fails only when a file cannot be
// read, the store refuses a write, or no line at all was usable. Importing again adds nothing twice.
Result<NnMeterImportReport> importNnMeterDataset(const std::vector<std::string>& files, const NnMeterImportOptions& options);

}  // namespace km

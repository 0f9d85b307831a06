// SPDX-License-Identifier: Apache-2.0
// importLatencyTable: latencies measured elsewhere, as a CSV table, into a dataset of the store
// (kernelmeter-cli dataset import-table; docs/adapt.md). A model is an ONNX file (relative to the
// table's folder) or a NAS-Bench-201 arch string (its network is generated again whenever needed;
// core/zoo). Two layouts:
//   long:  a `model` (or `arch`) column, a `device` column and a `latency_ms` (or `ms`) column;
//   wide:  a `model` (or `arch`) column and one column of milliseconds per device, named by the
//          device (an `index` column names the models; `name` and `family` columns are kept).
// Cells are separated by commas, or by semicolons or tabs when the header has no comma (then a
// comma in a latency is its decimal mark); a UTF-8 byte-order mark is skipped. Device ids are the
// column's or cell's text in lower case with '_' and spaces as '-'. Devices the user has not
// defined are added as table-only devices (runtime "none": they cannot measure).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/measurement_store.h"

namespace km {

struct TableImportOptions {
    std::string name;                   // dataset name (default: the file's name without .csv)
    MeasurementStore* store = nullptr;  // required
    std::string userDb;                 // where table-only devices are defined (empty: the user's default)
};

struct TableImportReport {
    std::string dataset;
    size_t models = 0;                           // models in the dataset after the import
    std::map<std::string, size_t> latencies;     // per device id: latencies stored (new or already there)
    std::map<std::string, size_t> emptyCells;    // per device id: empty cells of a wide table (not measured there)
    std::map<std::string, std::string> renamed;  // column or cell text -> the device id it became, where they differ
    std::vector<std::string> addedDevices;       // table-only devices defined by this import
    std::vector<std::string> warnings;           // rows or cells left out, each naming the file and line
};

// A row or cell that cannot be used (an unknown arch string, a missing cell or one too many, a
// latency that is not a positive number, a model file that cannot be read) is a warning naming the
// file and line; the other rows still import. An empty cell of a wide table is a model not
// measured on that device: counted per device, not a warning. Fails when the file cannot be read,
// the header has no model column (or, long, no device or latency column), a device id is not
// usable, the store refuses a write, or no row is usable. Importing again adds nothing twice.
Result<TableImportReport> importLatencyTable(const std::string& file, const TableImportOptions& options);

}  // namespace km

// SPDX-License-Identifier: Apache-2.0
// The measured models an evaluation scores (kernelmeter-cli evaluate, the GUI's predicted-vs-
// measured plot): which database holds a dataset, how to read a dataset model whose file is gone,
// and each model's measured times on a device, raw or at the reference speed.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/progress.h"
#include "common/result.h"
#include "store/measurement_store.h"
#include "workflows/device_analyzer.h"
#include "workflows/model_file.h"

namespace km {

// The database holding dataset `dataset`: `db` when given, else the user's database when it has
// the dataset, else the shipped datasets/benchmark.db (read only). A dataset none of them has is
// an error naming the databases looked in and the datasets each has.
Result<std::unique_ptr<MeasurementStore>> openDatasetStore(const std::string& db, const std::string& dataset);

// The datasets of `db` (empty: the user's database) with how many of their models have a time on
// `deviceId`, most first, those without any left out: what `adapt --dataset` can fit a device on
// whose times were imported (a table-only device). Empty when the database does not exist.
Result<std::vector<std::pair<std::string, size_t>>> datasetsTimedOn(const std::string& deviceId, const std::string& db = "");

// How to read a dataset model: its file where the dataset was built, if it is still there with the
// recorded hash (the file is read once, hashed and parsed together); else the zoo generates it
// again from its family, seed and generator options, in memory (a shipped dataset holds no ONNX
// files, and 750 generated models with their weights are about 18 GB), checked against the
// recorded hash. Fails at once only when the file is missing and the generator is unknown.
// NAS-Bench-201 networks (generator kNb201Generator, description = the arch string) are always
// generated again in memory, for analysis only (ModelBytes::AnalysisOnly: `evaluate` on the HELP
// table 11-14% faster, docs/performance.md), except the cells nb201CellChecked picks, which are
// generated with their weights and checked against the recorded hash; those of the earlier
// generator (kNb201GeneratorBefore, which left `none` edges out) fail at once with a message
// asking to import the table again.
Result<ModelLoader> datasetModelLoader(const DatasetModel& m);
// Whether datasetModelLoader checks a NAS-Bench-201 cell's bytes against the hash recorded at
// import: one cell in 16, by the hash's first digit, so always the same ones. A generator that
// changed without kNb201Generator (test_transfer pins its bytes) changes every cell of some
// operation on some edge, hundreds of them in a table; a sixteenth of those is still dozens.
bool nb201CellChecked(const std::string& modelHash);
// Whether this version generates a dataset's NAS-Bench-201 cells as they were when it was
// imported: the first of `rows`' cells that nb201CellChecked picks, generated whole and compared
// with its recorded hash. A changed generator changes cells across the table, so a mismatch
// refuses the whole dataset in one line (BadInput naming it) rather than leaving the checked cells
// out and scoring the rest as other networks. Ok when `rows` hold no such cell.
Status checkNb201Generator(const std::vector<DatasetModel>& rows);
inline constexpr const char* kNb201Generator = "nb201/2";
inline constexpr const char* kNb201GeneratorBefore = "nb201/1";

// The time one measurement stands for: its median, or at the reference speed (unitMs > 0) its
// ratio to the reference workload of the same rounds x unitMs (0 when it has no ratio).
struct ReferenceUnit {
    double ms = 0;       // 0: raw milliseconds
    std::string source;  // "the predictor's reference time", "the database's baseline, ...", "the measurements' median"
};
// predictorReferenceMs when it is set; else the database's reference baseline for the device (the
// speed of its first campaign there, the unit of its normalised times; 0 = none); else the median
// reference time of the measurements; an error when none exists.
Result<ReferenceUnit> referenceUnitFor(double predictorReferenceMs, double databaseBaselineMs,
                                       const std::vector<StoredMeasurement>& measurements);
// The oldest reference baseline `store` holds for the device (0 when none).
double databaseBaselineMs(MeasurementStore& store, const std::string& deviceId);
// Per model hash, its measured times on the device in the unit, oldest first.
std::map<std::string, std::vector<double>> measuredTimesByModel(const std::vector<StoredMeasurement>& measurements, double unitMs);

// A predictor predicts in ms at the machine speed its reference time stands for (the median over
// its build, or its adaptation's session: PredictorSet::referenceMs; times its speedScale when
// carried to a machine's usual speed, whose CPU is then `speedCpuModel`). When the newest
// measurements of the `scored` models (by hash) on the CPU of that speed (`speedCpuModel`, or
// empty: the predictor's) met the reference workload at a median more than kPhaseTolerance away
// from it (at least 3 of them), the sentence saying how much of the error in ms that gap alone
// makes; empty otherwise. `measurements`: the device's, oldest first.
std::string speedGapWarning(const PredictorSet& predictor, const std::vector<StoredMeasurement>& measurements,
                            const std::set<std::string>& scored, const std::string& speedCpuModel = {});
// The device's usual speed before a set of scored measurements (evaluate --at-usual-speed).
struct UsualSpeedBefore {
    UsualSpeed speed;            // referenceMs 0: fewer than kMinEarlierReferenceTimes measurements before them
    std::string firstScoredUtc;  // when the first of the scored measurements was taken (ISO 8601)
};
// The newest measurement of each model of `scored` (hashes) among the device's `measurements`
// (oldest first) is scored; the usual speed is that of the measurements `store` holds of the
// device on their CPU and runtime version taken before the first of them. An error when they come
// from several machines or runtime versions, carry no time, or there are none.
Result<UsualSpeedBefore> usualSpeedBefore(MeasurementStore& store, const std::string& deviceId,
                                          const std::vector<StoredMeasurement>& measurements, const std::set<std::string>& scored);
// A measurement's time at the predictor's machine speed: its ratio to the reference workload of
// the same rounds x the predictor's reference time (times its speedScale), when both exist and it
// was taken (`cpuModel`) on the CPU whose speed that is: `speedCpuModel`, the device's own when the
// times were carried to its usual speed (DeviceAnalyzer), else the predictor's; 0 otherwise. What
// `evaluate --at-reference-speed` scores against.
double atPredictorSpeedMs(const PredictorSet& predictor, double referenceRatio, const std::string& cpuModel,
                          const std::string& speedCpuModel = {});

// One dataset model, predicted and measured (the GUI's predicted-vs-measured plot).
struct PredictedVsMeasured {
    std::string name, family;
    double measuredMs = 0, predictedMs = 0;
    double lowMs = 0, highMs = 0;  // the prediction's interval
};
struct DatasetPredictions {
    std::vector<PredictedVsMeasured> models;
    ReferenceUnit unit;  // the unit of measuredMs (ms == 0: raw milliseconds)
    size_t leftOut = 0;  // measured models that could not be read
};
// Up to `perFamily` models of each family of dataset `dataset` that were measured on the device
// (lowest seeds first; 0 = all), each predicted by `device`. Measured times are at the reference
// speed of referenceUnitFor when the measurements have reference ratios, else raw.
Result<DatasetPredictions> predictDatasetModels(const DeviceAnalyzer& device, const std::string& dataset, size_t perFamily,
                                                Progress* progress = nullptr);

}  // namespace km

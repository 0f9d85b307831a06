// SPDX-License-Identifier: Apache-2.0
// Where a device's fusion rules and latency predictor come from, for the CLI and the GUI alike:
// what the user made (detect-rules, build-predictor) wins over what KernelMeter ships in
// datasets/ ($KM_DATA_DIR, the installed share/kernelmeter/datasets next to the program, or the
// source tree for programs run from the build tree).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "fusion/rule_set.h"
#include "predict/predictor.h"
#include "store/measurement_store.h"

namespace km {

// A file shipped under datasets/, if present.
std::optional<std::string> shippedDataPath(const std::string& relative);

// Opens database `path` to read from it (datasets, predictors): read only, never migrated, when it
// is a file shipped under datasets/ or this process may not write it or its folder (an installed
// share/ folder; the schema migration would fail there), else as MeasurementStore::open does.
// `dataset show --db` or `evaluate --db` on the shipped benchmark so leave it as it was.
Result<std::unique_ptr<MeasurementStore>> openStoreForReading(const std::string& path);

// The example model opened on the desktop application's first start, if installed.
std::optional<std::string> bundledExamplePath();
// The folder of the bundled example models, if installed.
std::optional<std::string> bundledExamplesDir();

// Rules this user detected for the device: <database folder>/rules/<device>.json.
std::string userRulesPath(const std::string& deviceId);

// `explicitFile` if given, else the user's detected rules, else the shipped ones; `used` names
// the file read.
Result<RuleSet> deviceRules(const std::string& deviceId, const std::string& explicitFile, std::string& used);

// `explicitFile` (a predictor JSON) if given, else the newest predictor for the device in the
// database `db` (empty: the user's default database), else the shipped datasets/predictors.db;
// `used` names the file or database read. No predictor anywhere: an Unsupported error that says
// how to build one.
Result<PredictorSet> devicePredictor(const std::string& deviceId, const std::string& explicitFile, const std::string& db,
                                     std::string& used);
// The same predictor without its regressors (PredictorSet::headerFromJson): its provenance, for
// lists of devices.
Result<PredictorSet> devicePredictorHeader(const std::string& deviceId, const std::string& db, std::string& used);

}  // namespace km

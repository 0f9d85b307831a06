// SPDX-License-Identifier: Apache-2.0
// SQLite store of devices, measurements and predictors (the only place that includes sqlite3.h). Schema
// versioned with PRAGMA user_version and migrated forward on open; WAL journal; each measurement
// is written in its own transaction, so a process killed with SIGKILL loses nothing committed.
// Thread contract: one thread per MeasurementStore object (open one per thread).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backends/agent_protocol.h"
#include "backends/device.h"
#include "backends/machine_info.h"
#include "backends/measurement.h"
#include "common/result.h"

struct sqlite3;

namespace km {

struct StoredMeasurement {
    int64_t id = 0;
    std::string modelHash;  // SHA-256 of the model file
    std::string modelPath;  // as given when measured
    std::string deviceId;
    LatencyStats stats;
    std::string runtimeVersion;
    MachineInfo machine;
    std::string protocolJson;                // the MeasureOptions used
    std::string layersJson;                  // [{"node": ..., "ms": ...}]
    std::string fusionGroupsJson;            // [[node, ...], ...]
    std::string takenAtUtc;                  // ISO 8601
    std::string referenceId;                 // the reference workload's id; empty: measured without it
    ReferenceRatio reference;                // ratio to it (pairs not stored)
    std::string roundMediansJson = "[]";     // [[ms per round] per process]
    std::string referenceRoundsJson = "[]";  // the reference's, aligned with roundMediansJson
};

// A model of a benchmark dataset (kernelmeter-cli dataset): which generated model it is and where
// its file is; its latencies are the device's measurements of model_hash.
struct DatasetModel {
    std::string dataset;  // dataset name, e.g. "zoo"
    std::string name;     // unique in the dataset: "<family>-<seed>"
    std::string family;
    int64_t seed = 0;
    int64_t resolution = 0;
    std::string description;  // the generator's random choices
    std::string modelHash;    // SHA-256 of the ONNX file
    std::string path;         // the file when it was added
    std::string generator;    // generator and options, e.g. "zoo/1 96..320"
    std::string addedAtUtc;   // ISO 8601; set by addDatasetModel when empty
};

// The last hello a device's agent gave (kernelmeter-cli device check, or a measurement session),
// with the reference workload's time when the check measured it.
struct StoredHello {
    AgentHello hello;
    double referenceMs = 0;      // median of the check's reference runs; 0: not timed
    double referenceSpread = 0;  // (p90 - p10) / median of those runs
    std::string checkedAtUtc;    // ISO 8601; set by saveHello when empty
};

// One stored measurement's reference-workload time and when it was taken: what the machine-speed
// checks read (MeasurementStore::referenceTimes), without a row's layers and rounds.
struct StoredReferenceTime {
    std::string modelHash;
    std::string takenAtUtc;  // ISO 8601
    double referenceMs = 0;  // > 0
};

class MeasurementStore {
public:
    // Current schema version; open() migrates older databases and refuses newer ones.
    static constexpr int kSchemaVersion = 9;

    static Result<std::unique_ptr<MeasurementStore>> open(const std::string& path);
    // Opens shipped data (datasets/ or an installed share/ folder) for reading only: immutable, no
    // migration, no journal files, so a read-only folder works and the file never changes. Tables
    // added by later schema versions are missing from an older file (queries on them fail).
    static Result<std::unique_ptr<MeasurementStore>> openReadOnly(const std::string& path);
    ~MeasurementStore();

    Status upsertDevice(const Device& device);
    // Writes one measurement in its own transaction; fills m.id.
    Status add(StoredMeasurement& m);
    // A latency measured elsewhere (an imported table or dataset), stored with the one time as
    // every statistic, unless the newest stored measurement of the model on the device has that
    // time already (so importing a file again adds nothing). `source` stands where a measuring
    // machine's CPU would; `protocolJson` says where the number came from (file, line).
    Status addImportedLatency(const std::string& modelHash, const std::string& modelPath, const std::string& deviceId, double ms,
                              const std::string& source, const std::string& protocolJson);
    // The newest measurement of a model (by content hash) on a device, if any.
    Result<std::optional<StoredMeasurement>> latest(const std::string& modelHash, const std::string& deviceId);
    Result<std::vector<StoredMeasurement>> forDevice(const std::string& deviceId);
    // The reference times of the device's measurements with that reference workload, CPU and
    // runtime version (those that have one), oldest first.
    Result<std::vector<StoredReferenceTime>> referenceTimes(const std::string& deviceId, const std::string& referenceId,
                                                            const std::string& cpuModel, const std::string& runtimeVersion);
    Result<int64_t> count();
    // The reference workload's baseline (ms) for a device on a machine: the stored one, or, the
    // first time, `proposedMs`, stored and returned. Fixed once taken, so that normalised times of
    // all campaigns share one unit (docs/measurement.md).
    Result<double> referenceBaselineMs(const std::string& deviceId, const std::string& machineKey, const std::string& referenceId,
                                       double proposedMs);
    // The baselines stored for a device and reference workload (any machine), oldest first; reads
    // only (for a database opened read-only).
    Result<std::vector<double>> storedReferenceBaselinesMs(const std::string& deviceId, const std::string& referenceId);
    int schemaVersion() const { return m_version; }
    const std::string& path() const { return m_path; }  // the file, as opened

    // Predictors (a PredictorSet's JSON, docs/predictors.md), newest last per device.
    Status addPredictor(const std::string& deviceId, const std::string& builtAtUtc, const std::string& json);
    Result<std::optional<std::string>> latestPredictor(const std::string& deviceId);
    // Device ids with at least one predictor.
    Result<std::vector<std::string>> devicesWithPredictors();

    // Benchmark datasets. Adding a model the dataset already has under its name with the same
    // content is a no-op; with other content (another generator version) it is an error naming both.
    Status addDatasetModel(DatasetModel& m);
    Result<std::vector<DatasetModel>> datasetModels(const std::string& dataset);  // in insertion order
    Result<std::vector<std::string>> datasets();
    Result<std::vector<std::string>> deviceIds();  // every device the store has seen, by id

    // Devices the user defined (store/device_registry.cpp; workflows/devices.h validates them).
    // Adding an id that exists replaces its definition; removing one keeps its measurements.
    Status putUserDevice(const Device& device);
    Result<std::vector<Device>> userDevices();  // by id
    Status removeUserDevice(const std::string& id);
    Result<int64_t> predictorCount(const std::string& deviceId);
    Result<int64_t> measurementCount(const std::string& deviceId);  // with those of deviceId@tN
    Status saveHello(const std::string& deviceId, StoredHello hello);
    Result<std::optional<StoredHello>> lastHello(const std::string& deviceId);

private:
    explicit MeasurementStore(sqlite3* db, std::string path) : m_db(db), m_path(std::move(path)) {}
    // Opens `name` (the path, or a file: URI) with sqlite3_open_v2 `flags`; errors name `path`.
    static Result<std::unique_ptr<MeasurementStore>> connect(const std::string& name, const std::string& path, int flags);
    Status readSchemaVersion();  // sets m_version; refuses a newer schema
    Status exec(const std::string& sql);
    Error sqlError(const std::string& what) const;
    Result<std::vector<std::string>> column(const char* sql, const char* what);  // a one-column query's rows

    sqlite3* m_db = nullptr;
    std::string m_path;
    int m_version = 0;
};

// $XDG_DATA_HOME/kernelmeter/kernelmeter.db (default ~/.local/share/kernelmeter/kernelmeter.db).
std::string defaultDatabasePath();

}  // namespace km

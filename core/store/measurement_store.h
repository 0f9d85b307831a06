// SQLite store of devices, measurements and predictors (the only place that includes sqlite3.h). Schema
// versioned with PRAGMA user_version and migrated forward on open; WAL journal; each measurement
// is written in its own transaction, so a process killed with SIGKILL loses nothing committed.
// Thread contract: one thread per MeasurementStore object (open one per thread).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backends/device.h"
#include "backends/machine_info.h"
#include "backends/measurement.h"
#include "common/result.h"

struct sqlite3;

namespace km {

struct StoredMeasurement {
    int64_t id = 0;
    std::string modelHash;     // SHA-256 of the model file
    std::string modelPath;     // as given when measured
    std::string deviceId;
    LatencyStats stats;
    std::string runtimeVersion;
    MachineInfo machine;
    std::string protocolJson;       // the MeasureOptions used
    std::string layersJson;         // [{"node": ..., "ms": ...}]
    std::string fusionGroupsJson;   // [[node, ...], ...]
    std::string takenAtUtc;         // ISO 8601
    std::string referenceId;        // the reference workload's id; empty: measured without it
    ReferenceRatio reference;       // ratio to it (pairs not stored)
    std::string roundMediansJson = "[]";     // [[ms per round] per process]
    std::string referenceRoundsJson = "[]";  // the reference's, aligned with roundMediansJson
};

class MeasurementStore {
public:
    // Current schema version; open() migrates older databases and refuses newer ones.
    static constexpr int kSchemaVersion = 4;

    static Result<std::unique_ptr<MeasurementStore>> open(const std::string& path);
    ~MeasurementStore();

    Status upsertDevice(const Device& device);
    // Writes one measurement in its own transaction; fills m.id.
    Status add(StoredMeasurement& m);
    // The newest measurement of a model (by content hash) on a device, if any.
    Result<std::optional<StoredMeasurement>> latest(const std::string& modelHash, const std::string& deviceId);
    Result<std::vector<StoredMeasurement>> forDevice(const std::string& deviceId);
    Result<int64_t> count();
    // The reference workload's baseline (ms) for a device on a machine: the stored one, or, the
    // first time, `proposedMs`, stored and returned. Fixed once taken, so that normalised times of
    // all campaigns share one unit (docs/measurement.md).
    Result<double> referenceBaselineMs(const std::string& deviceId, const std::string& machineKey,
                                       const std::string& referenceId, double proposedMs);
    int schemaVersion() const { return m_version; }

    // Predictors (a PredictorSet's JSON, docs/predictors.md), newest last per device.
    Status addPredictor(const std::string& deviceId, const std::string& builtAtUtc, const std::string& json);
    Result<std::optional<std::string>> latestPredictor(const std::string& deviceId);
    // Device ids with at least one predictor.
    Result<std::vector<std::string>> devicesWithPredictors();

private:
    explicit MeasurementStore(sqlite3* db, std::string path) : m_db(db), m_path(std::move(path)) {}
    Status exec(const std::string& sql);
    Error sqlError(const std::string& what) const;

    sqlite3* m_db = nullptr;
    std::string m_path;
    int m_version = 0;
};

// $XDG_DATA_HOME/kernelmeter/kernelmeter.db (default ~/.local/share/kernelmeter/kernelmeter.db).
std::string defaultDatabasePath();

}  // namespace km

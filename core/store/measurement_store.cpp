// SPDX-License-Identifier: Apache-2.0
#include "store/measurement_store.h"

#include "common/locations.h"

#include <sqlite3.h>
#include <zlib.h>

#include <fmt/format.h>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <thread>

#include "common/utc_time.h"
#include "store/sqlite_stmt.h"

namespace km {
namespace {

// Migration i brings a database from version i to i + 1. Append only; never edit a shipped step.
const std::vector<const char*> kMigrations = {
    R"(CREATE TABLE devices(
           id TEXT PRIMARY KEY, display_name TEXT NOT NULL, runtime TEXT NOT NULL, threads INTEGER NOT NULL,
           transport TEXT NOT NULL DEFAULT '');
       CREATE TABLE measurements(
           id INTEGER PRIMARY KEY, model_hash TEXT NOT NULL, model_path TEXT NOT NULL, device_id TEXT NOT NULL,
           median_ms REAL NOT NULL, p10_ms REAL NOT NULL, p90_ms REAL NOT NULL, min_round_ms REAL NOT NULL,
           cv REAL NOT NULL, runs INTEGER NOT NULL, rounds INTEGER NOT NULL, instances INTEGER NOT NULL,
           runtime_version TEXT NOT NULL, cpu_model TEXT NOT NULL, logical_cores INTEGER NOT NULL,
           kernel TEXT NOT NULL, hostname TEXT NOT NULL, protocol_json TEXT NOT NULL, layers_json TEXT NOT NULL,
           fusion_groups_json TEXT NOT NULL, taken_at_utc TEXT NOT NULL);
       CREATE INDEX measurements_by_model ON measurements(device_id, model_hash);)",
    // 2: the reference workload (docs/measurement.md): each measurement's ratio to it, and one
    // baseline per device, machine and reference, fixed when first taken; the round medians of the
    // model and of the reference (per process), so paired statistics survive a resumed campaign.
    R"(ALTER TABLE measurements ADD COLUMN reference_id TEXT NOT NULL DEFAULT '';
       ALTER TABLE measurements ADD COLUMN ref_ratio REAL NOT NULL DEFAULT 0;
       ALTER TABLE measurements ADD COLUMN ref_ratio_p10 REAL NOT NULL DEFAULT 0;
       ALTER TABLE measurements ADD COLUMN ref_ratio_p90 REAL NOT NULL DEFAULT 0;
       ALTER TABLE measurements ADD COLUMN reference_ms REAL NOT NULL DEFAULT 0;
       ALTER TABLE measurements ADD COLUMN reference_spread REAL NOT NULL DEFAULT 0;
       ALTER TABLE measurements ADD COLUMN round_medians_json TEXT NOT NULL DEFAULT '[]';
       ALTER TABLE measurements ADD COLUMN reference_rounds_json TEXT NOT NULL DEFAULT '[]';
       CREATE TABLE reference_baselines(
           device_id TEXT NOT NULL, machine_key TEXT NOT NULL, reference_id TEXT NOT NULL, baseline_ms REAL NOT NULL,
           taken_at_utc TEXT NOT NULL, PRIMARY KEY(device_id, machine_key, reference_id));)",
    // 3: predictors, as JSON (kernelmeter.predictor/1), so a saved predictor does not depend on a
    // library's binary format.
    R"(CREATE TABLE predictors(
           id INTEGER PRIMARY KEY, device_id TEXT NOT NULL, built_at_utc TEXT NOT NULL, json TEXT NOT NULL);
       CREATE INDEX predictors_by_device ON predictors(device_id, id);)",
    // 4: the predictor JSON deflated (zlib) when that saves space: tree ensembles are tens of MB of
    // JSON text and compress about 4x. json is then '' and json_bytes its inflated length.
    R"(ALTER TABLE predictors ADD COLUMN json_zlib BLOB;
       ALTER TABLE predictors ADD COLUMN json_bytes INTEGER NOT NULL DEFAULT 0;)",
    // 5: benchmark datasets of generated models; latencies are the measurements of model_hash.
    R"(CREATE TABLE dataset_models(
           id INTEGER PRIMARY KEY, dataset TEXT NOT NULL, name TEXT NOT NULL, family TEXT NOT NULL, seed INTEGER NOT NULL,
           resolution INTEGER NOT NULL, description TEXT NOT NULL, model_hash TEXT NOT NULL, path TEXT NOT NULL,
           generator TEXT NOT NULL, added_at_utc TEXT NOT NULL, UNIQUE(dataset, name));)",
    // 6: devices the user defined (store/device_registry.cpp) and the last hello each device's
    // agent gave, so that predictions can say which machine they belong to without starting it.
    R"(CREATE TABLE user_devices(
           id TEXT PRIMARY KEY, display_name TEXT NOT NULL, runtime TEXT NOT NULL, threads INTEGER NOT NULL,
           transport TEXT NOT NULL, agent_path TEXT NOT NULL, settings_json TEXT NOT NULL, added_at_utc TEXT NOT NULL);
       CREATE TABLE device_hellos(
           device_id TEXT PRIMARY KEY, hello_json TEXT NOT NULL, reference_ms REAL NOT NULL, reference_spread REAL NOT NULL,
           checked_at_utc TEXT NOT NULL);)",
    // 7: measurements of XNNPACK at more than one thread taken by agents that gave every model its
    // own thread pool carry two modes (docs/measurement.md, protocol point 11). Set aside, never
    // deleted, so that they are measured again when next needed; imported times are kept.
    R"(CREATE TABLE superseded_measurements AS SELECT * FROM measurements WHERE 0;
       ALTER TABLE superseded_measurements ADD COLUMN superseded_because TEXT NOT NULL DEFAULT '';
       INSERT INTO superseded_measurements SELECT *, 'XNNPACK thread pool per model' FROM measurements
           WHERE protocol_json LIKE '%"warmup_runs"%'
             AND device_id IN (SELECT id FROM devices WHERE runtime = 'xnnpack' AND threads > 1);
       DELETE FROM measurements WHERE id IN (SELECT id FROM superseded_measurements);)",
    // 8: agents before this schema ran XNNPACK's channel copies (concat, split, shuffle, flatten
    // between subgraphs) on one thread whatever the device's threads. The stored layers do not
    // always tell whether a model had one (a kernel model that is one concat has a single step, as
    // a model without copies has), so every multi-thread XNNPACK measurement of an agent is set
    // aside, like those of schema 7.
    // Its DELETE names its own reason: a measurement stored after schema 7 may have taken the id
    // of a row schema 7 set aside (SQLite reuses the largest ids), and deleting by id alone would
    // drop it without setting it aside (the rows this step copies are deleted as before).
    R"(INSERT INTO superseded_measurements SELECT *, 'XNNPACK channel copies on one thread' FROM measurements
           WHERE protocol_json LIKE '%"warmup_runs"%'
             AND device_id IN (SELECT id FROM devices WHERE runtime = 'xnnpack' AND threads > 1);
       DELETE FROM measurements WHERE id IN
           (SELECT id FROM superseded_measurements WHERE superseded_because = 'XNNPACK channel copies on one thread');)",
    // 9: XNNPACK at more than one thread keeps the rounds in which the machine ran at its fast
    // level (docs/measurement.md point 13; the protocol then records in_phase). Its measurements
    // with the reference workload taken before kept every round, and their ratios break in slow
    // phases: set aside like those of schemas 7 and 8. Kernels timed without the reference are kept.
    R"(INSERT INTO superseded_measurements SELECT *, 'XNNPACK at several threads, every round kept' FROM measurements
           WHERE protocol_json LIKE '%"warmup_runs"%' AND protocol_json NOT LIKE '%"in_phase"%' AND reference_id <> ''
             AND device_id IN (SELECT id FROM devices WHERE runtime = 'xnnpack' AND threads > 1);
       DELETE FROM measurements WHERE id IN
           (SELECT id FROM superseded_measurements WHERE superseded_because = 'XNNPACK at several threads, every round kept');)",
};

constexpr const char* kColumns =
    "id, model_hash, model_path, device_id, median_ms, p10_ms, p90_ms, min_round_ms, cv, runs, rounds, instances, "
    "runtime_version, cpu_model, logical_cores, kernel, hostname, protocol_json, layers_json, fusion_groups_json, taken_at_utc, "
    "reference_id, ref_ratio, ref_ratio_p10, ref_ratio_p90, reference_ms, reference_spread, round_medians_json, "
    "reference_rounds_json";

StoredMeasurement readRow(const Stmt& s) {
    StoredMeasurement m;
    m.id = s.integer(0);
    m.modelHash = s.text(1);
    m.modelPath = s.text(2);
    m.deviceId = s.text(3);
    m.stats.medianMs = s.real(4);
    m.stats.p10Ms = s.real(5);
    m.stats.p90Ms = s.real(6);
    m.stats.minRoundMs = s.real(7);
    m.stats.cv = s.real(8);
    m.stats.runs = int(s.integer(9));
    m.stats.rounds = int(s.integer(10));
    m.stats.instances = int(s.integer(11));
    m.runtimeVersion = s.text(12);
    m.machine.cpuModel = s.text(13);
    m.machine.logicalCores = int(s.integer(14));
    m.machine.kernel = s.text(15);
    m.machine.hostname = s.text(16);
    m.protocolJson = s.text(17);
    m.layersJson = s.text(18);
    m.fusionGroupsJson = s.text(19);
    m.takenAtUtc = s.text(20);
    m.referenceId = s.text(21);
    m.reference.median = s.real(22);
    m.reference.p10 = s.real(23);
    m.reference.p90 = s.real(24);
    m.reference.referenceMs = s.real(25);
    m.reference.referenceSpread = s.real(26);
    m.roundMediansJson = s.text(27);
    m.referenceRoundsJson = s.text(28);
    return m;
}

}  // namespace

std::string defaultDatabasePath() { return (std::filesystem::path(userDataDir()) / "kernelmeter.db").string(); }

Error MeasurementStore::sqlError(const std::string& what) const {
    return ioError(fmt::format("{}: {} ({}).", m_path, what, m_db ? sqlite3_errmsg(m_db) : "no database"));
}

Status MeasurementStore::exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : "unknown error";
        sqlite3_free(err);
        return ioError(fmt::format("{}: {}.", m_path, msg));
    }
    return Ok{};
}

Result<std::unique_ptr<MeasurementStore>> MeasurementStore::open(const std::string& path) {
    std::error_code ec;
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    Result<std::unique_ptr<MeasurementStore>> opened = connect(path, path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (!opened) return opened.error();
    std::unique_ptr<MeasurementStore> store = std::move(opened).value();
    sqlite3_busy_timeout(store->m_db, 10000);
    // Switching a new file to WAL takes a lock the busy timeout does not wait for: another
    // connection opening the same new database at this moment makes it fail at once, so try again
    // (for as long as the busy timeout would wait).
    Status wal = store->exec("PRAGMA journal_mode=WAL;");
    for (int attempt = 0; !wal && (sqlite3_errcode(store->m_db) & 0xff) == SQLITE_BUSY && attempt < 500; ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        wal = store->exec("PRAGMA journal_mode=WAL;");
    }
    if (wal) wal = store->exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
    if (!wal) return ioError(fmt::format("{}: not a usable SQLite database: {}", path, wal.error().message));
    if (Status s = store->readSchemaVersion(); !s) return s.error();
    while (store->m_version < kSchemaVersion) {
        // The version is read again inside the write transaction: another connection (another
        // job of the GUI, another command) that opened the same database meanwhile may have
        // migrated it while this one waited for the lock.
        if (auto s = store->exec("BEGIN IMMEDIATE;"); !s)
            return ioError(fmt::format("{}: cannot migrate the schema: {}", path, s.error().message));
        if (Status s = store->readSchemaVersion(); !s) {
            (void)store->exec("ROLLBACK;");
            return s.error();
        }
        if (store->m_version >= kSchemaVersion) {
            (void)store->exec("COMMIT;");
            break;
        }
        const int next = store->m_version + 1;
        const std::string sql = fmt::format("{} PRAGMA user_version={}; COMMIT;", kMigrations[next - 1], next);
        if (auto s = store->exec(sql); !s) {
            (void)store->exec("ROLLBACK;");  // best effort: the migration error is what the user needs
            return ioError(fmt::format("{}: migrating the schema to version {} failed: {}", path, next, s.error().message));
        }
        store->m_version = next;
    }
    return store;
}

Result<std::unique_ptr<MeasurementStore>> MeasurementStore::openReadOnly(const std::string& path) {
    std::string uri = "file:";
    for (unsigned char c : path) {  // a URI path: escape what SQLite would read as query or fragment
        if (c == '?' || c == '#' || c == '%' || c < 0x20)
            uri += fmt::format("%{:02X}", c);
        else
            uri += char(c);
    }
    uri += "?immutable=1";
    Result<std::unique_ptr<MeasurementStore>> store = connect(uri, path, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
    if (!store) return store.error();
    if (Status s = store.value()->readSchemaVersion(); !s) return s.error();
    return store;
}

Result<std::unique_ptr<MeasurementStore>> MeasurementStore::connect(const std::string& name, const std::string& path, int flags) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(name.c_str(), &db, flags, nullptr) != SQLITE_OK) {
        std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close(db);
        return ioError(fmt::format("{}: cannot open the database ({}).", path, msg));
    }
    return std::unique_ptr<MeasurementStore>(new MeasurementStore(db, path));
}

Status MeasurementStore::readSchemaVersion() {
    Stmt version(m_db, "PRAGMA user_version");
    if (!version.ok() || version.step() != SQLITE_ROW)
        return ioError(fmt::format("{}: not a usable SQLite database ({}).", m_path, sqlite3_errmsg(m_db)));
    m_version = int(version.integer(0));
    if (m_version > kSchemaVersion)
        return unsupported(
            fmt::format("{}: the database has schema version {}, newer than this KernelMeter ({}); "
                        "use a newer KernelMeter.",
                        m_path, m_version, kSchemaVersion));
    return Ok{};
}

MeasurementStore::~MeasurementStore() { sqlite3_close(m_db); }

Status MeasurementStore::upsertDevice(const Device& d) {
    Stmt s(m_db,
           "INSERT INTO devices(id, display_name, runtime, threads, transport) VALUES(?,?,?,?,?) "
           "ON CONFLICT(id) DO UPDATE SET display_name=excluded.display_name, runtime=excluded.runtime, "
           "threads=excluded.threads, transport=excluded.transport");
    if (!s.ok()) return sqlError("cannot prepare a device update");
    s.bind(1, d.id).bind(2, d.displayName).bind(3, d.runtime).bind(4, d.threads).bind(5, d.transport);
    if (s.step() != SQLITE_DONE) return sqlError("cannot store device " + d.id);
    return Ok{};
}

Status MeasurementStore::add(StoredMeasurement& m) {
    if (m.takenAtUtc.empty()) m.takenAtUtc = utcNowIso8601();
    Stmt s(m_db,
           "INSERT INTO measurements(model_hash, model_path, device_id, median_ms, p10_ms, p90_ms, min_round_ms, cv, "
           "runs, rounds, instances, runtime_version, cpu_model, logical_cores, kernel, hostname, protocol_json, "
           "layers_json, fusion_groups_json, taken_at_utc, reference_id, ref_ratio, ref_ratio_p10, ref_ratio_p90, "
           "reference_ms, reference_spread, round_medians_json, reference_rounds_json) "
           "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!s.ok()) return sqlError("cannot prepare a measurement insert");
    s.bind(1, m.modelHash)
        .bind(2, m.modelPath)
        .bind(3, m.deviceId)
        .bind(4, m.stats.medianMs)
        .bind(5, m.stats.p10Ms)
        .bind(6, m.stats.p90Ms)
        .bind(7, m.stats.minRoundMs)
        .bind(8, m.stats.cv)
        .bind(9, m.stats.runs)
        .bind(10, m.stats.rounds)
        .bind(11, m.stats.instances)
        .bind(12, m.runtimeVersion)
        .bind(13, m.machine.cpuModel)
        .bind(14, m.machine.logicalCores)
        .bind(15, m.machine.kernel)
        .bind(16, m.machine.hostname)
        .bind(17, m.protocolJson)
        .bind(18, m.layersJson)
        .bind(19, m.fusionGroupsJson)
        .bind(20, m.takenAtUtc)
        .bind(21, m.referenceId)
        .bind(22, m.reference.median)
        .bind(23, m.reference.p10)
        .bind(24, m.reference.p90)
        .bind(25, m.reference.referenceMs)
        .bind(26, m.reference.referenceSpread)
        .bind(27, m.roundMediansJson)
        .bind(28, m.referenceRoundsJson);
    if (s.step() != SQLITE_DONE) return sqlError("cannot store the measurement of " + m.modelPath);
    m.id = sqlite3_last_insert_rowid(m_db);
    return Ok{};
}

Result<std::optional<StoredMeasurement>> MeasurementStore::latest(const std::string& hash, const std::string& deviceId) {
    const std::string sql =
        fmt::format("SELECT {} FROM measurements WHERE device_id=? AND model_hash=? ORDER BY id DESC LIMIT 1", kColumns);
    Stmt s(m_db, sql.c_str());
    if (!s.ok()) return sqlError("cannot prepare a measurement query");
    s.bind(1, deviceId).bind(2, hash);
    const int rc = s.step();
    if (rc == SQLITE_DONE) return std::optional<StoredMeasurement>{};
    if (rc != SQLITE_ROW) return sqlError("cannot read measurements");
    return std::optional<StoredMeasurement>{readRow(s)};
}

Status MeasurementStore::addImportedLatency(const std::string& modelHash, const std::string& modelPath, const std::string& deviceId,
                                            double ms, const std::string& source, const std::string& protocolJson) {
    Result<std::optional<StoredMeasurement>> stored = latest(modelHash, deviceId);
    if (!stored) return stored.error();
    if (stored.value() && stored.value()->stats.medianMs == ms) return Ok{};
    StoredMeasurement m;
    m.modelHash = modelHash;
    m.modelPath = modelPath;
    m.deviceId = deviceId;
    m.stats.medianMs = m.stats.p10Ms = m.stats.p90Ms = m.stats.minRoundMs = ms;
    m.machine.cpuModel = source;
    m.protocolJson = protocolJson;
    m.layersJson = "[]";
    m.fusionGroupsJson = "[]";
    return add(m);
}

Result<std::vector<StoredMeasurement>> MeasurementStore::forDevice(const std::string& deviceId) {
    const std::string sql = fmt::format("SELECT {} FROM measurements WHERE device_id=? ORDER BY id", kColumns);
    Stmt s(m_db, sql.c_str());
    if (!s.ok()) return sqlError("cannot prepare a measurement query");
    s.bind(1, deviceId);
    std::vector<StoredMeasurement> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) out.push_back(readRow(s));
    if (rc != SQLITE_DONE) return sqlError("cannot read measurements");
    return out;
}

Result<std::vector<StoredReferenceTime>> MeasurementStore::referenceTimes(const std::string& deviceId, const std::string& referenceId,
                                                                          const std::string& cpuModel, const std::string& runtimeVersion) {
    Stmt s(m_db,
           "SELECT model_hash, taken_at_utc, reference_ms FROM measurements WHERE device_id=? AND reference_id=? AND cpu_model=? "
           "AND runtime_version=? AND reference_ms > 0 ORDER BY taken_at_utc, id");
    if (!s.ok()) return sqlError("cannot prepare a reference time query");
    s.bind(1, deviceId).bind(2, referenceId).bind(3, cpuModel).bind(4, runtimeVersion);
    std::vector<StoredReferenceTime> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) out.push_back({s.text(0), s.text(1), s.real(2)});
    if (rc != SQLITE_DONE) return sqlError("cannot read the reference times of " + deviceId);
    return out;
}

Result<double> MeasurementStore::referenceBaselineMs(const std::string& deviceId, const std::string& machineKey,
                                                     const std::string& referenceId, double proposedMs) {
    {
        Stmt ins(m_db,
                 "INSERT OR IGNORE INTO reference_baselines(device_id, machine_key, reference_id, baseline_ms, "
                 "taken_at_utc) VALUES(?,?,?,?,?)");
        if (!ins.ok()) return sqlError("cannot prepare a reference baseline insert");
        ins.bind(1, deviceId).bind(2, machineKey).bind(3, referenceId).bind(4, proposedMs).bind(5, utcNowIso8601());
        if (ins.step() != SQLITE_DONE) return sqlError("cannot store the reference baseline of " + deviceId);
    }
    Stmt s(m_db, "SELECT baseline_ms FROM reference_baselines WHERE device_id=? AND machine_key=? AND reference_id=?");
    if (!s.ok()) return sqlError("cannot prepare a reference baseline query");
    s.bind(1, deviceId).bind(2, machineKey).bind(3, referenceId);
    if (s.step() != SQLITE_ROW) return sqlError("cannot read the reference baseline of " + deviceId);
    return s.real(0);
}

Result<std::vector<double>> MeasurementStore::storedReferenceBaselinesMs(const std::string& deviceId, const std::string& referenceId) {
    Stmt s(m_db, "SELECT baseline_ms FROM reference_baselines WHERE device_id=? AND reference_id=? ORDER BY taken_at_utc, rowid");
    if (!s.ok()) return sqlError("cannot prepare a reference baseline query");
    s.bind(1, deviceId).bind(2, referenceId);
    std::vector<double> out;
    while (s.step() == SQLITE_ROW) out.push_back(s.real(0));
    return out;
}

Result<int64_t> MeasurementStore::count() {
    Stmt s(m_db, "SELECT COUNT(*) FROM measurements");
    if (!s.ok() || s.step() != SQLITE_ROW) return sqlError("cannot count measurements");
    return s.integer(0);
}

Status MeasurementStore::addPredictor(const std::string& deviceId, const std::string& builtAtUtc, const std::string& json) {
    std::vector<unsigned char> deflated(compressBound(uLong(json.size())));
    uLongf size = uLongf(deflated.size());
    const bool packed =
        compress2(deflated.data(), &size, reinterpret_cast<const Bytef*>(json.data()), uLong(json.size()), 6) == Z_OK && size < json.size();
    deflated.resize(packed ? size_t(size) : 0);
    Stmt s(m_db, "INSERT INTO predictors(device_id, built_at_utc, json, json_zlib, json_bytes) VALUES(?,?,?,?,?)");
    if (!s.ok()) return sqlError("cannot prepare a predictor insert");
    s.bind(1, deviceId).bind(2, builtAtUtc).bind(3, packed ? std::string() : json).bind(5, int64_t(json.size()));
    if (packed) s.bindBlob(4, deflated);
    if (s.step() != SQLITE_DONE) return sqlError("cannot store the predictor of " + deviceId);
    return Ok{};
}

Result<std::optional<std::string>> MeasurementStore::latestPredictor(const std::string& deviceId) {
    Stmt s(m_db, "SELECT json, json_zlib, json_bytes FROM predictors WHERE device_id=? ORDER BY id DESC LIMIT 1");
    if (!s.ok()) return sqlError("cannot prepare a predictor query");
    s.bind(1, deviceId);
    const int rc = s.step();
    if (rc == SQLITE_DONE) return std::optional<std::string>{};
    if (rc != SQLITE_ROW) return sqlError("cannot read the predictor of " + deviceId);
    const std::vector<unsigned char> deflated = s.blob(1);
    if (deflated.empty()) return std::optional<std::string>{s.text(0)};
    const int64_t bytes = s.integer(2);
    std::string json(size_t(std::max<int64_t>(0, bytes)), '\0');
    uLongf size = uLongf(json.size());
    if (bytes <= 0 || uncompress(reinterpret_cast<Bytef*>(json.data()), &size, deflated.data(), uLong(deflated.size())) != Z_OK ||
        int64_t(size) != bytes)
        return badInput(
            fmt::format("{}: the stored predictor of {} is damaged (it does not inflate to {} bytes).", m_path, deviceId, bytes));
    return std::optional<std::string>{std::move(json)};
}

Result<std::vector<std::string>> MeasurementStore::devicesWithPredictors() {
    Stmt s(m_db, "SELECT DISTINCT device_id FROM predictors ORDER BY device_id");
    if (!s.ok()) return sqlError("cannot prepare a predictor query");
    std::vector<std::string> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) out.push_back(s.text(0));
    if (rc != SQLITE_DONE) return sqlError("cannot read predictors");
    return out;
}

Status MeasurementStore::addDatasetModel(DatasetModel& m) {
    if (m.addedAtUtc.empty()) m.addedAtUtc = utcNowIso8601();
    Stmt existing(m_db, "SELECT model_hash, generator FROM dataset_models WHERE dataset=? AND name=?");
    if (!existing.ok()) return sqlError("cannot prepare a dataset query");
    existing.bind(1, m.dataset).bind(2, m.name);
    if (existing.step() == SQLITE_ROW) {
        if (existing.text(0) == m.modelHash) return Ok{};
        return badInput(
            fmt::format("{}: dataset '{}' already has a different model named {} (made by {}; this one by {}); "
                        "use another dataset name.",
                        m_path, m.dataset, m.name, existing.text(1), m.generator));
    }
    Stmt s(m_db,
           "INSERT INTO dataset_models(dataset, name, family, seed, resolution, description, model_hash, path, generator, "
           "added_at_utc) VALUES(?,?,?,?,?,?,?,?,?,?)");
    if (!s.ok()) return sqlError("cannot prepare a dataset insert");
    s.bind(1, m.dataset).bind(2, m.name).bind(3, m.family).bind(4, m.seed).bind(5, m.resolution).bind(6, m.description);
    s.bind(7, m.modelHash).bind(8, m.path).bind(9, m.generator).bind(10, m.addedAtUtc);
    if (s.step() != SQLITE_DONE) return sqlError(fmt::format("cannot store model {} of dataset {}", m.name, m.dataset));
    return Ok{};
}

Result<std::vector<DatasetModel>> MeasurementStore::datasetModels(const std::string& dataset) {
    Stmt s(m_db,
           "SELECT dataset, name, family, seed, resolution, description, model_hash, path, generator, added_at_utc "
           "FROM dataset_models WHERE dataset=? ORDER BY id");
    if (!s.ok()) return sqlError("cannot prepare a dataset query");
    s.bind(1, dataset);
    std::vector<DatasetModel> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW)
        out.push_back({s.text(0), s.text(1), s.text(2), s.integer(3), s.integer(4), s.text(5), s.text(6), s.text(7), s.text(8), s.text(9)});
    if (rc != SQLITE_DONE) return sqlError("cannot read dataset " + dataset);
    return out;
}

Result<std::vector<std::string>> MeasurementStore::column(const char* sql, const char* what) {
    Stmt s(m_db, sql);
    if (!s.ok()) return sqlError(std::string("cannot prepare a query of the ") + what);
    std::vector<std::string> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) out.push_back(s.text(0));
    if (rc != SQLITE_DONE) return sqlError(std::string("cannot read the ") + what);
    return out;
}

Result<std::vector<std::string>> MeasurementStore::datasets() {
    return column("SELECT DISTINCT dataset FROM dataset_models ORDER BY dataset", "datasets");
}

Result<std::vector<std::string>> MeasurementStore::deviceIds() { return column("SELECT id FROM devices ORDER BY id", "devices"); }

}  // namespace km

// SPDX-License-Identifier: Apache-2.0
// The user's device definitions and the last hello of each device's agent (schema version 6).
#include <nlohmann/json.hpp>

#include "common/utc_time.h"
#include "store/measurement_store.h"
#include "store/sqlite_stmt.h"

namespace km {

Status MeasurementStore::putUserDevice(const Device& d) {
    nlohmann::json settings = nlohmann::json::object();
    for (const auto& [k, v] : d.settings) settings[k] = v;
    Stmt s(m_db,
           "INSERT INTO user_devices(id, display_name, runtime, threads, transport, agent_path, settings_json, added_at_utc) "
           "VALUES(?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET display_name=excluded.display_name, runtime=excluded.runtime, "
           "threads=excluded.threads, transport=excluded.transport, agent_path=excluded.agent_path, "
           "settings_json=excluded.settings_json");
    if (!s.ok()) return sqlError("cannot prepare a device definition");
    s.bind(1, d.id).bind(2, d.displayName).bind(3, d.runtime).bind(4, d.threads).bind(5, d.transport).bind(6, d.agentPath);
    s.bind(7, settings.dump()).bind(8, utcNowIso8601());
    if (s.step() != SQLITE_DONE) return sqlError("cannot store device " + d.id);
    return Ok{};
}

Result<std::vector<Device>> MeasurementStore::userDevices() {
    std::vector<Device> out;
    if (m_version < 6) return out;  // a read-only file of an older schema has none
    Stmt s(m_db, "SELECT id, display_name, runtime, threads, transport, agent_path, settings_json FROM user_devices ORDER BY id");
    if (!s.ok()) return sqlError("cannot prepare a device query");
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
        Device d;
        d.id = s.text(0);
        d.displayName = s.text(1);
        d.runtime = s.text(2);
        d.threads = int(s.integer(3));
        d.transport = s.text(4);
        d.agentPath = s.text(5);
        d.userDefined = true;
        const nlohmann::json settings = nlohmann::json::parse(s.text(6), nullptr, false);
        if (settings.is_object())
            for (const auto& [k, v] : settings.items())
                if (v.is_string()) d.settings[k] = v.get<std::string>();
        out.push_back(std::move(d));
    }
    if (rc != SQLITE_DONE) return sqlError("cannot read device definitions");
    return out;
}

Status MeasurementStore::removeUserDevice(const std::string& id) {
    if (Status s = exec("BEGIN IMMEDIATE"); !s) return s;
    Stmt a(m_db, "DELETE FROM user_devices WHERE id = ?");
    Stmt b(m_db, "DELETE FROM device_hellos WHERE device_id = ?");
    if (!a.ok() || !b.ok()) {
        (void)exec("ROLLBACK");
        return sqlError("cannot prepare removing device " + id);
    }
    a.bind(1, id);
    b.bind(1, id);
    if (a.step() != SQLITE_DONE || b.step() != SQLITE_DONE) {
        Error e = sqlError("cannot remove device " + id);
        (void)exec("ROLLBACK");
        return e;
    }
    return exec("COMMIT");
}

namespace {
Result<int64_t> countWhere(sqlite3* db, const char* sql, const std::string& deviceId) {
    Stmt s(db, sql);
    if (!s.ok()) return ioError(std::string("cannot prepare a count: ") + sqlite3_errmsg(db));
    s.bind(1, deviceId);
    if (s.step() != SQLITE_ROW) return ioError(std::string("cannot count: ") + sqlite3_errmsg(db));
    return s.integer(0);
}
}  // namespace

Result<int64_t> MeasurementStore::predictorCount(const std::string& deviceId) {
    return countWhere(m_db, "SELECT COUNT(*) FROM predictors WHERE device_id = ?", deviceId);
}

Result<int64_t> MeasurementStore::measurementCount(const std::string& deviceId) {
    // ID@tN: the device at another thread count, under which adapt stores the kernels it times
    // there (workflows/adapt_predictor.h, kernelDeviceFor). Ids hold no LIKE wildcards.
    return countWhere(m_db, "SELECT COUNT(*) FROM measurements WHERE device_id = ?1 OR device_id LIKE ?1 || '@t%'", deviceId);
}

Status MeasurementStore::saveHello(const std::string& deviceId, StoredHello h) {
    if (h.checkedAtUtc.empty()) h.checkedAtUtc = utcNowIso8601();
    Stmt s(m_db,
           "INSERT INTO device_hellos(device_id, hello_json, reference_ms, reference_spread, checked_at_utc) VALUES(?,?,?,?,?) "
           "ON CONFLICT(device_id) DO UPDATE SET hello_json=excluded.hello_json, checked_at_utc=excluded.checked_at_utc, "
           // a hello from a measurement session (no reference timed) keeps the last check's time
           "reference_ms=CASE WHEN excluded.reference_ms > 0 THEN excluded.reference_ms ELSE reference_ms END, "
           "reference_spread=CASE WHEN excluded.reference_ms > 0 THEN excluded.reference_spread ELSE reference_spread END");
    if (!s.ok()) return sqlError("cannot prepare storing a hello");
    s.bind(1, deviceId).bind(2, encodeHello(h.hello)).bind(3, h.referenceMs).bind(4, h.referenceSpread).bind(5, h.checkedAtUtc);
    if (s.step() != SQLITE_DONE) return sqlError("cannot store the hello of device " + deviceId);
    return Ok{};
}

Result<std::optional<StoredHello>> MeasurementStore::lastHello(const std::string& deviceId) {
    if (m_version < 6) return std::optional<StoredHello>{};
    Stmt s(m_db, "SELECT hello_json, reference_ms, reference_spread, checked_at_utc FROM device_hellos WHERE device_id = ?");
    if (!s.ok()) return sqlError("cannot prepare a hello query");
    s.bind(1, deviceId);
    const int rc = s.step();
    if (rc == SQLITE_DONE) return std::optional<StoredHello>{};
    if (rc != SQLITE_ROW) return sqlError("cannot read the hello of device " + deviceId);
    Result<AgentMessage> m = decodeMessage(s.text(0));
    if (!m || m.value().type != "hello") return std::optional<StoredHello>{};  // from another protocol version: as if none
    StoredHello h;
    h.hello = m.value().hello;
    h.referenceMs = s.real(1);
    h.referenceSpread = s.real(2);
    h.checkedAtUtc = s.text(3);
    return std::optional<StoredHello>{h};
}

}  // namespace km

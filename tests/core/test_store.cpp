// SPDX-License-Identifier: Apache-2.0
// SHA-256 against the FIPS 180-4 examples, and the SQLite store: schema creation, round trip,
// persistence across reopen, a new database opened by several connections at once, and refusal of
// a database from a newer KernelMeter.
#include <QtTest>

#include <QProcess>
#include <QTemporaryDir>
#include <atomic>
#include <fstream>
#include <random>
#include <thread>
#include <vector>

#include "common/sha256.h"
#include "store/measurement_store.h"

using namespace km;

namespace {
// The protocol an agent's measurement records (what the migrations recognise an agent's by).
constexpr const char* kAgentProtocolJson = R"({"allocation":"aligned-64","instances":3,"rounds":20,"warmup_runs":10})";

// An agent's measurement of 2 ms as the migrations see it: protocol and per-step times as stored.
bool addAgentMeasurement(MeasurementStore& store, const char* hash, const char* device, const char* protocolJson,
                         const char* layersJson = "[]") {
    StoredMeasurement m;
    m.modelHash = hash;
    m.deviceId = device;
    m.stats.medianMs = 2.0;
    m.protocolJson = protocolJson;
    m.layersJson = layersJson;
    return store.add(m).ok();
}
}  // namespace

class TestStore : public QObject {
    Q_OBJECT
private slots:
    void sha256KnownAnswers() {
        QCOMPARE(sha256Hex(""), std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        QCOMPARE(sha256Hex("abc"), std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        QCOMPARE(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                 std::string("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
        QCOMPARE(sha256Hex(std::string(1000000, 'a')), std::string("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
        QCOMPARE(sha256HexPortable("abc"), std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        QCOMPARE(sha256HexPortable(std::string(1000000, 'a')),
                 std::string("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
    }

    void sha256MatchesTheReferenceOnEveryLength() {
        // The CPU's SHA extensions where it has them, checked against the specification's code on
        // fixed seeds: every length around the block and padding edges, then larger buffers.
        qInfo("sha256Hex uses the CPU's SHA extensions: %s", sha256UsesCpuExtensions() ? "yes" : "no");
        std::mt19937 rng(20261205);
        std::string bytes(300, '\0');
        for (char& c : bytes) c = char(rng());
        for (size_t n = 0; n <= bytes.size(); ++n) {
            const std::string_view v(bytes.data(), n);
            QVERIFY2(sha256Hex(v) == sha256HexPortable(v), qPrintable(QStringLiteral("length %1").arg(n)));
        }
        for (size_t n : {size_t(4096), size_t(65536 + 17), size_t(3 << 20)}) {
            std::string big(n, '\0');
            for (char& c : big) c = char(rng());
            QVERIFY2(sha256Hex(big) == sha256HexPortable(big), qPrintable(QStringLiteral("length %1").arg(n)));
            QTemporaryDir dir;  // a file read in 64 KiB chunks, whose ends fall inside blocks
            const std::string path = (dir.path() + "/bytes.bin").toStdString();
            std::ofstream(path, std::ios::binary) << big;
            QCOMPARE(sha256OfFile(path).value(), sha256HexPortable(big));
        }
    }

    void roundTripAndReopen() {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/sub/km.db").toStdString();  // folders are created
        {
            auto opened = MeasurementStore::open(path);
            QVERIFY2(opened.ok(), opened.ok() ? "" : opened.error().message.c_str());
            auto& store = *opened.value();
            QCOMPARE(store.schemaVersion(), MeasurementStore::kSchemaVersion);
            QVERIFY(store.upsertDevice(*findBuiltinDevice("opencv-t1")).ok());
            StoredMeasurement m;
            m.modelHash = "abc";
            m.modelPath = "model.onnx";
            m.deviceId = "opencv-t1";
            m.stats.medianMs = 1.5;
            m.stats.runs = 60;
            m.machine.cpuModel = "CPU";
            m.layersJson = "[]";
            m.fusionGroupsJson = "[]";
            m.protocolJson = "{}";
            QVERIFY(store.add(m).ok());
            QVERIFY(m.id > 0);
            m.stats.medianMs = 1.7;
            QVERIFY(store.add(m).ok());
        }
        auto again = MeasurementStore::open(path);
        QVERIFY(again.ok());
        auto latest = again.value()->latest("abc", "opencv-t1");
        QVERIFY(latest.ok() && latest.value());
        QCOMPARE(latest.value()->stats.medianMs, 1.7);
        QCOMPARE(latest.value()->stats.runs, 60);
        QCOMPARE(latest.value()->machine.cpuModel, std::string("CPU"));
        QVERIFY(!latest.value()->takenAtUtc.empty());
        QVERIFY(!again.value()->latest("abc", "opencv-t2").value());
        QCOMPARE(again.value()->forDevice("opencv-t1").value().size(), size_t{2});
        QCOMPARE(again.value()->count().value(), int64_t{2});
    }

    void referenceFieldsAndBaselineFixedOnceTaken() {
        QTemporaryDir dir;
        auto opened = MeasurementStore::open((dir.path() + "/km.db").toStdString());
        QVERIFY(opened.ok());
        auto& store = *opened.value();
        QCOMPARE(store.referenceBaselineMs("opencv-t1", "cpu|2|4.6.0", "ref-v1", 1.25).value(), 1.25);  // first: taken
        QCOMPARE(store.referenceBaselineMs("opencv-t1", "cpu|2|4.6.0", "ref-v1", 9.0).value(), 1.25);   // then fixed
        QCOMPARE(store.referenceBaselineMs("opencv-t1", "cpu|2|4.6.1", "ref-v1", 2.0).value(), 2.0);    // other runtime
        QCOMPARE(store.referenceBaselineMs("xnnpack-t1", "cpu|2|4.6.0", "ref-v1", 3.0).value(), 3.0);   // other device
        StoredMeasurement m;
        m.modelHash = "h";
        m.deviceId = "opencv-t1";
        m.referenceId = "ref-v1";
        m.reference.median = 2.5;
        m.reference.p10 = 2.4;
        m.reference.p90 = 2.6;
        m.reference.referenceMs = 1.3;
        m.reference.referenceSpread = 0.2;
        m.roundMediansJson = "[[2.5,2.6]]";
        m.referenceRoundsJson = "[[1.0,1.04]]";
        QVERIFY(store.add(m).ok());
        const auto back = store.latest("h", "opencv-t1").value();
        QVERIFY(back);
        QCOMPARE(back->referenceId, std::string("ref-v1"));
        QCOMPARE(back->reference.median, 2.5);
        QCOMPARE(back->reference.p10, 2.4);
        QCOMPARE(back->reference.p90, 2.6);
        QCOMPARE(back->reference.referenceMs, 1.3);
        QCOMPARE(back->reference.referenceSpread, 0.2);
        QCOMPARE(back->roundMediansJson, std::string("[[2.5,2.6]]"));
        QCOMPARE(back->referenceRoundsJson, std::string("[[1.0,1.04]]"));
    }

    void version1DatabaseIsMigrated() {
        // A database as KernelMeter wrote it before the reference workload (schema 1), with one row.
        QTemporaryDir dir;
        const QString path = dir.path() + "/v1.db";
        const QString v1 =
            "CREATE TABLE devices(id TEXT PRIMARY KEY, display_name TEXT NOT NULL, runtime TEXT NOT NULL, "
            "threads INTEGER NOT NULL, transport TEXT NOT NULL DEFAULT '');"
            "CREATE TABLE measurements(id INTEGER PRIMARY KEY, model_hash TEXT NOT NULL, model_path TEXT NOT NULL, "
            "device_id TEXT NOT NULL, median_ms REAL NOT NULL, p10_ms REAL NOT NULL, p90_ms REAL NOT NULL, "
            "min_round_ms REAL NOT NULL, cv REAL NOT NULL, runs INTEGER NOT NULL, rounds INTEGER NOT NULL, "
            "instances INTEGER NOT NULL, runtime_version TEXT NOT NULL, cpu_model TEXT NOT NULL, "
            "logical_cores INTEGER NOT NULL, kernel TEXT NOT NULL, hostname TEXT NOT NULL, protocol_json TEXT NOT NULL, "
            "layers_json TEXT NOT NULL, fusion_groups_json TEXT NOT NULL, taken_at_utc TEXT NOT NULL);"
            "CREATE INDEX measurements_by_model ON measurements(device_id, model_hash);"
            "INSERT INTO measurements VALUES(1, 'h', 'm.onnx', 'opencv-t1', 4.5, 4.4, 4.7, 4.3, 0.02, 60, 20, 3, "
            "'4.6.0', 'cpu', 2, 'linux', 'host', '{}', '[]', '[]', '2026-11-22T10:00:00Z');"
            "PRAGMA user_version=1;";
        QCOMPARE(QProcess::execute("sqlite3", {path, v1}), 0);
        auto opened = MeasurementStore::open(path.toStdString());
        QVERIFY2(opened.ok(), opened.ok() ? "" : opened.error().message.c_str());
        QCOMPARE(opened.value()->schemaVersion(), MeasurementStore::kSchemaVersion);
        const auto old = opened.value()->latest("h", "opencv-t1").value();
        QVERIFY(old);
        QCOMPARE(old->stats.medianMs, 4.5);
        QCOMPARE(old->referenceId, std::string());  // measured without the reference: no ratio
        QCOMPARE(old->reference.median, 0.0);
        QCOMPARE(old->roundMediansJson, std::string("[]"));
        QCOMPARE(opened.value()->referenceBaselineMs("opencv-t1", "k", "r", 1.0).value(), 1.0);
    }

    // Schema 7 sets aside what agents with a thread pool per XNNPACK model measured at more than one
    // thread (two modes; docs/measurement.md): those are measured again, everything else stays.
    void multiThreadXnnpackMeasurementsOfOldAgentsAreSetAside() {
        QTemporaryDir dir;
        const QString path = dir.path() + "/v6.db";
        {
            auto opened = MeasurementStore::open(path.toStdString());
            QVERIFY(opened.ok());
            MeasurementStore& store = *opened.value();
            const char* imported = R"({"source":"imported table","file":"t.csv","line":2})";
            for (const char* id : {"xnnpack-t2", "xnnpack-t1", "opencv-t2"}) QVERIFY(store.upsertDevice(*findBuiltinDevice(id)).ok());
            QVERIFY(store.upsertDevice(Device{"board", "a board", "xnnpack", 4, "ssh me@board", {}, "", true}).ok());
            QVERIFY(addAgentMeasurement(store, "a", "xnnpack-t2", kAgentProtocolJson));  // set aside
            QVERIFY(addAgentMeasurement(store, "b", "board", kAgentProtocolJson));       // set aside: XNNPACK at 4 threads
            QVERIFY(addAgentMeasurement(store, "c", "xnnpack-t2", imported));            // kept: not an agent's
            QVERIFY(addAgentMeasurement(store, "d", "xnnpack-t1", kAgentProtocolJson));  // kept: one thread, no pool
            QVERIFY(addAgentMeasurement(store, "e", "opencv-t2", kAgentProtocolJson));   // kept: OpenCV's own pool
        }
        // As an earlier KernelMeter left it: schema 6, no table of set-aside measurements.
        QCOMPARE(QProcess::execute("sqlite3", {path, "DROP TABLE superseded_measurements; PRAGMA user_version=6;"}), 0);
        auto opened = MeasurementStore::open(path.toStdString());
        QVERIFY2(opened.ok(), opened.ok() ? "" : opened.error().message.c_str());
        MeasurementStore& store = *opened.value();
        QVERIFY(!store.latest("a", "xnnpack-t2").value());
        QVERIFY(!store.latest("b", "board").value());
        QVERIFY(store.latest("c", "xnnpack-t2").value());
        QVERIFY(store.latest("d", "xnnpack-t1").value());
        QVERIFY(store.latest("e", "opencv-t2").value());
        QCOMPARE(store.count().value(), int64_t{3});
        QProcess sql;
        sql.start("sqlite3",
                  {path, "SELECT group_concat(model_hash, '') FROM (SELECT model_hash FROM superseded_measurements ORDER BY model_hash);"});
        QVERIFY(sql.waitForFinished());
        QCOMPARE(QString::fromUtf8(sql.readAllStandardOutput()).trimmed(), QString("ab"));
    }

    // Schema 8 sets aside the multi-thread XNNPACK measurements of agents again: older agents ran
    // channel copies on one thread, and a model that is one copy has one step, as one without has.
    void xnnpackMeasurementsOfAgentsBeforeSchema8AreSetAside() {
        QTemporaryDir dir;
        const QString path = dir.path() + "/v7.db";
        {
            auto opened = MeasurementStore::open(path.toStdString());
            QVERIFY(opened.ok());
            MeasurementStore& store = *opened.value();
            for (const char* id : {"xnnpack-t2", "xnnpack-t1"}) QVERIFY(store.upsertDevice(*findBuiltinDevice(id)).ok());
            const char* oneStep = R"j([{"node": "conv .. fc (40 nodes)", "ms": 1.0}])j";
            const char* threeSteps =
                R"j([{"node": "a .. b (9 nodes)", "ms": 1.0}, {"node": "concat", "ms": 0.1}, {"node": "fc", "ms": 0.2}])j";
            QVERIFY(addAgentMeasurement(store, "a", "xnnpack-t2", kAgentProtocolJson, threeSteps));  // set aside
            QVERIFY(addAgentMeasurement(store, "b", "xnnpack-t2", kAgentProtocolJson, oneStep));     // set aside
            QVERIFY(addAgentMeasurement(store, "d", "xnnpack-t1", kAgentProtocolJson, threeSteps));  // kept: one thread
            QVERIFY(store.upsertDevice(*findBuiltinDevice("opencv-t1")).ok());
            QVERIFY(addAgentMeasurement(store, "e", "opencv-t1", kAgentProtocolJson));  // kept
        }
        // e stored after schema 7 under the id of a row schema 7 had set aside (SQLite reuses the
        // largest ids): schema 8 must not delete it.
        QCOMPARE(QProcess::execute("sqlite3", {path,
                                               "INSERT INTO superseded_measurements SELECT *, 'XNNPACK thread pool per model' "
                                               "FROM measurements WHERE model_hash = 'e'; PRAGMA user_version=7;"}),
                 0);
        auto opened = MeasurementStore::open(path.toStdString());
        QVERIFY2(opened.ok(), opened.ok() ? "" : opened.error().message.c_str());
        MeasurementStore& store = *opened.value();
        QCOMPARE(store.schemaVersion(), MeasurementStore::kSchemaVersion);
        QVERIFY(!store.latest("a", "xnnpack-t2").value());
        QVERIFY(!store.latest("b", "xnnpack-t2").value());
        QVERIFY(store.latest("d", "xnnpack-t1").value());
        QVERIFY(store.latest("e", "opencv-t1").value());
        QProcess sql;
        sql.start("sqlite3", {path, "SELECT group_concat(model_hash || ':' || superseded_because, ' ') FROM superseded_measurements;"});
        QVERIFY(sql.waitForFinished());
        QCOMPARE(QString::fromUtf8(sql.readAllStandardOutput()).trimmed(),
                 QString("e:XNNPACK thread pool per model a:XNNPACK channel copies on one thread b:XNNPACK channel copies on one thread"));
    }

    // Schema 9 sets aside what XNNPACK at several threads measured with the reference workload
    // before only the rounds in phase were kept (docs/measurement.md point 13): their ratios broke in
    // slow phases. Those that record in_phase, kernels timed without the reference, one thread and
    // OpenCV stay.
    void xnnpackMeasurementsBeforeRoundsInPhaseAreSetAside() {
        QTemporaryDir dir;
        const QString path = dir.path() + "/v8.db";
        {
            auto opened = MeasurementStore::open(path.toStdString());
            QVERIFY(opened.ok());
            MeasurementStore& store = *opened.value();
            for (const char* id : {"xnnpack-t2", "xnnpack-t1", "opencv-t2"}) QVERIFY(store.upsertDevice(*findBuiltinDevice(id)).ok());
            const char* inPhase =
                R"({"allocation":"aligned-64","in_phase":{"reference_at_most_ms":0.16,"rounds_left_out":4},"warmup_runs":10})";
            QVERIFY(addAgentMeasurement(store, "a", "xnnpack-t2", kAgentProtocolJson));  // set aside
            QVERIFY(addAgentMeasurement(store, "b", "xnnpack-t2", inPhase));             // kept: its rounds in phase
            QVERIFY(addAgentMeasurement(store, "c", "xnnpack-t2", kAgentProtocolJson));  // kept: no reference (a kernel)
            QVERIFY(addAgentMeasurement(store, "d", "xnnpack-t1", kAgentProtocolJson));  // kept: one thread
            QVERIFY(addAgentMeasurement(store, "e", "opencv-t2", kAgentProtocolJson));   // kept: OpenCV's ratios hold
        }
        QCOMPARE(QProcess::execute("sqlite3", {path,
                                               "UPDATE measurements SET reference_id = 'reference' WHERE model_hash <> 'c'; "
                                               "PRAGMA user_version=8;"}),
                 0);
        auto opened = MeasurementStore::open(path.toStdString());
        QVERIFY2(opened.ok(), opened.ok() ? "" : opened.error().message.c_str());
        MeasurementStore& store = *opened.value();
        QCOMPARE(store.schemaVersion(), 9);
        QVERIFY(!store.latest("a", "xnnpack-t2").value());
        QVERIFY(store.latest("b", "xnnpack-t2").value());
        QVERIFY(store.latest("c", "xnnpack-t2").value());
        QVERIFY(store.latest("d", "xnnpack-t1").value());
        QVERIFY(store.latest("e", "opencv-t2").value());
        QProcess sql;
        sql.start("sqlite3", {path, "SELECT group_concat(model_hash || ':' || superseded_because, ' ') FROM superseded_measurements;"});
        QVERIFY(sql.waitForFinished());
        QCOMPARE(QString::fromUtf8(sql.readAllStandardOutput()).trimmed(), QString("a:XNNPACK at several threads, every round kept"));
    }

    // A device's measurements include those adapt stored under ID@tN (its kernels timed at another
    // thread count), not those of a device whose id only starts the same.
    void measurementCountIncludesThreadVariants() {
        QTemporaryDir dir;
        auto opened = MeasurementStore::open((dir.path() + "/km.db").toStdString());
        QVERIFY(opened.ok());
        MeasurementStore& store = *opened.value();
        for (const char* id : {"mine", "mine@t1", "mine@t1", "mine2", "mine-b"}) {
            StoredMeasurement m;
            m.modelHash = "h";
            m.deviceId = id;
            QVERIFY(store.add(m).ok());
        }
        QCOMPARE(store.measurementCount("mine").value(), int64_t{3});
        QCOMPARE(store.measurementCount("mine2").value(), int64_t{1});
        QCOMPARE(store.measurementCount("other").value(), int64_t{0});
    }

    // Importing a file again stores nothing new; a latency that changed is stored as the newest.
    void importedLatenciesAreStoredOnceUntilTheyChange() {
        QTemporaryDir dir;
        auto opened = MeasurementStore::open((dir.path() + "/i.db").toStdString());
        QVERIFY(opened.ok());
        MeasurementStore& store = *opened.value();
        for (double ms : {12.5, 12.5, 13.0, 13.0})
            QVERIFY(store.addImportedLatency("h", "cell.onnx", "lab-phone", ms, "table lab.csv", R"({"line": 2})").ok());
        QCOMPARE(store.measurementCount("lab-phone").value(), int64_t{2});
        const std::optional<StoredMeasurement> newest = store.latest("h", "lab-phone").value();
        QVERIFY(newest);
        QCOMPARE(newest->stats.medianMs, 13.0);
        QCOMPARE(newest->stats.p10Ms, 13.0);
        QCOMPARE(newest->modelPath, std::string("cell.onnx"));
        QCOMPARE(newest->machine.cpuModel, std::string("table lab.csv"));
        QCOMPARE(newest->protocolJson, std::string(R"({"line": 2})"));
    }

    void predictorsAreStoredAsJsonNewestFirst() {
        QTemporaryDir dir;
        auto opened = MeasurementStore::open((dir.path() + "/p.db").toStdString());
        QVERIFY(opened.ok());
        MeasurementStore& store = *opened.value();
        QVERIFY(!store.latestPredictor("opencv-t1").value());
        QVERIFY(store.addPredictor("opencv-t1", "2026-11-22T10:00:00Z", R"({"v": 1})").ok());
        QVERIFY(store.addPredictor("opencv-t1", "2026-11-22T11:00:00Z", R"({"v": 2})").ok());
        QVERIFY(store.addPredictor("xnnpack-t1", "2026-11-22T11:00:00Z", R"({"v": 3})").ok());
        QCOMPARE(*store.latestPredictor("opencv-t1").value(), std::string(R"({"v": 2})"));
        QCOMPARE(store.devicesWithPredictors().value(), (std::vector<std::string>{"opencv-t1", "xnnpack-t1"}));
        // A large predictor is stored deflated and comes back byte for byte; a damaged one is reported.
        std::string big = R"({"trees": [)";
        for (int i = 0; i < 20000; ++i) big += std::to_string(i % 97) + (i + 1 < 20000 ? "," : "]}");
        QVERIFY(store.addPredictor("opencv-t1", "2026-11-22T12:00:00Z", big).ok());
        QCOMPARE(*store.latestPredictor("opencv-t1").value(), big);
        const QString path = dir.path() + "/p.db";
        QProcess sql;
        sql.start("sqlite3", {path, "SELECT length(json), json_bytes, length(json_zlib) * 2 < json_bytes FROM predictors WHERE id=4;"});
        QVERIFY(sql.waitForFinished());
        QCOMPARE(sql.readAllStandardOutput().trimmed(), QByteArray("0|" + QByteArray::number(qsizetype(big.size())) + "|1"));
        QCOMPARE(QProcess::execute("sqlite3", {path, "UPDATE predictors SET json_bytes=json_bytes+1 WHERE id=4;"}), 0);
        auto damaged = store.latestPredictor("opencv-t1");
        QVERIFY(!damaged.ok());
        QVERIFY2(QString::fromStdString(damaged.error().message).contains("p.db: the stored predictor of opencv-t1 is damaged"),
                 damaged.error().message.c_str());
    }

    // Shipped data is read in place: nothing is migrated or written, even in a read-only folder.
    void shippedDatabaseIsReadWithoutChangingIt() {
        QTemporaryDir dir;
        const QString path = dir.filePath("ship.db");
        {
            auto store = MeasurementStore::open(path.toStdString());
            QVERIFY(store.ok());
            QVERIFY(store.value()->addPredictor("opencv-t1", "2026-11-23T10:00:00Z", "{\"p\": 1}").ok());
        }
        QVERIFY(QFile::remove(path + "-wal") || !QFile::exists(path + "-wal"));
        QFile::remove(path + "-shm");
        const QByteArray before = [&] {
            QFile f(path);
            f.open(QIODevice::ReadOnly);
            return f.readAll();
        }();
        QVERIFY(QFile::setPermissions(dir.path(), QFileDevice::ReadOwner | QFileDevice::ExeOwner));
        auto shipped = MeasurementStore::openReadOnly(path.toStdString());
        QVERIFY2(shipped.ok(), shipped.ok() ? "" : shipped.error().message.c_str());
        QCOMPARE(*shipped.value()->latestPredictor("opencv-t1").value(), std::string("{\"p\": 1}"));
        shipped.value().reset();
        QVERIFY(QFile::setPermissions(dir.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner));
        const QByteArray after = [&] {
            QFile f(path);
            f.open(QIODevice::ReadOnly);
            return f.readAll();
        }();
        QCOMPARE(after, before);
        QVERIFY(!QFile::exists(path + "-wal"));
        QVERIFY(!MeasurementStore::openReadOnly(dir.filePath("missing.db").toStdString()).ok());
    }

    void datasetModelsKeepTheirOrderAndRefuseAConflict() {
        QTemporaryDir dir;
        auto store = MeasurementStore::open(dir.filePath("d.db").toStdString()).value();
        DatasetModel a{"zoo", "resnet-1", "resnet", 1, 224, "basic", "h1", "/m/resnet-1.onnx", "zoo/1 96..320", ""};
        DatasetModel b{"zoo", "vgg-1", "vgg", 1, 128, "x0.5", "h2", "/m/vgg-1.onnx", "zoo/1 96..320", ""};
        DatasetModel other{"other", "vgg-1", "vgg", 1, 128, "x0.5", "h9", "/n/vgg-1.onnx", "zoo/1 96..320", ""};
        QVERIFY(store->addDatasetModel(a).ok() && store->addDatasetModel(b).ok() && store->addDatasetModel(other).ok());
        QVERIFY(!a.addedAtUtc.empty());
        QVERIFY(store->addDatasetModel(a).ok());  // the same model again: nothing changes
        DatasetModel changed = b;
        changed.modelHash = "h3";
        Status clash = store->addDatasetModel(changed);
        QVERIFY(!clash.ok());
        QVERIFY2(clash.error().message.find("vgg-1") != std::string::npos, clash.error().message.c_str());
        const auto models = store->datasetModels("zoo").value();
        QCOMPARE(models.size(), size_t(2));
        QCOMPARE(models[0].name, std::string("resnet-1"));
        QCOMPARE(models[1].modelHash, std::string("h2"));
        QCOMPARE(models[1].resolution, int64_t(128));
        QCOMPARE(store->datasets().value(), (std::vector<std::string>{"other", "zoo"}));
    }

    void freshDatabaseOpenedByManyAtOnce() {
        // The GUI's jobs and a dialog may open a new user's database at the same moment: each
        // connection that read version 0 must not run a migration another one has just made.
        QTemporaryDir dir;
        for (int round = 0; round < 30; ++round) {
            const std::string path = (dir.path() + QString("/fresh-%1.db").arg(round)).toStdString();
            std::atomic<int> ready{0};
            std::vector<std::string> errors(4);
            std::vector<std::thread> threads;
            for (size_t t = 0; t < errors.size(); ++t)
                threads.emplace_back([&, t] {
                    ++ready;
                    while (ready.load() < int(errors.size())) std::this_thread::yield();
                    auto opened = MeasurementStore::open(path);
                    if (!opened.ok()) errors[t] = opened.error().message;
                });
            for (std::thread& t : threads) t.join();
            for (const std::string& e : errors) QVERIFY2(e.empty(), e.c_str());
            auto again = MeasurementStore::open(path);
            QVERIFY(again.ok());
            QCOMPARE(again.value()->schemaVersion(), MeasurementStore::kSchemaVersion);
        }
    }

    void newerSchemaIsRefusedAndGarbageReported() {
        QTemporaryDir dir;
        const QString path = dir.path() + "/future.db";
        QCOMPARE(QProcess::execute("sqlite3", {path, "PRAGMA user_version=99;"}), 0);
        auto opened = MeasurementStore::open(path.toStdString());
        QVERIFY(!opened.ok());
        QVERIFY(QString::fromStdString(opened.error().message).contains("schema version 99, newer than this KernelMeter"));
        QFile junk(dir.path() + "/junk.db");
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write(QByteArray(8192, 'x'));
        junk.close();
        auto bad = MeasurementStore::open(junk.fileName().toStdString());
        QVERIFY(!bad.ok());
        QVERIFY(QString::fromStdString(bad.error().message).startsWith(junk.fileName()));
    }
};

QTEST_GUILESS_MAIN(TestStore)
#include "test_store.moc"

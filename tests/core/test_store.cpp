// SHA-256 against the FIPS 180-4 examples, and the SQLite store: schema creation, round trip,
// persistence across reopen, and refusal of a database from a newer KernelMeter.
#include <QtTest>

#include <QProcess>
#include <QTemporaryDir>

#include "common/sha256.h"
#include "store/measurement_store.h"

using namespace km;

class TestStore : public QObject {
    Q_OBJECT
private slots:
    void sha256KnownAnswers() {
        QCOMPARE(sha256Hex(""), std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        QCOMPARE(sha256Hex("abc"), std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        QCOMPARE(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                 std::string("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
        QCOMPARE(sha256Hex(std::string(1000000, 'a')),
                 std::string("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
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

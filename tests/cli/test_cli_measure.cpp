// SPDX-License-Identifier: Apache-2.0
// kernelmeter-cli devices / measure end to end: JSON output with per-layer times and fusion
// groups, exit codes on bad input, and a campaign killed with SIGKILL that resumes where it
// stopped (results saved as taken, finished models not measured again, nothing stored twice).
#include <QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <set>

#include "store/measurement_store.h"
#include "test_support.h"

namespace {

QStringList quickProtocol() {
    return {"--rounds",    "3", "--instances",           "1", "--runs-per-round", "1", "--warmup-runs", "1",
            "--warmup-ms", "0", "--max-extra-instances", "0", "--quiet"};
}

// The CLI run in the fixtures folder.
km::test::ProgramRun cli(const QStringList& args) {
    km::test::RunOptions o;
    o.workDir = km::test::fixture("");
    return km::test::runCli(args, o);
}

}  // namespace

class TestCliMeasure : public QObject {
    Q_OBJECT
private slots:
    void devicesList() {
        km::test::ProgramRun r = cli({"devices", "--json"});
        QCOMPARE(r.exitCode, 0);
        const QJsonArray devices = QJsonDocument::fromJson(r.out).object().value("devices").toArray();
        QStringList ids;
        for (const auto& d : devices) ids << d.toObject().value("id").toString();
        QVERIFY(ids.contains("opencv-t1") && ids.contains("opencv-t2"));
        QVERIFY(ids.contains("xnnpack-t1") && ids.contains("xnnpack-t2"));
        for (const auto& d : devices)  // versions come from the local agent's hello
            QVERIFY(!d.toObject().value("runtime_version").toString().isEmpty());
        QVERIFY(!QJsonDocument::fromJson(r.out).object().value("machine").toObject().value("cpu_model").toString().isEmpty());
    }

    void measureJsonHasStatsLayersAndFusionGroups() {
        QTemporaryDir dir;
        km::test::ProgramRun r = cli(QStringList{"measure", "--device", "opencv-t1", "--json", "--db", dir.path() + "/m.db",
                                                 "small/conv_block.onnx", "real/mobilenet_v3_small.onnx"} +
                                     quickProtocol());
        // Nothing on stderr but, on a machine whose speed moved or that was busy, the warnings that
        // say so (a busy 2-core machine once spread the small model's rounds from 0.06 to 3.3 ms).
        for (const QByteArray& line : r.err.split('\n'))
            QVERIFY2(line.isEmpty() || line.startsWith("kernelmeter-cli: warning: the machine's speed moved") ||
                         (line.startsWith("kernelmeter-cli: warning: ") && line.contains("its median is not a stable time")),
                     line.constData());
        QCOMPARE(r.exitCode, 0);
        const QJsonArray models = QJsonDocument::fromJson(r.out).object().value("models").toArray();
        QCOMPARE(models.size(), 2);
        for (const auto& m : models) {
            const QJsonObject o = m.toObject();
            QVERIFY(o.value("ok").toBool());
            QCOMPARE(o.value("sha256").toString().size(), 64);
            const QJsonObject s = o.value("stats").toObject();
            QVERIFY(s.value("median_ms").toDouble() > 0);
            QVERIFY(s.value("p10_ms").toDouble() <= s.value("p90_ms").toDouble());
            QCOMPARE(s.value("runs").toInt(), 3);
            QVERIFY(!o.value("layers").toArray().isEmpty());
            QVERIFY(!o.value("fusion_groups").toArray().isEmpty());
            QCOMPARE(o.value("runtime_version").toString(), QString("4.6.0"));
            // How the agent placed buffers ("+huge-pages" where glibc and the kernel can).
            QVERIFY(o.value("machine").toObject().value("allocation").toString().startsWith("aligned-64"));
            // The reference workload ran beside it: a ratio, and normalized_ms = ratio x baseline.
            const QJsonObject ref = o.value("reference").toObject();
            QCOMPARE(ref.value("id").toString(), QString("ref-convnet-v1"));
            QVERIFY(ref.value("ratio").toDouble() > 0 && ref.value("reference_ms").toDouble() > 0);
            QCOMPARE(o.value("normalized_ms").toDouble(), ref.value("ratio").toDouble() * ref.value("baseline_ms").toDouble());
        }
        // Both models share one baseline: the one stored for this device and machine.
        QCOMPARE(models[0].toObject().value("reference").toObject().value("baseline_ms"),
                 models[1].toObject().value("reference").toObject().value("baseline_ms"));
    }

    // XNNPACK at 2 threads keeps the rounds in which the machine ran at its fast level
    // (docs/measurement.md point 13) and says which; OpenCV DNN at 2 threads, whose ratios hold
    // through slow phases, and 1-thread devices keep every round.
    void roundsInPhaseForXnnpackAtTwoThreads() {
        QTemporaryDir dir;
        const QStringList protocol{"--rounds",    "30", "--instances",           "1", "--runs-per-round", "1",     "--warmup-runs", "1",
                                   "--warmup-ms", "0",  "--max-extra-instances", "0", "--quiet",          "--json"};
        for (const QString device : {"xnnpack-t2", "opencv-t2", "xnnpack-t1"}) {
            km::test::ProgramRun r =
                cli(QStringList{"measure", "--device", device, "--db", dir.path() + "/m.db", "small/conv_64.onnx"} + protocol);
            QCOMPARE(r.exitCode, 0);
            const QJsonObject m = QJsonDocument::fromJson(r.out).object().value("models").toArray()[0].toObject();
            const bool tooFew = r.err.contains("of its rounds met the machine at its fast level");
            if (device == "xnnpack-t2") {
                // Either rounds in phase, or (a machine busy throughout) too few of them, said.
                const QJsonObject in = m.value("in_phase").toObject();
                QVERIFY2(tooFew != (in.value("reference_at_most_ms").toDouble() > 0), r.out + r.err);
                if (!tooFew) QVERIFY(in.value("rounds_left_out").toInt() >= 0 && in.value("rounds_left_out").toInt() <= 30 - 8);
            } else {
                QVERIFY2(m.value("in_phase").isNull() && !tooFew, qPrintable(device + "\n" + r.out + r.err));
            }
        }
    }

    void badInputExitsWithTwo() {
        km::test::ProgramRun unknown = cli(QStringList{"measure", "--device", "nope", "--no-db", "small/conv_64.onnx"});
        QCOMPARE(unknown.exitCode, 2);
        QVERIFY(unknown.err.contains("--device 'nope': no such device"));
        km::test::ProgramRun bad =
            cli(QStringList{"measure", "--device", "opencv-t1", "--no-db", "bad/cycle.onnx", "small/conv_64.onnx"} + quickProtocol());
        QCOMPARE(bad.exitCode, 2);
        QVERIFY(bad.err.contains("bad/cycle.onnx: the graph has a cycle"));
        QVERIFY(bad.out.contains("small/conv_64.onnx"));  // the good model is still measured and shown
    }

    void killedCampaignResumes() {
        QTemporaryDir dir;
        const QString db = dir.path() + "/campaign.db";
        const QStringList models = {"small/conv_64.onnx", "small/conv_128.onnx", "small/conv_block.onnx", "small/mlp_opset7.onnx",
                                    "small/shape_subgraph.onnx"};
        // About one second per model (warm-up), one model per batch: results land one by one.
        const QStringList args = QStringList{"measure", "--device",     "opencv-t1", "--db",
                                             db,        "--batch-size", "1",         "--rounds",
                                             "3",       "--instances",  "1",         "--runs-per-round",
                                             "1",       "--warmup-ms",  "1000",      "--max-extra-instances",
                                             "0",       "--quiet"} +
                                 models;
        QProcess first;
        first.setWorkingDirectory(QStringLiteral(KM_FIXTURES_DIR));
        first.start(QStringLiteral(KM_CLI_PATH), args);
        QVERIFY(first.waitForStarted());
        int64_t stored = 0;
        QElapsedTimer t;
        t.start();
        while (stored < 1 && t.elapsed() < 120000) {
            QTest::qWait(50);
            if (auto s = km::MeasurementStore::open(db.toStdString()); s.ok()) stored = s.value()->count().value();
        }
        QCOMPARE(first.state(), QProcess::Running);  // killed mid-campaign, not after it
        first.kill();                                // SIGKILL
        first.waitForFinished();
        auto afterKill = km::MeasurementStore::open(db.toStdString());
        QVERIFY(afterKill.ok());
        const int64_t kept = afterKill.value()->count().value();
        QVERIFY(kept >= 1 && kept < models.size());

        km::test::ProgramRun second = cli(args);
        QCOMPARE(second.exitCode, 0);
        QCOMPARE(int(second.out.count("database")), int(kept));  // reused, not measured again
        QCOMPARE(int(second.out.count("measured")), int(models.size() - kept));
        auto final = km::MeasurementStore::open(db.toStdString());
        auto rows = final.value()->forDevice("opencv-t1").value();
        QCOMPARE(int(rows.size()), int(models.size()));  // nothing lost, nothing stored twice
        std::set<std::string> hashes;
        for (const auto& r : rows) {
            hashes.insert(r.modelHash);
            // The agent's buffer placement is part of the stored protocol (docs/measurement.md).
            QVERIFY2(r.protocolJson.find("\"allocation\":\"aligned-64") != std::string::npos, r.protocolJson.c_str());
        }
        QCOMPARE(int(hashes.size()), int(models.size()));
    }

    // A stored time taken on another CPU (a VM moved under the database) is not this device's time:
    // measure takes it again and says why, whether it learns the machine from a model it measures
    // anyway or from the agent's hello; the new one is then reused. An imported time stands.
    void storedFromAnotherMachineIsMeasuredAgain() {
        QTemporaryDir dir;
        const QString db = dir.path() + "/moved.db";
        const QStringList args = QStringList{"measure", "small/conv_64.onnx", "--device", "opencv-t1", "--db", db} + quickProtocol();
        // Stores a copy of conv_64's newest measurement, changed by `edit`, as the newest.
        auto storeElsewhere = [&](const std::function<void(km::StoredMeasurement&)>& edit) {
            auto store = km::MeasurementStore::open(db.toStdString());
            QVERIFY(store.ok());
            std::optional<km::StoredMeasurement> newest;
            const std::vector<km::StoredMeasurement> rows = store.value()->forDevice("opencv-t1").value();
            for (const km::StoredMeasurement& m : rows)
                if (m.modelPath.find("conv_64") != std::string::npos) newest = m;
            QVERIFY(newest);
            edit(*newest);
            QVERIFY(store.value()->add(*newest).ok());
        };
        km::test::ProgramRun first = cli(args);
        QCOMPARE(first.exitCode, 0);
        QVERIFY2(first.out.contains("measured"), first.out.constData());

        // Another CPU, with a new model beside it whose fresh measurement tells the machine.
        storeElsewhere([](km::StoredMeasurement& m) { m.machine.cpuModel = "Another CPU (family 1, model 2, stepping 3)"; });
        const QStringList both = args + QStringList{"small/conv_128.onnx"};
        km::test::ProgramRun second = cli(both);
        QCOMPARE(second.exitCode, 0);
        QVERIFY2(second.out.count("measured") == 2 && !second.out.contains("database"), second.out.constData());
        QVERIFY2(second.err.contains("conv_64.onnx: measured again: the database's time was taken on Another CPU (family 1, model 2, "
                                     "stepping 3)"),
                 second.err.constData());
        km::test::ProgramRun third = cli(both);
        QCOMPARE(third.exitCode, 0);
        QVERIFY2(third.out.count("database") == 2 && third.err.isEmpty(), (third.out + third.err).constData());
        // A time from the database says how the agent that took it placed buffers, as a fresh one.
        km::test::ProgramRun stored = cli(both + QStringList{"--json"});
        QCOMPARE(stored.exitCode, 0);
        const QJsonArray storedModels = QJsonDocument::fromJson(stored.out).object().value("models").toArray();
        QCOMPARE(storedModels.size(), 2);
        for (const auto& m : storedModels) {
            QVERIFY(m.toObject().value("from_database").toBool());
            QVERIFY2(m.toObject().value("machine").toObject().value("allocation").toString().startsWith("aligned-64"),
                     stored.out.constData());
        }

        // Another runtime version, alone: the agent's hello tells what the device runs now.
        storeElsewhere([](km::StoredMeasurement& m) { m.runtimeVersion = "0.0.1"; });
        km::test::ProgramRun fourth = cli(args + QStringList{"--json"});
        QCOMPARE(fourth.exitCode, 0);
        const QJsonObject again = QJsonDocument::fromJson(fourth.out).object().value("models").toArray()[0].toObject();
        QVERIFY2(!again.value("from_database").toBool() && again.value("replaces_stored_from").toString().endsWith("opencv-dnn 0.0.1"),
                 fourth.out.constData());
        QVERIFY2(fourth.err.contains("opencv-dnn 0.0.1, and opencv-t1 now runs on"), fourth.err.constData());

        // An imported time records no machine: it stands.
        {
            auto store = km::MeasurementStore::open(db.toStdString());
            QVERIFY(store.ok());
            const km::StoredMeasurement newest = store.value()->forDevice("opencv-t1").value().back();  // conv_64's, just taken
            QVERIFY(newest.modelPath.find("conv_64") != std::string::npos);
            QVERIFY(store.value()->addImportedLatency(newest.modelHash, newest.modelPath, "opencv-t1", 123.0, "table.csv", "{}").ok());
        }
        km::test::ProgramRun imported = cli(args);
        QCOMPARE(imported.exitCode, 0);
        QVERIFY2(imported.out.contains("123.000") && imported.out.contains("database"), imported.out.constData());
    }
};

QTEST_GUILESS_MAIN(TestCliMeasure)
#include "test_cli_measure.moc"

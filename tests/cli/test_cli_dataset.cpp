// SPDX-License-Identifier: Apache-2.0
// kernelmeter-cli zoo, dataset build / show and evaluate end to end on a tiny dataset: the models
// are written, measured and listed; evaluate regenerates files that are gone (a shipped dataset
// has none) in memory, writing nothing, and scores every model; bad names exit 2 with the reason. nn-Meter's dataset format
// imports (bad lines named and left out, a second import adds nothing) and evaluates. The shipped
// benchmark named with --db is read as shipped, never migrated.
#include <QtTest>

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include "store/measurement_store.h"
#include "test_support.h"

class TestCliDataset : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_home;

    // The CLI as a user with no data of their own (data and cache folders under m_home).
    int run(const QStringList& args, QByteArray* out = nullptr, QByteArray* err = nullptr) {
        const km::test::ProgramRun r = km::test::runCli(args, km::test::freshUser(m_home.path()));
        if (out) *out = r.out;
        if (err) *err = r.err;
        return r.exitCode;
    }

    // Where the scored measurements' buffer placements differ: the aligned agent's with and without
    // huge pages compare (listed apart, no warning); glibc's default placement does not. On a copy
    // of `db`, each model's newest row re-stored with another placement.
    void placementsThatCompare(const QString& db) {
        const QString copy = m_home.filePath("placements.db");
        QFile::remove(copy);
        QVERIFY(QFile::copy(db, copy));
        auto restore = [&](int row, const QString& allocation) {
            auto store = km::MeasurementStore::open(copy.toStdString());
            QVERIFY(store);
            auto rows = store.value()->forDevice("opencv-t1");
            QVERIFY(rows && rows.value().size() > size_t(row));
            km::StoredMeasurement m = rows.value()[row];
            QJsonObject protocol = QJsonDocument::fromJson(QByteArray::fromStdString(m.protocolJson)).object();
            if (allocation.isEmpty())
                protocol.remove("allocation");
            else
                protocol.insert("allocation", allocation);
            m.protocolJson = QJsonDocument(protocol).toJson(QJsonDocument::Compact).toStdString();
            QVERIFY(store.value()->add(m).ok());
        };
        auto placements = [&](QByteArray* err) {
            QByteArray out;
            if (run({"evaluate", "--device", "opencv-t1", "--dataset", "zoo", "--db", copy, "--json"}, &out, err) != 0)
                return QStringList{};
            QStringList listed;
            for (const auto& on : QJsonDocument::fromJson(out).object().value("measured_on").toArray())
                listed << on.toObject().value("allocation").toString();
            listed.sort();
            return listed;
        };
        QByteArray err;
        restore(0, "aligned-64");
        restore(1, "aligned-64+huge-pages");
        QCOMPARE(placements(&err), (QStringList{"aligned-64", "aligned-64+huge-pages"}));
        QVERIFY2(!err.contains("machines or agent versions"), err.constData());
        restore(2, "");
        QCOMPARE(placements(&err).size(), 3);
        QVERIFY2(err.contains("come from 2 machines or agent versions"), err.constData());
    }

private slots:
    void zooWritesModels() {
        QByteArray out;
        QCOMPARE(run({"zoo", "--family", "resnet", "--count", "2", "--max-resolution", "160", "-o", m_home.filePath("zoo")}, &out), 0);
        QVERIFY(QFile::exists(m_home.filePath("zoo/resnet-1.onnx")) && QFile::exists(m_home.filePath("zoo/resnet-2.onnx")));
        QVERIFY2(out.contains("resnet-2"), out.constData());
        QByteArray err;
        QCOMPARE(run({"zoo", "--family", "lenet"}, nullptr, &err), 2);
        QVERIFY2(err.contains("'lenet'"), err.constData());
    }

    void shippedDatabaseReadAsShipped() {
        // `--db` naming the shipped benchmark dataset (an older schema than this version's) reads it
        // without migrating it or switching its journal: the file stays byte for byte as shipped
        // (and an installed, read-only one can be read at all). A copy stands for the shipped
        // folder ($KM_DATA_DIR), so that a failure leaves the source tree's file alone.
        QVERIFY(QDir(m_home.filePath("shipped")).mkpath("."));
        const QString shipped = m_home.filePath("shipped/benchmark.db");
        QVERIFY(QFile::copy(km::test::sourcePath("datasets/benchmark.db"), shipped));
        auto digest = [&] {
            QFile f(shipped);
            return f.open(QIODevice::ReadOnly) ? QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256) : QByteArray();
        };
        const QByteArray before = digest();
        QVERIFY(!before.isEmpty());
        km::test::RunOptions options = km::test::freshUser(m_home.path());
        options.unsetEnv.removeAll("KM_DATA_DIR");
        options.setEnv["KM_DATA_DIR"] = m_home.filePath("shipped");
        const km::test::ProgramRun r = km::test::runCli({"dataset", "show", "--db", shipped, "--json"}, options);
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(QJsonDocument::fromJson(r.out).object().value("models").toArray().size(), 750);
        QCOMPARE(digest(), before);
        QVERIFY(!QFile::exists(shipped + "-wal"));
        // Nor does predicting with it, which looks the device up in that database and reads the
        // device's usual speed there (as evaluate --db does).
        const km::test::ProgramRun p = km::test::runCli(
            {"predict", km::test::sourcePath("resources/examples/mobilenet_v3_small.onnx"), "--device", "opencv-t1", "--db", shipped},
            options);
        QVERIFY2(p.exitCode == 0, p.err.constData());
        QCOMPARE(digest(), before);
        QVERIFY(!QFile::exists(shipped + "-wal"));
    }

    void buildShowEvaluate() {
        const QString db = m_home.filePath("bench.db"), models = m_home.filePath("models");
        QByteArray out, err;
        QCOMPARE(run({"dataset",      "build", "--device",         "opencv-t1", "--family", "mobilenetv2", "--family",    "squeezenet",
                      "--per-family", "2",     "--max-resolution", "96",        "--rounds", "2",           "--instances", "1",
                      "--db",         db,      "--models-dir",     models,      "--quiet"},
                     &out, &err),
                 0);
        QVERIFY2(out.contains("4 models") && out.contains("4 measured now"), out.constData());
        QCOMPARE(run({"dataset", "show", "--db", db, "--json"}, &out), 0);
        const QJsonObject shown = QJsonDocument::fromJson(out).object();
        const QJsonArray rows = shown.value("models").toArray();
        QCOMPARE(rows.size(), 4);
        for (const auto& r : rows)
            QVERIFY(r.toObject().value("latency").toObject().value("opencv-t1").toObject().value("median_ms").toDouble() > 0);

        // The measured files themselves, named by their folder (what `evaluate --models DIR` is for),
        // and a folder without models named in the error.
        QCOMPARE(run({"evaluate", "--device", "opencv-t1", "--models", models + "/zoo", "--db", db, "--json"}, &out, &err), 0);
        QCOMPARE(QJsonDocument::fromJson(out).object().value("models").toArray().size(), 4);
        QVERIFY(QDir(m_home.filePath("empty")).mkpath("."));
        QCOMPARE(run({"evaluate", "--device", "opencv-t1", "--models", m_home.filePath("empty"), "--db", db}, nullptr, &err), 2);
        QVERIFY2(err.contains("empty") && err.contains("without .onnx"), err.constData());
        QVERIFY(QDir(models).removeRecursively());  // evaluate generates them again
        QCOMPARE(run({"evaluate", "--device", "opencv-t1", "--dataset", "zoo", "--db", db, "--json"}, &out, &err), 0);
        const QJsonObject e = QJsonDocument::fromJson(out).object();
        QCOMPARE(e.value("models").toArray().size(), 4);
        const QJsonObject lofo = e.value("leave_one_family_out").toObject();
        QCOMPARE(lofo.value("kernelmeter").toObject().value("overall").toObject().value("models").toInt(), 4);
        QVERIFY(lofo.contains("flops+memory") && lofo.contains("op-sum"));
        QVERIFY(!QDir(m_home.filePath("cache/kernelmeter/datasets")).exists());  // generated in memory: nothing written
        // Where the scored measurements come from: one machine and today's agent, all four models.
        const QJsonArray on = e.value("measured_on").toArray();
        QCOMPARE(on.size(), 1);
        QCOMPARE(on.at(0).toObject().value("models").toInt(), 4);
        QVERIFY(on.at(0).toObject().value("allocation").toString().startsWith("aligned-64"));  // "+huge-pages" where glibc can
        QVERIFY(!on.at(0).toObject().value("cpu_model").toString().isEmpty());
        QVERIFY(!err.contains("machines or agent versions"));
        placementsThatCompare(db);

        // At the reference speed: every model was measured beside the reference workload, so all
        // four are scored, in the unit the output names.
        QCOMPARE(run({"evaluate", "--device", "opencv-t1", "--dataset", "zoo", "--db", db, "--at-reference-speed", "--json"}, &out, &err),
                 0);
        const QJsonObject atRef = QJsonDocument::fromJson(out).object();
        QVERIFY(atRef.value("reference_unit_ms").toDouble() > 0);
        QCOMPARE(atRef.value("leave_one_family_out")
                     .toObject()
                     .value("kernelmeter")
                     .toObject()
                     .value("overall")
                     .toObject()
                     .value("models")
                     .toInt(),
                 4);
        QCOMPARE(run({"evaluate", "--device", "opencv-t1", "--dataset", "nosuch", "--db", db}, nullptr, &err), 2);
        QVERIFY2(err.contains("nosuch"), err.constData());
    }

    void importNnMeterDataset() {
        QFile ir(KM_SOURCE_DIR "/tests/data/nnmeter-ir/mobilenetv3small_0.json");
        QVERIFY(ir.open(QIODevice::ReadOnly));
        const QByteArray graph = QJsonDocument::fromJson(ir.readAll()).toJson(QJsonDocument::Compact);
        const QString jsonl = m_home.filePath("mobilenetv3s.jsonl");
        {
            QFile f(jsonl);
            QVERIFY(f.open(QIODevice::WriteOnly));
            for (int k = 0; k < 4; ++k) {  // four distinct graphs: the input renamed
                QByteArray g = graph;
                g.replace("input_im_0", QByteArray("input_im_") + QByteArray::number(k));
                f.write("{\"id\": \"mobilenetv3small_" + QByteArray::number(k) + "\", \"cortexA76cpu_tflite21\": " +
                        QByteArray::number(10 + k) + ", \"adreno640gpu_tflite21\": 4.5, \"graph\": " + g + "}\n");
            }
            f.write("not json\n{\"id\": \"x_1\", \"cortexA76cpu_tflite21\": 3}\n");
        }
        const QString db = m_home.filePath("nnm.db"), dir = m_home.filePath("nnm");
        const QStringList import{"dataset", "import-nnmeter", jsonl, "--map", "cortexA76cpu_tflite21=opencv-t1", "--db",
                                 db,        "--models-dir",   dir};
        QByteArray out, err;
        for (int pass = 0; pass < 2; ++pass) {     // the second import finds everything there
            QCOMPARE(run(import, &out, &err), 2);  // lines left out: exit 2, the others stored
            QVERIFY2(out.contains("dataset nn-meter: 4 models") && out.contains("opencv-t1: 4 latencies"), out.constData());
            QVERIFY2(!out.contains("adreno"), out.constData());  // not mapped: left out
            QVERIFY2(err.contains("mobilenetv3s.jsonl:5: not a JSON object") &&
                         err.contains("mobilenetv3s.jsonl:6: model x_1: no \"graph\"") &&
                         err.endsWith("lines left out of the files: 2 (named above); the rest was imported.\n"),
                     err.constData());
        }
        QCOMPARE(run({"dataset", "show", "--name", "nn-meter", "--db", db, "--json"}, &out), 0);
        const QJsonArray rows = QJsonDocument::fromJson(out).object().value("models").toArray();
        QCOMPARE(rows.size(), 4);
        QCOMPARE(rows[2].toObject().value("family").toString(), QString("mobilenetv3small"));
        QCOMPARE(rows[2].toObject().value("latency").toObject().value("opencv-t1").toObject().value("median_ms").toDouble(), 12.0);
        QCOMPARE(run({"evaluate", "--device", "opencv-t1", "--dataset", "nn-meter", "--db", db, "--json"}, &out, &err), 0);
        const QJsonObject e = QJsonDocument::fromJson(out).object();
        QCOMPARE(e.value("models").toArray().size(), 4);
        for (const auto& m : e.value("models").toArray())
            QVERIFY(m.toObject().value("predicted_ms").toObject().value("kernelmeter").toDouble() > 0);
        // Fixed inputs (the shipped predictor, imported latencies): a golden evaluation.
        KM_COMPARE_GOLDEN(km::test::canonicalJson(out, {{km::test::sourcePath(""), "<source>/"}, {m_home.path(), "<home>"}}),
                          "cli/golden/evaluate_nnmeter_opencv-t1.json");

        // Unmapped, the latencies keep nn-Meter's device names; such a device needs its rules.
        const QString db2 = m_home.filePath("nnm2.db");
        QCOMPARE(run({"dataset", "import-nnmeter", jsonl, "--db", db2, "--models-dir", dir}, &out, &err), 2);
        QVERIFY2(out.contains("adreno640gpu_tflite21: 4 latencies") && out.contains("cortexA76cpu_tflite21: 4 latencies"), out.constData());
        QCOMPARE(run({"evaluate", "--device", "adreno640gpu_tflite21", "--dataset", "nn-meter", "--db", db2}, nullptr, &err), 2);
        QVERIFY2(err.contains("no fusion rules for device adreno640gpu_tflite21"), err.constData());
        QCOMPARE(run({"dataset", "import-nnmeter", jsonl, "--map", "cortexA76cpu_tflite21", "--db", db2}, nullptr, &err), 2);
        QVERIFY2(err.contains("NNMETER_DEVICE=DEVICE_ID"), err.constData());
    }
};

QTEST_GUILESS_MAIN(TestCliDataset)
#include "test_cli_dataset.moc"

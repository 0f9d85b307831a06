// kernelmeter-cli zoo, dataset build / show and evaluate end to end on a tiny dataset: the models
// are written, measured and listed; evaluate regenerates files that are gone (a shipped dataset
// has none) and scores every model; bad names exit 2 with the reason.
#include <QtTest>

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

class TestCliDataset : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_home;

    int run(const QStringList& args, QByteArray* out = nullptr, QByteArray* err = nullptr) {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("XDG_DATA_HOME", m_home.filePath("data"));
        env.insert("XDG_CACHE_HOME", m_home.filePath("cache"));
        env.remove("KM_DATA_DIR");
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(KM_CLI_PATH), args);
        if (!p.waitForFinished(600000)) return -1;
        if (out) *out = p.readAllStandardOutput();
        if (err) *err = p.readAllStandardError();
        return p.exitCode();
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

    void buildShowEvaluate() {
        const QString db = m_home.filePath("bench.db"), models = m_home.filePath("models");
        QByteArray out, err;
        QCOMPARE(run({"dataset", "build", "--device", "opencv-t1", "--family", "mobilenetv2", "--family", "squeezenet",
                      "--per-family", "2", "--max-resolution", "96", "--rounds", "2", "--instances", "1", "--db", db,
                      "--models-dir", models, "--quiet"}, &out, &err), 0);
        QVERIFY2(out.contains("4 models") && out.contains("4 measured now"), out.constData());
        QCOMPARE(run({"dataset", "show", "--db", db, "--json"}, &out), 0);
        const QJsonObject shown = QJsonDocument::fromJson(out).object();
        const QJsonArray rows = shown.value("models").toArray();
        QCOMPARE(rows.size(), 4);
        for (const auto& r : rows)
            QVERIFY(r.toObject().value("latency").toObject().value("opencv-t1").toObject().value("median_ms").toDouble() > 0);

        QVERIFY(QDir(models).removeRecursively());  // evaluate generates them again
        QCOMPARE(run({"evaluate", "--device", "opencv-t1", "--dataset", "zoo", "--db", db, "--json"}, &out, &err), 0);
        const QJsonObject e = QJsonDocument::fromJson(out).object();
        QCOMPARE(e.value("models").toArray().size(), 4);
        const QJsonObject lofo = e.value("leave_one_family_out").toObject();
        QCOMPARE(lofo.value("kernelmeter").toObject().value("overall").toObject().value("models").toInt(), 4);
        QVERIFY(lofo.contains("flops+memory") && lofo.contains("op-sum"));
        QVERIFY(QFile::exists(m_home.filePath("cache/kernelmeter/datasets/zoo/squeezenet-2.onnx")));

        QCOMPARE(run({"evaluate", "--device", "opencv-t1", "--dataset", "nosuch", "--db", db}, nullptr, &err), 2);
        QVERIFY2(err.contains("nosuch"), err.constData());
    }
};

QTEST_GUILESS_MAIN(TestCliDataset)
#include "test_cli_dataset.moc"

// SPDX-License-Identifier: Apache-2.0
// kernelmeter-cli predict with no predictor of the user's: the shipped datasets/predictors.db is
// used, the JSON totals add up (overhead + kernels), every kernel has a source, and a device with
// nothing shipped exits 2 with a hint instead of printing a number.
#include <QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

class TestCliPredict : public QObject {
    Q_OBJECT
private slots:
    void predictUsesShippedPredictors_data() {
        QTest::addColumn<QString>("device");
        QTest::newRow("opencv-t1") << "opencv-t1";
        QTest::newRow("xnnpack-t1") << "xnnpack-t1";
    }

    void predictUsesShippedPredictors() {
        QFETCH(QString, device);
        QProcess p;
        prepare(p);
        p.start(QStringLiteral(KM_CLI_PATH), {"predict", "real/mobilenet_v3_small.onnx", "--device", device, "--json"});
        QVERIFY(p.waitForFinished(300000));
        QCOMPARE(p.exitCode(), 0);
        const QJsonObject doc = QJsonDocument::fromJson(p.readAllStandardOutput()).object();
        QVERIFY2(doc.value("predictor").toString().endsWith("datasets/predictors.db"), qPrintable(doc.value("predictor").toString()));
        QVERIFY(doc.value("kernel_scale").toDouble() > 0.5 && doc.value("kernel_scale").toDouble() < 2);
        const QJsonObject m = doc.value("models").toArray().at(0).toObject();
        double sum = m.value("overhead_ms").toDouble();
        int own = 0;
        const QJsonArray kernels = m.value("kernels").toArray();
        QVERIFY(kernels.size() > 50);
        for (const auto& k : kernels) {
            const QJsonObject o = k.toObject();
            QVERIFY(o.value("predicted_ms").toDouble() > 0);
            QVERIFY(o.value("low_ms").toDouble() <= o.value("predicted_ms").toDouble());
            own += o.value("source").toString() == "regressor";
            sum += o.value("predicted_ms").toDouble();
        }
        QVERIFY(own > kernels.size() * 9 / 10);  // the example's kernel types were all built
        QVERIFY(qAbs(sum - m.value("total_ms").toDouble()) < 1e-6 * sum);
        // A few milliseconds on this class of machine, far from 0 and from seconds.
        QVERIFY(m.value("total_ms").toDouble() > 0.2 && m.value("total_ms").toDouble() < 200);
    }

    void deviceWithoutPredictorExitsWithHint() {
        QProcess p;
        prepare(p);
        p.start(QStringLiteral(KM_CLI_PATH), {"predict", "real/mobilenet_v3_small.onnx", "--device", "opencv-t2"});
        QVERIFY(p.waitForFinished(300000));
        QCOMPARE(p.exitCode(), 2);
        const QByteArray err = p.readAllStandardError();
        QVERIFY2(err.contains("opencv-t2") && err.contains("kernelmeter-cli"), err.constData());
        QVERIFY(p.readAllStandardOutput().isEmpty());
    }

private:
    void prepare(QProcess& p) {
        p.setWorkingDirectory(QStringLiteral(KM_FIXTURES_DIR));
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("XDG_DATA_HOME", m_data.path());  // no user database
        env.remove("KM_DATA_DIR");
        p.setProcessEnvironment(env);
    }
    QTemporaryDir m_data;
};

QTEST_MAIN(TestCliPredict)
#include "test_cli_predict.moc"

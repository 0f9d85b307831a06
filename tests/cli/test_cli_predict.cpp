// SPDX-License-Identifier: Apache-2.0
// kernelmeter-cli predict and kernels with no predictor of the user's: the shipped
// datasets/predictors.db is used, the JSON totals add up (overhead + kernels), every kernel has a
// source, golden outputs of `predict --json` and `kernels --json` on fixed models (numbers to six
// significant digits, paths made relative), and a device with nothing shipped exits 2 with a hint
// instead of printing a number.
#include <QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include "test_support.h"

using namespace km;

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
        const test::ProgramRun r = cli({"predict", "real/mobilenet_v3_small.onnx", "--device", device, "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject doc = QJsonDocument::fromJson(r.out).object();
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

    // Golden files: a change of the shipped predictors or of the partition shows here as a diff
    // (KM_UPDATE_GOLDEN=1 rewrites them after a deliberate change).
    void goldenJson_data() {
        QTest::addColumn<QString>("command");
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("device");
        for (const char* command : {"predict", "kernels"})
            for (const char* model : {"conv_block", "se_block"})
                for (const char* device : {"opencv-t1", "xnnpack-t1"})
                    QTest::newRow(qPrintable(QString("%1 %2 %3").arg(command, model, device))) << command << model << device;
    }
    void goldenJson() {
        QFETCH(QString, command);
        QFETCH(QString, model);
        QFETCH(QString, device);
        const test::ProgramRun r = cli({command, "small/" + model + ".onnx", "--device", device, "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        // Whether this machine is the predictor's depends on where the test runs
        // (tests/cli/test_cli_devices.cpp checks it): not part of the golden file.
        QJsonObject out = QJsonDocument::fromJson(r.out).object();
        QVERIFY(command != "predict" || (out.contains("host_mismatch") && out.contains("host") && out.contains("built_on")));
        for (const char* key : {"host_mismatch", "host", "built_on"}) out.remove(key);
        const QByteArray canonical = test::canonicalJson(QJsonDocument(out).toJson(), {{test::sourcePath(""), "<source>/"}});
        KM_COMPARE_GOLDEN(canonical, QString("cli/golden/%1_%2_%3.json").arg(command, model, device));
    }

    // The hint gives the quickest way first: adapting the predictor of a device of the same runtime
    // (it carries that device's rules), then detecting rules and building; one line.
    void deviceWithoutPredictorExitsWithHint() {
        test::ProgramRun r = cli({"predict", "real/mobilenet_v3_small.onnx", "--device", "opencv-t2"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.startsWith("kernelmeter-cli: no fusion rules for device opencv-t2: adapt opencv-t1's predictor") &&
                     r.err.contains("`kernelmeter-cli adapt --device opencv-t2 --from opencv-t1`") &&
                     r.err.contains("`kernelmeter-cli detect-rules --device opencv-t2`") && r.err.count('\n') == 1,
                 r.err.constData());
        QVERIFY(r.out.isEmpty());
        // With rules given, only the predictor is missing.
        const QString rules = test::sourcePath("datasets/rules/xnnpack-t1.json");
        r = cli({"predict", "real/mobilenet_v3_small.onnx", "--device", "xnnpack-t2", "--rules", rules});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.startsWith("kernelmeter-cli: no predictor for device xnnpack-t2: adapt xnnpack-t1's predictor") &&
                     !r.err.contains("detect-rules"),
                 r.err.constData());
        // A broken rules file is named, not taken for missing rules.
        const QString broken = m_home.filePath("broken-rules.json");
        QFile file(broken);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("{\"schema\": ");
        file.close();
        r = cli({"predict", "real/mobilenet_v3_small.onnx", "--device", "xnnpack-t2", "--rules", broken});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("broken-rules.json") && !r.err.contains("adapt"), r.err.constData());
    }

    // Several devices side by side: --summary has one row per model with each device's total as
    // the device's own run gives it and each warning once per device; --json gathers the devices'
    // documents in the order given.
    void devicesSideBySide() {
        const QStringList models{"small/conv_block.onnx", "small/se_block.onnx", "real/mobilenet_v3_small.onnx"};
        const QStringList devices{"xnnpack-t1", "opencv-t1"};
        QMap<QString, QMap<QString, double>> total;  // device -> model file -> ms
        QMap<QString, QSet<QString>> warnings;
        for (const QString& device : devices) {
            const test::ProgramRun r = cli(QStringList{"predict"} + models + QStringList{"--device", device, "--json"});
            QVERIFY2(r.exitCode == 0, r.err.constData());
            for (const auto& m : QJsonDocument::fromJson(r.out).object().value("models").toArray()) {
                total[device][m.toObject().value("file").toString()] = m.toObject().value("total_ms").toDouble();
                for (const auto& w : m.toObject().value("warnings").toArray()) warnings[device].insert(w.toString());
            }
            QCOMPARE(total[device].size(), models.size());
        }
        QVERIFY(!warnings["xnnpack-t1"].isEmpty() && !warnings["opencv-t1"].isEmpty());  // conv_block's fallback kernels

        // A --device before the models takes one id; a device given twice is shown once.
        test::ProgramRun r = cli(QStringList{"predict", "--device", "xnnpack-t1"} + models +
                                 QStringList{"--device", "opencv-t1", "--device", "xnnpack-t1", "--summary"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QStringList lines = QString::fromUtf8(r.out).split('\n');
        const QString header = *std::find_if(lines.begin(), lines.end(), [](const QString& l) { return l.startsWith("model "); });
        QVERIFY2(header.count("xnnpack-t1 ms") == 1 && header.indexOf("xnnpack-t1 ms") < header.indexOf("opencv-t1 ms"),
                 qPrintable(header));
        for (const QString& model : models) {
            const auto row = std::find_if(lines.begin(), lines.end(), [&](const QString& l) { return l.startsWith(model + " "); });
            QVERIFY2(row != lines.end(), r.out.constData());
            const QStringList cells = row->split(' ', Qt::SkipEmptyParts);  // model, then ms [low, high] kernels per device
            QCOMPARE(cells.size(), 1 + 4 * devices.size());
            for (int i = 0; i < devices.size(); ++i)
                QVERIFY2(qAbs(cells[1 + 4 * i].toDouble() - total[devices[i]][model]) <= 6e-4, qPrintable(*row));
        }
        for (const QString& device : devices)
            for (QString w : warnings[device]) {
                if (w.endsWith('.')) w.chop(1);
                QVERIFY2(r.err.count((device + ": " + w).toUtf8()) == 1, r.err.constData());
            }

        r = cli(QStringList{"predict"} + models + QStringList{"--device", "xnnpack-t1", "--device", "opencv-t1", "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject doc = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(doc.value("schema").toString(), "kernelmeter.predictions/1");
        const QJsonArray each = doc.value("devices").toArray();
        QCOMPARE(each.size(), devices.size());
        for (int i = 0; i < devices.size(); ++i) {
            QCOMPARE(each[i].toObject().value("device").toString(), devices[i]);
            for (const auto& m : each[i].toObject().value("models").toArray())
                QCOMPARE(m.toObject().value("total_ms").toDouble(), total[devices[i]][m.toObject().value("file").toString()]);
        }

        r = cli({"predict", models[0], "--device", "xnnpack-t1", "--device", "opencv-t1", "--predictor", "any.json"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--predictor"), r.err.constData());
        QVERIFY(r.out.isEmpty());
    }

private:
    // The CLI in the fixtures folder, as a user with no data of their own.
    test::ProgramRun cli(const QStringList& args) { return test::runCli(args, test::freshUser(m_home.path(), test::fixture(""))); }
    QTemporaryDir m_home;
};

QTEST_GUILESS_MAIN(TestCliPredict)
#include "test_cli_predict.moc"

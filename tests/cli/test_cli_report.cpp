// SPDX-License-Identifier: GPL-3.0-or-later
// kernelmeter-cli report: the PDF of a real network for two devices, checked with poppler's tools
// (pdfinfo pages, pdftotext text: the model, both devices, each device's predicted total as the
// window shows it, the report's sections, each device's benchmark scatter), the times at the
// machine's usual speed when the user's database knows it, and bad arguments that exit non-zero
// naming the file, device or folder without writing anything.
#include <QtTest>

#include <QDir>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>

#include "backends/machine_info.h"
#include "test_support.h"
#include "ui/style/format.h"
#include "workflows/analyze_model.h"

class TestCliReport : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        QVERIFY2(!QStandardPaths::findExecutable("pdftotext").isEmpty(), "poppler-utils (pdftotext) is needed");
    }

    void reportOfTwoDevices() {
        const QString pdf = m_dir.filePath("report.pdf");
        const km::test::ProgramRun r =
            cli({"report", "real/mobilenet_v3_small.onnx", "--device", "opencv-t1", "--device", "xnnpack-t1", "-o", pdf});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(r.out.contains("report written to"));

        const QString infoText = QString::fromUtf8(km::test::runProgram("pdfinfo", {pdf}).out);
        QRegularExpressionMatch pages = QRegularExpression("Pages:\\s+(\\d+)").match(infoText);
        QVERIFY2(pages.hasMatch(), qPrintable(infoText));
        QVERIFY2(pages.captured(1).toInt() >= 4, qPrintable(infoText));  // title+summary, graph pages, tables, accuracy

        const QString body = QString::fromUtf8(km::test::runProgram("pdftotext", {"-layout", pdf, "-"}).out);
        QVERIFY(body.contains("mobilenet_v3_small.onnx"));
        for (const char* section : {"Summary", "Graph with the kernels of opencv-t1", "Kernels per device", "Devices compared",
                                    "Predictor accuracy", "Provenance and method"})
            QVERIFY2(body.contains(section), section);
        // Each device's predicted-vs-measured scatter on benchmark models (UX.md report item 6).
        QCOMPARE(int(body.count("Predicted against measured latency of 45 benchmark models")), 2);
        QCOMPARE(int(body.count("intervals held")), 2);  // and how often the predictions' intervals held them
        // The graph and the charts are vector drawings: their words are text (an op's name, an
        // edge's shape, an axis title), and the PDF holds no raster image.
        for (const char* drawn : {"dwconv 3x3/2", "1x16x112x112", "kernel # of opencv-t1", "measured ms"})
            QVERIFY2(body.contains(drawn), drawn);
        const QList<QByteArray> images = km::test::runProgram("pdfimages", {"-list", pdf}).out.trimmed().split('\n');
        QVERIFY2(images.size() == 2, images.join('\n').constData());  // the list's two header lines
        km::DeviceDataCache devices;
        km::Result<km::ModelAnalysis> a =
            km::analyzeModel(km::test::fixture("real/mobilenet_v3_small.onnx").toStdString(), {"opencv-t1", "xnnpack-t1"}, devices);
        QVERIFY(a.ok());
        for (const km::DeviceAnalysis& d : a.value().devices) {
            QVERIFY(d.ok());
            QVERIFY(body.contains(QString::fromStdString(d.deviceId)));
            const QString total = km::ui::formatMs(d.prediction.totalMs);
            QVERIFY2(body.contains(total), qPrintable(total + " not in the report"));
        }
    }

    // With measurements of the device on this machine in the user's database, the report gives
    // the times at the machine's usual speed (as the window does) and says so.
    void reportAtTheUsualSpeed() {
        QTemporaryDir home;
        QVERIFY(home.isValid());
        const std::string db = (home.path() + "/data/kernelmeter/kernelmeter.db").toStdString();
        QVERIFY(QDir().mkpath(home.path() + "/data/kernelmeter"));
        {
            auto store = km::MeasurementStore::open(db);
            QVERIFY(store.ok());
            km::StoredHello hello;
            hello.hello.runtimes = {{"opencv-dnn", "4.6.0-test"}};
            hello.hello.machine.cpuModel = km::readMachineInfo().cpuModel;
            QVERIFY(store.value()->saveHello("opencv-t1", hello).ok());
            const double predictorMs = km::DeviceAnalyzer::load("opencv-t1", {"", "", db}).predictor()->referenceMs;
            QVERIFY(predictorMs > 0);
            for (int i = 0; i < 5; ++i) {
                km::StoredMeasurement m = km::test::measurementWithReference("opencv-t1", "m" + std::to_string(i), 2 * predictorMs,
                                                                             hello.hello.machine.cpuModel, "4.6.0-test");
                QVERIFY(store.value()->add(m).ok());
            }
        }
        km::DeviceDataSources usual{"", "", db};
        usual.atUsualSpeed = true;
        const km::DeviceAnalyzer carried = km::DeviceAnalyzer::load("opencv-t1", usual);
        QVERIFY(carried.predictor()->speedScale == 2);
        km::Result<std::shared_ptr<const km::ModelFile>> file =
            km::ModelFile::read(km::test::fixture("real/mobilenet_v3_small.onnx").toStdString());
        QVERIFY(file.ok());
        const QString total = km::ui::formatMs(carried.analyze(*file.value()).prediction.totalMs);

        const QString pdf = m_dir.filePath("usual.pdf");
        const km::test::ProgramRun r = km::test::runCli({"report", "real/mobilenet_v3_small.onnx", "--device", "opencv-t1", "-o", pdf},
                                                        km::test::freshUser(home.path(), km::test::fixture("")));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QString body = QString::fromUtf8(km::test::runProgram("pdftotext", {pdf, "-"}).out).simplified();
        QVERIFY2(body.contains(total), qPrintable(total + " not in the report"));
        QVERIFY2(body.contains("Predicted at opencv-t1's usual speed"), qPrintable(body.left(3000)));
    }

    void badArgumentsWriteNothing_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("named");
        QTest::newRow("missing model") << QStringList{"report", "no-such.onnx", "-o", "x.pdf"} << "no-such.onnx";
        QTest::newRow("unknown device") << QStringList{"report", "real/mobilenet_v3_small.onnx", "--device", "gpu-9", "-o", "x.pdf"}
                                        << "gpu-9";
        QTest::newRow("missing folder") << QStringList{"report", "real/mobilenet_v3_small.onnx", "-o", "/no/such/dir/x.pdf"}
                                        << "/no/such/dir";
        QTest::newRow("broken model") << QStringList{"report", "bad/cycle.onnx", "-o", "x.pdf"} << "bad/cycle.onnx";
    }

    void badArgumentsWriteNothing() {
        QFETCH(QStringList, args);
        QFETCH(QString, named);
        const int at = int(args.indexOf("x.pdf"));
        if (at >= 0) args[at] = m_dir.filePath("x.pdf");
        const km::test::ProgramRun r = cli(args);
        QVERIFY(r.exitCode != 0);
        QVERIFY2(r.err.contains(named.toUtf8()), r.err.constData());
        QVERIFY(!QFile::exists(m_dir.filePath("x.pdf")));
    }

private:
    // In the fixtures folder, with no user database and no remembered devices.
    km::test::ProgramRun cli(const QStringList& args) {
        return km::test::runCli(args, km::test::freshUser(m_dir.path(), km::test::fixture("")));
    }
    QTemporaryDir m_dir;
};

QTEST_MAIN(TestCliReport)
#include "test_cli_report.moc"

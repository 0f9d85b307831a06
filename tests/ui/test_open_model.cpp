// SPDX-License-Identifier: GPL-3.0-or-later
// Opening models in the main window: a good file (rows, predicted latency per device with the
// shipped predictors, the same totals as the library and as `kernelmeter-cli predict --json`), a
// broken one (the banner names the file, the previous model stays), and the newer of two
// requests winning.
#include <QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStatusBar>
#include <QTemporaryDir>

#include "test_support.h"
#include "ui/models/node_table_model.h"
#include "ui/pages/main_window.h"
#include "workflows/analyze_model.h"

using namespace km;
using namespace km::ui;

class TestOpenModel : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QCoreApplication::setOrganizationName("KernelMeterTests");  // keep the user's settings untouched
        QVERIFY(m_data.isValid());
        qputenv("XDG_DATA_HOME", m_data.path().toUtf8());    // no user database: the shipped predictors
        qputenv("XDG_CONFIG_HOME", m_data.path().toUtf8());  // no remembered device choice
    }

    void windowOpensGoodThenBadFile() {
        MainWindow w;
        w.openFile(test::fixture("small/conv_block.onnx"));
        w.waitForLoad();
        QCOMPARE(w.nodeModel()->rowCount(), 8);
        QVERIFY(!w.bannerVisible());
        QVERIFY(w.summaryText().contains("conv_block.onnx"));
        const QString bad = test::fixture("bad/cycle.onnx");
        w.openFile(bad);
        w.waitForLoad();
        QVERIFY(w.bannerVisible());
        QVERIFY(w.bannerText().startsWith(bad + ": the graph has a cycle"));
        QCOMPARE(w.nodeModel()->rowCount(), 8);  // the previous model is still shown
        QCOMPARE(w.statusBar()->currentMessage(), QString("Could not open the file; the previous model is still shown."));
        // Choosing devices then predicts the model shown again, not the file that failed.
        w.setDevices({"xnnpack-t1"});
        w.waitForLoad();
        QVERIFY(!w.bannerVisible());
        QVERIFY(w.analysis() && QString::fromStdString(w.analysis()->file).endsWith("conv_block.onnx"));
        QCOMPARE(w.analysis()->devices.size(), size_t(1));
        QCOMPARE(w.analysis()->devices[0].deviceId, std::string("xnnpack-t1"));
        // A bad file in a window that showed none: no previous model to speak of.
        MainWindow first;
        first.openFile(bad);
        first.waitForLoad();
        QVERIFY(first.bannerVisible());
        QCOMPARE(first.statusBar()->currentMessage(), QString("Could not open the file."));
    }

    // With no predictor of the user's, the window predicts with the shipped ones (datasets/
    // predictors.db): the totals it shows are the library's (one prediction path) and exactly
    // what `kernelmeter-cli predict --json` prints for the same file; devices without a predictor
    // say so.
    void windowAndCliPredictTheSame() {
        MainWindow w;
        w.setDevices({"opencv-t1", "xnnpack-t1", "opencv-t2"});
        const QString file = test::fixture("real/mobilenet_v3_small.onnx");
        w.openFile(file);
        w.waitForLoad();
        QVERIFY(w.analysis());
        const QString summary = w.summaryText();
        QVERIFY2(summary.contains("Predicted latency"), qPrintable(summary));
        for (const char* id : {"opencv-t1", "xnnpack-t1"}) {
            const auto it = std::find_if(w.analysis()->devices.begin(), w.analysis()->devices.end(),
                                         [&](const DeviceAnalysis& d) { return d.deviceId == id; });
            QVERIFY(it != w.analysis()->devices.end() && it->ok());
            QVERIFY(QString::fromStdString(it->predictorSource).endsWith("datasets/predictors.db"));
            const double guiMs = it->prediction.totalMs;
            QVERIFY(guiMs > 0);
            const QString shown = QString("%1: <b>%2 ms</b>").arg(id, QString::number(guiMs, 'f', 2));
            QVERIFY2(summary.contains(shown), qPrintable(shown + " not in " + summary));
            QTemporaryDir home;
            const test::ProgramRun cli = test::runCli({"predict", file, "--device", id, "--json"}, test::freshUser(home.path()));
            QVERIFY2(cli.exitCode == 0, cli.err.constData());
            const QJsonObject model = QJsonDocument::fromJson(cli.out).object().value("models").toArray().at(0).toObject();
            QCOMPARE(model.value("total_ms").toDouble(), guiMs);
            QCOMPARE(model.value("kernels").toArray().size(), qsizetype(it->partition.kernels.size()));
        }
        // opencv-t2 has neither rules nor a predictor: a short reason, the full hint in the tooltip.
        QVERIFY(summary.contains("opencv-t2: <span style='color:#777'>no fusion rules</span>"));
        QVERIFY(w.summaryToolTip().contains("kernelmeter-cli detect-rules --device opencv-t2"));
    }

    void newerRequestWins() {
        MainWindow w;
        w.openFile(test::fixture("real/resnet50.onnx"));     // slow
        w.openFile(test::fixture("small/mlp_opset7.onnx"));  // fast, requested last
        w.waitForLoad();
        QCOMPARE(w.nodeModel()->rowCount(), 4);
        QVERIFY(w.summaryText().contains("mlp_opset7.onnx"));
    }

private:
    QTemporaryDir m_data;
};

QTEST_MAIN(TestOpenModel)
#include "test_open_model.moc"

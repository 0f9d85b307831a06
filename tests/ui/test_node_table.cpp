// SPDX-License-Identifier: GPL-3.0-or-later
// The node table model under QAbstractItemModelTester, and the main window opening a good file
// (rows appear, predicted latency per device), then a broken one (banner names the file, the
// previous model stays).
#include <QtTest>

#include <QAbstractItemModelTester>
#include <QSortFilterProxyModel>

#include "fusion/partition.h"
#include "graph/metrics.h"
#include "onnx/onnx_loader.h"
#include "workflows/analyze_model.h"
#include "workflows/data_sources.h"
#include "ui/models/node_table_model.h"
#include "ui/pages/main_window.h"

using namespace km;
using namespace km::ui;

class TestNodeTable : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QCoreApplication::setOrganizationName("KernelMeterTests");  // keep the user's settings untouched
        QVERIFY(m_data.isValid());
        qputenv("XDG_DATA_HOME", m_data.path().toUtf8());  // no user database: the shipped predictors
        qputenv("XDG_CONFIG_HOME", m_data.path().toUtf8());  // no remembered device choice
    }

    void modelPassesTheTester() {
        DeviceDataCache devices;
        Result<ModelAnalysis> analysis = analyzeModel(KM_FIXTURES_DIR "/real/mobilenet_v3_small.onnx", {}, devices);
        QVERIFY(analysis.ok());
        auto loaded = std::make_shared<const ModelAnalysis>(std::move(analysis).value());
        NodeTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);
        model.setAnalysis(loaded);
        QCOMPARE(model.rowCount(), int(loaded->graph->nodes().size()));
        QCOMPARE(model.data(model.index(0, NodeTableModel::Op), Qt::DisplayRole).toString(), QString("conv"));
        QCOMPARE(model.data(model.index(0, NodeTableModel::Macs), NodeTableModel::SortRole).toLongLong(),
                 qlonglong(loaded->metrics.perNode[0].macs));
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(NodeTableModel::SortRole);
        proxy.sort(NodeTableModel::Macs, Qt::DescendingOrder);
        QVERIFY(proxy.data(proxy.index(0, NodeTableModel::Macs), NodeTableModel::SortRole).toLongLong() >=
                proxy.data(proxy.index(1, NodeTableModel::Macs), NodeTableModel::SortRole).toLongLong());
        model.setAnalysis(nullptr);
        QCOMPARE(model.rowCount(), 0);
    }

    void windowOpensGoodThenBadFile() {
        MainWindow w;
        w.openFile(KM_FIXTURES_DIR "/small/conv_block.onnx");
        w.waitForLoad();
        QCOMPARE(w.nodeModel()->rowCount(), 8);
        QVERIFY(!w.bannerVisible());
        QVERIFY(w.summaryText().contains("conv_block.onnx"));
        const QString bad = KM_FIXTURES_DIR "/bad/cycle.onnx";
        w.openFile(bad);
        w.waitForLoad();
        QVERIFY(w.bannerVisible());
        QVERIFY(w.bannerText().startsWith(bad + ": the graph has a cycle"));
        QCOMPARE(w.nodeModel()->rowCount(), 8);  // the previous model is still shown
    }

    // With no predictor of the user's, the window predicts with the shipped ones (datasets/
    // predictors.db): the same totals as the library, and devices without one say so.
    void windowPredictsWithShippedPredictors() {
        MainWindow w;
        const QString file = KM_FIXTURES_DIR "/real/mobilenet_v3_small.onnx";
        w.openFile(file);
        w.waitForLoad();
        const QString summary = w.summaryText();
        QVERIFY2(summary.contains("Predicted latency"), qPrintable(summary));
        for (const char* id : {"opencv-t1", "xnnpack-t1"}) {
            std::string rulesUsed, predictorUsed;
            Result<RuleSet> rules = deviceRules(id, "", rulesUsed);
            Result<PredictorSet> predictor = devicePredictor(id, "", "", predictorUsed);
            QVERIFY2(rules.ok() && predictor.ok(), id);
            QVERIFY(QString::fromStdString(predictorUsed).endsWith("datasets/predictors.db"));
            LoadOptions lo;
            lo.literalSpellings = rules.value().literalSpellings();
            Result<Graph> g = loadModelFile(file.toStdString(), lo);
            QVERIFY(g.ok());
            const ModelPrediction p =
                predictModel(partitionGraph(g.value(), rules.value()), computeGraphMetrics(g.value()).perNode, predictor.value());
            QVERIFY(p.totalMs > 0);
            const QString shown = QString("%1: <b>%2 ms</b>").arg(id, QString::number(p.totalMs, 'f', 2));
            QVERIFY2(summary.contains(shown), qPrintable(shown + " not in " + summary));
        }
        // opencv-t2 has neither rules nor a predictor: a short reason, the full hint in the tooltip.
        QVERIFY(summary.contains("opencv-t2: <span style='color:#777'>no fusion rules</span>"));
        QVERIFY(w.summaryToolTip().contains("kernelmeter-cli detect-rules --device opencv-t2"));
    }

    void newerRequestWins() {
        MainWindow w;
        w.openFile(KM_FIXTURES_DIR "/real/resnet50.onnx");  // slow
        w.openFile(KM_FIXTURES_DIR "/small/mlp_opset7.onnx");  // fast, requested last
        w.waitForLoad();
        QCOMPARE(w.nodeModel()->rowCount(), 4);
        QVERIFY(w.summaryText().contains("mlp_opset7.onnx"));
    }

private:
    QTemporaryDir m_data;
};

QTEST_MAIN(TestNodeTable)
#include "test_node_table.moc"

// The node table model under QAbstractItemModelTester, and the main window opening a good file
// (rows appear), then a broken one (banner names the file, the previous model stays).
#include <QtTest>

#include <QAbstractItemModelTester>
#include <QSortFilterProxyModel>

#include "graph/metrics.h"
#include "onnx/onnx_loader.h"
#include "ui/models/node_table_model.h"
#include "ui/pages/main_window.h"

using namespace km;
using namespace km::ui;

class TestNodeTable : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QCoreApplication::setOrganizationName("KernelMeterTests");  // keep the user's settings untouched
    }

    void modelPassesTheTester() {
        auto loaded = std::make_shared<LoadedModel>();
        Result<Graph> g = loadModelFile(KM_FIXTURES_DIR "/real/mobilenet_v3_small.onnx");
        QVERIFY(g.ok());
        loaded->graph = std::move(g).value();
        loaded->metrics = computeGraphMetrics(loaded->graph);
        NodeTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);
        model.setModel(loaded);
        QCOMPARE(model.rowCount(), int(loaded->graph.nodes().size()));
        QCOMPARE(model.data(model.index(0, NodeTableModel::Op), Qt::DisplayRole).toString(), QString("conv"));
        QCOMPARE(model.data(model.index(0, NodeTableModel::Macs), NodeTableModel::SortRole).toLongLong(),
                 qlonglong(loaded->metrics.perNode[0].macs));
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(NodeTableModel::SortRole);
        proxy.sort(NodeTableModel::Macs, Qt::DescendingOrder);
        QVERIFY(proxy.data(proxy.index(0, NodeTableModel::Macs), NodeTableModel::SortRole).toLongLong() >=
                proxy.data(proxy.index(1, NodeTableModel::Macs), NodeTableModel::SortRole).toLongLong());
        model.setModel(nullptr);
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

    void newerRequestWins() {
        MainWindow w;
        w.openFile(KM_FIXTURES_DIR "/real/resnet50.onnx");  // slow
        w.openFile(KM_FIXTURES_DIR "/small/mlp_opset7.onnx");  // fast, requested last
        w.waitForLoad();
        QCOMPARE(w.nodeModel()->rowCount(), 4);
        QVERIFY(w.summaryText().contains("mlp_opset7.onnx"));
    }
};

QTEST_MAIN(TestNodeTable)
#include "test_node_table.moc"

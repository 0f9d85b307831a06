// SPDX-License-Identifier: GPL-3.0-or-later
// The node table model under QAbstractItemModelTester: rows per graph node, sortable by MACs, and
// empty without an analysis. (Opening files in the window: test_open_model.cpp.)
#include <QtTest>

#include <QAbstractItemModelTester>
#include <QSortFilterProxyModel>

#include "test_support.h"
#include "ui/models/node_table_model.h"
#include "workflows/analyze_model.h"

using namespace km;
using namespace km::ui;

class TestNodeTable : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(m_data.isValid());
        qputenv("XDG_DATA_HOME", m_data.path().toUtf8());  // no user database
    }

    void modelPassesTheTester() {
        DeviceDataCache devices;
        Result<ModelAnalysis> analysis = analyzeModel(test::fixture("real/mobilenet_v3_small.onnx").toStdString(), {}, devices);
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

private:
    QTemporaryDir m_data;
};

QTEST_MAIN(TestNodeTable)
#include "test_node_table.moc"

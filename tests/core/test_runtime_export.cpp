// SPDX-License-Identifier: Apache-2.0
// The runtime export keeps the model's meaning: re-reading the rewritten bytes gives the same
// canonical nodes, names, shapes and MACs as reading the original, for every real network and
// every dialect. (That OpenCV then accepts them is checked by the backend tests, and that XNNPACK
// measures the weight-less ones by the agent and measurement tests.)
#include <QtTest>

#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

#include "graph/metrics.h"
#include "onnx/onnx_loader.h"
#include "onnx/runtime_export.h"

using namespace km;

class TestRuntimeExport : public QObject {
    Q_OBJECT
private slots:
    void sameGraphAfterExport_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("dialect");
        QFile f(QStringLiteral(KM_FIXTURES_DIR "/real/expected_macs.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        for (const QString& name : QJsonDocument::fromJson(f.readAll()).object().keys()) {
            QTest::newRow(qPrintable(name + " standard")) << name << int(OnnxDialect::Standard);
            QTest::newRow(qPrintable(name + " opencv")) << name << int(OnnxDialect::OpenCvDnn);
            QTest::newRow(qPrintable(name + " weight shapes only")) << name << int(OnnxDialect::WeightShapesOnly);
        }
    }

    void sameGraphAfterExport() {
        QFETCH(QString, name);
        QFETCH(int, dialect);
        const std::string path = (QStringLiteral(KM_FIXTURES_DIR "/real/") + name + ".onnx").toStdString();
        Result<Graph> original = loadOnnxFile(path);
        QVERIFY(original.ok());
        Result<std::string> bytes = exportOnnxForRuntime(path, {}, OnnxDialect(dialect));
        QVERIFY2(bytes.ok(), bytes.ok() ? "" : bytes.error().message.c_str());
        const double fileBytes = double(QFileInfo(QString::fromStdString(path)).size());
        if (OnnxDialect(dialect) == OnnxDialect::WeightShapesOnly)  // the large weights' values left out
            QVERIFY2(double(bytes.value().size()) < 0.05 * fileBytes, qPrintable(QString::number(bytes.value().size())));
        else  // weights keep their data: the rewrite is at least 95% of the original file's size
            QVERIFY(double(bytes.value().size()) > 0.95 * fileBytes);
        // The OpenCV dialect is deliberately not valid ONNX (Clip bounds as attributes at opset >= 11);
        // OpenCV's acceptance of it is the backend tests' business.
        if (OnnxDialect(dialect) == OnnxDialect::OpenCvDnn) return;
        Result<Graph> again = loadOnnxBytes(bytes.value().data(), bytes.value().size(), "exported", "");
        QVERIFY2(again.ok(), again.ok() ? "" : again.error().message.c_str());
        const auto& a = original.value().nodes();
        const auto& b = again.value().nodes();
        QCOMPARE(b.size(), a.size());
        for (size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(b[i].name, a[i].name);
            QCOMPARE(b[i].opType, a[i].opType);
            QCOMPARE(again.value().tensor(b[i].outputs[0])->shape, original.value().tensor(a[i].outputs[0])->shape);
        }
        QCOMPARE(computeGraphMetrics(again.value()).total.macs, computeGraphMetrics(original.value()).total.macs);
    }

    void badFileIsReported() {
        Result<std::string> r = exportOnnxForRuntime(KM_FIXTURES_DIR "/bad/cycle.onnx");
        QVERIFY(!r.ok());
        QVERIFY(QString::fromStdString(r.error().message).contains("cycle"));
    }
};

QTEST_GUILESS_MAIN(TestRuntimeExport)
#include "test_runtime_export.moc"

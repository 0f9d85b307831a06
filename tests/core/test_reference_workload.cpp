// SPDX-License-Identifier: Apache-2.0
// The ONNX builder and the reference workload built with it: the model passes our own loader with
// the op types and MACs its definition promises, is the same bytes on every call (a changed
// reference would silently change every stored ratio), and builder misuse is an error, not a model.
#include <QtTest>

#include "graph/metrics.h"
#include "onnx/onnx_builder.h"
#include "onnx/onnx_loader.h"
#include "workflows/reference_workload.h"

using namespace km;

class TestReferenceWorkload : public QObject {
    Q_OBJECT
private slots:
    void referenceLoadsWithItsPromisedShapeAndCost() {
        Result<ModelInput> ref = referenceWorkload();
        QVERIFY2(ref.ok(), ref.ok() ? "" : ref.error().message.c_str());
        const std::string& bytes = ref.value().bytes;
        Result<Graph> g = loadOnnxBytes(bytes.data(), bytes.size(), "reference", "");
        QVERIFY2(g.ok(), g.ok() ? "" : g.error().message.c_str());
        std::vector<std::string> ops;
        for (const auto& n : g.value().nodes()) ops.push_back(n.opType);
        const std::vector<std::string> expected{"conv", "relu", "dwconv", "relu", "conv", "add", "gap", "flatten", "fc"};
        QCOMPARE(ops, expected);
        // 24*48*9*32*32 + 48*9*32*32 + 48*48*32*32 + 48*10, as the header says.
        QCOMPARE(computeGraphMetrics(g.value()).total.macs, int64_t{13418976});
        QCOMPARE(ref.value().inputs.size(), size_t{1});
        QCOMPARE(ref.value().inputs[0].shape, (std::vector<int64_t>{1, 24, 32, 32}));
        QCOMPARE(referenceWorkload().value().bytes, bytes);  // deterministic weights
    }

    void builderTracksShapesAndSeedsWeights() {
        OnnxBuilder a("a", 7), b("b", 8);
        for (OnnxBuilder* x : {&a, &b}) x->conv(x->input("x", {1, 8, 15, 15}), 16, 3, 2, 1, "c");
        QCOMPARE(a.shapeOf("c"), (std::vector<int64_t>{1, 16, 8, 8}));  // (15 + 2 - 3) / 2 + 1
        QVERIFY(a.shapeOf("nope").empty());
        auto ba = a.finish({"c"}), bb = b.finish({"c"});
        QVERIFY(ba.ok() && bb.ok());
        QVERIFY(ba.value() != bb.value());  // other seed (and name), other weights
    }

    void misuseIsReportedByFinish() {
        OnnxBuilder bad("bad");
        const std::string x = bad.input("x", {1, 6, 8, 8});
        bad.conv(x, 8, 3, 1, 4, "grouped");  // 6 channels do not split into 4 groups
        auto r = bad.finish({"grouped"});
        QVERIFY(!r.ok());
        QVERIFY2(r.error().message.find("node 'grouped': 6 -> 8 channels") != std::string::npos, r.error().message.c_str());

        OnnxBuilder unknown("unknown");
        unknown.relu("missing", "r");
        unknown.globalAveragePool("missing", "g");
        auto u = unknown.finish({"g"});
        QVERIFY(!u.ok());
        QVERIFY2(u.error().message.find("reads tensor 'missing'") != std::string::npos, u.error().message.c_str());
    }
};

QTEST_GUILESS_MAIN(TestReferenceWorkload)
#include "test_reference_workload.moc"

// SPDX-License-Identifier: Apache-2.0
// nn-Meter IR import on the real MobileNetV3-small IR from nn-Meter's dataset (tests/data/nnmeter-ir,
// MIT licence): NHWC -> NCHW, TF op names -> canonical types, BiasAdd folded into its conv, the
// add/relu6/mul/mul spelling of hswish, SE blocks, and the file's inconsistent Mul shape repaired.
#include <QtTest>

#include <map>
#include <set>

#include "graph/metrics.h"
#include "onnx/onnx_loader.h"

using namespace km;

class TestNnMeterIr : public QObject {
    Q_OBJECT
private slots:
    void mobilenetV3Small() {
        Result<Graph> r = loadModelFile(KM_SOURCE_DIR "/tests/data/nnmeter-ir/mobilenetv3small_0.json");
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        const Graph& g = r.value();
        QCOMPARE(g.info.format, std::string("nnmeter-ir"));
        std::map<std::string, int> c;
        std::set<std::string> groups;
        for (const auto& n : g.nodes()) {
            ++c[n.opType];
            if (!n.patternGroup.empty()) groups.insert(n.patternGroup);
            QVERIFY2(n.opType.rfind("other:", 0) != 0, n.name.c_str());
        }
        QCOMPARE(c["conv"], 42);
        QCOMPARE(c["dwconv"], 11);
        QCOMPARE(c["bn"], 35);
        QCOMPARE(c["hswish"], 18);
        QCOMPARE(c["fc"], 1);
        QCOMPARE(groups.size(), size_t{9});
        QCOMPARE(g.tensor(g.inputs[0])->shape.dims, (std::vector<int64_t>{1, 3, 224, 224}));
        const Node& first = g.nodes()[0];
        QCOMPARE(first.opType, std::string("conv"));
        QCOMPARE(first.attrs.getInts("stride"), (std::vector<int64_t>{2, 2}));
        QCOMPARE(first.attrs.getInts("pads"), (std::vector<int64_t>{0, 0, 1, 1}));  // TF SAME, stride 2
        QCOMPARE(g.tensor(first.outputs[0])->shape.dims, (std::vector<int64_t>{1, 16, 112, 112}));
        // The SE convs carry their BiasAdd as a bias.
        auto se = g.indexOf("SE/conv2d/Conv2D");
        QVERIFY(se);
        QCOMPARE(g.nodes()[*se].attrs.getInt("has_bias", 0), int64_t{1});
        QCOMPARE(g.warnings.size(), size_t{2});
        // 61,233,632 MACs: counted independently from the JSON's weight_shape and output_shape
        // fields (H*W*Cout*kh*kw*Cin per conv, H*W*C*kh*kw per depthwise, Cin*Cout for MatMul).
        const GraphMetrics m = computeGraphMetrics(g);
        QCOMPARE(m.perNode.back().macs, int64_t{1024 * 1000});
        QCOMPARE(m.total.macs, int64_t{61233632});
    }
};

QTEST_GUILESS_MAIN(TestNnMeterIr)
#include "test_nnmeter_ir.moc"

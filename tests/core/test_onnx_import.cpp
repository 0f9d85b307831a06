// SPDX-License-Identifier: Apache-2.0
// ONNX import of real exporter output (torchvision networks, opsets 7-17) and of hand-built graphs
// in other exporters' spellings. MAC totals are checked against counts made independently with
// PyTorch forward hooks (tests/data/generate_fixtures.py).
#include <QtTest>

#include <QJsonDocument>
#include <QJsonObject>
#include <map>
#include <set>

#include "graph/metrics.h"
#include "onnx/onnx_loader.h"

using namespace km;

namespace {

std::string fixture(const QString& rel) { return (QStringLiteral(KM_FIXTURES_DIR "/") + rel).toStdString(); }

Graph loadOrFail(const std::string& path, const LoadOptions& options = {}) {
    Result<Graph> g = loadModelFile(path, options);
    if (!g) qFatal("loading %s failed: %s", path.c_str(), g.error().message.c_str());
    return std::move(g).value();
}

std::map<std::string, int> opCounts(const Graph& g) {
    std::map<std::string, int> c;
    for (const auto& n : g.nodes()) ++c[n.opType];
    return c;
}

const Node& nodeNamed(const Graph& g, const std::string& name) {
    auto i = g.indexOf(name);
    if (!i) qFatal("no node %s", name.c_str());
    return g.nodes()[*i];
}

}  // namespace

class TestOnnxImport : public QObject {
    Q_OBJECT
private slots:
    void realNetworks_data() {
        QTest::addColumn<QString>("name");
        QFile f(QStringLiteral(KM_FIXTURES_DIR "/real/expected_macs.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject all = QJsonDocument::fromJson(f.readAll()).object();
        QVERIFY(all.size() >= 12);
        for (const QString& name : all.keys()) QTest::newRow(qPrintable(name)) << name;
    }

    void realNetworks() {
        QFETCH(QString, name);
        QFile f(QStringLiteral(KM_FIXTURES_DIR "/real/expected_macs.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject expected = QJsonDocument::fromJson(f.readAll()).object().value(name).toObject();
        Graph g = loadOrFail(fixture("real/" + name + ".onnx"));
        QCOMPARE(g.info.opset, int64_t(expected.value("opset").toInt()));
        for (const auto& n : g.nodes()) {
            if (n.opType.rfind("other:", 0) == 0) QFAIL(qPrintable(QString("node %1 left as %2").arg(n.name.c_str(), n.opType.c_str())));
            for (const auto& out : n.outputs) QVERIFY2(g.tensor(out)->shape.known, out.c_str());
        }
        QVERIFY(g.warnings.empty());
        const GraphMetrics m = computeGraphMetrics(g);
        QCOMPARE(m.total.macs, int64_t(expected.value("macs").toDouble()));
        QCOMPARE(g.tensor(g.inputs.at(0))->shape.dims, (std::vector<int64_t>{1, 3, 224, 224}));
        QCOMPARE(g.tensor(g.outputs.at(0))->shape.dims, (std::vector<int64_t>{1, 1000}));
    }

    void patternsInRealNetworks() {
        auto shuffle = opCounts(loadOrFail(fixture("real/shufflenet_v2_x1_0.onnx")));
        QCOMPARE(shuffle["channelshuffle"], 16);
        QCOMPARE(shuffle["reshape"], 0);  // Shape/Gather/... subgraphs folded away
        auto v3 = loadOrFail(fixture("real/mobilenet_v3_small.onnx"));
        auto v3Counts = opCounts(v3);
        QCOMPARE(v3Counts["hswish"], 19);   // x * hardsigmoid(x) spelled as two nodes at opset 13
        QCOMPARE(v3Counts["hsigmoid"], 9);  // the SE gates stay hsigmoid
        std::set<std::string> seGroups;
        for (const auto& n : v3.nodes())
            if (!n.patternGroup.empty()) seGroups.insert(n.patternGroup);
        QCOMPARE(seGroups.size(), size_t{9});
        auto eff = opCounts(loadOrFail(fixture("real/efficientnet_b0.onnx")));
        QCOMPARE(eff["swish"], 49);
        QCOMPARE(eff["sigmoid"], 16);
        auto v2 = opCounts(loadOrFail(fixture("real/mobilenet_v2.onnx")));
        QCOMPARE(v2["relu6"], 35);  // Clip with Constant min/max inputs (opset 11)
        QCOMPARE(v2["dwconv"], 17);
        auto regnet = opCounts(loadOrFail(fixture("real/regnet_y_400mf.onnx")));
        QCOMPARE(regnet["gconv"], 16);
    }

    void batchFromOptionScalesEverything() {
        LoadOptions four;
        four.inputShapes[""] = {4, 3, 224, 224};
        const auto one = computeGraphMetrics(loadOrFail(fixture("real/resnet18.onnx")));
        const auto batch4 = computeGraphMetrics(loadOrFail(fixture("real/resnet18.onnx"), four));
        QCOMPARE(batch4.total.macs, 4 * one.total.macs);
        // Dynamic batch in the file (resnet50 was exported with a symbolic batch) becomes 1.
        Graph dyn = loadOrFail(fixture("real/resnet50.onnx"));
        QCOMPARE(dyn.tensor(dyn.inputs[0])->shape.dims[0], int64_t{1});
        // shufflenet's reshape targets are computed from the batch: 2 must flow through them.
        LoadOptions two;
        two.inputShapes["input"] = {2, 3, 160, 160};
        Graph s = loadOrFail(fixture("real/shufflenet_v2_x1_0.onnx"), two);
        QCOMPARE(s.tensor(s.outputs[0])->shape.dims, (std::vector<int64_t>{2, 1000}));
        QCOMPARE(opCounts(s)["channelshuffle"], 16);
    }

    void convBlockAttributesAreCanonical() {
        Graph g = loadOrFail(fixture("small/conv_block.onnx"));
        const Node& conv = nodeNamed(g, "conv1");
        QCOMPARE(conv.opType, std::string("conv"));
        QCOMPARE(conv.attrs.getInts("kernel"), (std::vector<int64_t>{3, 3}));
        QCOMPARE(conv.attrs.getInts("stride"), (std::vector<int64_t>{2, 2}));
        QCOMPARE(conv.attrs.getInts("pads"), (std::vector<int64_t>{1, 1, 1, 1}));
        QCOMPARE(conv.attrs.getInt("has_bias", 0), int64_t{1});
        const Node& dw = nodeNamed(g, "dw1");  // auto_pad SAME_UPPER resolved to explicit pads
        QCOMPARE(dw.opType, std::string("dwconv"));
        QCOMPARE(dw.attrs.getInt("groups", 0), int64_t{16});
        QCOMPARE(dw.attrs.getInts("pads"), (std::vector<int64_t>{1, 1, 1, 1}));
        QCOMPARE(nodeNamed(g, "relu6_1").opType, std::string("relu6"));  // Clip(min=0, max=6) attributes
        const Node& hs = nodeNamed(g, "hs_add");
        QCOMPARE(hs.opType, std::string("hswish"));
        QCOMPARE(hs.sourceNodes, (std::vector<std::string>{"hs_add", "hs_clip", "hs_mul", "hs_div"}));
        QCOMPARE(nodeNamed(g, "fc").attrs.getInt("in_features", 0), int64_t{16});
        // Symbolic batch "N" became 1.
        QCOMPARE(g.tensor("y")->shape.dims, (std::vector<int64_t>{1, 10}));
    }

    void exporterQuirksAreFolded() {
        Graph g = loadOrFail(fixture("small/shape_subgraph.onnx"));
        QVERIFY2(g.warnings.empty(), g.warnings.empty() ? "" : g.warnings[0].c_str());
        auto c = opCounts(g);
        QCOMPARE(c["channelshuffle"], 1);  // Shape/Gather/Div/Unsqueeze/Concat -> Reshape, folded
        QCOMPARE(c["relu6"], 1);           // Clip with a Constant node and an initializer as bounds
        QCOMPARE(c["hswish"], 1);          // x * HardSigmoid(x)
        QCOMPARE(c["swish"], 1);
        QCOMPARE(c["fc"], 1);  // MatMul with a constant 2-D weight
        QCOMPARE(int(g.nodes().size()), 10);
        // The Identity on the weight (an initializer also listed as an input) folds into a constant.
        const Tensor* w = g.tensor(nodeNamed(g, "conv1").inputs[1]);
        QVERIFY(w && w->isConstant);
        QCOMPARE(w->shape.dims, (std::vector<int64_t>{8, 4, 1, 1}));
        QVERIFY(!g.indexOf("identity_w1"));
        QCOMPARE(g.inputs, std::vector<std::string>{"x"});
        QCOMPARE(g.tensor(nodeNamed(g, "flatten_reshape").outputs[0])->shape.dims, (std::vector<int64_t>{1, 512}));
        QCOMPARE(nodeNamed(g, "pad").attrs.getInts("pads"), (std::vector<int64_t>{0, 0, 1, 1, 0, 0, 1, 1}));
    }

    void sliceWithNegativeStepFollowsOnnxClamping() {
        Graph g = loadOrFail(fixture("small/slice_negative_step.onnx"));
        QCOMPARE(int(g.nodes().size()), 2);  // Shape/Slice/Concat folded
        QCOMPARE(g.tensor("y")->shape.dims, (std::vector<int64_t>{1, 24}));
    }

    void seBlockAndRareOps() {
        Graph g = loadOrFail(fixture("small/se_block.onnx"));
        auto c = opCounts(g);
        QCOMPARE(c["gconv"], 1);
        QCOMPARE(c["hswish"], 1);
        QCOMPARE(c["resize"], 1);
        QCOMPARE(c["convtranspose"], 1);
        QCOMPARE(c["gap"], 2);  // GlobalAveragePool and ReduceMean over H, W
        QCOMPARE(nodeNamed(g, "se_scale").patternGroup, std::string("se:0"));
        QCOMPARE(nodeNamed(g, "se_gap").patternGroup, std::string("se:0"));
        QVERIFY(nodeNamed(g, "residual").patternGroup.empty());
        // ConvTranspose: MACs = input elements x (Cout / groups) x k x k
        const auto m = computeGraphMetrics(g);
        QCOMPARE(m.perNode[*g.indexOf("deconv")].macs, int64_t{8 * 14 * 14} * 6 * 4);
    }

    void opset7Graph() {
        Graph g = loadOrFail(fixture("small/mlp_opset7.onnx"));
        QCOMPARE(g.info.opset, int64_t{7});
        QCOMPARE(opCounts(g)["fc"], 2);
        QCOMPARE(computeGraphMetrics(g).total.macs, int64_t{48 * 32 + 32 * 10});
    }

    void patternsCanBeSwitchedOff() {
        LoadOptions raw;
        raw.recognisePatterns = false;
        Graph g = loadOrFail(fixture("small/conv_block.onnx"), raw);
        QCOMPARE(opCounts(g)["hswish"], 0);
        QCOMPARE(int(g.nodes().size()), 11);
    }
};

QTEST_GUILESS_MAIN(TestOnnxImport)
#include "test_onnx_import.moc"

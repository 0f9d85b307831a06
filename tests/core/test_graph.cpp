// SPDX-License-Identifier: Apache-2.0
// Graph value type, topological order, metrics conventions and pattern recognition on graphs built
// by hand, so every expectation is computed here from first principles.
#include <QtTest>

#include "graph/canonical_passes.h"
#include "graph/graph.h"
#include "graph/metrics.h"

using namespace km;

namespace {

// Small builder: tensors get explicit shapes; constants get values.
struct Builder {
    Graph g;
    std::vector<Node> nodes;
    void act(const std::string& name, std::vector<int64_t> dims) { g.addTensor({name, {dims, true}, DType::Float, false, {}}); }
    void constant(const std::string& name, std::vector<int64_t> dims, std::vector<double> values = {}) {
        g.addTensor({name, {dims, true}, DType::Float, true, values});
    }
    Node& node(const std::string& name, const std::string& op, std::vector<std::string> in, std::vector<std::string> out,
               const std::string& sourceOp = "") {
        Node n;
        n.name = name;
        n.opType = op;
        n.sourceOp = sourceOp.empty() ? op : sourceOp;
        n.inputs = std::move(in);
        n.outputs = std::move(out);
        n.sourceNodes = {name};
        nodes.push_back(std::move(n));
        return nodes.back();
    }
    Graph finish() {
        g.setNodes(std::move(nodes));
        return std::move(g);
    }
};

QStringList opTypes(const Graph& g) {
    QStringList l;
    for (const auto& n : g.nodes()) l << QString::fromStdString(n.opType);
    return l;
}

}  // namespace

class TestGraph : public QObject {
    Q_OBJECT
private slots:
    void parseDimsAcceptsOnlyPositiveLists() {
        QCOMPARE(parseDims("1x3x224x224").value(), (std::vector<int64_t>{1, 3, 224, 224}));
        QCOMPARE(parseDims("2,8").value(), (std::vector<int64_t>{2, 8}));
        QVERIFY(!parseDims(""));
        QVERIFY(!parseDims("1x"));
        QVERIFY(!parseDims("1x0x3"));
        QVERIFY(!parseDims("axb"));
        QVERIFY(!parseDims("-1x3"));
    }

    void numElementsDetectsOverflow() {
        TensorShape s{{1 << 30, 1 << 30, 1 << 30}, true};
        QVERIFY(!s.numElements());
        QCOMPARE(TensorShape({{2, 3, 4}, true}).numElements().value(), int64_t{24});
        QVERIFY(!TensorShape::unknown().numElements());
        QCOMPARE(TensorShape({{}, true}).toString(), std::string("scalar"));
    }

    void topologicalOrderKeepsValidFileOrderAndFixesOthers() {
        std::vector<Node> nodes(3);
        nodes[0] = {"c", "relu", "Relu", {"b"}, {"c_out"}, {}, {}, {}};
        nodes[1] = {"a", "relu", "Relu", {"x"}, {"a_out"}, {}, {}, {}};
        nodes[2] = {"b", "relu", "Relu", {"a_out"}, {"b"}, {}, {}, {}};
        auto topo = topologicalOrder(nodes);
        QVERIFY(!topo.cycleNode);
        QCOMPARE(topo.order, (std::vector<size_t>{1, 2, 0}));
    }

    void topologicalOrderNamesANodeOnTheCycle() {
        std::vector<Node> nodes(3);
        nodes[0] = {"head", "relu", "Relu", {"x"}, {"h"}, {}, {}, {}};
        nodes[1] = {"p", "add", "Add", {"h", "q_out"}, {"p_out"}, {}, {}, {}};
        nodes[2] = {"q", "relu", "Relu", {"p_out"}, {"q_out"}, {}, {}, {}};
        auto topo = topologicalOrder(nodes);
        QVERIFY(topo.cycleNode);
        QVERIFY(*topo.cycleNode == "p" || *topo.cycleNode == "q");
    }

    void metricsFollowTheDocumentedConventions() {
        Builder b;
        b.act("x", {1, 8, 16, 16});
        b.constant("w", {16, 4, 3, 3});
        b.constant("bias", {16});
        b.act("y", {1, 16, 8, 8});
        Node& conv = b.node("conv", "gconv", {"x", "w", "bias"}, {"y"});
        conv.attrs.set("groups", int64_t{2});
        conv.attrs.set("kernel", std::vector<int64_t>{3, 3});
        b.act("p", {1, 16, 4, 4});
        b.node("pool", "maxpool", {"y"}, {"p"}).attrs.set("kernel", std::vector<int64_t>{2, 2});
        b.act("r", {1, 16, 4, 4});
        b.node("act", "hswish", {"p"}, {"r"});
        b.act("f", {1, 256});
        b.node("flat", "flatten", {"r"}, {"f"});
        b.constant("wf", {10, 256});
        b.act("o", {1, 10});
        b.node("fc", "fc", {"f", "wf"}, {"o"}).attrs.set("in_features", int64_t{256});
        Graph g = b.finish();
        GraphMetrics m = computeGraphMetrics(g);
        // gconv: out elements x (Cin / groups) x k x k
        QCOMPARE(m.perNode[0].macs, int64_t{16 * 8 * 8} * (8 / 2) * 9);
        QCOMPARE(m.perNode[0].flops, 2 * m.perNode[0].macs);
        QCOMPARE(m.perNode[0].params, int64_t{16 * 4 * 9 + 16});
        QCOMPARE(m.perNode[0].bytesRead, int64_t{(8 * 16 * 16 + 16 * 4 * 9 + 16) * 4});
        QCOMPARE(m.perNode[0].bytesWritten, int64_t{16 * 8 * 8 * 4});
        QCOMPARE(m.perNode[1].flops, int64_t{16 * 4 * 4 * 4});  // k*k per output element
        QCOMPARE(m.perNode[2].flops, int64_t{16 * 4 * 4 * 4});  // hswish: 4 per element
        QCOMPARE(m.perNode[3].flops, int64_t{0});               // data movement
        QCOMPARE(m.perNode[4].macs, int64_t{10 * 256});
        QCOMPARE(m.total.macs, m.perNode[0].macs + m.perNode[4].macs);
        QCOMPARE(m.total.params, int64_t{16 * 4 * 9 + 16 + 2560});
    }

    void linksFollowCopiesAndNewTensors() {
        Builder b;
        b.act("x", {1, 8, 4, 4});
        b.act("y", {1, 8, 4, 4});
        b.act("s", {1, 8, 4, 4});
        b.node("relu", "relu", {"x"}, {"y"});
        b.node("add", "add", {"y", "z"}, {"s"});  // z does not exist yet
        b.node("other", "relu", {"y"}, {"w"});
        Graph g = b.finish();
        QCOMPARE(g.links(1).inputs[0], g.tensor("y"));
        QCOMPARE(g.links(1).inputs[1], static_cast<const Tensor*>(nullptr));
        QCOMPARE(g.links(1).producers, (std::vector<int32_t>{0, -1}));
        QCOMPARE(g.links(1).inputReaders, (std::vector<uint32_t>{2, 1}));  // y: add and other
        QCOMPARE(g.links(0).producers, (std::vector<int32_t>{-1}));
        QCOMPARE(g.firstOutput(2), static_cast<const Tensor*>(nullptr));

        g.addTensor({"z", {{1, 8, 4, 4}, true}, DType::Float, false, {}});
        g.addTensor({"w", {{1, 8, 4, 4}, true}, DType::Float, false, {}});
        QCOMPARE(g.links(1).inputs[1], g.tensor("z"));
        QCOMPARE(g.firstOutput(2), g.tensor("w"));
        g.addTensor({"y", {{1, 8, 2, 2}, true}, DType::Float, false, {}});  // replaced in place
        QCOMPARE(g.links(1).inputs[0]->shape.dims, (std::vector<int64_t>{1, 8, 2, 2}));

        const Graph copy = g;  // NOLINT(performance-unnecessary-copy-initialization): the copy is the test
        QCOMPARE(copy.links(1).inputs[1], copy.tensor("z"));
        QVERIFY(copy.links(1).inputs[1] != g.tensor("z"));
        Graph assigned;
        assigned = copy;
        QCOMPARE(assigned.firstActivationInput(1), assigned.tensor("y"));
        const Tensor* before = assigned.tensor("x");
        Graph moved = std::move(assigned);
        QCOMPARE(moved.links(0).inputs[0], before);  // moving keeps the tensors where they are
        QCOMPARE(computeGraphMetrics(copy).total.bytesRead, computeGraphMetrics(g).total.bytesRead);
    }

    void attributesAreCopiedOnWrite() {
        Attributes a;
        QVERIFY(!a.has("groups"));
        QVERIFY(a.all().empty());
        QCOMPARE(a.ints("kernel"), static_cast<const std::vector<int64_t>*>(nullptr));
        a.set("groups", int64_t{2});
        a.set("kernel", std::vector<int64_t>{3, 3});
        Attributes b = a;
        b.set("groups", int64_t{4});
        b.erase("kernel");
        QCOMPARE(a.getInt("groups", 0), int64_t{2});
        QCOMPARE(*a.ints("kernel"), (std::vector<int64_t>{3, 3}));
        QCOMPARE(b.getInt("groups", 0), int64_t{4});
        QVERIFY(!b.has("kernel"));
        QCOMPARE(a.ints("groups"), static_cast<const std::vector<int64_t>*>(nullptr));  // an int, not a list
        QCOMPARE(a.getInts("groups"), (std::vector<int64_t>{2}));
    }

    void tfStyleHswishBecomesOneNode() {
        // x -> add 3 -> relu6 -> mul x -> div 6   (and a second spelling: add, relu6, mul 1/6, mul x)
        Builder b;
        for (auto n : {"x", "a", "r", "m", "y", "a2", "r2", "s2", "y2"}) b.act(n, {1, 4, 2, 2});
        b.constant("three", {}, {3.0});
        b.constant("six", {}, {6.0});
        b.constant("sixth", {}, {1.0 / 6.0});
        b.node("add", "add", {"x", "three"}, {"a"}, "Add");
        b.node("clip", "relu6", {"a"}, {"r"}, "Clip");
        b.node("mul", "mul", {"x", "r"}, {"m"}, "Mul");
        b.node("div", "other:Div", {"m", "six"}, {"y"}, "Div");
        b.node("add2", "add", {"three", "y"}, {"a2"}, "Add");
        b.node("relu6b", "relu6", {"a2"}, {"r2"}, "Relu6");
        b.node("mul_sixth", "mul", {"r2", "sixth"}, {"s2"}, "Mul");
        b.node("gate", "mul", {"y", "s2"}, {"y2"}, "Mul");
        b.g.outputs = {"y2"};
        Graph g = b.finish();
        Graph literal = g;
        recognisePatterns(g);
        QCOMPARE(opTypes(g), QStringList({"hswish", "hswish"}));
        // A runtime that runs hswish's spellings node by node keeps them; hsigmoid is still merged.
        recognisePatterns(literal, {"hswish"});
        QCOMPARE(opTypes(literal), QStringList({"add", "relu6", "mul", "other:Div", "hsigmoid", "mul"}));
        QCOMPARE(g.nodes()[0].sourceNodes, (std::vector<std::string>{"add", "clip", "mul", "div"}));
        QCOMPARE(g.nodes()[0].inputs, std::vector<std::string>{"x"});
        QCOMPARE(g.nodes()[1].inputs, std::vector<std::string>{"y"});
        QCOMPARE(g.nodes()[1].outputs, std::vector<std::string>{"y2"});
        QCOMPARE(g.nodes()[1].sourceNodes.size(), size_t{4});
    }

    void gatesOnADifferentTensorAreNotActivations() {
        // mul(y, sigmoid(x)) with y != x is a gate (attention, SE), not swish.
        Builder b;
        for (auto n : {"x", "y", "s", "o"}) b.act(n, {1, 4, 2, 2});
        b.node("sig", "sigmoid", {"x"}, {"s"});
        b.node("gate", "mul", {"y", "s"}, {"o"});
        b.g.outputs = {"o"};
        Graph g = b.finish();
        recognisePatterns(g);
        QCOMPARE(opTypes(g), QStringList({"sigmoid", "mul"}));
    }

    void swishAndChannelShuffleAndSqueezeExcitation() {
        Builder b;
        b.act("x", {1, 8, 4, 4});
        b.act("s", {1, 8, 4, 4});
        b.act("sw", {1, 8, 4, 4});
        b.node("sig", "sigmoid", {"x"}, {"s"});
        b.node("swmul", "mul", {"x", "s"}, {"sw"});
        b.act("r5", {1, 2, 4, 4, 4});
        b.act("t5", {1, 4, 2, 4, 4});
        b.act("cs", {1, 8, 4, 4});
        b.node("rs1", "reshape", {"sw"}, {"r5"});
        b.node("tr", "transpose", {"r5"}, {"t5"}).attrs.set("perm", std::vector<int64_t>{0, 2, 1, 3, 4});
        b.node("rs2", "reshape", {"t5"}, {"cs"});
        b.act("g", {1, 8, 1, 1});
        b.act("c1", {1, 2, 1, 1});
        b.act("c1r", {1, 2, 1, 1});
        b.act("c2", {1, 8, 1, 1});
        b.act("h", {1, 8, 1, 1});
        b.act("se", {1, 8, 4, 4});
        b.node("gap", "gap", {"cs"}, {"g"});
        b.node("fc1", "conv", {"g"}, {"c1"});
        b.node("relu", "relu", {"c1"}, {"c1r"});
        b.node("fc2", "conv", {"c1r"}, {"c2"});
        b.node("hsig", "hsigmoid", {"c2"}, {"h"});
        b.node("scale", "mul", {"cs", "h"}, {"se"});
        b.g.outputs = {"se"};
        Graph g = b.finish();
        recognisePatterns(g);
        QCOMPARE(opTypes(g), QStringList({"swish", "channelshuffle", "gap", "conv", "relu", "conv", "hsigmoid", "mul"}));
        QCOMPARE(g.nodes()[1].attrs.getInt("groups", 0), int64_t{2});
        for (size_t i = 2; i < g.nodes().size(); ++i) QCOMPARE(g.nodes()[i].patternGroup, std::string("se:0"));
        QVERIFY(g.nodes()[0].patternGroup.empty());
    }
};

QTEST_GUILESS_MAIN(TestGraph)
#include "test_graph.moc"

// SPDX-License-Identifier: Apache-2.0
// Kernel partitioning under several rule sets: hand-built graphs whose kernels are worked out here
// (including the conv -> bn -> relu chain nn-Meter's root-type search splits wrongly, shared
// outputs, patterns and unknown ops), real exported networks (every node in exactly one kernel,
// kernel counts derived from the architecture), and rule-set JSON round trip and errors.
#include <QtTest>

#include "fusion/partition.h"
#include "onnx/onnx_loader.h"

using namespace km;

namespace {

struct Builder {
    Graph g;
    std::vector<Node> nodes;
    void act(const std::string& name, std::vector<int64_t> dims) { g.addTensor({name, {dims, true}, DType::Float, false, {}}); }
    Node& node(const std::string& name, const std::string& op, std::vector<std::string> in, const std::string& group = "") {
        Node n;
        n.name = name;
        n.opType = op;
        n.sourceOp = op;
        n.inputs = std::move(in);
        n.outputs = {name};
        n.sourceNodes = {name};
        n.patternGroup = group;
        act(name, {1, 8, 4, 4});
        nodes.push_back(std::move(n));
        return nodes.back();
    }
    Graph finish() {
        g.inputs = {"x"};
        g.setNodes(std::move(nodes));
        return std::move(g);
    }
};

RuleSet rules(std::initializer_list<std::pair<const char*, const char*>> fused) {
    RuleSet r;
    for (const auto& [a, b] : fused) r.pairs[{a, b}] = FusionRule{{a, b}, FusionVerdict::Fused, "manual", FusionVerdict::Fused, {}};
    return r;
}

FusionRule manual(std::vector<std::string> ops, FusionVerdict v) { return FusionRule{std::move(ops), v, "manual", v, {}}; }

// "conv-bn-relu[c,b,r] add[a]" : kernel types with member names, for exact comparisons.
QString describe(const Graph& g, const KernelPartition& p) {
    QStringList out;
    for (const auto& k : p.kernels) {
        QStringList names;
        for (size_t i : k.nodes) names << QString::fromStdString(g.nodes()[i].name);
        out << QString::fromStdString(k.type) + "[" + names.join(',') + "]" + (k.unknown ? "!" : "");
    }
    return out.join(' ');
}

void checkEveryNodeOnce(const Graph& g, const KernelPartition& p) {
    std::vector<int> count(g.nodes().size(), 0);
    for (const auto& k : p.kernels)
        for (size_t i : k.nodes) {
            ++count[i];
            QCOMPARE(p.kernelOfNode[i], k.id);
        }
    for (int c : count) QCOMPARE(c, 1);
}

Graph loadFixture(const char* rel) {
    Result<Graph> g = loadOnnxFile(std::string(KM_FIXTURES_DIR "/") + rel);
    if (!g) qFatal("%s", g.error().message.c_str());
    return std::move(g).value();
}

}  // namespace

class TestPartition : public QObject {
    Q_OBJECT
private slots:
    void chainFusesByLastOpNotRootOp() {
        Builder b;
        b.act("x", {1, 8, 4, 4});
        b.node("c", "conv", {"x"});
        b.node("b", "bn", {"c"});
        b.node("r", "relu", {"b"});
        const Graph g = b.finish();
        // conv_bn and bn_relu hold, conv_relu does not: one kernel. nn-Meter checks (conv, relu)
        // for the third op and would split it into conv-bn + relu.
        QCOMPARE(describe(g, partitionGraph(g, rules({{"conv", "bn"}, {"bn", "relu"}}))), QString("conv-bn-relu[c,b,r]"));
        // conv_relu alone does not let relu skip the bn in between.
        QCOMPARE(describe(g, partitionGraph(g, rules({{"conv", "bn"}, {"conv", "relu"}}))), QString("conv-bn[c,b] relu[r]"));
        QCOMPARE(describe(g, partitionGraph(g, RuleSet{})), QString("conv[c] bn[b] relu[r]"));
        // nn-Meter's search (kept for the comparison) asks the root's rule, so it splits the first
        // and joins the second.
        QCOMPARE(describe(g, partitionGraph(g, rules({{"conv", "bn"}, {"bn", "relu"}}), FusionAnchor::RootOp)),
                 QString("conv-bn[c,b] relu[r]"));
        QCOMPARE(describe(g, partitionGraph(g, rules({{"conv", "bn"}, {"conv", "relu"}}), FusionAnchor::RootOp)),
                 QString("conv-bn-relu[c,b,r]"));
        // A measured chain rule decides where the pair rules would mislead: OpenCV folds bn into the
        // convolution and then fuses relu, although bn -> relu alone runs apart.
        RuleSet chained = rules({{"conv", "bn"}});
        chained.pairs[{"bn", "relu"}] = manual({"bn", "relu"}, FusionVerdict::NotFused);
        QCOMPARE(describe(g, partitionGraph(g, chained)), QString("conv-bn[c,b] relu[r]"));
        chained.chains[{"conv", "bn", "relu"}] = manual({"conv", "bn", "relu"}, FusionVerdict::Fused);
        QCOMPARE(describe(g, partitionGraph(g, chained)), QString("conv-bn-relu[c,b,r]"));
        // ... and vetoes a pair rule; an inconclusive chain leaves the pair rule in charge.
        RuleSet vetoed = rules({{"conv", "bn"}, {"bn", "relu"}});
        vetoed.chains[{"conv", "bn", "relu"}] = manual({"conv", "bn", "relu"}, FusionVerdict::NotFused);
        QCOMPARE(describe(g, partitionGraph(g, vetoed)), QString("conv-bn[c,b] relu[r]"));
        vetoed.chains[{"conv", "bn", "relu"}].verdict = FusionVerdict::Inconclusive;
        QCOMPARE(describe(g, partitionGraph(g, vetoed)), QString("conv-bn-relu[c,b,r]"));
    }

    void sharedOutputNeedsTheMultiOutputRule() {
        // c's output is read by r and by the add: fusing r into c's kernel needs the multi-output rule.
        Builder b;
        b.act("x", {1, 8, 4, 4});
        b.node("c", "conv", {"x"});
        b.node("r", "relu", {"c"});
        b.node("a", "add", {"r", "c"});
        const Graph g = b.finish();
        RuleSet r = rules({{"conv", "relu"}, {"relu", "add"}});
        QCOMPARE(describe(g, partitionGraph(g, r)), QString("conv[c] relu-add[r,a]"));
        r.multiOutput["conv"] = manual({"conv", "relu"}, FusionVerdict::Fused);
        QCOMPARE(describe(g, partitionGraph(g, r)), QString("conv-relu-add[c,r,a]"));
        r.multiOutput["conv"] = manual({"conv", "relu"}, FusionVerdict::Inconclusive);  // only a fused verdict fuses
        QCOMPARE(describe(g, partitionGraph(g, r)), QString("conv[c] relu-add[r,a]"));
    }

    void addJoinsTheFirstQualifyingInputAndOnlyATail() {
        // Two branches meet in an add; the add may fuse into either producer. The first input's
        // producer (p) ends its kernel, so the add goes there; q's kernel is left alone.
        Builder b;
        b.act("x", {1, 8, 4, 4});
        b.node("p", "conv", {"x"});
        b.node("q", "conv", {"x"});
        b.node("a", "add", {"p", "q"});
        b.node("r", "relu", {"a"});
        const Graph g = b.finish();
        QCOMPARE(describe(g, partitionGraph(g, rules({{"conv", "add"}, {"add", "relu"}}))), QString("conv-add-relu[p,a,r] conv[q]"));
        // p is not the tail of its kernel any more once something else joined it first.
        Builder b2;
        b2.act("x", {1, 8, 4, 4});
        b2.node("p", "conv", {"x"});
        b2.node("s", "sigmoid", {"p"});
        b2.node("t", "relu", {"p"});
        const Graph g2 = b2.finish();
        RuleSet r = rules({{"conv", "sigmoid"}, {"conv", "relu"}});
        r.multiOutput["conv"] = manual({"conv", "relu"}, FusionVerdict::Fused);
        QCOMPARE(describe(g2, partitionGraph(g2, r)), QString("conv-sigmoid[p,s] relu[t]"));
    }

    void patternsAndUnknownOps() {
        Builder b;
        b.act("x", {1, 8, 4, 4});
        b.node("c", "conv", {"x"});
        b.node("g", "gap", {"c"}, "se:0");
        b.node("f1", "fc", {"g"}, "se:0");
        b.node("s", "hsigmoid", {"f1"}, "se:0");
        b.node("m", "mul", {"c", "s"}, "se:0");
        b.node("u", "other:Foo", {"m"});
        b.node("r", "relu", {"u"});
        const Graph g = b.finish();
        RuleSet r = rules({{"conv", "gap"}, {"other:Foo", "relu"}, {"mul", "other:Foo"}, {"gap", "fc"}});
        r.patterns = {"se"};
        // The SE group is one kernel; an unknown op neither joins nor is joined.
        QCOMPARE(describe(g, partitionGraph(g, r)), QString("conv[c] se[g,f1,s,m] other:Foo[u]! relu[r]"));
        // Without the pattern, the pair rules apply to its nodes; conv's output is also read by the
        // mul, so gap does not join conv (no multi-output rule) but fc joins gap.
        r.patterns.clear();
        QCOMPARE(describe(g, partitionGraph(g, r)), QString("conv[c] gap-fc[g,f1] hsigmoid[s] mul[m] other:Foo[u]! relu[r]"));
    }

    void configCarriesShapesAndRootAttributes() {
        const Graph g = loadFixture("small/conv_block.onnx");
        const KernelPartition p = partitionGraph(g, rules({{"conv", "bn"}, {"bn", "relu6"}, {"dwconv", "hswish"}}));
        QCOMPARE(describe(g, p), QString("conv-bn-relu6[conv1,bn1,relu6_1] dwconv-hswish[dw1,hs_add] gap[gap] flatten[flatten] fc[fc]"));
        const Kernel& k = p.kernels[0];
        QCOMPARE(k.config.inputShapes, (std::vector<std::vector<int64_t>>{{1, 3, 32, 32}}));
        QCOMPARE(k.config.outputShape, (std::vector<int64_t>{1, 16, 16, 16}));
        QCOMPARE(k.config.attrs.getInts("stride"), (std::vector<int64_t>{2, 2}));
        QCOMPARE(p.kernels[1].config.attrs.getInt("groups", 0), int64_t{16});
    }

    void realNetworksUnderOpenCvStyleRules() {
        // The exporter folds bn into conv. conv-relu and conv-add-relu: ResNet-18 has 20 convolutions
        // (17 in blocks and stem, 3 downsample), each the root of one kernel; then maxpool, gap,
        // flatten, fc.
        const RuleSet r = rules({{"conv", "relu"}, {"conv", "add"}, {"add", "relu"}});
        const Graph resnet = loadFixture("real/resnet18.onnx");
        const KernelPartition p = partitionGraph(resnet, r);
        checkEveryNodeOnce(resnet, p);
        QCOMPARE(int(p.kernels.size()), 20 + 4);
        int withAdd = 0;
        for (const auto& k : p.kernels) withAdd += k.type == "conv-add-relu";
        QCOMPARE(withAdd, 8);  // one per basic block
        for (const char* net : {"real/mobilenet_v2.onnx", "real/mobilenet_v3_small.onnx", "real/shufflenet_v2_x1_0.onnx",
                                "real/googlenet.onnx", "real/densenet121.onnx"}) {
            const Graph g = loadFixture(net);
            checkEveryNodeOnce(g, partitionGraph(g, r));
            const KernelPartition none = partitionGraph(g, noFusionRuleSet("x"));
            checkEveryNodeOnce(g, none);
            for (const auto& k : none.kernels) QVERIFY(k.nodes.size() == 1 || k.pattern);
        }
    }

    void ruleSetJsonRoundTripAndErrors() {
        RuleSet r = rules({{"conv", "relu"}});
        r.deviceId = "opencv-t1";
        r.pairs[{"conv", "add"}] = FusionRule{{"conv", "add"},
                                              FusionVerdict::NotFused,
                                              "timing",
                                              FusionVerdict::NotFused,
                                              {FusionEvidence{"hw28_c64", 1.0, 0.2, 1.1, 0.05, 0.05, -0.01, 0.1, 20, false}}};
        r.chains[{"conv", "bn", "relu"}] = manual({"conv", "bn", "relu"}, FusionVerdict::Fused);
        r.spellings["hswish"] = SpellingRule{
            "hswish", "x * HardSigmoid(x)", FusionVerdict::NotFused, "runtime", {SpellingEvidence{"hw28_c96", 0.1, 0.05, 0.01, 40, 2}}};
        r.multiOutput["conv"] = manual({"conv", "relu"}, FusionVerdict::NotFused);
        r.patterns = {"se"};
        const std::string text = ruleSetToJson(r);
        Result<RuleSet> back = parseRuleSet(text, "rules.json");
        QVERIFY2(back.ok(), back.ok() ? "" : back.error().message.c_str());
        QCOMPARE(ruleSetToJson(back.value()), text);
        QVERIFY(back.value().fuses("conv", "relu") && !back.value().fuses("conv", "add") && !back.value().fuses("relu", "conv"));
        QCOMPARE(back.value().pairs.at({"conv", "add"}).evidence.at(0).runtimeSaysFused, std::optional<bool>(false));
        QVERIFY(back.value().fusesAfter("conv", "bn", "relu") && !back.value().fusesAfter("dwconv", "bn", "relu"));
        QCOMPARE(back.value().literalSpellings(), std::vector<std::string>{"hswish"});
        QCOMPARE(back.value().spellings.at("hswish").evidence.at(0).workingLayers, std::optional<int>(2));
        // The short multi_output form: producer -> verdict.
        auto shortForm = parseRuleSet(R"({"schema": "kernelmeter.rules/1", "multi_output": {"conv": "fused"}})", "r.json");
        QVERIFY(shortForm.ok() && shortForm.value().fusesWithOtherConsumers("conv") && !shortForm.value().fusesWithOtherConsumers("add"));
        auto badChain =
            parseRuleSet(R"({"schema": "kernelmeter.rules/1", "chains": [{"ops": ["conv", "bn"], "verdict": "fused"}]})", "r.json");
        QVERIFY(!badChain.ok());
        QCOMPARE(QString::fromStdString(badChain.error().message), QString("r.json: chain #1: field 'ops' must name three ops."));

        auto bad = parseRuleSet(R"({"schema": "kernelmeter.rules/1", "pairs": [{"first": "conv", "second": "relu", "verdict": "maybe"}]})",
                                "r.json");
        QVERIFY(!bad.ok());
        QCOMPARE(QString::fromStdString(bad.error().message),
                 QString("r.json: pair conv -> relu: field 'verdict' must be fused, not_fused or inconclusive."));
        auto missing = parseRuleSet(R"({"schema": "kernelmeter.rules/1", "pairs": [{"first": "conv", "verdict": "fused"}]})", "r.json");
        QVERIFY(!missing.ok());
        QVERIFY(QString::fromStdString(missing.error().message).startsWith("r.json: pair #1: "));
        QVERIFY(!parseRuleSet("[]", "r.json").ok());
        QVERIFY(!parseRuleSet(R"({"schema": "other"})", "r.json").ok());
    }
};

QTEST_GUILESS_MAIN(TestPartition)
#include "test_partition.moc"

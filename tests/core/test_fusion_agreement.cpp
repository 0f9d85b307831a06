// The shipped opencv-t1 rule set against OpenCV's own account of its fusion (layers reporting zero
// time, grouped with the layer that executes them). One short measurement per network gives the
// groups; no time is asserted. ResNet-18 and MobileNetV2 must agree on at least 95% of nodes (both
// 100% when written). MobileNetV3-Small (69%: the file spells hswish as x * HardSigmoid(x), OpenCV
// fuses conv + HardSigmoid and runs the Mul apart, our graph merged them into one hswish) and
// ShuffleNetV2 (77%: OpenCV's in-place concat and slice) are printed, not asserted: issue 4 is open
// on them (docs/fusion.md).
#include <QtTest>

#include "fusion/agreement.h"
#include "workflows/measure_models.h"

using namespace km;

class TestFusionAgreement : public QObject {
    Q_OBJECT
private slots:
    void shippedOpenCvRulesMatchOpenCvsFusionGroups() {
        Result<RuleSet> rules = loadRuleSetFile(KM_SOURCE_DIR "/datasets/rules/opencv-t1.json");
        QVERIFY2(rules.ok(), rules.ok() ? "" : rules.error().message.c_str());
        MeasureModelsOptions o;
        o.protocol.warmupRuns = 1;
        o.protocol.warmupMinMs = 0;
        o.protocol.rounds = 1;
        o.protocol.runsPerRound = 1;
        o.protocol.instances = 1;
        o.protocol.maxExtraInstances = 0;
        o.reference = false;
        o.agent.agentPath = KM_AGENT_PATH;
        const std::vector<std::string> nets{"resnet18", "mobilenet_v2", "mobilenet_v3_small", "shufflenet_v2_x1_0"};
        std::vector<std::string> paths;
        for (const auto& n : nets) paths.push_back(std::string(KM_FIXTURES_DIR "/real/") + n + ".onnx");
        const auto reports = measureModels(paths, *findBuiltinDevice("opencv-t1"), o);
        for (size_t i = 0; i < nets.size(); ++i) {
            QVERIFY2(reports[i].ok, reports[i].error.c_str());
            LoadOptions literal;
            literal.literalSpellings = rules.value().literalSpellings();
            Result<Graph> g = loadModelFile(paths[i], literal);
            QVERIFY(g.ok());
            const Agreement a = compareWithRuntime(g.value(), partitionGraph(g.value(), rules.value()), reports[i].fusionGroups);
            QString differing;
            for (const auto& d : a.differing) differing += QString::fromStdString(d) + " ";
            qInfo("%s: %d of %d nodes agree (%.1f%%); differing: %s", nets[i].c_str(), a.agreeing, a.nodes,
                  100 * a.share(), qPrintable(differing));
            if (i < 2) QVERIFY2(a.share() >= 0.95, nets[i].c_str());
        }
    }
};

QTEST_GUILESS_MAIN(TestFusionAgreement)
#include "test_fusion_agreement.moc"

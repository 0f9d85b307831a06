// SPDX-License-Identifier: Apache-2.0
// The model-family generators (core/zoo): every family yields models that pass shape inference
// and our loader, made only of ops and kernels the shipped rule sets know, deterministic in the
// seed and different across seeds; bad requests fail with a message naming the problem.
#include <QtTest>
#include <set>

#include "fusion/partition.h"
#include "fusion/rule_set.h"
#include "onnx/onnx_loader.h"
#include "zoo/zoo.h"

using namespace km;

class TestZoo : public QObject {
    Q_OBJECT
private slots:
    void listsTheFifteenFamilies() {
        const std::vector<std::string>& f = zooFamilies();
        QCOMPARE(int(f.size()), 15);
        for (const char* name : {"alexnet", "vgg", "resnet", "densenet", "googlenet", "squeezenet", "mobilenetv1", "mobilenetv2",
                                 "mobilenetv3", "shufflenetv2", "mnasnet", "proxylessnas", "efficientnet", "regnet", "nasbench201"})
            QVERIFY2(std::find(f.begin(), f.end(), name) != f.end(), name);
    }

    void everyFamilyYieldsValidVariedModels_data() {
        QTest::addColumn<QString>("family");
        for (const std::string& f : zooFamilies()) QTest::newRow(f.c_str()) << QString::fromStdString(f);
    }
    void everyFamilyYieldsValidVariedModels() {
        QFETCH(QString, family);
        Result<RuleSet> opencv = loadRuleSetFile(KM_SOURCE_DIR "/datasets/rules/opencv-t1.json");
        Result<RuleSet> xnnpack = loadRuleSetFile(KM_SOURCE_DIR "/datasets/rules/xnnpack-t1.json");
        QVERIFY(opencv.ok() && xnnpack.ok());
        // Small inputs keep the suite quick; the families' own resolution lists reach 320.
        ZooOptions small;
        small.maxResolution = 160;
        std::set<std::string> descriptions, bytes;
        const uint32_t seeds = 5;
        for (uint32_t seed = 1; seed <= seeds; ++seed) {
            Result<ZooModel> m = generateZooModel(family.toStdString(), seed, small);
            QVERIFY2(m.ok(), m.ok() ? "" : m.error().message.c_str());
            const ZooModel& model = m.value();
            const QString what = QString::fromStdString(model.name + " (" + model.description + ")");
            QCOMPARE(QString::fromStdString(model.family), family);
            QCOMPARE(model.seed, seed);
            QVERIFY2(model.resolution >= 96 && model.resolution <= 160, qPrintable(what));
            QCOMPARE(generateZooModel(model.family, seed, small).value().bytes, model.bytes);
            descriptions.insert(model.description);
            bytes.insert(model.bytes);
            for (const RuleSet* rules : {&opencv.value(), &xnnpack.value()}) {
                LoadOptions lo;
                lo.literalSpellings = rules->literalSpellings();
                Result<Graph> g = loadOnnxBytes(model.bytes.data(), model.bytes.size(), model.name, "", lo);
                QVERIFY2(g.ok(), g.ok() ? "" : qPrintable(what + ": " + QString::fromStdString(g.error().message)));
                for (const Node& n : g.value().nodes())
                    QVERIFY2(n.opType.rfind("other:", 0) != 0, qPrintable(what + ": " + QString::fromStdString(n.opType)));
                const KernelPartition p = partitionGraph(g.value(), *rules);
                QVERIFY2(p.kernels.size() >= 8, qPrintable(what));
                for (const Kernel& k : p.kernels) QVERIFY2(!k.unknown, qPrintable(what + ": " + QString::fromStdString(k.type)));
            }
        }
        QCOMPARE(bytes.size(), size_t(seeds));
        QVERIFY2(descriptions.size() >= seeds - 1, qPrintable(family));
    }

    void defaultRangeReachesLargeInputs() {
        // Over a few seeds, the default options produce some resolution above 224 for a family
        // whose list reaches 320.
        int64_t largest = 0;
        for (uint32_t seed = 1; seed <= 12; ++seed) largest = std::max(largest, generateZooModel("mobilenetv2", seed).value().resolution);
        QVERIFY2(largest > 224, qPrintable(QString::number(largest)));
    }

    void badRequestsAreRefusedWithTheReason() {
        Result<ZooModel> unknown = generateZooModel("lenet", 1);
        QVERIFY(!unknown.ok());
        QVERIFY(unknown.error().message.find("'lenet'") != std::string::npos);
        QVERIFY(unknown.error().message.find("mobilenetv2") != std::string::npos);
        ZooOptions tiny;
        tiny.minResolution = 8;
        tiny.maxResolution = 32;
        Result<ZooModel> range = generateZooModel("resnet", 1, tiny);
        QVERIFY(!range.ok());
        QVERIFY2(range.error().message.find("resnet-1") != std::string::npos && range.error().message.find("8..32") != std::string::npos,
                 range.error().message.c_str());
    }
};

QTEST_GUILESS_MAIN(TestZoo)
#include "test_zoo.moc"

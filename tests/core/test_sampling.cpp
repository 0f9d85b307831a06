// SPDX-License-Identifier: Apache-2.0
// Kernel-configuration sampling: the shipped prior loads, sampling is deterministic on a seed,
// distinct, valid and spread over the space; neighbours stay valid; every kernel type the shipped
// rules can form builds into a model that our own loader reads back with the expected kernel, and
// the same graph built for analysis only (large weights without values) reads back alike.
#include <QtTest>

#include <algorithm>
#include <set>

#include "fusion/partition.h"
#include "graph/metrics.h"
#include "onnx/onnx_loader.h"
#include "sampling/kernel_models.h"
#include "sampling/kernel_spec.h"

using namespace km;

class TestSampling : public QObject {
    Q_OBJECT
private:
    Prior m_prior;

private slots:
    void initTestCase() {
        Result<Prior> p = loadPrior(KM_SOURCE_DIR "/datasets/priors");
        QVERIFY2(p.ok(), p.ok() ? "" : p.error().message.c_str());
        m_prior = p.value();
        QCOMPARE(int(m_prior.conv.size()), 1251);
        QCOMPARE(int(m_prior.dwconv.size()), 276);
        QCOMPARE(int(m_prior.fc.size()), 28);
        QCOMPARE(int(m_prior.pooling.size()), 54);
    }

    void samplingIsDeterministicDistinctAndValid() {
        SamplerOptions o;
        o.seed = 7;
        const auto a = sampleSpecs(m_prior, "conv-bn-relu", 300, o), b = sampleSpecs(m_prior, "conv-bn-relu", 300, o);
        QCOMPARE(a.size(), size_t{300});
        std::set<std::string> keys, hs;
        std::set<int64_t> kernels, strides;
        bool nonSquare = false;
        for (size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(a[i].key(), b[i].key());
            std::string why;
            QVERIFY2(validSpec(a[i], &why), qPrintable(QString::fromStdString(a[i].key() + ": " + why)));
            keys.insert(a[i].key());
            hs.insert(std::to_string(a[i].h));
            kernels.insert(a[i].kernel);
            strides.insert(a[i].stride);
            nonSquare = nonSquare || a[i].h != a[i].w;
        }
        QCOMPARE(keys.size(), a.size());
        QVERIFY(hs.size() >= 10);  // spread over sizes, not only the prior's
        QCOMPARE(kernels, (std::set<int64_t>{1, 3, 5, 7}));
        QCOMPARE(strides, (std::set<int64_t>{1, 2}));
        QVERIFY(nonSquare);
        o.seed = 8;
        QVERIFY(sampleSpecs(m_prior, "conv-bn-relu", 300, o)[0].key() != a[0].key() ||
                sampleSpecs(m_prior, "conv-bn-relu", 300, o)[1].key() != a[1].key());
        // Excluded specs never come back.
        o.seed = 7;
        const auto more = sampleSpecs(m_prior, "conv-bn-relu", 50, o, a);
        for (const auto& s : more) QVERIFY(!keys.count(s.key()));
    }

    void familiesKeepTheirInvariants() {
        SamplerOptions o;
        for (const auto& s : sampleSpecs(m_prior, "dwconv-relu6", 100, o)) QVERIFY(s.cin == s.cout && s.groups == s.cin && s.kernel >= 3);
        // Grouped convolutions as real networks have them: many groups (ResNeXt's 32) and narrow
        // groups (RegNet's 8 to 16 channels per group) both occur, not only a few wide groups.
        size_t manyGroups = 0, narrowGroups = 0;
        for (const auto& s : sampleSpecs(m_prior, "gconv-relu", 200, o)) {
            QVERIFY(s.groups >= 2 && s.cin % s.groups == 0 && s.cout % s.groups == 0);
            manyGroups += s.groups >= 16;
            narrowGroups += s.cin / s.groups <= 16;
        }
        QCOMPARE_GT(manyGroups, size_t(30));
        QCOMPARE_GT(narrowGroups, size_t(30));
        const KernelSpec g{"gconv-relu", 28, 28, 256, 256, 3, 1, 32};
        std::set<int64_t> neighbourGroups;
        for (const auto& x : neighbours(g)) neighbourGroups.insert(x.groups);
        QVERIFY(neighbourGroups.count(16) && neighbourGroups.count(64));
        for (const auto& s : sampleSpecs(m_prior, "add-relu", 100, o)) QVERIFY(s.cin == s.cout && s.kernel == 1);
        // Fully connected kernels reach AlexNet-sized heads (the prior's 9216 x 4096 and 4096 x 4096
        // layers), not only the convolution channel counts; VGG's 25088 x 4096 stays too large.
        size_t wide = 0;
        for (const auto& s : sampleSpecs(m_prior, "fc", 100, o)) {
            QVERIFY(s.h == 1 && s.w == 1);
            wide += std::max(s.cin, s.cout) >= 4096;
        }
        QCOMPARE_GT(wide, size_t(10));
        QVERIFY(validSpec(KernelSpec{"fc-relu", 1, 1, 9216, 4096, 1, 1, 1}));
        QVERIFY(!validSpec(KernelSpec{"fc-relu", 1, 1, 25088, 4096, 1, 1, 1}));
        QVERIFY(!validSpec(KernelSpec{"conv", 1, 1, 9216, 4096, 1, 1, 1}));  // convolution weights stay at 64 MB
        std::set<int64_t> fcNeighbourWidths;
        for (const auto& x : neighbours(KernelSpec{"fc", 1, 1, 4096, 4096, 1, 1, 1})) fcNeighbourWidths.insert(x.cin);
        QVERIFY(fcNeighbourWidths.count(4608) && fcNeighbourWidths.count(3072));
        for (const auto& s : sampleSpecs(m_prior, "channelshuffle", 100, o)) QVERIFY(s.cin % 2 == 0);
    }

    void neighboursAreValidDistinctAndNear() {
        const KernelSpec s{"conv-relu", 28, 28, 64, 128, 3, 1, 1};
        const auto n = neighbours(s);
        QVERIFY(n.size() >= 10);
        std::set<std::string> keys;
        for (const auto& x : n) {
            QVERIFY(validSpec(x));
            QVERIFY(x.key() != s.key());
            QVERIFY(keys.insert(x.key()).second);
        }
        const KernelSpec dw{"dwconv", 14, 14, 96, 96, 3, 2, 96};
        for (const auto& x : neighbours(dw)) QVERIFY(x.cin == x.cout && x.groups == x.cin);
    }

    // A chained kernel's inner convolution (the depthwise one of conv-relu6-dwconv-relu6) is a
    // sampled dimension: windows 3 to 7 and strides 1 and 2 are drawn, neighbours move them, and the
    // kernel model really has that window.
    void innerWindowsAreSampledAndBuilt() {
        QVERIFY(hasInnerWindow("conv-relu6-dwconv-relu6") && hasInnerWindow("hswish-dwconv") && !hasInnerWindow("conv-relu"));
        QVERIFY(!hasInnerWindow("dwconv-relu"));
        SamplerOptions o;
        o.seed = 3;
        std::set<int64_t> windows, strides;
        for (const KernelSpec& s : sampleSpecs(m_prior, "conv-relu6-dwconv-relu6", 300, o)) {
            QVERIFY2(s.innerKernel >= 3 && s.innerKernel <= 7, s.key().c_str());
            windows.insert(s.innerKernel);
            strides.insert(s.innerStride);
        }
        QCOMPARE(windows, (std::set<int64_t>{3, 5, 7}));
        QCOMPARE(strides, (std::set<int64_t>{1, 2}));
        for (const KernelSpec& s : sampleSpecs(m_prior, "conv-relu", 50, o)) QCOMPARE(s.innerKernel, int64_t(0));

        const KernelSpec spec{"conv-relu6-dwconv-relu6", 28, 28, 32, 96, 1, 1, 1, 7, 2};
        QCOMPARE(spec.key(), std::string("conv-relu6-dwconv-relu6 h28 w28 c32-96 k1 s1 g1 ik7 is2"));
        QVERIFY(!validSpec(KernelSpec{"conv-relu", 28, 28, 32, 96, 1, 1, 1, 7, 2}));
        bool movedWindow = false, movedStride = false;
        for (const KernelSpec& n : neighbours(spec)) {
            movedWindow = movedWindow || n.innerKernel == 5;
            movedStride = movedStride || n.innerStride == 1;
        }
        QVERIFY(movedWindow && movedStride);
        Result<std::string> bytes = buildKernelModel(spec, 1);
        QVERIFY(bytes.ok());
        Result<Graph> g = loadOnnxBytes(bytes.value().data(), bytes.value().size(), spec.key(), "");
        QVERIFY(g.ok());
        bool found = false;
        for (const Node& n : g.value().nodes())
            if (n.opType == "dwconv") {
                QCOMPARE(n.attrs.getInts("kernel"), (std::vector<int64_t>{7, 7}));
                QCOMPARE(n.attrs.getInts("stride"), (std::vector<int64_t>{2, 2}));
                found = true;
            }
        QVERIFY(found);
    }

    // Convolution-then-depthwise chains are sampled as real networks build them: mostly a 1 x 1
    // expansion widening the channels 2-6x, so the depthwise layer carries a real share of the
    // work (with the conv prior's roots, fewer than one in five were expansions).
    void chainRootsAreMostlyExpansions() {
        SamplerOptions o;
        o.seed = 5;
        const auto specs = sampleSpecs(m_prior, "conv-relu6-dwconv-relu6", 300, o);
        QCOMPARE(specs.size(), size_t(300));
        const auto expansions = std::count_if(
            specs.begin(), specs.end(), [](const KernelSpec& s) { return s.kernel == 1 && s.cout >= 2 * s.cin && s.cout <= 8 * s.cin; });
        QVERIFY2(expansions >= 150, qPrintable(QString("%1 of 300 chains have an expansion root").arg(expansions)));
        QVERIFY2(expansions <= 270, "the other convolutions of the prior are still drawn");
        // Kernel types without an inner window draw from the whole conv prior as before.
        const auto plain = sampleSpecs(m_prior, "conv-relu", 300, o);
        const auto plainExpansions = std::count_if(
            plain.begin(), plain.end(), [](const KernelSpec& s) { return s.kernel == 1 && s.cout >= 2 * s.cin && s.cout <= 8 * s.cin; });
        QVERIFY2(plainExpansions < 100, qPrintable(QString("%1 of 300 conv-relu kernels").arg(plainExpansions)));
    }

    void badPriorFilesNameTheLine() {
        QTemporaryDir dir;
        for (const char* f : {"dwconv.csv", "fc.csv", "pooling.csv"})
            QFile::copy(KM_SOURCE_DIR "/datasets/priors/" + QString(f), dir.filePath(f));
        QFile conv(dir.filePath("conv.csv"));
        QVERIFY(conv.open(QIODevice::WriteOnly));
        conv.write("model,input_h,input_w,cin,cout,ks,stride,groups\nnet,28,28,64,128,3,1,1\nnet,28,x,64,128,3,1,1\n");
        conv.close();
        Result<Prior> p = loadPrior(dir.path().toStdString());
        QVERIFY(!p.ok());
        QVERIFY2(QString::fromStdString(p.error().message).endsWith("conv.csv:3: field 'input_w' is 'x', not a positive integer."),
                 p.error().message.c_str());
        QVERIFY(!loadPrior("/nonexistent").ok());
    }

    void everyKernelTypeBuildsAndPartitionsBack_data() {
        QTest::addColumn<QString>("type");
        for (const char* t : {"conv",
                              "conv-relu",
                              "conv-bn-relu6",
                              "dwconv-bn-relu",
                              "gconv-relu6",
                              "convtranspose-bn",
                              "fc-relu",
                              "maxpool",
                              "avgpool",
                              "gap",
                              "add-relu",
                              "mul",
                              "bn",
                              "hswish",
                              "sigmoid",
                              "concat",
                              "split-concat",
                              "channelshuffle",
                              "softmax",
                              "pad",
                              "flatten"})
            QTest::newRow(t) << QString(t);
    }
    void everyKernelTypeBuildsAndPartitionsBack() {
        QFETCH(QString, type);
        SamplerOptions o;
        const auto specs = sampleSpecs(m_prior, type.toStdString(), 5, o);
        QVERIFY(!specs.empty());
        // Rules fusing every consecutive pair of the type: the model must come back as one kernel.
        RuleSet all;
        const QStringList ops = type.split('-');
        for (int i = 0; i + 1 < ops.size(); ++i)
            all.pairs[{ops[i].toStdString(), ops[i + 1].toStdString()}] =
                FusionRule{{ops[i].toStdString(), ops[i + 1].toStdString()}, FusionVerdict::Fused, "manual", FusionVerdict::Fused, {}};
        for (const auto& s : specs) {
            Result<std::string> bytes = buildKernelModel(s, 1);
            QVERIFY2(bytes.ok(), bytes.ok() ? "" : bytes.error().message.c_str());
            Result<Graph> g = loadOnnxBytes(bytes.value().data(), bytes.value().size(), s.key(), "");
            QVERIFY2(g.ok(), g.ok() ? "" : g.error().message.c_str());
            const KernelPartition p = partitionGraph(g.value(), all);
            bool found = false;
            for (const auto& k : p.kernels) found = found || k.type == s.type;
            QVERIFY2(found, qPrintable(QString::fromStdString(s.key())));
            QVERIFY(buildKernelOverheadModel(s, 1).ok());
            // The model for analysis only reads back as the same graph: nodes, ops, kernels and
            // every node's MACs, FLOPs, parameters and bytes moved.
            Result<std::string> described = buildKernelModelForAnalysis(s);
            QVERIFY2(described.ok(), described.ok() ? "" : described.error().message.c_str());
            QVERIFY(described.value().size() <= bytes.value().size());
            Result<Graph> d = loadOnnxBytes(described.value().data(), described.value().size(), s.key(), "");
            QVERIFY2(d.ok(), d.ok() ? "" : d.error().message.c_str());
            QCOMPARE(d.value().nodes().size(), g.value().nodes().size());
            for (size_t i = 0; i < d.value().nodes().size(); ++i) QCOMPARE(d.value().nodes()[i].opType, g.value().nodes()[i].opType);
            std::vector<std::string> kernelTypes, describedTypes;
            for (const auto& k : p.kernels) kernelTypes.push_back(k.type);
            for (const auto& k : partitionGraph(d.value(), all).kernels) describedTypes.push_back(k.type);
            QCOMPARE(describedTypes, kernelTypes);
            const auto full = computeGraphMetrics(g.value()).perNode, alone = computeGraphMetrics(d.value()).perNode;
            QCOMPARE(alone.size(), full.size());
            for (size_t i = 0; i < full.size(); ++i) {
                QCOMPARE(alone[i].macs, full[i].macs);
                QCOMPARE(alone[i].flops, full[i].flops);
                QCOMPARE(alone[i].params, full[i].params);
                QCOMPARE(alone[i].bytesRead, full[i].bytesRead);
                QCOMPARE(alone[i].bytesWritten, full[i].bytesWritten);
            }
        }
    }

    // Describing a large kernel generates no weights: a fully connected 4608 -> 9216 kernel (42
    // million weights, 170 MB as a runnable model) is under 100 kB for analysis.
    void largeKernelsAreDescribedWithoutTheirWeights() {
        KernelSpec fc;
        fc.type = "fc-relu";
        fc.h = fc.w = 1;
        fc.cin = 4608;
        fc.cout = 9216;
        fc.kernel = fc.stride = fc.groups = 1;
        Result<std::string> described = buildKernelModelForAnalysis(fc);
        QVERIFY2(described.ok(), described.ok() ? "" : described.error().message.c_str());
        QVERIFY2(described.value().size() < 100000, qPrintable(QString::number(described.value().size())));
        Result<Graph> d = loadOnnxBytes(described.value().data(), described.value().size(), fc.key(), "");
        QVERIFY2(d.ok(), d.ok() ? "" : d.error().message.c_str());
        QCOMPARE(computeGraphMetrics(d.value()).total.params, int64_t(4608) * 9216 + 9216);
    }
};

QTEST_GUILESS_MAIN(TestSampling)
#include "test_sampling.moc"

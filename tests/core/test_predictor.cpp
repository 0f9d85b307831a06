// SPDX-License-Identifier: Apache-2.0
// Model-level prediction: the total is the sum of the kernel predictions plus the overhead,
// kernel types without a regressor get the marked fallback and a warning (never a silent zero),
// and a saved predictor gives identical predictions after loading, with its training kernels;
// the nn-Meter variant trained on those kernels: its features, its 0 ms for types without a forest.
#include <QtTest>

#include <cmath>
#include <set>

#include "fusion/partition.h"
#include "onnx/onnx_builder.h"
#include "onnx/onnx_loader.h"
#include "predict/features.h"
#include "predict/nnmeter_method.h"
#include "predict/predictor.h"
#include "predict/transfer.h"
#include "sampling/kernel_models.h"

using namespace km;

namespace {

double syntheticMs(const KernelSpec& s) {
    return 0.005 +
           1e-9 * double(s.h) * double(s.w) * double(s.cin) * double(s.cout) * double(s.kernel * s.kernel) / double(s.stride * s.stride);
}

Regressor trainOn(const Prior& prior, const std::vector<std::string>& types) {
    FeatureRows rows;
    std::vector<double> ms;
    for (const auto& type : types)
        for (const auto& s : sampleSpecs(prior, type, 60, SamplerOptions{})) {
            auto f = specFeatures(s);
            if (!f.ok()) continue;
            rows.emplace_back(f.value().begin(), f.value().end());
            ms.push_back(syntheticMs(s));
        }
    RegressorOptions o = RegressorOptions::forKind(RegressorKind::GradientBoosted);
    o.trees = 30;
    return Regressor::train(rows, ms, o).value();
}

// MobileNetV2 (a fixture) split into opencv-t1's kernels, with its nodes' metrics; an empty
// partition when a file cannot be read.
struct SplitModel {
    KernelPartition part;
    std::vector<NodeMetrics> metrics;
};
SplitModel mobileNetV2Kernels() {
    Result<RuleSet> rules = loadRuleSetFile(KM_SOURCE_DIR "/datasets/rules/opencv-t1.json");
    Result<Graph> g = loadModelFile(KM_FIXTURES_DIR "/real/mobilenet_v2.onnx");
    if (!rules || !g) return {};
    return {partitionGraph(g.value(), rules.value()), computeGraphMetrics(g.value()).perNode};
}

}  // namespace

class TestPredictor : public QObject {
    Q_OBJECT
private slots:
    void errorBandsArePercentilesOfTheRatio() {
        std::vector<double> predicted, measured;
        for (int i = 0; i < 101; ++i) {
            predicted.push_back(1.0);
            measured.push_back(0.8 + 0.004 * i);  // ratios 0.8 .. 1.2
        }
        const ErrorBand b = errorBandOf(predicted, measured);
        QCOMPARE(b.kernels, size_t{101});
        QVERIFY(std::fabs(b.low - 0.82) < 1e-9 && std::fabs(b.high - 1.18) < 1e-9);
        QCOMPARE(errorBandOf({1, 1}, {1.1, 1.2}).low, 1.0);  // always holds the point
        QCOMPARE(errorBandOf({}, {}).kernels, size_t{0});
    }

    // Channels per group: what sets a grouped convolution's cost per MAC; a plain convolution has
    // all its channels in one group, a depthwise one a channel per group, an add has no groups.
    void channelsPerGroupAreFeatures() {
        auto feature = [](const KernelSpec& s, Feature which) { return specFeatures(s).value()[size_t(which)]; };
        const KernelSpec g{"gconv-relu", 14, 14, 160, 320, 3, 1, 10};
        QCOMPARE(feature(g, Feature::Groups), 10.0f);
        QCOMPARE(feature(g, Feature::InCPerGroup), 16.0f);
        QCOMPARE(feature(g, Feature::OutCPerGroup), 32.0f);
        QCOMPARE(feature({"conv", 14, 14, 64, 96, 3, 1, 1}, Feature::InCPerGroup), 64.0f);
        // The other attribute features of the same pass: kernel, stride, dilation, pads.
        const KernelSpec conv{"conv", 28, 28, 32, 64, 5, 2, 1};
        QCOMPARE(feature(conv, Feature::KernelH), 5.0f);
        QCOMPARE(feature(conv, Feature::KernelW), 5.0f);
        QCOMPARE(feature(conv, Feature::StrideW), 2.0f);
        QCOMPARE(feature(conv, Feature::DilationH), 1.0f);
        QCOMPARE(feature(conv, Feature::PadsSum), 8.0f);
        QCOMPARE(feature(conv, Feature::Groups), 1.0f);
        QCOMPARE(feature({"dwconv", 14, 14, 64, 64, 3, 1, 64}, Feature::OutCPerGroup), 1.0f);
        QVERIFY(std::isnan(feature({"add", 14, 14, 64, 64, 1, 1, 1}, Feature::InCPerGroup)));
        QCOMPARE(std::string(featureNames()[size_t(Feature::OutCPerGroup)]), std::string("out_c_per_group"));
    }

    void gateOrderDoesNotChangeFeatures() {
        // x * gate and gate * x (a squeeze-and-excitation scale, spelled either way by exporters)
        // are the same kernel: the in_* features describe the larger input (add takes the same path).
        std::array<KernelFeatures, 2> f;
        for (int gateFirst = 0; gateFirst < 2; ++gateFirst) {
            OnnxBuilder b("se");
            const std::string x = b.input("x", {1, 32, 56, 56});
            const std::string gate = b.input("gate", {1, 32, 1, 1});
            const std::string y = gateFirst ? b.mul(gate, x, "scale") : b.mul(x, gate, "scale");
            Result<std::string> bytes = b.finish({y});
            QVERIFY2(bytes.ok(), bytes.ok() ? "" : bytes.error().message.c_str());
            Result<Graph> g = loadOnnxBytes(bytes.value().data(), bytes.value().size(), "se.onnx", "");
            QVERIFY(g.ok());
            const KernelPartition part = partitionGraph(g.value(), RuleSet{});
            QCOMPARE(part.kernels.size(), size_t(1));
            f[gateFirst] = kernelFeatures(part.kernels.front(), computeGraphMetrics(g.value()).perNode);
        }
        QCOMPARE(f[1][size_t(Feature::InH)], 56.0f);
        QCOMPARE(f[1][size_t(Feature::InC)], 32.0f);
        for (size_t i = 0; i < f[0].size(); ++i)
            QVERIFY2(f[0][i] == f[1][i] || (std::isnan(f[0][i]) && std::isnan(f[1][i])), featureNames()[i]);
    }

    void innerWindowIsAFeature() {
        auto feature = [](const KernelSpec& s, Feature which) { return specFeatures(s).value()[size_t(which)]; };
        const KernelSpec chain{"conv-relu6-dwconv-relu6", 28, 28, 32, 96, 1, 1, 1, 5, 2};
        QCOMPARE(feature(chain, Feature::KernelH), 1.0f);  // the root: the 1x1 expansion
        QCOMPARE(feature(chain, Feature::InnerKernel), 5.0f);
        QCOMPARE(feature(chain, Feature::InnerStride), 2.0f);
        QCOMPARE(feature(chain, Feature::OutH), 14.0f);
        QVERIFY(std::isnan(feature({"conv-relu", 28, 28, 32, 96, 3, 1, 1}, Feature::InnerKernel)));
        QCOMPARE(std::string(featureNames()[size_t(Feature::InnerStride)]), std::string("inner_stride"));
    }

    void calibrationFitsOverheadAndScale() {
        // measured = 0.5 + 1.2 x kernels exactly: the fit finds both, every network within 10%.
        const std::vector<double> sums{1, 2, 5, 10, 20}, none;
        std::vector<double> measured;
        for (double s : sums) measured.push_back(0.5 + 1.2 * s);
        ModelCalibration c = fitModelCalibration(sums, none, measured);
        QCOMPARE(c.models, size_t{5});
        QVERIFY(std::abs(c.overheadMs - 0.5) < 1e-9 && std::abs(c.kernelScale - 1.2) < 1e-9);
        QCOMPARE(c.perKernelMs, 0.0);
        QCOMPARE(c.terms, std::string("overhead+scale"));
        QCOMPARE(c.within10, 1.0);
        QVERIFY(c.rmspe < 1e-9);
        // A negative intercept is not a fixed cost: measured = 0.9 x kernels - 0.5 gives overhead 0 and
        // the scale minimising the relative error alone: sum(v) / sum(v^2) with v = s / m.
        measured.clear();
        for (double s : sums) measured.push_back(0.9 * s - 0.5);
        c = fitModelCalibration(sums, none, measured);
        QCOMPARE(c.overheadMs, 0.0);
        QCOMPARE(c.terms, std::string("scale"));
        double v1 = 0, vv = 0;
        for (size_t i = 0; i < sums.size(); ++i) v1 += sums[i] / measured[i], vv += std::pow(sums[i] / measured[i], 2);
        QVERIFY(std::abs(c.kernelScale - v1 / vv) < 1e-12);
        QVERIFY2(c.within10 < 1.0, qPrintable(QString("%1 %2 %3")
                                                  .arg(c.within10)
                                                  .arg(c.kernelScale)
                                                  .arg(c.rmspe)));  // the 1 ms network is 0.4 measured: a pure scale misses it
        // Nothing usable: scale 1, no overhead; zeros are skipped.
        c = fitModelCalibration({0, 0}, none, {1, 2});
        QCOMPARE(c.models, size_t{0});
        QCOMPARE(c.kernelScale, 1.0);
    }

    // A cost per kernel (networks of many small kernels pay more than the kernels' sum) is found
    // when the counts are given, and only used when it predicts left-out networks better.
    void calibrationFindsAPerKernelCost() {
        const std::vector<double> sums{1, 2, 5, 10, 20, 3, 8}, counts{60, 10, 90, 20, 50, 15, 120};
        std::vector<double> measured;
        for (size_t i = 0; i < sums.size(); ++i) measured.push_back(0.97 * sums[i] + 0.004 * counts[i]);
        ModelCalibration c = fitModelCalibration(sums, counts, measured);
        QCOMPARE(c.terms, std::string("scale+per-kernel"));
        QVERIFY(std::abs(c.kernelScale - 0.97) < 1e-9 && std::abs(c.perKernelMs - 0.004) < 1e-9 && c.overheadMs == 0.0);
        // Without the counts the same data needs another term and misses.
        const ModelCalibration without = fitModelCalibration(sums, {}, measured);
        QVERIFY(without.rmspe > 0.05);
        // Counts that explain nothing: the per-kernel term is left out.
        measured.clear();
        for (double s : sums) measured.push_back(0.2 + 1.1 * s);
        c = fitModelCalibration(sums, counts, measured);
        QCOMPARE(c.terms, std::string("overhead+scale"));
        QCOMPARE(c.perKernelMs, 0.0);
    }

    void sumOfKernelsPlusOverheadWithMarkedFallback() {
        Result<Prior> prior = loadPrior(KM_SOURCE_DIR "/datasets/priors");
        QVERIFY(prior.ok());
        PredictorSet set;
        set.deviceId = "opencv-t1";
        set.overheadMs = 0.05;
        set.kernelScale = 1.07;
        set.perKernelMs = 0.002;
        set.types["conv-relu"] =
            KernelTypePredictor{trainOn(prior.value(), {"conv-relu"}), {RoundMetrics{1, 60}}, 60, ErrorBand{0.9, 1.2, 50}, {}};
        set.types["dwconv-relu6"] = KernelTypePredictor{trainOn(prior.value(), {"dwconv-relu6"}), {}, 60, ErrorBand{0.8, 1.1, 50}, {}};

        const SplitModel split = mobileNetV2Kernels();
        const KernelPartition& part = split.part;
        const std::vector<NodeMetrics>& metrics = split.metrics;
        QVERIFY(!part.kernels.empty());

        // Without a generic regressor, kernel types with no predictor are 0 ms with a warning.
        ModelPrediction bare = predictModel(part, metrics, set);
        QVERIFY(!bare.warnings.empty());
        for (const auto& w : bare.warnings) QVERIFY(QString::fromStdString(w).contains("too low"));
        for (const auto& k : bare.kernels)  // no per-kernel cost either: 0 means "not predicted"
            if (k.source == "none") QVERIFY(k.ms == 0 && k.lowMs == 0 && k.highMs == 0);

        set.generic = trainOn(prior.value(), {"conv-relu", "dwconv-relu6", "add", "conv"});
        set.genericBand = ErrorBand{0.7, 1.5, 200};
        ModelPrediction p = predictModel(part, metrics, set);
        QCOMPARE(p.kernels.size(), part.kernels.size());
        double sum = set.overheadMs;
        int fallbacks = 0, own = 0;
        for (const auto& k : p.kernels) {
            QVERIFY2(k.ms > 0, k.type.c_str());  // never a silent zero
            sum += k.ms;
            fallbacks += k.source == "fallback";
            own += k.source == "regressor";
            QCOMPARE(k.source == "regressor", set.types.count(k.type) == 1);
        }
        {  // each kernel is its regressor's prediction times the in-network scale
            const Kernel& k = part.kernels.front();
            const KernelFeatures f = kernelFeatures(k, metrics);
            const Regressor& r = set.types.count(k.type) ? set.types.at(k.type).regressor : *set.generic;
            QCOMPARE(p.kernels.front().ms, 1.07 * r.predictMs(f.data(), f.size()) + set.perKernelMs);
        }
        QCOMPARE(p.totalMs, sum);
        // Bands: the kernel's interval is its band around the point; the model's sums them.
        double low = set.overheadMs, high = set.overheadMs;
        for (const auto& k : p.kernels) {
            QVERIFY(k.lowMs <= k.ms && k.ms <= k.highMs);
            low += k.lowMs;
            high += k.highMs;
        }
        QCOMPARE(p.lowMs, low);
        QCOMPARE(p.highMs, high);
        QVERIFY(p.lowMs < p.totalMs && p.totalMs < p.highMs);
        QVERIFY(own > 10 && fallbacks > 0);
        QVERIFY(!p.warnings.empty());
        for (const auto& w : p.warnings) QVERIFY(QString::fromStdString(w).contains("fallback"));

        // A kernel prediction cache changes nothing but the work: MobileNetV2 repeats kernels, so
        // even the first model finds some; a second pass finds all, and another predictor clears it.
        KernelPredictionCache cache;
        for (int pass = 0; pass < 2; ++pass) {
            const ModelPrediction c = predictModel(part, metrics, set, &cache);
            QCOMPARE(c.totalMs, p.totalMs);
            for (size_t i = 0; i < p.kernels.size(); ++i) QCOMPARE(c.kernels[i].ms, p.kernels[i].ms);
            QCOMPARE(c.warnings, p.warnings);
        }
        QCOMPARE(cache.hits() + cache.misses(), 2 * part.kernels.size());
        QCOMPARE(cache.misses(), cache.size());
        QVERIFY(cache.size() < part.kernels.size());
        PredictorSet other = set;
        for (const auto& k : p.kernels)
            if (k.source == "regressor") other.types.erase(k.type);
        const ModelPrediction o = predictModel(part, metrics, other, &cache);
        QCOMPARE(cache.hits() + cache.misses(), part.kernels.size());
        QVERIFY(o.totalMs != p.totalMs);

        // Save and load: identical predictions.
        const std::string json = set.toJson();
        Result<PredictorSet> back = PredictorSet::fromJson(json, "p.json");
        QVERIFY2(back.ok(), back.ok() ? "" : back.error().message.c_str());
        const ModelPrediction q = predictModel(part, metrics, back.value());
        QCOMPARE(q.totalMs, p.totalMs);
        for (size_t i = 0; i < p.kernels.size(); ++i) QCOMPARE(q.kernels[i].ms, p.kernels[i].ms);
        QCOMPARE(back.value().types.at("conv-relu").rounds.at(0).samples, size_t{60});
        QCOMPARE(back.value().types.at("conv-relu").band.high, 1.2);
        QCOMPARE(q.lowMs, p.lowMs);
        QCOMPARE(q.highMs, p.highMs);
        QCOMPARE(back.value().toJson(), json);
        QCOMPARE(back.value().kernelScale, 1.07);
        // The header: every field but the regressors.
        Result<PredictorSet> header = PredictorSet::headerFromJson(json, "p.json");
        QVERIFY2(header.ok(), header.ok() ? "" : header.error().message.c_str());
        QVERIFY(header.value().types.empty() && !header.value().generic && !set.types.empty());
        PredictorSet whole = back.value();
        whole.types.clear();
        whole.generic.reset();
        whole.genericBand = header.value().genericBand;
        QCOMPARE(header.value().toJson(), whole.toJson());

        // Adapted: the intervals are the transfer's left-out errors (measured / left out 0.75, 1.4
        // and 1 here: with three networks the largest, |log 1.4|), symmetric on the log scale, around
        // every kernel and the overhead alike; a kernel predicted by fallback keeps its wider band.
        PredictorSet adapted = set;
        adapted.overheadMs = 0.3;
        adapted.adaptation = Adaptation{};
        adapted.adaptation->networks = {{"a", "", 7.5, 0, 0, 10.0}, {"b", "", 14.0, 0, 0, 10.0}, {"c", "", 10.0, 0, 0, 10.0}};
        const ErrorBand band = transferBandOf(adapted.adaptation->networks);
        QCOMPARE(band.high, 1.4);
        QCOMPARE(band.low, 1 / 1.4);
        QCOMPARE(band.kernels, size_t{3});
        const ModelPrediction wide = predictModel(part, metrics, adapted);
        QCOMPARE(wide.totalMs, p.totalMs - set.overheadMs + 0.3);
        double wideLow = 0.3 / 1.4, wideHigh = 0.3 * 1.4;
        for (size_t i = 0; i < p.kernels.size(); ++i) {
            const KernelPrediction& k = wide.kernels[i];
            if (k.source == "regressor") {
                QCOMPARE(k.lowMs, k.ms / 1.4);
                QCOMPARE(k.highMs, k.ms * 1.4);
            } else {
                QVERIFY(k.lowMs <= std::min(p.kernels[i].lowMs, k.ms / 1.4) + 1e-12);
                QVERIFY(k.highMs >= std::max(p.kernels[i].highMs, k.ms * 1.4) - 1e-12);
            }
            wideLow += k.lowMs;
            wideHigh += k.highMs;
        }
        QCOMPARE(wide.lowMs, wideLow);
        QCOMPARE(wide.highMs, wideHigh);
        QVERIFY(wide.lowMs <= wide.totalMs / 1.4 + 1e-9 && wide.highMs >= wide.totalMs * 1.4 - 1e-9);
        // A transfer whose networks were left out within 1% gets the floor (kMinTransferBand) around
        // every kernel, whatever the source's own band: the left-out errors are the target's.
        PredictorSet tight = adapted;
        tight.adaptation->networks = {{"a", "", 10.1, 0, 0, 10.0}, {"b", "", 9.95, 0, 0, 10.0}, {"c", "", 10.0, 0, 0, 10.0}};
        const ModelPrediction narrow = predictModel(part, metrics, tight);
        for (const KernelPrediction& k : narrow.kernels)
            if (k.source == "regressor") {
                QCOMPARE(k.highMs, k.ms * kMinTransferBand);
                QCOMPARE(k.lowMs, k.ms / kMinTransferBand);
            }
        QVERIFY(narrow.highMs < wide.highMs && narrow.lowMs > wide.lowMs);
        // With ten networks the band is the second largest error (the 80% split-conformal quantile),
        // so one network far off does not set it.
        std::vector<AdaptedNetwork> ten;
        for (int i = 0; i < 10; ++i) ten.push_back({"n", "", 10.0 * (1 + 0.01 * i), 0, 0, 10.0});
        ten[3].measuredMs = 30.0;  // 3 times its left-out time
        ten[7].measuredMs = 8.0;   // |log 0.8| = 0.223, the second largest
        QCOMPARE(transferBandOf(ten).low, 0.8);
        QCOMPARE(transferBandOf(ten).high, 1.25);
        QCOMPARE(transferBandOf({}).kernels, size_t{0});
        // The kernels adapt measured survive a JSON round trip.
        adapted.adaptation->kernelGroups = {
            {"conv-relu@kxk", 12, 1.5, 1.2, 1.8, 1.4, 0.007, {{0.1, 0.16}, {2.0, 2.9}}, 1.3, 1.05, 0.004, 0.02, 0.001, 0.12, 0.4, true}};
        adapted.adaptation->kernelDevice = "opencv-t1";  // timed at the source's threads
        adapted.adaptation->earlierReferenceMs = 0.32;   // the target's usual speed when adapt ran
        adapted.adaptation->earlierMeasurements = 22;
        Result<PredictorSet> adaptedBack = PredictorSet::fromJson(adapted.toJson(), "a.json");
        QVERIFY2(adaptedBack.ok(), adaptedBack.ok() ? "" : adaptedBack.error().message.c_str());
        QCOMPARE(adaptedBack.value().adaptation->kernelGroups.size(), size_t{1});
        const AdaptedKernelGroup& kg = adaptedBack.value().adaptation->kernelGroups[0];
        QVERIFY(kg.group == "conv-relu@kxk" && kg.kernels == 12 && kg.ratio == 1.5 && kg.lowRatio == 1.2 && kg.highRatio == 1.8 &&
                kg.scale == 1.4 && kg.fixedMs == 0.007);
        QCOMPARE(kg.timesMs, (std::vector<std::pair<double, double>>{{0.1, 0.16}, {2.0, 2.9}}));
        QVERIFY(kg.powerScale == 1.3 && kg.exponent == 1.05);
        QVERIFY(kg.workMsPerMflop == 0.004 && kg.workMsPerMb == 0.02 && kg.workFixedMs == 0.001 && kg.workLeaveOneOutRmspe == 0.12 &&
                kg.leaveOneOutRmspe == 0.4 && kg.pricedByWork);
        QCOMPARE(adaptedBack.value().adaptation->kernelDevice, std::string("opencv-t1"));
        QCOMPARE(adaptedBack.value().adaptation->earlierReferenceMs, 0.32);
        QCOMPARE(adaptedBack.value().adaptation->earlierMeasurements, 22);
        Result<PredictorSet> adaptedHeader = PredictorSet::headerFromJson(adapted.toJson(), "a.json");
        QVERIFY(adaptedHeader.ok() && adaptedHeader.value().adaptation);
        QCOMPARE(adaptedHeader.value().adaptation->sourceDevice, adaptedBack.value().adaptation->sourceDevice);
        QCOMPARE(adaptedHeader.value().adaptation->kernelGroups.size(), size_t{1});
        QCOMPARE(adaptedBack.value().toJson(), adapted.toJson());

        // The power form of the kernels' fits: a kernel of a group with an exponent costs
        // kernelScale x r x (exponentUnitScale x r)^(exponent - 1), r its regressor's output (no
        // group scale here); the other groups' kernels do not change; kept through JSON.
        size_t first = p.kernels.size();
        for (size_t i = 0; i < p.kernels.size() && first == p.kernels.size(); ++i)
            if (p.kernels[i].source == "regressor" && p.kernels[i].ms > 2 * set.perKernelMs) first = i;
        QVERIFY(first < p.kernels.size());
        const std::string group = transferGroupOf(part.kernels[first].type, kernelFeatures(part.kernels[first], metrics));
        PredictorSet powered = set;
        powered.groupExponent[group] = 1.2;
        powered.exponentUnitScale = 0.8;
        const ModelPrediction pw = predictModel(part, metrics, powered);
        for (size_t i = 0; i < p.kernels.size(); ++i) {
            const double r = (p.kernels[i].ms - set.perKernelMs) / set.kernelScale;
            const bool inGroup = transferGroupOf(part.kernels[i].type, kernelFeatures(part.kernels[i], metrics)) == group;
            const double expected = inGroup && r > 0 ? set.kernelScale * r * std::pow(0.8 * r, 0.2) + set.perKernelMs : p.kernels[i].ms;
            QVERIFY2(std::abs(pw.kernels[i].ms - expected) <= 1e-9 * (1 + expected), part.kernels[i].type.c_str());
        }
        QVERIFY(pw.kernels[first].ms != p.kernels[first].ms);
        Result<PredictorSet> poweredBack = PredictorSet::fromJson(powered.toJson(), "pw.json");
        QVERIFY2(poweredBack.ok(), poweredBack.ok() ? "" : poweredBack.error().message.c_str());
        QCOMPARE(predictModel(part, metrics, poweredBack.value()).totalMs, pw.totalMs);
        // An exponent outside (0, 4) is refused by name.
        std::string badExponent = powered.toJson();
        badExponent.replace(badExponent.find("\"exponents\":{") + 13, 0, "\"zz\":-0.5,");
        Result<PredictorSet> refused = PredictorSet::fromJson(badExponent, "bad.json");
        QVERIFY(!refused.ok() && refused.error().message.find("group_exponent of zz") != std::string::npos);

        // Adapted with work rates: a kernel costs its MFLOPs and MB at the fitted rates (the
        // source's kernel times drop out), also after a JSON round trip.
        PredictorSet work = set;
        work.kernelScale = 0;
        work.msPerMflop = 0.01;
        work.msPerMb = 0.1;
        work.groupMsPerMflop["dwconv-relu6"] = 0.05;
        Result<PredictorSet> workBack = PredictorSet::fromJson(work.toJson(), "w.json");
        QVERIFY2(workBack.ok(), workBack.ok() ? "" : workBack.error().message.c_str());
        const ModelPrediction priced = predictModel(part, metrics, workBack.value());
        for (size_t i = 0; i < part.kernels.size(); ++i) {
            if (priced.kernels[i].source == "none") continue;
            const KernelFeatures f = kernelFeatures(part.kernels[i], metrics);
            const double rate = part.kernels[i].type == "dwconv-relu6" ? 0.05 : 0.01;
            QCOMPARE(priced.kernels[i].ms, set.perKernelMs + rate * kernelMflops(f) + 0.1 * kernelMovedMb(f));
        }
        // A fit through the kernels may price one group by its work (its group scale 0, a rate per
        // MB of its own) and the others by the source's times: only that group's kernels change.
        PredictorSet mixed = set;
        mixed.groupScale[group] = 0;
        mixed.groupKernelMs[group] = 0.002;
        mixed.groupMsPerMflop[group] = 0.03;
        mixed.groupMsPerMb[group] = 0.2;
        Result<PredictorSet> mixedBack = PredictorSet::fromJson(mixed.toJson(), "m.json");
        QVERIFY2(mixedBack.ok(), mixedBack.ok() ? "" : mixedBack.error().message.c_str());
        const ModelPrediction byWork = predictModel(part, metrics, mixedBack.value());
        for (size_t i = 0; i < part.kernels.size(); ++i) {
            const KernelFeatures f = kernelFeatures(part.kernels[i], metrics);
            if (transferGroupOf(part.kernels[i].type, f) != group)
                QCOMPARE(byWork.kernels[i].ms, p.kernels[i].ms);
            else if (byWork.kernels[i].source != "none")
                QVERIFY(std::abs(byWork.kernels[i].ms - (0.002 + 0.03 * kernelMflops(f) + 0.2 * kernelMovedMb(f))) < 1e-12);
        }
        QVERIFY(byWork.kernels[first].ms != p.kernels[first].ms);
        std::string badRate = mixed.toJson();
        badRate.replace(badRate.find("\"group_ms_per_mb\":{") + 19, 0, "\"zz\":-1,");
        Result<PredictorSet> refusedRate = PredictorSet::fromJson(badRate, "bad.json");
        QVERIFY2(!refusedRate.ok() && refusedRate.error().message.find("group_ms_per_mb of zz") != std::string::npos,
                 refusedRate.ok() ? "accepted" : refusedRate.error().message.c_str());

        // Adapted with kernel costs: a kernel of a group the adaptation saw costs that group's
        // cost; one of a fusion variant it did not see costs its root's (transferRootOf).
        PredictorSet costed = set;
        costed.kernelScale = 0;
        costed.perKernelMs = 0.5;
        std::set<std::string> roots;
        for (const Kernel& k : part.kernels) {
            const std::string group = transferGroupOf(k.type, kernelFeatures(k, metrics));
            if (transferRootOf(group) != group) roots.insert(transferRootOf(group));
        }
        QVERIFY2(!roots.empty(), "the fixture has no fused kernel");
        for (const std::string& root : roots) costed.groupKernelMs[root] = 0.25;
        const ModelPrediction rooted = predictModel(part, metrics, costed);
        for (size_t i = 0; i < part.kernels.size(); ++i) {
            if (rooted.kernels[i].source == "none") continue;
            const std::string group = transferGroupOf(part.kernels[i].type, kernelFeatures(part.kernels[i], metrics));
            QCOMPARE(rooted.kernels[i].ms, roots.count(transferRootOf(group)) ? 0.25 : 0.5);
        }

        // Training kernels travel with the predictor, and a bad one is named.
        PredictorSet kept = set;
        kept.types.at("conv-relu").training = {{KernelSpec::fromKey("conv-relu h28 w28 c16-32 k3 s1 g1").value(), 0.25}};
        Result<PredictorSet> keptBack = PredictorSet::fromJson(kept.toJson(), "p.json");
        QVERIFY(keptBack.ok());
        QCOMPARE(keptBack.value().types.at("conv-relu").training.size(), size_t(1));
        QCOMPARE(keptBack.value().types.at("conv-relu").training[0].spec.cout, int64_t(32));
        QCOMPARE(keptBack.value().types.at("conv-relu").training[0].ms, 0.25);
        QVERIFY(back.value().types.at("conv-relu").training.empty());
        std::string badJson = kept.toJson();
        badJson.replace(badJson.find("c16-32"), 6, "c16x32");
        auto bad = PredictorSet::fromJson(badJson, "p.json");
        QVERIFY(!bad.ok());
        QVERIFY2(QString::fromStdString(bad.error().message).contains("kernel type conv-relu: kernel spec"), bad.error().message.c_str());

        QVERIFY(!PredictorSet::fromJson("{}", "p.json").ok());
        auto broken = PredictorSet::fromJson(
            R"({"schema": "kernelmeter.predictor/1", "device": "x", "types": {"conv": {"regressor": {}}}})", "p.json");
        QVERIFY(!broken.ok());
        QVERIFY(QString::fromStdString(broken.error().message).startsWith("p.json: kernel type conv: "));
    }

    // An adapted predictor says where its fit was not checked: kernel types of groups none of its
    // networks had (nor its measured kernels), and models far longer or shorter than its networks.
    void adaptedPredictorSaysWhereItWasNotChecked() {
        Result<Prior> prior = loadPrior(KM_SOURCE_DIR "/datasets/priors");
        QVERIFY(prior.ok());
        PredictorSet set;
        set.deviceId = "lab-phone";
        set.kernelScale = 3;
        set.types["conv-relu"] = KernelTypePredictor{trainOn(prior.value(), {"conv-relu"}), {}, 60, ErrorBand{0.9, 1.2, 50}, {}};
        set.generic = trainOn(prior.value(), {"conv-relu", "dwconv-relu6", "add", "conv"});
        const SplitModel split = mobileNetV2Kernels();
        const KernelPartition& part = split.part;
        const std::vector<NodeMetrics>& metrics = split.metrics;
        QVERIFY(!part.kernels.empty());
        const double total = predictModel(part, metrics, set).totalMs;
        QVERIFY(total > 0);

        PredictorSet adapted = set;
        adapted.adaptation = Adaptation{};
        adapted.adaptation->sourceDevice = "opencv-t1";
        adapted.adaptation->timesFrom = "dataset lab";
        adapted.adaptation->networks = {{"a", "", 0.5 * total, 0, 0, 0}, {"b", "", 2 * total, 0, 0, 0}};
        // Every group of the model seen but the depthwise convolutions' ones.
        std::set<std::string> unseenTypes;
        size_t unseenKernels = 0;
        for (const Kernel& k : part.kernels) {
            const std::string group = transferGroupOf(k.type, kernelFeatures(k, metrics));
            if (k.type.find("dwconv") != std::string::npos) {
                unseenTypes.insert(k.type);
                ++unseenKernels;
            } else {
                adapted.groupScale[group] = 1;
            }
        }
        QVERIFY2(!unseenTypes.empty(), "the fixture has no depthwise convolution");
        auto notChecked = [](const ModelPrediction& p, const char* what) {
            QStringList found;
            for (const std::string& w : p.warnings)
                if (QString::fromStdString(w).contains(what)) found << QString::fromStdString(w);
            return found;
        };
        const QStringList types = notChecked(predictModel(part, metrics, adapted), "in none of the 2 networks");
        QCOMPARE(types.size(), 1);
        QVERIFY(predictModel(part, metrics, adapted).beyondAdaptation);
        for (const std::string& t : unseenTypes) QVERIFY2(types[0].contains(QString::fromStdString(t)), qPrintable(types[0]));
        QVERIFY2(types[0].contains(QString("(%1 kernels, ").arg(unseenKernels)) && types[0].contains("dataset lab") &&
                     types[0].contains("times are opencv-t1's at the fit's common scale"),
                 qPrintable(types[0]));
        QVERIFY(notChecked(predictModel(part, metrics, adapted), "ms measured)").isEmpty());
        // Seen: nothing to say. A predictor not adapted says nothing either.
        for (const Kernel& k : part.kernels) adapted.groupScale[transferGroupOf(k.type, kernelFeatures(k, metrics))] = 1;
        QVERIFY(notChecked(predictModel(part, metrics, adapted), "in none of").isEmpty());
        QVERIFY(!predictModel(part, metrics, adapted).beyondAdaptation);
        QVERIFY(notChecked(predictModel(part, metrics, set), "adapted on").isEmpty());
        // Far beyond its networks' times, either way.
        adapted.adaptation->networks = {{"a", "", total / 10, 0, 0, 0}, {"b", "", total / 5, 0, 0, 0}};
        const QStringList longer = notChecked(predictModel(part, metrics, adapted), "times the longest of the 2 networks");
        QCOMPARE(longer.size(), 1);
        QVERIFY2(longer[0].startsWith("the prediction is 5.0 times the longest"), qPrintable(longer[0]));
        QVERIFY(predictModel(part, metrics, adapted).beyondAdaptation);
        adapted.adaptation->networks = {{"a", "", total * 5, 0, 0, 0}, {"b", "", total * 10, 0, 0, 0}};
        const QStringList shorter = notChecked(predictModel(part, metrics, adapted), "shorter than the shortest of the 2 networks");
        QCOMPARE(shorter.size(), 1);
        QVERIFY2(shorter[0].startsWith("the prediction is 5.0 times shorter than the shortest"), qPrintable(shorter[0]));
        QVERIFY(predictModel(part, metrics, adapted).beyondAdaptation);
        adapted.adaptation->networks = {{"a", "", total / 3, 0, 0, 0}, {"b", "", total * 3, 0, 0, 0}};  // within 4 times: checked
        QVERIFY(notChecked(predictModel(part, metrics, adapted), "ms measured)").isEmpty());
        QVERIFY(!predictModel(part, metrics, adapted).beyondAdaptation);
    }

    void specKeysRoundTrip() {
        for (const char* key : {"conv-bn-relu h28 w30 c64-128 k3 s2 g1", "conv-relu6-dwconv-relu6 h56 w56 c24-144 k1 s1 g1 ik7 is2",
                                "concat h7 w7 c32-48 k1 s1 g1"}) {
            Result<KernelSpec> s = KernelSpec::fromKey(key);
            QVERIFY2(s.ok(), key);
            QCOMPARE(s.value().key(), std::string(key));
        }
        QCOMPARE(KernelSpec::fromKey("conv h28 w30 c64-128 k3 s2 g4").value().groups, int64_t(4));
        for (const char* bad : {"", "conv", "conv h28 w30 c64 k3 s2 g1", "conv h28 w30 c64-128 k3 s2 g1 ik3",
                                "conv h2x w30 c64-128 k3 s2 g1", "conv w30 h28 c64-128 k3 s2 g1"}) {
            Result<KernelSpec> s = KernelSpec::fromKey(bad);
            QVERIFY2(!s.ok(), bad);
            QVERIFY(QString::fromStdString(s.error().message).contains("kernel spec"));
        }
    }

    // nn-Meter's features leave out what it ignored: a grouped convolution and a dense one of the
    // same shape differ only in FLOPs and parameters; W never appears.
    void nnMeterFeaturesFollowItsLayout() {
        auto features = [](const char* key) {
            const SpecKernel k = specKernel(KernelSpec::fromKey(key).value()).value();
            return nnMeterFeatures(k.kernel, k.metrics);
        };
        const std::vector<float> dense = features("conv-relu h28 w28 c32-64 k3 s2 g1");
        QCOMPARE(dense.size(), size_t(7));
        QCOMPARE(dense[0], 28.f);
        QCOMPARE(dense[1], 32.f);
        QCOMPARE(dense[2], 64.f);
        QCOMPARE(dense[3], 3.f);
        QCOMPARE(dense[4], 2.f);
        const std::vector<float> grouped = features("gconv-relu h28 w28 c32-64 k3 s2 g4");
        QCOMPARE(std::vector<float>(grouped.begin(), grouped.begin() + 5), std::vector<float>(dense.begin(), dense.begin() + 5));
        QVERIFY(grouped[5] < dense[5] / 3 && grouped[6] < dense[6] / 3);
        QCOMPARE(features("conv-relu h28 w56 c32-64 k3 s2 g1")[0], 28.f);
        QCOMPARE(features("fc h1 w1 c256-10 k1 s1 g1").size(), size_t(4));
        QCOMPARE(features("maxpool h28 w28 c32-32 k3 s2 g1").size(), size_t(5));
        QCOMPARE(features("add h14 w14 c32-32 k1 s1 g1"), (std::vector<float>{14.f, 32.f}));
        const std::vector<float> concat = features("concat h7 w7 c32-48 k1 s1 g1");
        QCOMPARE(concat.size(), size_t(6));
        QCOMPARE(concat[1], 2.f);
        QCOMPARE(concat[2], 32.f);
        QCOMPARE(concat[3], 48.f);
        QVERIFY(std::isnan(concat[4]));
    }

    // Forests trained on a predictor's kept kernels follow the kernels' times; a network's total is
    // their plain sum with root-type kernels, and a kernel type without samples counts 0 ms.
    void nnMeterVariantTrainsOnTheKeptKernels() {
        Result<Prior> prior = loadPrior(KM_SOURCE_DIR "/datasets/priors");
        QVERIFY(prior.ok());
        PredictorSet set;
        set.deviceId = "test";
        QVERIFY(!NnMeterMethod::train(set).ok());  // nothing kept: cannot be trained
        for (const char* type : {"conv-relu", "add"}) {
            KernelTypePredictor& t = set.types[type];
            t.regressor = trainOn(prior.value(), {type});
            for (const KernelSpec& s : sampleSpecs(prior.value(), type, 150, SamplerOptions{})) t.training.push_back({s, syntheticMs(s)});
        }
        Result<NnMeterMethod> m = NnMeterMethod::train(set);
        QVERIFY2(m.ok(), m.ok() ? "" : m.error().message.c_str());
        QCOMPARE(m.value().typeCount(), size_t(2));
        QCOMPARE(m.value().sampleCount(), size_t(300));

        // A kernel model: conv -> relu -> reshape (its tail). Under the rules (conv, relu) and
        // (relu, reshape), our search makes one kernel; nn-Meter's asks (conv, reshape) for the
        // reshape and keeps it apart, a type without samples: 0 ms, counted.
        RuleSet rules;
        for (auto [a, b] : {std::pair{"conv", "relu"}, {"relu", "reshape"}})
            rules.pairs[{a, b}] = FusionRule{{a, b}, FusionVerdict::Fused, "manual", FusionVerdict::Fused, {}};
        const KernelSpec conv = KernelSpec::fromKey("conv-relu h28 w28 c32-32 k3 s1 g1").value();
        const std::string bytes = buildKernelModel(conv, 1).value();
        Result<Graph> g = loadOnnxBytes(bytes.data(), bytes.size(), "k.onnx", "");
        QVERIFY(g.ok());
        QCOMPARE(partitionGraph(g.value(), rules).kernels.size(), size_t(1));
        const auto metrics = computeGraphMetrics(g.value()).perNode;
        const NnMeterPrediction p = m.value().predict(g.value(), rules, metrics);
        QCOMPARE(p.kernels, size_t(2));
        QCOMPARE(p.unpredicted, size_t(1));
        QCOMPARE(p.unpredictedTypes, std::vector<std::string>{"reshape"});
        QVERIFY2(p.totalMs > 0.8 * syntheticMs(conv) && p.totalMs < 1.25 * syntheticMs(conv), std::to_string(p.totalMs).c_str());
        // Without the conv-relu forest the convolution is a silent 0 in nn-Meter: counted here.
        set.types.erase("conv-relu");
        const NnMeterPrediction q = NnMeterMethod::train(set).value().predict(g.value(), rules, metrics);
        QCOMPARE(q.unpredicted, size_t(2));
        QCOMPARE(q.totalMs, 0.0);
    }
};

QTEST_GUILESS_MAIN(TestPredictor)
#include "test_predictor.moc"

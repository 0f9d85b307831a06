// SPDX-License-Identifier: Apache-2.0
// Benchmark datasets and their evaluation: accuracy metrics on hand-computed examples,
// the relative least-squares fit, evaluatePredictor's split and leave-one-family-out wiring, and
// buildDataset resuming where an earlier run stopped.
#include <QtTest>

#include <QTemporaryDir>
#include <cmath>
#include <fstream>
#include <limits>

#include "fusion/partition.h"
#include "graph/metrics.h"
#include "predict/accuracy.h"
#include "workflows/build_dataset.h"
#include "workflows/data_sources.h"
#include "workflows/evaluate.h"
#include "workflows/evaluation_data.h"
#include "workflows/reference_workload.h"
#include "zoo/zoo.h"

using namespace km;

class TestDataset : public QObject {
    Q_OBJECT
private slots:
    void metricsOnAHandComputedExample() {
        // Errors: +10%, -5%, +20%, 0; the last pair has no prediction and is skipped.
        const AccuracyMetrics a = accuracyOf({1.1, 1.9, 6.0, 4.0, 0.0}, {1.0, 2.0, 5.0, 4.0, 3.0});
        QCOMPARE(a.models, size_t(4));
        QCOMPARE(a.within5, 0.5);    // -5% and 0
        QCOMPARE(a.within10, 0.75);  // and +10%
        QCOMPARE(a.within15, 0.75);
        QVERIFY(std::abs(a.mape - (0.10 + 0.05 + 0.20 + 0.0) / 4) < 1e-12);
        QVERIFY(std::abs(a.rmspe - std::sqrt((0.01 + 0.0025 + 0.04) / 4)) < 1e-12);
        QVERIFY(std::abs(a.rmseMs - std::sqrt((0.01 + 0.01 + 1.0) / 4)) < 1e-12);
        QCOMPARE(accuracyOf({}, {}).models, size_t(0));

        // Intervals: inside, below (ran faster), above, and a model without a bound is skipped.
        const IntervalCoverage c = intervalCoverageOf({10, 10, 10, 10, 10}, {9, 8, 9, 9, 0}, {11, 12, 12, 11, 11}, {10, 7, 13, 11, 10});
        QCOMPARE(c.models, size_t(4));
        QCOMPARE(c.inside, 0.5);  // 10 in [9, 11]; 11 in [9, 11]
        QCOMPARE(c.below, 0.25);  // 7 < 8
        QCOMPARE(c.above, 0.25);  // 13 > 12
        QCOMPARE(c.medianLow, 0.9);
        QCOMPARE(c.medianHigh, 1.15);
        QCOMPARE(intervalCoverageOf({}, {}, {}, {}).models, size_t(0));
    }

    // The unit of --at-reference-speed: the predictor's reference time, else the database's
    // baseline (the speed of its first campaign, fixed as later campaigns on faster or slower
    // hosts are added), else the measurements' median reference time.
    void referenceUnitPrefersPredictorThenDatabaseBaseline() {
        std::vector<km::StoredMeasurement> ms(3);
        const double refs[] = {0.66, 0.40, 0.41};
        for (size_t i = 0; i < ms.size(); ++i) {
            ms[i].reference.median = 2.0;
            ms[i].reference.referenceMs = refs[i];
        }
        km::Result<km::ReferenceUnit> u = km::referenceUnitFor(0.27, 0.66, ms);
        QVERIFY(u.ok());
        QCOMPARE(u.value().ms, 0.27);
        u = km::referenceUnitFor(0, 0.66, ms);
        QVERIFY(u.ok());
        QCOMPARE(u.value().ms, 0.66);
        QVERIFY(QString::fromStdString(u.value().source).contains("baseline"));
        u = km::referenceUnitFor(0, 0, ms);
        QVERIFY(u.ok());
        QCOMPARE(u.value().ms, 0.41);
        QVERIFY(!km::referenceUnitFor(0, 0, {}).ok());

        QTemporaryDir dir;
        auto store = km::MeasurementStore::open(dir.filePath("b.db").toStdString());
        QVERIFY(store.ok());
        QCOMPARE(km::databaseBaselineMs(*store.value(), "opencv-t1"), 0.0);
        QVERIFY(store.value()->referenceBaselineMs("opencv-t1", "host-a", km::kReferenceWorkloadId, 0.66).ok());
        QVERIFY(store.value()->referenceBaselineMs("opencv-t1", "host-b", km::kReferenceWorkloadId, 0.40).ok());
        QCOMPARE(km::databaseBaselineMs(*store.value(), "opencv-t1"), 0.66);  // the first campaign's
    }

    // evaluate in ms: how much of the error the machine's speed alone makes, from the newest
    // measurement of each scored model on the predictor's CPU against the predictor's reference.
    void speedGapBetweenPredictorAndMeasurements() {
        km::PredictorSet p;
        p.referenceMs = 0.380;
        p.cpuModel = "cpu A";
        std::vector<km::StoredMeasurement> ms;
        auto add = [&](const std::string& hash, double referenceMs, const std::string& cpu) {
            km::StoredMeasurement m;
            m.modelHash = hash;
            m.machine.cpuModel = cpu;
            m.referenceId = km::kReferenceWorkloadId;
            m.reference.median = 1;
            m.reference.referenceMs = referenceMs;
            ms.push_back(m);
        };
        for (const char* h : {"a", "b", "c"}) add(h, 0.300, "cpu A");  // older ones, replaced below
        for (const char* h : {"a", "b", "c"}) add(h, 0.320, "cpu A");
        add("d", 0.320, "cpu B");  // another CPU: not counted
        add("e", 0.100, "cpu A");  // not scored
        const std::set<std::string> scored{"a", "b", "c", "d"};
        const QString w = QString::fromStdString(km::speedGapWarning(p, ms, scored));
        // 0.320 against 0.380: the measurements ran 16% faster, so predictions come out 19% long.
        QVERIFY2(w.contains("the reference workload took 0.380 ms (its build); 3 of the scored models were measured while it took "
                            "0.320 ms (their median): in ms its predictions come out 19% long"),
                 qPrintable(w));
        // Carried to the usual speed of cpu B's measurements (a predictor of cpu A used there), only
        // cpu B's count: one model there is too few, three are a gap.
        p.speedScale = 0.320 / 0.380 * 1.25;  // cpu B's usual reference time: 0.400 ms
        QVERIFY(km::speedGapWarning(p, ms, scored, "cpu B").empty());
        for (const char* h : {"a", "b"}) add(h, 0.320, "cpu B");
        const QString carried = QString::fromStdString(km::speedGapWarning(p, ms, scored, "cpu B"));
        QVERIFY2(carried.contains("0.400 ms (the device's usual speed); 3 of the scored models were measured while it took 0.320 ms"),
                 qPrintable(carried));
        ms.resize(ms.size() - 2);
        p.speedScale = 1;
        p.referenceMs = 0.340;  // 6%: within the tolerance
        QVERIFY(km::speedGapWarning(p, ms, scored).empty());
        p.referenceMs = 0.380;
        QVERIFY(km::speedGapWarning(p, ms, {"a", "b"}).empty());  // fewer than 3
        p.referenceMs = 0;                                        // a predictor without a reference time
        QVERIFY(km::speedGapWarning(p, ms, scored).empty());
    }

    void relativeLeastSquaresRecoversALine() {
        std::vector<std::vector<double>> rows;
        std::vector<double> y;
        for (double x : {1.0, 2.0, 4.0, 8.0}) {
            rows.push_back({x, 1.0});
            y.push_back(3.0 * x + 0.5);
        }
        const auto b = relativeLeastSquares(rows, y);
        QCOMPARE(b.size(), size_t(2));
        QVERIFY(std::abs(b[0] - 3.0) < 1e-9 && std::abs(b[1] - 0.5) < 1e-9);
        QVERIFY(relativeLeastSquares({{1.0, 0.0}, {2.0, 0.0}}, {1.0, 2.0}).empty());  // a zero column
        const auto loo = relativeLeastSquares(rows, y, 0);                            // still exact without row 0
        QVERIFY(std::abs(loo[0] - 3.0) < 1e-9);
        // Two rows that disagree (1 ms and 2 ms for the same x): alike, b minimises (b - 1)^2 +
        // (b / 2 - 1)^2, 1.2; with the first weighing 3, (3 + 1 / 2) / (3 + 1 / 4) = 14 / 13.
        const std::vector<std::vector<double>> twice{{1.0}, {1.0}};
        const auto alike = relativeLeastSquares(twice, {1.0, 2.0});
        const auto weighted = relativeLeastSquares(twice, {1.0, 2.0}, std::numeric_limits<size_t>::max(), {3.0, 1.0});
        QVERIFY(alike.size() == 1 && std::abs(alike[0] - 1.2) < 1e-12);
        QVERIFY2(weighted.size() == 1 && std::abs(weighted[0] - 14.0 / 13.0) < 1e-12,
                 qPrintable(QString::number(weighted.empty() ? -1.0 : weighted[0])));
        QVERIFY(relativeLeastSquares(twice, {1.0, 2.0}, std::numeric_limits<size_t>::max(), {1.0, 0.0}).empty());  // not > 0
        QVERIFY(relativeLeastSquares(twice, {1.0, 2.0}, std::numeric_limits<size_t>::max(), {1.0}).empty());       // not one per row
    }

    // Measured times made from the predictor's own totals (x1.08) and from FLOPs (exact line):
    // the predictor scores 100% within 10% and 0% within 5%, the FLOPs fit 100% within 5%; the
    // split scores half of each family, leave-one-family-out every model.
    void evaluationScoresTheSplitAndEachLeftOutFamily() {
        const DeviceAnalyzer device =
            DeviceAnalyzer::load("opencv-t1", {KM_SOURCE_DIR "/datasets/rules/opencv-t1.json", "", "/nonexistent/none.db"});
        QVERIFY2(!device.error(), device.error() ? device.error()->message.c_str() : "");
        const PredictorSet& predictor = *device.predictor();
        QTemporaryDir dir;
        ZooOptions small;
        small.maxResolution = 128;
        std::vector<EvaluationModel> models;
        std::vector<EvaluationModel> byFlops;
        for (const char* family : {"mobilenetv2", "resnet", "squeezenet"})
            for (uint32_t seed = 1; seed <= 4; ++seed) {
                const ZooModel z = generateZooModel(family, seed, small).value();
                const std::string path = dir.filePath(QString::fromStdString(z.name + ".onnx")).toStdString();
                std::ofstream(path, std::ios::binary) << z.bytes;
                const DeviceAnalysis a = device.analyze(*ModelFile::read(path).value());
                const GraphMetrics& m = *a.metrics;
                const double ours = a.prediction.totalMs;
                models.push_back({z.name, z.family, path, "", 1.08 * ours, seed == 1 ? 1.3 * ours : 0.0, {}});
                byFlops.push_back({z.name, z.family, path, "", 2e-9 * double(m.total.flops) + 0.25, 0.0, {}});
            }
        Result<EvaluationReport> r = evaluatePredictor(models, device);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        const EvaluationReport& e = r.value();
        // The nn-Meter variant needs the predictor's training kernels (shipped predictors keep them).
        std::vector<std::string> methods{"kernelmeter", "op-sum", "flops", "flops+memory", "nn-meter", "repeat"};
        if (predictor.types.begin()->second.training.empty()) {
            methods.erase(methods.begin() + 4);
            QVERIFY(e.nnMeterNote.find("not evaluated") != std::string::npos);
        } else {
            QVERIFY(e.nnMeterNote.find("forests") != std::string::npos);
            QVERIFY(e.split[4].overall.models == 6 && e.split[4].overall.rmspe > 0);
        }
        QCOMPARE(e.methods, methods);
        const size_t repeat = methods.size() - 1;
        const MethodScores& ours = e.split[0];
        QCOMPARE(ours.overall.models, size_t(6));  // two of four per family
        QCOMPARE(ours.overall.within10, 1.0);
        QCOMPARE(ours.overall.within5, 0.0);
        QCOMPARE(ours.perFamily.size(), size_t(3));
        QCOMPARE(e.leaveOneFamilyOut[0].overall.models, size_t(12));
        QCOMPARE(e.leaveOneFamilyOut[0].perFamily.at("resnet").models, size_t(4));
        // "repeat": only the models with an earlier measurement, 30% off the newest one.
        QCOMPARE(e.leaveOneFamilyOut[repeat].overall.models, size_t(3));
        QCOMPARE(e.leaveOneFamilyOut[repeat].overall.within15, 0.0);
        int tested = 0;
        for (const EvaluatedModel& m : e.models) tested += m.test;
        QCOMPARE(tested, 6);
        // The predictor's intervals, over every model: each model carries its own, and the share
        // inside is what they say.
        QCOMPARE(e.interval.models, size_t(12));
        size_t inside = 0;
        for (const EvaluatedModel& m : e.models) {
            const double ours = m.predicted.at("kernelmeter");
            QVERIFY(m.lowMs > 0 && m.lowMs < ours && ours < m.highMs);
            inside += m.lowMs <= m.measuredMs && m.measuredMs <= m.highMs;
        }
        QCOMPARE(e.interval.inside, double(inside) / 12);
        QVERIFY(e.interval.medianLow < 1 && e.interval.medianHigh > 1);
        std::vector<EvaluationModel> slow = models;  // three times the prediction: above every interval
        for (EvaluationModel& m : slow) m.measuredMs *= 3 / 1.08;
        Result<EvaluationReport> s = evaluatePredictor(slow, device);
        QVERIFY(s.ok());
        QCOMPARE(s.value().interval.above, 1.0);
        QCOMPARE(s.value().interval.inside, 0.0);

        Result<EvaluationReport> f = evaluatePredictor(byFlops, device);
        QVERIFY(f.ok());
        QCOMPARE(f.value().split[2].overall.within5, 1.0);              // flops fits its own line
        QCOMPARE(f.value().leaveOneFamilyOut[2].overall.within5, 1.0);  // from the other families too
        QVERIFY(f.value().split[3].overall.within5 == 1.0);             // flops + memory contains it

        models.resize(3);
        QVERIFY(!evaluatePredictor(models, device).ok());  // too few to split
    }

    // Many models' warnings: one line per kind (the text without its numbers), naming the first
    // model in its own words and how many more, the first three of them.
    void warningsSaidOncePerKindWithTheirModels() {
        ModelWarnings w;
        const auto fallback = [](const char* type) {
            return std::string("no predictor for kernel type ") + type + ": estimated by the generic kernel regressor.";
        };
        w.add("a", "the prediction is 4.0 times the longest of the 10 networks (35.2 ms measured): not checked.");
        w.add("a", fallback("add-relu6"));
        w.add("b", "the prediction is 5.2 times the longest of the 10 networks (35.2 ms measured): not checked.");
        w.add("b", fallback("conv-bn-relu6"));  // another type: another kind
        w.add("c", fallback("add-relu7"));      // a digit of a name is the name's
        for (const char* m : {"d", "e", "f", "g", "h"}) w.add(m, fallback("add-relu6"));
        const std::vector<std::string> lines = w.lines();
        QCOMPARE(lines.size(), size_t(4));
        QCOMPARE(lines[0], std::string("a: the prediction is 4.0 times the longest of the 10 networks (35.2 ms measured): not "
                                       "checked. The same for 1 more model: b."));
        QCOMPARE(lines[1], "a: " + fallback("add-relu6") + " The same for 5 more models: d, e, f and 2 others.");
        QCOMPARE(lines[2], "b: " + fallback("conv-bn-relu6"));
        QCOMPARE(lines[3], "c: " + fallback("add-relu7"));
    }

    // A campaign stopped after the first model of each family goes on where it stopped: the
    // second run measures only the new models and finds the earlier ones in the database.
    void datasetBuildResumes() {
        QTemporaryDir dir;
        auto store = MeasurementStore::open(dir.filePath("d.db").toStdString()).value();
        BuildDatasetOptions o;
        o.name = "tiny";
        o.families = {"mobilenetv2", "squeezenet"};
        o.perFamily = 1;
        o.zoo.maxResolution = 96;
        o.modelDir = dir.filePath("models").toStdString();
        o.measure.protocol.rounds = 2;
        o.measure.protocol.instances = 1;
        o.measure.protocol.warmupRuns = 1;
        o.measure.protocol.warmupMinMs = 0;
        o.measure.protocol.maxExtraInstances = 0;
        o.measure.reference = false;
        o.measure.agent.agentPath = KM_AGENT_PATH;
        o.measure.store = store.get();
        const Device device = *findBuiltinDevice("opencv-t1");
        Result<DatasetReport> first = buildDataset({device}, o);
        QVERIFY2(first.ok(), first.ok() ? "" : first.error().message.c_str());
        QCOMPARE(first.value().models.size(), size_t(2));
        QCOMPARE(first.value().devices[0].measured, 2);
        o.perFamily = 2;
        Result<DatasetReport> second = buildDataset({device}, o);
        QVERIFY(second.ok());
        QCOMPARE(second.value().models.size(), size_t(4));
        QCOMPARE(second.value().devices[0].reused, 2);
        QCOMPARE(second.value().devices[0].measured, 2);
        const auto rows = store->datasetModels("tiny").value();
        QCOMPARE(rows[0].name, std::string("mobilenetv2-1"));  // seed-major: every family's first model first
        QCOMPARE(rows[1].name, std::string("squeezenet-1"));
        QVERIFY(store->latest(rows[3].modelHash, "opencv-t1").value().has_value());
        o.families = {"lenet"};
        QVERIFY(!buildDataset({device}, o).ok());
    }
};

QTEST_GUILESS_MAIN(TestDataset)
#include "test_dataset.moc"

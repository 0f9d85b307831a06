// SPDX-License-Identifier: Apache-2.0
// A short real predictor build on opencv-t1 (one kernel type, a few dozen kernels): every kernel
// is measured through the agent and stored as taken (its model removed once measured), a second
// run with the same seed measures nothing new, the result predicts its own kernel type and
// survives JSON. No time is asserted.
#include <QDirIterator>
#include <QTemporaryDir>
#include <QtTest>

#include <limits>

#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>

#include "common/scratch_folder.h"
#include "store/measurement_store.h"
#include "test_support.h"
#include "workflows/build_predictor.h"
#include "workflows/calibrate_predictor.h"
#include "workflows/measure_kernels.h"

using namespace km;

namespace {

int onnxFilesUnder(const QString& folder) {
    int n = 0;
    for (QDirIterator it(folder, {"*.onnx"}, QDir::Files, QDirIterator::Subdirectories); it.hasNext(); it.next()) ++n;
    return n;
}

}  // namespace

class TestBuildPredictor : public QObject {
    Q_OBJECT
private slots:
    void shortRealBuildIsStoredAndResumable() {
        QTemporaryDir dir;
        auto store = MeasurementStore::open(dir.filePath("m.db").toStdString());
        QVERIFY(store.ok());
        BuildPredictorOptions o;
        o.measure.protocol = kernelSamplingProtocol();
        o.measure.protocol.instances = 1;
        o.measure.protocol.rounds = 3;
        o.measure.agent.agentPath = KM_AGENT_PATH;
        o.measure.store = store.value().get();
        o.cacheDir = dir.filePath("kernels").toStdString();
        o.priorDir = KM_SOURCE_DIR "/datasets/priors";
        o.kernelTypes = {"dwconv-relu6"};
        o.adaptive.initialSamples = 20;
        o.adaptive.probeSamples = 10;
        o.adaptive.validationSamples = 10;
        o.adaptive.maxRounds = 1;
        o.adaptive.trees = 20;
        o.budgetMinutes = std::numeric_limits<double>::infinity();  // bounded by the counts above only
        std::vector<RoundMetrics> rounds;
        Result<BuildPredictorReport> first = buildPredictor(*findBuiltinDevice("opencv-t1"), o, nullptr,
                                                            [&](const std::string&, const RoundMetrics& m) { rounds.push_back(m); });
        QVERIFY2(first.ok(), first.ok() ? "" : first.error().message.c_str());
        const PredictorSet& set = first.value().predictor;
        QVERIFY(set.types.count("dwconv-relu6"));
        QCOMPARE(int(rounds.size()), 1);
        QVERIFY(set.types.at("dwconv-relu6").samples >= 15);  // a few may be refused or fail
        QVERIFY(set.overheadMs > 0);
        QVERIFY(set.generic.has_value());
        QCOMPARE(set.runtime, std::string("opencv-dnn"));
        QVERIFY(!set.runtimeVersion.empty() && !set.builtAtUtc.empty());
        const ErrorBand& band = set.types.at("dwconv-relu6").band;
        QVERIFY(band.kernels > 0 && band.low <= 1 && band.high >= 1);
        QVERIFY(first.value().tailMsPerElement >= 0);  // measured on the tail ladder (0 when free)
        // Kernel times are at the database's reference baseline; the predictor's at the reference's
        // median speed over the build, the ratio folded into the kernel scale (no calibration here).
        QVERIFY(set.referenceMs > 0 && set.regressorReferenceMs > 0);
        QCOMPARE(set.kernelScale, set.referenceMs / set.regressorReferenceMs);
        // Every kernel and overhead model was stored as it was measured.
        const int64_t stored = store.value()->count().value();
        QVERIFY(stored >= 40);
        auto phaseWarning = [](const BuildPredictorReport& r) {
            for (const std::string& w : r.warnings)
                if (w.find("the build's kernels were measured on opencv-t1") != std::string::npos) return w;
            return std::string();
        };
        QVERIFY(phaseWarning(first.value()).empty());  // nothing measured before it
        // The kernel models existed only to be measured: none is left on disk.
        QCOMPARE(onnxFilesUnder(dir.filePath("kernels")), 0);

        // Earlier measurements of the device on this machine that met a reference 100 ms long (no
        // machine runs it so slowly): the build's speed is far from the usual one, and said so.
        for (int i = 0; i < 5; ++i) {
            StoredMeasurement m = test::measurementWithReference("opencv-t1", "slow" + std::to_string(i), 100, set.cpuModel,
                                                                 set.runtimeVersion, "2026-01-01T00:00:00Z");
            QVERIFY(store.value()->add(m).ok());
        }

        // The same seed draws the same kernels: nothing new is measured.
        Result<BuildPredictorReport> again = buildPredictor(*findBuiltinDevice("opencv-t1"), o);
        QVERIFY(again.ok());
        QCOMPARE(store.value()->count().value(), stored + 5);
        QCOMPARE(again.value().predictor.types.at("dwconv-relu6").samples, set.types.at("dwconv-relu6").samples);
        QCOMPARE(again.value().predictor.referenceMs, set.referenceMs);  // the same unit when resumed
        QVERIFY2(phaseWarning(again.value()).find("faster than then") != std::string::npos, phaseWarning(again.value()).c_str());

        Result<PredictorSet> back = PredictorSet::fromJson(set.toJson(), "p.json");
        QVERIFY(back.ok());
        QCOMPARE(back.value().toJson(), set.toJson());

        // Calibration on given files instead of generated networks: each measured (and stored),
        // named by its file, and the fit sets the predictor's model-level terms.
        CalibratePredictorOptions c;
        c.measure = o.measure;
        c.measure.protocol = kernelSamplingProtocol();
        c.measure.protocol.instances = 1;
        c.measure.protocol.rounds = 3;
        c.cacheDir = o.cacheDir;
        c.modelPaths = {KM_FIXTURES_DIR "/small/conv_64.onnx", KM_FIXTURES_DIR "/small/conv_128.onnx",
                        KM_FIXTURES_DIR "/small/conv_block.onnx"};
        PredictorSet calibrated = set;
        Result<CalibrationReport> fit = calibratePredictor(
            *findBuiltinDevice("opencv-t1"), loadRuleSetFile(KM_SOURCE_DIR "/datasets/rules/opencv-t1.json").value(), calibrated, c);
        QVERIFY2(fit.ok(), fit.ok() ? "" : fit.error().message.c_str());
        QCOMPARE(fit.value().descriptions, (std::vector<std::string>{"conv_64.onnx", "conv_128.onnx", "conv_block.onnx"}));
        QCOMPARE(fit.value().fit.models, size_t{3});
        QVERIFY(!fit.value().fit.terms.empty() && calibrated.kernelScale > 0);
        QVERIFY(store.value()->count().value() == stored + 8);
        // Reference time only (a predictor built without one): the three networks, measured already,
        // give the reference time at which the predictions are unbiased; nothing else changes.
        c.referenceTimeOnly = true;
        PredictorSet timed = set;
        timed.referenceMs = 0;
        const PredictorSet before = timed;
        Result<CalibrationReport> unit = calibratePredictor(
            *findBuiltinDevice("opencv-t1"), loadRuleSetFile(KM_SOURCE_DIR "/datasets/rules/opencv-t1.json").value(), timed, c);
        QVERIFY2(unit.ok(), unit.ok() ? "" : unit.error().message.c_str());
        QCOMPARE(unit.value().referenceMsAtExact.size(), size_t{3});
        std::vector<double> sorted = unit.value().referenceMsAtExact;
        std::sort(sorted.begin(), sorted.end());
        QCOMPARE(timed.referenceMs, sorted[1]);  // the median
        QVERIFY(timed.referenceMs > 0);
        QCOMPARE(timed.kernelScale, before.kernelScale);
        QCOMPARE(timed.overheadMs, before.overheadMs);
        QCOMPARE(store.value()->count().value(), stored + 8);  // reused, nothing measured again
        c.referenceTimeOnly = false;
        c.modelPaths.pop_back();  // fewer than three: refused, the predictor unchanged
        PredictorSet untouched = set;
        QVERIFY(!calibratePredictor(*findBuiltinDevice("opencv-t1"), RuleSet{}, untouched, c).ok());
        QCOMPARE(untouched.toJson(), set.toJson());
    }

    // A scratch folder goes with everything in it; one left by a process of this host that is gone
    // is removed when the next is made beside it or under the same root, one of a live process is
    // kept, and so is a folder whose name create() would not make.
    void scratchFoldersAreRemoved() {
        QTemporaryDir dir;
        const std::string parent = dir.filePath("scratch").toStdString();
        std::string mine;
        {
            Result<ScratchFolder> s = ScratchFolder::create(parent);
            QVERIFY(s.ok());
            mine = s.value().path();
            QVERIFY(writeGeneratedModel(mine, "bytes").ok());
            Result<ScratchFolder> other = ScratchFolder::create(parent);
            QVERIFY(other.ok() && other.value().path() != mine);
            QCOMPARE(onnxFilesUnder(QString::fromStdString(mine)), 1);
        }
        QVERIFY(!QFileInfo::exists(QString::fromStdString(mine)));
        // "run-<host>-<pid>-<random>": the same host, a process that has ended, and pid 1.
        const QStringList fields = QFileInfo(QString::fromStdString(mine)).fileName().split('-');
        QCOMPARE(fields.size(), 4);
        const pid_t child = fork();
        if (child == 0) _exit(0);
        QVERIFY(child > 0);
        QCOMPARE(waitpid(child, nullptr, 0), child);
        const QString gone = "/run-" + fields[1] + "-" + QString::number(child) + "-0000abcd";
        const QString dead = QString::fromStdString(parent) + gone;
        const QString deadElsewhere = dir.filePath("other-device/adapt") + gone;  // under the same root
        const QString live = QString::fromStdString(parent) + "/run-" + fields[1] + "-1-0000abcd";
        const QString otherHost = QString::fromStdString(parent) + "/run-elsewhere-" + QString::number(child) + "-0000abcd";
        const QString notOurs = QString::fromStdString(parent) + "/run-" + fields[1] + "-" + QString::number(child) + "-notes";
        for (const QString& d : {dead, deadElsewhere, live, otherHost, notOurs}) {
            QVERIFY(QDir().mkpath(d));
            QVERIFY(writeGeneratedModel(d.toStdString(), "left").ok());
        }
        QVERIFY(ScratchFolder::create(parent).ok());
        QVERIFY(!QFileInfo::exists(dead));
        QVERIFY(QFileInfo::exists(deadElsewhere) && QFileInfo::exists(live) && QFileInfo::exists(otherHost) && QFileInfo::exists(notOurs));
        QVERIFY(ScratchFolder::create(parent, dir.path().toStdString()).ok());
        QVERIFY(!QFileInfo::exists(deadElsewhere));
        QVERIFY(QFileInfo::exists(live) && QFileInfo::exists(otherHost) && QFileInfo::exists(notOurs));
    }

    // The tail's per-element cost: the slope through tail-only models, robust to one slow outlier
    // (a round during which the machine slowed down), never negative.
    void tailCostIsARobustSlope() {
        const std::vector<double> n{64, 512, 4096, 16384, 32768, 100352, 200704, 401408, 802816, 1605632};
        std::vector<double> ms;
        for (double e : n) ms.push_back(0.004 + 2e-7 * e);
        ms[6] *= 3;  // an outlier
        QVERIFY(std::abs(perElementCost(n, ms) / 2e-7 - 1) < 0.02);
        std::vector<double> flat(n.size(), 0.01);
        flat[2] = 0.009;
        QCOMPARE(perElementCost(n, flat), 0.0);
        QCOMPARE(perElementCost({}, {}), 0.0);
    }

    // Kernel time per round = kernel - overhead, scaled to the reference's baseline speed: rounds
    // in which the machine ran at half speed (everything, the reference too, twice as long) give
    // the same kernel time as the fast ones. Without reference rounds, the raw median is taken.
    void kernelTimeIsAtTheReferenceSpeed() {
        ModelReport kernel, overhead;
        const std::vector<double> speed{1, 2, 2, 2, 1, 2};  // slow most of the time
        kernel.roundMedians = overhead.roundMedians = kernel.referenceRounds = {{}, {}};
        for (size_t p = 0; p < 2; ++p)
            for (double s : speed) {
                kernel.roundMedians[p].push_back(0.30 * s);
                overhead.roundMedians[p].push_back(0.10 * s);
                kernel.referenceRounds[p].push_back(1.0 * s);
            }
        kernel.stats.medianMs = 0.6;
        overhead.stats.medianMs = 0.2;
        QCOMPARE(kernelMs(kernel, overhead, 0.0), 0.4);  // raw: no baseline yet
        kernel.referenceBaselineMs = 1.0;
        QVERIFY(std::abs(kernelMs(kernel, overhead, 0.0) - 0.2) < 1e-12);
        QVERIFY(std::abs(kernelMs(kernel, overhead, 0.01) - 0.21) < 1e-12);
        kernel.referenceBaselineMs = 1.5;  // the baseline sets the unit
        QVERIFY(std::abs(kernelMs(kernel, overhead, 0.0) - 0.3) < 1e-12);
        kernel.referenceRounds.pop_back();  // rounds that do not line up: raw rounds
        QCOMPARE(kernelMs(kernel, overhead, 0.0), 0.4);
    }

    void badOptionsAreRefused() {
        BuildPredictorOptions o;
        QVERIFY(!buildPredictor(*findBuiltinDevice("opencv-t1"), o).ok());  // no cache folder
        o.cacheDir = "/tmp";
        o.priorDir = "/nonexistent";
        o.kernelTypes = {"conv"};
        auto r = buildPredictor(*findBuiltinDevice("opencv-t1"), o);
        QVERIFY(!r.ok());
        QVERIFY(QString::fromStdString(r.error().message).contains("/nonexistent"));
    }
};

QTEST_GUILESS_MAIN(TestBuildPredictor)
#include "test_build_predictor.moc"

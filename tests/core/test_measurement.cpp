// SPDX-License-Identifier: Apache-2.0
// The measurement protocol's logic with a fake runtime and a fake clock, so every expectation is
// exact: statistics, round-robin interleaving with rotation, warm-up, fresh instances, automatic
// re-measurement of a noisy model, and a failing model not disturbing the others.
#include <QTemporaryDir>
#include <QtTest>

#include <map>

#include "backends/measurement.h"
#include "common/utc_time.h"
#include "store/measurement_store.h"
#include "test_support.h"
#include "workflows/evaluation_data.h"
#include "workflows/measure_models.h"
#include "workflows/reference_workload.h"

using namespace km;

namespace {

// Every run of model "cost:X" advances the fake clock by X ms; "noisy" alternates 1 and 3 ms from
// run to run; "moody" takes 1 ms in every run of an odd-numbered load of the runtime, 3 ms in an
// even one (a process settled in a fast or slow mode).
struct FakeWorld {
    double clock = 0;
    std::vector<std::string> trace;  // model names in run order (timed and warm-up)
    int loads = 0;
};

class FakeModel : public RuntimeModel {
public:
    FakeModel(FakeWorld& w, std::string name) : m_w(w), m_name(std::move(name)), m_load(w.loads) {}
    Status run() override {
        m_w.trace.push_back(m_name);
        if (m_name == "noisy")
            m_w.clock += (m_runs++ % 2) ? 3.0 : 1.0;
        else if (m_name == "moody")
            m_w.clock += m_load % 2 ? 1.0 : 3.0;
        else if (m_name == "broken")
            return unsupported("broken at run time");
        else
            m_w.clock += std::stod(m_name.substr(5));
        return Ok{};
    }
    std::vector<LayerTime> lastLayerTimes() override { return {{m_name + "/a", 1.0}, {m_name + "/b", 2.0}}; }

private:
    FakeWorld& m_w;
    std::string m_name;
    int m_runs = 0;
    int m_load;  // which load of the runtime made this instance (1, 2, ...)
};

class FakeRuntime : public Runtime {
public:
    explicit FakeRuntime(FakeWorld& w) : m_w(w) {}
    std::string name() const override { return "fake"; }
    std::string version() const override { return "0"; }
    Result<std::unique_ptr<RuntimeModel>> load(const std::string& bytes, const Device&, const std::vector<InputSpec>&) override {
        ++m_w.loads;
        if (bytes == "unloadable") return unsupported("cannot load");
        return std::unique_ptr<RuntimeModel>(std::make_unique<FakeModel>(m_w, bytes));
    }

private:
    FakeWorld& m_w;
};

ModelInput model(const std::string& name) { return {name, name, {}}; }

// 2026-01-01T00:00:00Z plus `minutes`, as the store writes times.
std::string atMinute(int minutes) { return iso8601Utc(1767225600 + std::time_t(minutes) * 60); }

// A database with one device and measurements that have a reference time: the input of the
// machine-phase checks (workflows/measure_models.h).
struct PhaseStore {
    static constexpr const char* kVersion = "1.0";
    QTemporaryDir dir;
    std::unique_ptr<MeasurementStore> store;  // null when it could not be opened
    std::string deviceId;
    explicit PhaseStore(const std::string& id) : deviceId(id) {
        auto opened = MeasurementStore::open(dir.filePath("m.db").toStdString());
        Device device;
        device.id = id;
        device.runtime = "opencv-dnn";
        device.threads = 1;
        if (dir.isValid() && opened && opened.value()->upsertDevice(device)) store = std::move(opened).value();
    }
    // Stores a measurement of `hash` with that reference time, on that CPU (taken now when
    // `takenAtUtc` is empty) and returns it.
    StoredMeasurement add(const std::string& hash, double referenceMs, const std::string& cpu, const std::string& takenAtUtc = {}) {
        StoredMeasurement m = test::measurementWithReference(deviceId, hash, referenceMs, cpu, kVersion, takenAtUtc);
        if (!store->add(m)) qFatal("cannot store a measurement of %s", hash.c_str());
        return m;
    }
};

}  // namespace

class TestMeasurement : public QObject {
    Q_OBJECT
private slots:
    void quantilesInterpolate() {
        QCOMPARE(quantile({1, 2, 3, 4, 5}, 0.5), 3.0);
        QCOMPARE(quantile({5, 1, 4, 2, 3}, 0.1), 1.4);
        QCOMPARE(quantile({10}, 0.9), 10.0);
        QCOMPARE(quantile({}, 0.5), 0.0);
    }

    void summaryIsMedianOfInstanceMedians() {
        const LatencyStats s = summarizeRounds({{1, 2, 9}, {4, 5, 6}, {7, 8, 3}}, 5);
        QCOMPARE(s.medianMs, 5.0);  // instance medians 2, 5, 7
        QCOMPARE(s.minRoundMs, 1.0);
        QCOMPARE(s.rounds, 9);
        QCOMPARE(s.runs, 45);
        QCOMPARE(s.instances, 3);
        QCOMPARE(s.p10Ms, quantile({1, 2, 9, 4, 5, 6, 7, 8, 3}, 0.1));
        QVERIFY(s.cv > 0.5 && s.cv < 0.6);  // stddev 2.58 / mean 5
    }

    void roundsInterleaveAndRotate() {
        FakeWorld w;
        FakeRuntime rt(w);
        MeasureOptions o;
        o.warmupRuns = 1;
        o.warmupMinMs = 0;
        o.rounds = 2;
        o.runsPerRound = 1;
        o.instances = 1;
        o.maxExtraInstances = 0;
        auto r = measureInterleaved(rt, Device{}, {model("cost:1"), model("cost:2"), model("cost:4")}, o, {}, [&] { return w.clock; });
        // warm-up each once, then round 0: 1,2,4; round 1 rotated: 2,4,1
        QCOMPARE(w.trace,
                 (std::vector<std::string>{"cost:1", "cost:2", "cost:4", "cost:1", "cost:2", "cost:4", "cost:2", "cost:4", "cost:1"}));
        QCOMPARE(r.size(), size_t{3});
        QCOMPARE(r[0].stats.medianMs, 1.0);
        QCOMPARE(r[2].stats.medianMs, 4.0);
        QCOMPARE(r[1].layers.size(), size_t{2});
        QCOMPARE(r[1].layers[1].ms, 2.0);
    }

    void warmupLastsLongEnough() {
        FakeWorld w;
        FakeRuntime rt(w);
        MeasureOptions o;
        o.warmupRuns = 2;
        o.warmupMinMs = 10;  // 10 runs of 1 ms needed
        o.rounds = 0;
        o.instances = 1;
        o.maxExtraInstances = 0;
        measureInterleaved(rt, Device{}, {model("cost:1")}, o, {}, [&] { return w.clock; });
        QCOMPARE(int(w.trace.size()), 10);
    }

    void freshInstancesAndNoisyModelsMeasuredAgain() {
        FakeWorld w;
        FakeRuntime rt(w);
        MeasureOptions o;
        o.warmupRuns = 0;
        o.warmupMinMs = 0;
        o.rounds = 4;
        o.runsPerRound = 1;
        o.instances = 2;
        o.maxSpread = 0.2;
        o.maxExtraInstances = 3;
        std::vector<std::pair<int, int>> progress;
        auto r = measureInterleaved(
            rt, Device{}, {model("cost:2"), model("noisy"), model("moody")}, o, [&](int d, int t) { progress.emplace_back(d, t); },
            [&] { return w.clock; });
        QCOMPARE(r[0].stats.instances, 2);  // steady: no extra instance
        // 1/3 ms from round to round in every instance: rounds spread 1.0, but the instances agree
        // (median 2 ms each), and another instance would only repeat that
        QCOMPARE(r[1].stats.instances, 2);
        QCOMPARE(r[1].stats.medianMs, 2.0);
        // 1 ms in one instance, 3 in the next: they disagree by 1.0 > 0.2, all 3 extras used
        QCOMPARE(r[2].stats.instances, 5);
        QCOMPARE(w.loads, 3 * 2 + 3);
        QVERIFY(!progress.empty());
        QCOMPARE(progress.back(), (std::pair<int, int>{4 * 5, 4 * 5}));
    }

    // Drift moves a model and the reference alike: no reason for another instance. A model that
    // moved against the reference in one instance is.
    void instancesJudgedAgainstTheReference() {
        const std::vector<std::vector<double>> reference{{1.0, 1.0, 1.0}, {1.5, 1.5, 1.5}, {1.0, 1.1, 0.9}};
        const std::vector<std::vector<double>> drifted{{4.0, 4.0, 4.0}, {6.0, 6.0, 6.0}, {4.0, 4.4, 3.6}};
        QVERIFY(!instancesDisagree(drifted, reference, 0.1));
        QVERIFY(instancesDisagree(drifted, {}, 0.1));  // without the reference: 4 vs 6 ms
        const std::vector<std::vector<double>> moody{{4.0, 4.0, 4.0}, {4.0, 4.0, 4.0}, {6.0, 6.0, 6.0}};
        QVERIFY(instancesDisagree(moody, reference, 0.1));
        QVERIFY(!instancesDisagree(moody, reference, 0.9));  // ratios 4, 2.7, 6: (6 - 2.7) / 4
        // a reference missing from one instance: judged by the medians
        QVERIFY(instancesDisagree(drifted, {{1.0}, {}, {1.0}}, 0.1));
        // one instance: its rounds' spread is the only evidence
        QVERIFY(instancesDisagree({{1.0, 3.0, 1.0, 3.0}}, {}, 0.2));
        QVERIFY(!instancesDisagree({{2.0, 2.0, 2.1}}, {}, 0.2));
        QVERIFY(!instancesDisagree({}, {}, 0.2));
    }

    void failuresStayWithTheirModel() {
        FakeWorld w;
        FakeRuntime rt(w);
        MeasureOptions o;
        o.warmupRuns = 1;
        o.warmupMinMs = 0;
        o.rounds = 3;
        o.runsPerRound = 2;
        o.instances = 2;
        auto r = measureInterleaved(rt, Device{}, {model("unloadable"), model("cost:3"), model("broken")}, o, {}, [&] { return w.clock; });
        QVERIFY(!r[0].ok);
        QCOMPARE(r[0].error, std::string("cannot load"));
        QVERIFY(r[1].ok);
        QCOMPARE(r[1].stats.medianMs, 3.0);
        QCOMPARE(r[1].stats.runs, 3 * 2 * 2);
        QVERIFY(!r[2].ok);
        QCOMPARE(r[2].error, std::string("broken at run time"));
    }

    void ratioToReferenceCancelsMachineSpeed() {
        // Two instances; the machine runs 1.5x slower in the second half of instance 1 and all of
        // instance 2. The model costs 2.5x the reference throughout: raw medians move, ratios do not.
        const std::vector<std::vector<double>> ref{{1, 1, 1.5, 1.5}, {1.5, 1.5, 1.5, 1.5}};
        std::vector<std::vector<double>> model = ref;
        for (auto& inst : model)
            for (double& x : inst) x *= 2.5;
        const ReferenceRatio r = ratioToReference(model, ref);
        QCOMPARE(r.median, 2.5);
        QCOMPARE(r.p10, 2.5);
        QCOMPARE(r.p90, 2.5);
        QCOMPARE(r.pairs, 8);
        QCOMPARE(r.referenceMs, 1.5);
        QCOMPARE(r.referenceSpread, (1.5 - 1.0) / 1.5);
        QCOMPARE(summarizeRounds(model, 1).p10Ms, 2.5);  // the raw view sees the phases
        QCOMPARE(summarizeRounds(model, 1).p90Ms, 3.75);
    }

    // A model whose rounds stay spread over two modes after the extra processes gets a warning
    // naming it and its spread; an ordinary one, a stored one and a failed one do not.
    void unsteadyModelsAreNamed() {
        ModelReport r;
        r.ok = true;
        r.stats.medianMs = 2.0;
        r.stats.p10Ms = 1.2;
        r.stats.p90Ms = 4.8;
        r.stats.instances = 5;
        const QString w = QString::fromStdString(unsteadyWarning(r, "net.onnx"));
        QVERIFY2(w.startsWith("net.onnx: its rounds spread 180% (p10 1.2 ms, p90 4.8 ms) over 5 processes"), qPrintable(w));
        r.stats.p90Ms = 2.1;  // 45%: busy, but one mode
        QVERIFY(unsteadyWarning(r, "net.onnx").empty());
        r.stats.p90Ms = 4.8;
        r.fromStore = true;  // said when it was measured
        QVERIFY(unsteadyWarning(r, "net.onnx").empty());
        r.fromStore = false;
        r.ok = false;
        QVERIFY(unsteadyWarning(r, "net.onnx").empty());
    }

    // Ratios to the reference stand for the models' times when the reference's level moved between
    // batches by 1.4x (the machine's drift, or stored measurements from an earlier session) or its
    // rounds beside a model spread 58% (a busy phase), and not when its own rounds beside one model
    // were in two modes, or one model has no ratio.
    void referenceUsableThroughDriftNotModes() {
        std::vector<ModelReport> reports(3);
        const double referenceMs[] = {0.244, 0.240, 0.174};
        for (size_t i = 0; i < reports.size(); ++i) {
            reports[i].ok = true;
            reports[i].reference.median = 4.0 + double(i);
            reports[i].reference.referenceMs = referenceMs[i];
            reports[i].reference.referenceSpread = 0.3;
        }
        const std::vector<std::string> names{"a", "b", "c"};
        QVERIFY2(referenceUnusableReason(reports, names).empty(), referenceUnusableReason(reports, names).c_str());

        reports[1].reference.referenceSpread = 0.58;  // a busy phase of the machine beside model b: still drift
        QVERIFY2(referenceUnusableReason(reports, names).empty(), referenceUnusableReason(reports, names).c_str());
        reports[1].reference.referenceSpread = 35.0;  // rounds 0.47 to 17 ms beside model b
        QString why = QString::fromStdString(referenceUnusableReason(reports, names));
        QVERIFY2(why.contains("beside b spread 3500%"), qPrintable(why));

        reports[1].reference.referenceSpread = 0.3;
        reports[2].reference = {};
        reports[2].referenceError = "the reference workload failed: it timed out.";
        why = QString::fromStdString(referenceUnusableReason(reports, names));
        QVERIFY2(why == "c has no ratio to the reference workload (the reference workload failed: it timed out)", qPrintable(why));
    }

    // A session whose reference took 15% longer than the device's earlier measurements did is
    // said to have met a slow phase, naming both times and how many earlier ones; within 10%, with
    // too few earlier times, or without a session time, nothing is said.
    void machinePhaseAgainstEarlierReferenceTimes() {
        std::vector<StoredReferenceTime> earlier;  // one session, a minute apart
        for (int i = 0; i < 11; ++i) earlier.push_back({"m" + std::to_string(i), atMinute(i), 0.316 + 0.002 * i});  // median 0.326 ms
        earlier.push_back({"none", atMinute(11), 0});                                                               // no reference: ignored
        const UsualSpeed usual = usualSpeed(earlier);
        QCOMPARE(usual.measurements, size_t(11));
        QCOMPARE(usual.sessions, size_t(1));
        QString w = QString::fromStdString(machinePhaseWarning("the networks were", "opencv-t2", 0.376, usual));
        QVERIFY2(w.startsWith("while the networks were measured on opencv-t2, the reference workload took 0.376 ms against 0.326 ms, "
                              "its usual time over 11 earlier measurements there: the machine ran 15% slower"),
                 qPrintable(w));
        w = QString::fromStdString(machinePhaseWarning("the networks were", "opencv-t2", 0.280, usual));
        QVERIFY2(w.contains("ran 14% faster"), qPrintable(w));
        QVERIFY(machinePhaseWarning("the networks were", "opencv-t2", 0.350, usual).empty());  // 7%: a quiet machine
        earlier.resize(4);
        QCOMPARE(usualSpeed(earlier).referenceMs, 0.0);  // too few
        QVERIFY(machinePhaseWarning("the networks were", "opencv-t2", 0.376, usualSpeed(earlier)).empty());
        QVERIFY(machinePhaseWarning("the networks were", "opencv-t2", 0, usual).empty());
    }

    // The usual speed weighs measuring sessions alike: a build's 300 kernels met in a slow phase
    // (0.40 ms) beside three campaigns of a few networks each at 0.30-0.32 ms is 0.315 ms (the
    // mean of the two middle sessions), not the build's 0.40 that a median over all measurements
    // would give. Sessions are split where
    // measurements stand 30 minutes or more apart, whatever order they come in.
    void usualSpeedWeighsSessionsAlike() {
        std::vector<StoredReferenceTime> earlier;
        for (int i = 0; i < 300; ++i) earlier.push_back({"kernel" + std::to_string(i), atMinute(600 + i / 10), 0.40});
        for (int i = 0; i < 6; ++i) {
            earlier.push_back({"a" + std::to_string(i), atMinute(i), 0.30});         // hours before the build
            earlier.push_back({"b" + std::to_string(i), atMinute(200 + i), 0.31});   // ...
            earlier.push_back({"c" + std::to_string(i), atMinute(1200 + i), 0.32});  // and after it
        }
        UsualSpeed usual = usualSpeed(earlier);
        QCOMPARE(usual.measurements, size_t(318));
        QCOMPARE(usual.sessions, size_t(4));
        QVERIFY2(std::abs(usual.referenceMs - 0.315) < 1e-12, qPrintable(QString::number(usual.referenceMs)));  // (0.31 + 0.32) / 2
        // Two campaigns 29 minutes apart are one session; 30 minutes apart, two.
        std::vector<StoredReferenceTime> two{{"x0", atMinute(0), 0.30},
                                             {"x1", atMinute(0), 0.30},
                                             {"x2", atMinute(0), 0.30},
                                             {"y0", atMinute(29), 0.50},
                                             {"y1", atMinute(29), 0.50}};
        QCOMPARE(usualSpeed(two).sessions, size_t(1));
        QCOMPARE(usualSpeed(two).referenceMs, 0.30);
        for (size_t i = 3; i < two.size(); ++i) two[i].takenAtUtc = atMinute(30);
        QCOMPARE(usualSpeed(two).sessions, size_t(2));
        QVERIFY(std::abs(usualSpeed(two).referenceMs - 0.40) < 1e-12);
        // An unreadable time is a session of its own.
        two.push_back({"z", "yesterday", 0.9});
        QCOMPARE(usualSpeed(two).sessions, size_t(3));
        QVERIFY(std::abs(usualSpeed(two).referenceMs - 0.50) < 1e-12);
    }

    void measuringCampaignAgainstEarlierReferenceTimes() {
        // A campaign's check: its fresh measurements' median reference time (the mean of the two
        // middle ones for an even count) against the device's stored ones on the same CPU and
        // runtime, its own models' stored times left out.
        PhaseStore db("opencv-t1");
        QVERIFY(db.store);
        for (int i = 0; i < 5; ++i) db.add("earlier" + std::to_string(i), 0.300, "cpu A");
        for (int i = 0; i < 5; ++i) db.add("elsewhere" + std::to_string(i), 0.600, "cpu B");  // another CPU: not compared
        for (int i = 0; i < 5; ++i) db.add("now0", 0.900, "cpu A");  // earlier times of a model measured again now: left out
        auto report = [](const std::string& hash, double referenceMs, bool fromStore) {
            ModelReport r;
            r.modelHash = hash;
            r.ok = true;
            r.fromStore = fromStore;
            r.runtimeVersion = PhaseStore::kVersion;
            r.machine.cpuModel = "cpu A";
            r.reference.referenceMs = referenceMs;
            return r;
        };
        // Fresh 0.32 and 0.36 (middle 0.34, 13% slower than 0.300); a stored report's 0.9 is not this session's.
        std::vector<ModelReport> reports{report("now0", 0.32, false), report("old", 0.9, true), report("now1", 0.36, false)};
        QCOMPARE(referenceTimesMeasuredNow(reports), (std::vector<double>{0.32, 0.36}));  // also adapt's session speed
        QString w = QString::fromStdString(measuredPhaseWarning(reports, *db.store, db.deviceId, "these models were"));
        QVERIFY2(w.startsWith("while these models were measured on opencv-t1, the reference workload took 0.340 ms against 0.300 ms, "
                              "its usual time over 5 earlier measurements there: the machine ran 13% slower"),
                 qPrintable(w));
        reports[2].reference.referenceMs = 0.32;  // 7%: quiet
        QVERIFY(measuredPhaseWarning(reports, *db.store, db.deviceId, "these models were").empty());
        for (ModelReport& r : reports) r.fromStore = true;  // nothing measured now
        QVERIFY(measuredPhaseWarning(reports, *db.store, db.deviceId, "these models were").empty());
    }

    void remeasuredModelsAreJudgedAgainstTheirEarlierSessions() {
        // Measured again (measure --remeasure), the models' earlier sessions are the device's
        // past; the campaign's own rows, stored as taken, are not. Seen on 2026-12-05: the 22
        // networks measured again while the reference took 0.205 ms against 0.158 ms an hour
        // before, and no warning, all earlier rows being of the same models.
        PhaseStore db("xnnpack-t1");
        QVERIFY(db.store);
        std::vector<ModelReport> reports;
        for (int i = 0; i < 5; ++i) {
            const std::string hash = "m" + std::to_string(i);
            db.add(hash, 0.300, "cpu A", atMinute(i));        // an earlier session
            db.add(hash, 0.400, "cpu A", atMinute(121 + i));  // this campaign's, stored as taken
            ModelReport r;
            r.modelHash = hash;
            r.ok = true;
            r.runtimeVersion = PhaseStore::kVersion;
            r.machine.cpuModel = "cpu A";
            r.reference.referenceMs = 0.400;
            reports.push_back(r);
        }
        const QString w = QString::fromStdString(measuredPhaseWarning(reports, *db.store, db.deviceId, "these models were", atMinute(120)));
        QVERIFY2(w.contains("took 0.400 ms against 0.300 ms, its usual time over 5 earlier measurements there: the machine ran 33% slower"),
                 qPrintable(w));
        QVERIFY(
            measuredPhaseWarning(reports, *db.store, db.deviceId, "these models were").empty());  // without the start: other models only
    }

    void usualSpeedBeforeTheScoredMeasurements() {
        // evaluate --at-usual-speed: the scored measurements are each model's newest; the usual
        // speed comes from what was measured before the first of them on the same machine, never
        // from them (their own earlier sessions included).
        PhaseStore db("xnnpack-t1");
        QVERIFY(db.store);
        std::vector<StoredMeasurement> all;
        for (int i = 0; i < 5; ++i) all.push_back(db.add("m" + std::to_string(i), 0.300, "cpu A", atMinute(i)));
        all.push_back(db.add("other", 0.310, "cpu A", atMinute(100)));
        for (int i = 0; i < 5; ++i) all.push_back(db.add("m" + std::to_string(i), 0.500, "cpu A", atMinute(200 + i)));
        const std::set<std::string> scored{"m0", "m1", "m2", "m3", "m4"};
        Result<UsualSpeedBefore> u = usualSpeedBefore(*db.store, db.deviceId, all, scored);
        QVERIFY(u.ok());
        QCOMPARE(u.value().firstScoredUtc, atMinute(200));
        QCOMPARE(u.value().speed.measurements, size_t(6));
        QCOMPARE(u.value().speed.sessions, size_t(2));                   // minutes 0-4 and 100
        QVERIFY(std::abs(u.value().speed.referenceMs - 0.305) < 1e-12);  // sessions 0.300 and 0.310
        all.push_back(db.add("m4", 0.500, "cpu B", atMinute(300)));      // one scored model measured elsewhere
        QVERIFY(!usualSpeedBefore(*db.store, db.deviceId, all, scored).ok());
        QVERIFY(!usualSpeedBefore(*db.store, db.deviceId, all, {"never"}).ok());
    }

    // A measurement at the predictor's speed needs the CPU that speed is of: the predictor's own,
    // or, once its times are carried to a device's usual speed, the device's (a predictor built on
    // another CPU, on a machine with earlier measurements: the GUI compares there).
    void atPredictorSpeedOnTheSpeedsCpu() {
        PredictorSet p;
        p.cpuModel = "cpu A";
        p.referenceMs = 0.2;
        QCOMPARE(atPredictorSpeedMs(p, 10.0, "cpu A"), 2.0);
        QCOMPARE(atPredictorSpeedMs(p, 10.0, "cpu B"), 0.0);  // another machine: no speed to compare at
        p.speedScale = 1.5;                                   // carried to cpu B's usual speed
        QCOMPARE(atPredictorSpeedMs(p, 10.0, "cpu B", "cpu B"), 3.0);
        QCOMPARE(atPredictorSpeedMs(p, 10.0, "cpu A", "cpu B"), 0.0);
        QCOMPARE(atPredictorSpeedMs(p, 0.0, "cpu B", "cpu B"), 0.0);  // no ratio to the reference
    }

    void storedMeasurementAgainstThoseBeforeIt() {
        // A stored measurement (the GUI's look-up) is judged against the device's measurements of
        // other models taken before it, not after.
        PhaseStore db("xnnpack-t1");
        QVERIFY(db.store);
        for (int i = 0; i < 5; ++i)
            db.add("before" + std::to_string(i), 0.300, "cpu A", "2026-01-0" + std::to_string(i + 1) + "T00:00:00Z");
        for (int i = 0; i < 5; ++i) db.add("after" + std::to_string(i), 0.900, "cpu A", "2026-09-0" + std::to_string(i + 1) + "T00:00:00Z");
        StoredMeasurement m = db.add("model", 0.400, "cpu A", "2026-03-01T00:00:00Z");
        const QString w = QString::fromStdString(storedPhaseWarning(*db.store, m, "the model was"));
        QVERIFY2(w.startsWith("while the model was measured on xnnpack-t1, the reference workload took 0.400 ms against 0.300 ms, its "
                              "usual time over 5 earlier measurements there: the machine ran 33% slower"),
                 qPrintable(w));
        m.referenceId.clear();  // measured without the reference workload: nothing to compare
        QVERIFY(storedPhaseWarning(*db.store, m, "the model was").empty());
        QVERIFY(storedPhaseWarning(*db.store, db.add("first", 0.4, "cpu A", "2025-01-01T00:00:00Z"), "the model was").empty());
    }

    void ratioToReferencePairsOnlyMatchingRounds() {
        // Round r of instance i pairs with round r of instance i; extra rounds, extra instances and
        // non-positive reference times are dropped; per-instance medians, then their median.
        const ReferenceRatio r = ratioToReference({{2, 4, 6, 100}, {3, 3}, {9}}, {{1, 1, 1}, {1, 0}});
        QCOMPARE(r.pairs, 4);                 // 3 from instance 1, 1 from instance 2
        QCOMPARE(r.median, (4.0 + 3.0) / 2);  // instance medians 4 and 3
        QCOMPARE(ratioToReference({{1}}, {}).median, 0.0);
        QCOMPARE(ratioToReference({{1}}, {}).pairs, 0);
    }

    // A 2-thread device in a phase where its threads did not both get a core (the VM of session W:
    // the reference 0.142 -> 0.18 ms, MobileNetV3-Small 1.0 -> 1.8 ms): the rounds in phase keep
    // the ratio those of a fast phase give; all rounds together would not.
    void ratioFromTheRoundsInPhase() {
        std::vector<double> fastModel(10, 1.0), slowModel(10, 1.8), fastRef(10, 0.142), slowRef(10, 0.18);
        std::vector<double> mixedModel = fastModel, mixedRef = fastRef;
        mixedModel.insert(mixedModel.end(), slowModel.begin(), slowModel.begin() + 6);
        mixedRef.insert(mixedRef.end(), slowRef.begin(), slowRef.begin() + 6);
        const std::vector<std::vector<double>> model{mixedModel, slowModel}, reference{mixedRef, slowRef};
        const double maxRefMs = (1 + kInPhaseTolerance) * 0.142;
        const InPhaseRounds in = inPhaseRounds(model, reference, maxRefMs);
        QVERIFY(in.enough);
        QCOMPARE(in.dropped, 16);                // 6 of the first instance's rounds, all 10 of the second's
        QCOMPARE(in.model.size(), size_t(1));    // the second instance had none in phase
        QCOMPARE(in.model[0], fastModel);
        QCOMPARE(in.reference[0], fastRef);
        QCOMPARE(ratioToReference(in.model, in.reference).median, 1.0 / 0.142);
        QVERIFY(ratioToReference(model, reference).median > 1.05 / 0.142);  // what the slow phase made of it
        // Too few rounds in phase: all of them, flagged; no fast level: all of them.
        const InPhaseRounds few = inPhaseRounds({slowModel, {1.0, 1.0}}, {slowRef, {0.142, 0.142}}, maxRefMs);
        QVERIFY(!few.enough);
        QCOMPARE(few.model.size(), size_t(2));
        QCOMPARE(few.model[0], slowModel);
        const InPhaseRounds none = inPhaseRounds(model, reference, 0);
        QVERIFY(none.enough);
        QCOMPARE(none.dropped, 0);
        QCOMPARE(none.model, model);
    }
};

QTEST_GUILESS_MAIN(TestMeasurement)
#include "test_measurement.moc"

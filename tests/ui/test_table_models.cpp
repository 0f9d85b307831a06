// SPDX-License-Identifier: GPL-3.0-or-later
// The Compare and Predictor tabs' item models under QAbstractItemModelTester, on MobileNetV3-Small
// with the shipped predictors: one row per device with its predicted total and, once measured, the
// prediction's error; one row per kernel type of the predictor with its last round's validation;
// one row per fusion rule (pairs, chains, shared outputs). Sort roles give numbers.
#include <QtTest>

#include <QAbstractItemModelTester>
#include <QTemporaryDir>

#include "test_support.h"
#include "ui/models/analysis_ptr.h"
#include "ui/models/analysis_text.h"
#include "ui/models/device_totals_model.h"
#include "ui/models/predictor_tables.h"
#include "workflows/analyze_model.h"
#include "workflows/devices.h"

using namespace km;
using namespace km::ui;

namespace {

// A measured time of `ms` on `device`, taken at `takenAtUtc`, with nothing else known of it.
MeasuredLatency measuredOn(const QString& device, double ms, const QString& takenAtUtc) {
    MeasuredLatency m;
    m.deviceId = device;
    m.medianMs = ms;
    m.takenAtUtc = takenAtUtc;
    return m;
}

}  // namespace

class TestTableModels : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(m_data.isValid());
        qputenv("XDG_DATA_HOME", m_data.path().toUtf8());  // no user database: the shipped predictors
        DeviceDataCache cache;
        Result<ModelAnalysis> a =
            analyzeModel(test::fixture("real/mobilenet_v3_small.onnx").toStdString(), {"opencv-t1", "xnnpack-t1"}, cache);
        QVERIFY(a.ok());
        m_analysis = std::make_shared<const ModelAnalysis>(std::move(a).value());
        QVERIFY(m_analysis->devices[0].ok() && m_analysis->devices[1].ok());
    }

    void deviceTotals() {
        DeviceTotalsModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);
        const DeviceAnalysis& a = m_analysis->devices[0];
        const DeviceAnalysis& b = m_analysis->devices[1];
        model.setDevices({&a, &b}, {});
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.data(model.index(1, DeviceTotalsModel::Device), Qt::DisplayRole).toString(), QString("xnnpack-t1"));
        QCOMPARE(model.data(model.index(0, DeviceTotalsModel::Predicted), DeviceTotalsModel::SortRole).toDouble(), a.prediction.totalMs);
        QCOMPARE(model.data(model.index(0, DeviceTotalsModel::Measured), Qt::DisplayRole).toString(), QString("-"));
        // The slower device is "x<ratio>" of the faster one, which is x1.00.
        const int slower = a.prediction.totalMs > b.prediction.totalMs ? 0 : 1;
        QCOMPARE(model.data(model.index(1 - slower, DeviceTotalsModel::VsFastest), Qt::DisplayRole).toString(), QString("x1.00"));
        QVERIFY(model.data(model.index(slower, DeviceTotalsModel::VsFastest), DeviceTotalsModel::SortRole).toDouble() > 1);
        // The prediction 10% above the measurement: an error of +10.0%.
        MeasuredLatency m = measuredOn("opencv-t1", a.prediction.totalMs / 1.1, "2026-12-02T00:00:00Z");
        model.setDevices({&a, &b}, {{"opencv-t1", m}});
        QCOMPARE(model.data(model.index(0, DeviceTotalsModel::Error), Qt::DisplayRole).toString(), QString("+10.0%"));
        QVERIFY(model.data(model.index(0, DeviceTotalsModel::Measured), Qt::ToolTipRole).toString().contains("2026-12-02"));
        QCOMPARE(model.data(model.index(1, DeviceTotalsModel::Error), Qt::DisplayRole).toString(), QString());
        QVERIFY(!model.data(model.index(0, DeviceTotalsModel::Measured), Qt::ForegroundRole).isValid());
        QVERIFY(!summaryHtml(*m_analysis, nullptr, {{"opencv-t1", m}}).contains("not on the machine"));
        // A stored time from another machine is told apart, in the table and in the summary.
        m.takenElsewhere = "AMD EPYC (family 25) (2 cores), opencv-dnn 4.5.0";
        model.setDevices({&a, &b}, {{"opencv-t1", m}});
        QVERIFY(model.data(model.index(0, DeviceTotalsModel::Measured), Qt::ForegroundRole).isValid());
        QVERIFY(model.data(model.index(0, DeviceTotalsModel::Measured), Qt::ToolTipRole)
                    .toString()
                    .contains("on AMD EPYC (family 25) (2 cores), opencv-dnn 4.5.0, not on the machine the device has now"));
        const QString summary = summaryHtml(*m_analysis, nullptr, {{"opencv-t1", m}});
        QVERIFY2(summary.contains("that measurement was taken on AMD EPYC (family 25) (2 cores), opencv-dnn 4.5.0, not on the machine "
                                  "opencv-t1 has now"),
                 qPrintable(summary));
        // Taken on the predictor's CPU at another machine speed (by the reference workload): the
        // prediction's error at the predictor's speed beside the raw one.
        const PredictorSet& predictor = *a.predictor;
        QVERIFY(predictor.referenceMs > 0);
        MeasuredLatency fast = measuredOn("opencv-t1", a.prediction.totalMs / 1.25, "2026-12-02T00:00:00Z");
        fast.referenceRatio = a.prediction.totalMs / 1.02 / predictor.referenceMs;
        fast.cpuModel = QString::fromStdString(predictor.cpuModel);
        const QString gap =
            "By the reference workload the machine ran 18% faster during this measurement than during the predictor's "
            "build: at the predictor's machine speed the prediction is +2.0%.";
        QVERIFY2(summaryHtml(*m_analysis, nullptr, {{"opencv-t1", fast}}).contains(gap),
                 qPrintable(summaryHtml(*m_analysis, nullptr, {{"opencv-t1", fast}})));
        model.setDevices({&a, &b}, {{"opencv-t1", fast}});
        QVERIFY(model.data(model.index(0, DeviceTotalsModel::Measured), Qt::ToolTipRole).toString().contains(gap));
        QVERIFY(model.data(model.index(0, DeviceTotalsModel::Error), Qt::ForegroundRole).isValid());
        {  // carried to the machine's usual speed: compared at that speed, and said so
            PredictorSet carried = predictor;
            carried.speedScale = 1.5;
            ModelAnalysis atUsual = *m_analysis;
            atUsual.devices[0].predictor = std::make_shared<const PredictorSet>(carried);
            atUsual.devices[0].prediction.totalMs *= 1.5;
            // The device reports another CPU than the predictor's (a shipped predictor on another
            // machine): carried, the times are at the speed of the device's CPU, where it measures.
            auto host = std::make_shared<HostComparison>();
            host->state = "mismatch";
            host->deviceCpu = "the device's CPU";
            atUsual.devices[0].host = host;
            MeasuredLatency slow = fast;
            slow.cpuModel = "the device's CPU";
            slow.referenceRatio = a.prediction.totalMs / 0.962 / predictor.referenceMs;  // the prediction 3.8% short by it
            slow.medianMs = a.prediction.totalMs * 1.5 * 1.25 / 0.962;                   // in a phase 25% slower
            const QString carriedGap =
                "By the reference workload the machine ran 25% slower during this measurement than at the machine's usual speed: at "
                "that speed the prediction is -3.8%.";
            QVERIFY2(summaryHtml(atUsual, nullptr, {{"opencv-t1", slow}}).contains(carriedGap),
                     qPrintable(summaryHtml(atUsual, nullptr, {{"opencv-t1", slow}})));
            MeasuredLatency onPredictorsCpu = slow;  // not at the speed the times were carried to
            onPredictorsCpu.cpuModel = fast.cpuModel;
            QVERIFY(!summaryHtml(atUsual, nullptr, {{"opencv-t1", onPredictorsCpu}}).contains("during this measurement"));
            // The phase against the measurements before this one is another "usual" time; beside
            // a prediction at the usual speed only the comparison at that speed is shown.
            slow.machinePhase = "While the model was measured on opencv-t1, the machine ran 31% slower than then.";
            const QString both = summaryHtml(atUsual, nullptr, {{"opencv-t1", slow}});
            QVERIFY2(both.contains(carriedGap) && !both.contains("31% slower than then"), qPrintable(both));
            QCOMPARE(measuredSpeedNotes(atUsual.devices[0], slow), QStringList{carriedGap});
            DeviceTotalsModel usualModel;
            usualModel.setDevices({&atUsual.devices[0]}, {{"opencv-t1", slow}});
            const QString tip = usualModel.data(usualModel.index(0, DeviceTotalsModel::Measured), Qt::ToolTipRole).toString();
            QVERIFY2(tip.contains(carriedGap) && !tip.contains("than then"), qPrintable(tip));
            // At the predictor's own speed (on its CPU) both are shown: the phase note has no rival there.
            slow.cpuModel = fast.cpuModel;
            QCOMPARE(measuredSpeedNotes(a, slow).size(), 2);
            QVERIFY(summaryHtml(*m_analysis, nullptr, {{"opencv-t1", slow}}).contains("31% slower than then"));
            // A measurement whose median is no stable time says so first, at any speed.
            slow.unsteady =
                "This measurement: its rounds spread 74% (p10 1.01 ms, p90 1.83 ms) over 8 processes: its median is not a "
                "stable time; measure it again with nothing else running.";
            QCOMPARE(measuredSpeedNotes(a, slow).size(), 3);
            QCOMPARE(measuredSpeedNotes(a, slow).front(), slow.unsteady);
            QVERIFY(summaryHtml(atUsual, nullptr, {{"opencv-t1", slow}}).contains("its median is not a stable time"));
        }
        fast.cpuModel = "another CPU";  // its speed says nothing about the predictor's machine
        QVERIFY(!summaryHtml(*m_analysis, nullptr, {{"opencv-t1", fast}}).contains("By the reference workload"));

        // An adapted predictor that met the machine in another phase says so in its provenance
        // (the Predictor tab and the report).
        PredictorSet adapted = predictor;
        adapted.adaptation = Adaptation{};
        adapted.adaptation->earlierReferenceMs = predictor.referenceMs / 1.25;
        adapted.adaptation->earlierMeasurements = 7;
        QVERIFY(!adaptationText(adapted).contains("Its intervals"));  // no network: no band to tell
        adapted.adaptation->networks = {{"a", "", 8.0, 0, 0, 10.0}, {"b", "", 11.0, 0, 0, 10.0}, {"c", "", 10.0, 0, 0, 10.0}};
        QVERIFY2(adaptationText(adapted).contains("Its intervals run from 0.80 to 1.25 times each prediction"),
                 qPrintable(adaptationText(adapted)));
        QVERIFY2(adaptationText(adapted).contains("This predictor was adapted while its networks were measured on opencv-t1, the "
                                                  "reference workload took"),
                 qPrintable(adaptationText(adapted)));
        ModelAnalysis withAdapted = *m_analysis;  // and beside the device's predicted latency in the summary
        withAdapted.devices[0].predictor = std::make_shared<const PredictorSet>(adapted);
        QVERIFY(summaryHtml(withAdapted).contains("This predictor was adapted while its networks were measured on opencv-t1"));
        QVERIFY(!summaryHtml(*m_analysis).contains("This predictor was adapted"));
        adapted.adaptation->earlierMeasurements = 0;  // nothing to compare with when it was adapted
        QVERIFY(!adaptationText(adapted).contains("This predictor was adapted"));

        // Times carried to the machine's usual speed: a grey line under the total, the whole
        // sentence in the provenance (tooltip, Predictor tab, report); the phase note is moot.
        PredictorSet carried = predictor;
        carried.speedScale = 1.18;
        ModelAnalysis atUsual = *m_analysis;
        atUsual.devices[0].predictor = std::make_shared<const PredictorSet>(carried);
        atUsual.devices[0].speedNote = "predicted at opencv-t1's usual speed: its reference workload took 0.45 ms there";
        QVERIFY2(summaryHtml(atUsual).contains("at the machine's usual speed: 1.18 times the predictor's own"),
                 qPrintable(summaryHtml(atUsual)));
        QVERIFY(provenanceText(atUsual.devices[0]).contains("Predicted at opencv-t1's usual speed"));
        QVERIFY(!summaryHtml(*m_analysis).contains("usual speed"));
        // On a machine with phases the line also gives how far its sessions were apart (more
        // than 10%), in the same unit.
        atUsual.devices[0].usual.referenceMs = 1.18 * predictor.referenceMs;
        atUsual.devices[0].usual.fastestSessionMs = 1.05 * predictor.referenceMs;
        atUsual.devices[0].usual.slowestSessionMs = 1.12 * predictor.referenceMs;
        QVERIFY2(summaryHtml(atUsual).contains("predictor's own</span>"), qPrintable(summaryHtml(atUsual)));
        atUsual.devices[0].usual.slowestSessionMs = 1.50 * predictor.referenceMs;
        QVERIFY2(summaryHtml(atUsual).contains("1.18 times the predictor's own (its sessions 1.05-1.50)"),
                 qPrintable(summaryHtml(atUsual)));
        carried.adaptation = Adaptation{};
        carried.adaptation->earlierReferenceMs = predictor.referenceMs / 1.25;
        carried.adaptation->earlierMeasurements = 7;
        QVERIFY(adaptationText(carried).indexOf("This predictor was adapted while") < 0);
    }

    // Devices whose predictors were made on one other machine are told so once under the list;
    // a device on a machine of its own keeps its line under its total.
    void otherMachineSaidOnce() {
        HostComparison other;
        other.state = "mismatch";
        other.differences = {"CPU"};
        other.predictedFor = "predicted for CPU A";
        other.reports = "CPU B";
        other.ways = "adapt (about 4 minutes) or build (about 45 minutes)";
        other.message = "predicted for CPU A; ... reports CPU B: the times may be far off; ...";
        ModelAnalysis both = *m_analysis;
        for (DeviceAnalysis& d : both.devices) d.host = std::make_shared<const HostComparison>(other);
        QString summary = summaryHtml(both, nullptr, {});
        const QString once =
            "Not these devices&#x27; machine (opencv-t1, xnnpack-t1): predicted for CPU A; they report CPU B. Adapt "
            "(about 4 minutes) or build (about 45 minutes) in the Predictor tab.";
        QVERIFY2(summary.count(once) == 1 || summary.count(QString(once).replace("&#x27;", "'")) == 1, qPrintable(summary));
        QCOMPARE(summary.count("(below)"), 2);
        other.reports = "CPU C";  // xnnpack-t1 on another machine than opencv-t1
        both.devices[1].host = std::make_shared<const HostComparison>(other);
        summary = summaryHtml(both, nullptr, {});
        QVERIFY2(!summary.contains("these devices") && !summary.contains("(below)"), qPrintable(summary));
        QVERIFY2(summary.contains("xnnpack-t1 reports CPU C") && summary.contains("opencv-t1 reports CPU B"), qPrintable(summary));
    }

    void kernelTypes() {
        KernelTypeTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const PredictorSet& p = *m_analysis->devices[0].predictor;
        model.setPredictor(m_analysis->devices[0].predictor);
        QCOMPARE(model.rowCount(), int(p.types.size()));
        const std::string first = p.types.begin()->first;
        QCOMPARE(model.typeAt(0), first);
        QCOMPARE(model.data(model.index(0, KernelTypeTableModel::Type), Qt::DisplayRole).toString(), QString::fromStdString(first));
        QCOMPARE(model.data(model.index(0, KernelTypeTableModel::Samples), KernelTypeTableModel::SortRole).toULongLong(),
                 qulonglong(p.types.begin()->second.samples));
        QCOMPARE(model.data(model.index(0, KernelTypeTableModel::Within10), KernelTypeTableModel::SortRole).toDouble(),
                 p.types.begin()->second.rounds.back().within10);
        QCOMPARE(model.typeAt(model.rowCount()), std::string());
        // Headers name their columns' data; the accuracy comes right after the type, so a pane
        // narrower than the table still shows it.
        QCOMPARE(model.headerData(KernelTypeTableModel::Within10, Qt::Horizontal, Qt::DisplayRole).toString(), "Within 10%");
        QCOMPARE(model.headerData(KernelTypeTableModel::Samples, Qt::Horizontal, Qt::DisplayRole).toString(), "Samples");
        QCOMPARE(model.headerData(KernelTypeTableModel::Band, Qt::Horizontal, Qt::DisplayRole).toString(), "Interval x");
        QCOMPARE(int(KernelTypeTableModel::Within10), 1);
        QCOMPARE(model.headerData(KernelTypeTableModel::Type, Qt::Horizontal, Qt::DisplayRole).toString(), "Kernel type");
        // An adapted predictor's regressors are its source's: the header says whose.
        auto adapted = std::make_shared<PredictorSet>(p);
        adapted->adaptation = Adaptation{};
        adapted->adaptation->sourceDevice = "xnnpack-t1";
        model.setPredictor(adapted);
        QCOMPARE(model.headerData(KernelTypeTableModel::Type, Qt::Horizontal, Qt::DisplayRole).toString(), "Kernel type (xnnpack-t1's)");
        model.setPredictor(nullptr);
        QCOMPARE(model.rowCount(), 0);
    }

    void fusionRules() {
        FusionRuleTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const RuleSet& r = *m_analysis->devices[0].rules;
        model.setRules(m_analysis->devices[0].rules);
        QCOMPARE(model.rowCount(), int(r.pairs.size() + r.chains.size() + r.multiOutput.size()));
        QVERIFY(model.rowCount() > 10);
        QVERIFY(model.data(model.index(0, FusionRuleTableModel::Rule), Qt::DisplayRole).toString().contains(QStringLiteral("\u2192")));
        if (!r.chains.empty())
            QVERIFY(
                model.data(model.index(int(r.pairs.size()), FusionRuleTableModel::Rule), Qt::DisplayRole).toString().endsWith("(chain)"));
        // Every rule's evidence is counted once: the Points column sums to all the rule set's points.
        qulonglong points = 0, expected = 0;
        for (int row = 0; row < model.rowCount(); ++row)
            points += model.data(model.index(row, FusionRuleTableModel::Points), FusionRuleTableModel::SortRole).toULongLong();
        for (const auto& [k, rule] : r.pairs) expected += rule.evidence.size();
        for (const auto& [k, rule] : r.chains) expected += rule.evidence.size();
        for (const auto& [k, rule] : r.multiOutput) expected += rule.evidence.size();
        QCOMPARE(points, expected);
        QVERIFY(expected > 0);
        // A rule's median saving over an even number of points is the mean of the middle two.
        auto two = std::make_shared<RuleSet>();
        FusionRule rule;
        rule.ops = {"conv", "relu"};
        for (double ms : {0.30, 0.10, 0.20, 0.90}) rule.evidence.push_back(FusionEvidence{.savingMs = ms});
        two->pairs[{"conv", "relu"}] = rule;
        model.setRules(two);
        QCOMPARE(model.data(model.index(0, FusionRuleTableModel::MedianSaving), FusionRuleTableModel::SortRole).toDouble(), 0.25);
        QCOMPARE(model.headerData(FusionRuleTableModel::MedianSaving, Qt::Horizontal, Qt::DisplayRole).toString(), "Median saving ms");
        QCOMPARE(model.headerData(FusionRuleTableModel::DecidedBy, Qt::Horizontal, Qt::DisplayRole).toString(), "Decided by");
        // Shown for another device than theirs (an adapted predictor carries its source's rules):
        // the first header says whose they are.
        model.setRules(m_analysis->devices[0].rules, r.deviceId);
        QCOMPARE(model.headerData(FusionRuleTableModel::Rule, Qt::Horizontal, Qt::DisplayRole).toString(), "Rule");
        model.setRules(m_analysis->devices[0].rules, "lab-phone");
        QCOMPARE(model.headerData(FusionRuleTableModel::Rule, Qt::Horizontal, Qt::DisplayRole).toString(),
                 QString::fromStdString("Rule (" + r.deviceId + "'s)"));
        model.setRules(nullptr);
        QCOMPARE(model.rowCount(), 0);
    }

    // An adapted predictor's networks: a row each with its times, left-out error and weight; a built
    // predictor has none.
    void adaptedNetworks() {
        AdaptationTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setPredictor(m_analysis->devices[0].predictor);
        QCOMPARE(model.rowCount(), 0);
        auto adapted = std::make_shared<PredictorSet>(*m_analysis->devices[0].predictor);
        adapted->adaptation = Adaptation{};
        adapted->adaptation->networks = {{"net-a", "h1", 10.0, 8.0, 9.5, 9.0, 1.5}, {"net-b", "h2", 20.0, 16.0, 21.0, 22.0, 0.5}};
        model.setPredictor(adapted);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.data(model.index(1, AdaptationTableModel::Network), Qt::DisplayRole).toString(), QString("net-b"));
        QCOMPARE(model.data(model.index(1, AdaptationTableModel::LeftOut), AdaptationTableModel::SortRole).toDouble(), 22.0);
        QCOMPARE(model.data(model.index(1, AdaptationTableModel::LeftOutError), Qt::DisplayRole).toString(), QString("+10.0%"));
        QCOMPARE(model.data(model.index(0, AdaptationTableModel::LeftOutError), AdaptationTableModel::SortRole).toDouble(), -0.1);
        QCOMPARE(model.data(model.index(0, AdaptationTableModel::Weight), Qt::DisplayRole).toString(), QString("1.50"));
        QCOMPARE(model.data(model.index(1, AdaptationTableModel::Weight), AdaptationTableModel::SortRole).toDouble(), 0.5);
        model.setPredictor(nullptr);
        QCOMPARE(model.rowCount(), 0);
    }

private:
    QTemporaryDir m_data;
    AnalysisPtr m_analysis;
};

QTEST_MAIN(TestTableModels)
#include "test_table_models.moc"

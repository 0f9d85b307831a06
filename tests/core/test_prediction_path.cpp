// SPDX-License-Identifier: Apache-2.0
// The one prediction path (workflows/model_file.h, workflows/device_analyzer.h): a device's
// spellings applied as a pass over the graph read once give exactly the graph a re-read with those
// spellings gives; a device whose spellings the model lacks shares the model's graph; the analysis
// of a file equals the analysis of the same graph handed over in memory; errors name the file.
#include <QtTest>

#include <QDir>

#include <fmt/format.h>
#include <QTemporaryDir>

#include "backends/machine_info.h"
#include "test_support.h"
#include "workflows/analyze_model.h"

using namespace km;

namespace {

QStringList describe(const Graph& g) {
    QStringList out;
    for (const Node& n : g.nodes()) {
        QStringList sources;
        for (const auto& s : n.sourceNodes) sources << QString::fromStdString(s);
        out << QString::fromStdString(n.opType + "|" + n.patternGroup + "|") + sources.join(',');
    }
    return out;
}

std::shared_ptr<const RuleSet> rulesKeeping(std::vector<std::string> ops) {
    auto r = std::make_shared<RuleSet>();
    for (const auto& op : ops) r->spellings[op].merged = FusionVerdict::NotFused;
    return r;
}

}  // namespace

class TestPredictionPath : public QObject {
    Q_OBJECT
private slots:
    void spellingsAreAPassOverTheGraphReadOnce_data() {
        QTest::addColumn<QString>("file");
        for (const QString& f : QDir(test::fixture("real")).entryList({"*.onnx"}))
            QTest::newRow(qPrintable(f)) << test::fixture("real/" + f);
        QTest::newRow("se_block") << test::fixture("small/se_block.onnx");
    }
    void spellingsAreAPassOverTheGraphReadOnce() {
        QFETCH(QString, file);
        const std::string path = file.toStdString();
        Result<std::shared_ptr<const ModelFile>> model = ModelFile::read(path);
        QVERIFY2(model.ok(), model.ok() ? "" : model.error().message.c_str());
        const ModelFile& m = *model.value();
        QCOMPARE(describe(*m.canonical()), describe(loadModelFile(path).value()));
        LoadOptions raw;
        raw.recognisePatterns = false;
        QCOMPARE(describe(m.literal()), describe(loadModelFile(path, raw).value()));
        for (const std::vector<std::string>& keep : {std::vector<std::string>{"hswish"},
                                                     {"swish", "hsigmoid"},
                                                     {"channelshuffle"},
                                                     {"hswish", "hsigmoid", "swish", "channelshuffle"}}) {
            LoadOptions lo;
            lo.literalSpellings = keep;
            const std::shared_ptr<const Graph> g = m.canonical(keep);
            QCOMPARE(describe(*g), describe(loadModelFile(path, lo).value()));
            // A model without any of those spellings runs the model's own graph, shared.
            const bool spelled = std::any_of(m.canonical()->nodes().begin(), m.canonical()->nodes().end(),
                                             [&](const Node& n) { return std::find(keep.begin(), keep.end(), n.opType) != keep.end(); });
            QCOMPARE(g == m.canonical(), !spelled);
            QCOMPARE(m.canonical(keep), g);  // cached
        }
    }

    // The device analysis of a file equals that of the same graph given in memory, on every
    // device that ships a predictor; kernels and model nodes map onto each other.
    void fileAndMemoryGiveTheSameAnalysis() {
        const std::string path = test::fixture("real/mobilenet_v3_small.onnx").toStdString();
        for (const std::string& id : predictableDeviceIds()) {
            const DeviceAnalyzer device = DeviceAnalyzer::load(id);
            if (device.error()) continue;  // a device without a shipped predictor
            Result<std::shared_ptr<const ModelFile>> file = ModelFile::read(path);
            QVERIFY(file.ok());
            LoadOptions raw;
            raw.recognisePatterns = false;
            const auto memory = ModelFile::fromGraph(loadModelFile(path, raw).value(), "in memory");
            const DeviceAnalysis a = device.analyze(*file.value()), b = device.analyze(*memory);
            QVERIFY(a.ok());
            QVERIFY(a.prediction.totalMs > 0);
            QCOMPARE(a.prediction.totalMs, b.prediction.totalMs);
            QCOMPARE(a.partition.kernels.size(), b.partition.kernels.size());
            QCOMPARE(a.partition.kernels.size(), a.prediction.kernels.size());
            for (size_t k = 0; k < a.partition.kernels.size(); ++k) QVERIFY(!a.modelNodesOfKernel[k].empty());
            for (int k : a.kernelOfModelNode) QVERIFY(k >= 0 && size_t(k) < a.partition.kernels.size());
        }
    }

    // analyzeModel reads the file once, keeps its hash for stored measurements and the report, and
    // gives each device what DeviceAnalyzer::analyze gives.
    void analyzeModelIsTheSamePath() {
        const QString file = test::fixture("real/resnet18.onnx");
        DeviceDataCache cache;
        Result<ModelAnalysis> a = analyzeModel(file.toStdString(), predictableDeviceIds(), cache);
        QVERIFY(a.ok());
        QCOMPARE(a.value().model->sha256().size(), size_t(64));
        for (const DeviceAnalysis& d : a.value().devices) {
            const DeviceAnalysis direct = cache.get(d.deviceId)->analyze(*a.value().model);
            QCOMPARE(d.prediction.totalMs, direct.prediction.totalMs);
            QCOMPARE(d.error, direct.error);
        }
    }

    // Rules without a predictor still split the model (the kernels command, a device whose
    // predictor is yet to be built); the error says what is missing.
    void rulesWithoutPredictorStillPartition() {
        const DeviceAnalyzer device("test-device", rulesKeeping({"hswish"}), nullptr);
        QVERIFY(device.error());
        Result<std::shared_ptr<const ModelFile>> file = ModelFile::read(test::fixture("real/mobilenet_v3_small.onnx").toStdString());
        QVERIFY(file.ok());
        const DeviceAnalysis d = device.analyze(*file.value());
        QVERIFY(!d.ok());
        QVERIFY2(d.error.find("no predictor for test-device") != std::string::npos, d.error.c_str());
        QVERIFY(!d.partition.kernels.empty());
        QVERIFY(d.prediction.kernels.empty());
        QVERIFY(d.graph != file.value()->canonical());  // MobileNetV3 spells hswish: the device runs it node by node
    }

    // With DeviceDataSources::atUsualSpeed every time is carried from the predictor's machine
    // speed to the device's usual one, from measurements of the device on the machine it has now
    // (its CPU, and the runtime version of its last hello); measurements of another CPU or
    // runtime version, or too few, leave the predictor's own milliseconds.
    void predictionsFollowTheDevicesUsualSpeed() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string db = dir.filePath("u.db").toStdString(), id = "xnnpack-t1";
        const std::string model = test::fixture("real/mobilenet_v3_small.onnx").toStdString();
        const Result<Device> device = findDevice(id, db);
        QVERIFY(device.ok());
        auto store = MeasurementStore::open(db);
        QVERIFY(store.ok());
        const std::string cpu = readMachineInfo().cpuModel, version = "2.0-test";
        StoredHello hello;
        hello.hello.runtimes = {{device.value().runtime, version}};
        hello.hello.machine.cpuModel = cpu;
        QVERIFY(store.value()->saveHello(id, hello).ok());

        const DeviceAnalyzer own = DeviceAnalyzer::load(id, {"", "", db});
        QVERIFY(!own.error());
        const double referenceMs = own.predictor()->referenceMs;
        QVERIFY(referenceMs > 0);  // the shipped predictor records its machine speed
        Result<std::shared_ptr<const ModelFile>> file = ModelFile::read(model);
        QVERIFY(file.ok());
        const ModelPrediction ownTimes = own.analyze(*file.value()).prediction;

        int n = 0;
        auto add = [&](double ms, const std::string& onCpu, const std::string& onVersion) {
            const std::string at = fmt::format("2026-01-01T{:02d}:00:00Z", n);  // an hour apart: a session each
            StoredMeasurement m = test::measurementWithReference(id, "other" + std::to_string(n++), ms, onCpu, onVersion, at);
            QVERIFY(store.value()->add(m).ok());
        };
        DeviceDataSources usual{"", "", db};
        usual.atUsualSpeed = true;
        auto carriedBy = [&] {
            const DeviceAnalyzer a = DeviceAnalyzer::load(id, usual);
            const ModelPrediction p = a.analyze(*file.value()).prediction;
            return p.totalMs / ownTimes.totalMs;
        };
        for (int i = 0; i < 6; ++i) add(3 * referenceMs, "another CPU", version);
        for (int i = 0; i < 6; ++i) add(3 * referenceMs, cpu, "1.0-older");
        for (int i = 0; i < 4; ++i) add(2 * referenceMs, cpu, version);
        QCOMPARE(carriedBy(), 1.0);  // four on this machine: too few; the others are of other machines
        add(2 * referenceMs, cpu, version);
        const DeviceAnalyzer steady = DeviceAnalyzer::load(id, usual);  // five sessions alike: no phases to speak of
        QVERIFY(steady.usual().fastestSessionMs == steady.usual().slowestSessionMs);
        QVERIFY2(steady.speedNote().find("usual speed") != std::string::npos && steady.speedNote().find("ranged") == std::string::npos,
                 steady.speedNote().c_str());
        add(2.6 * referenceMs, cpu, version);  // sessions of 2, 2, 2, 2, 2 and 2.6 times: usual 2 times, a slow phase 30% apart

        const DeviceAnalyzer carried = DeviceAnalyzer::load(id, usual);
        const DeviceAnalysis a = carried.analyze(*file.value());
        QCOMPARE(carried.usual().sessions, size_t(6));
        QVERIFY(qFuzzyCompare(carried.predictor()->speedReferenceMs(), 2 * referenceMs));
        QVERIFY(qFuzzyCompare(a.prediction.totalMs, 2 * ownTimes.totalMs));
        QVERIFY(qFuzzyCompare(a.prediction.highMs, 2 * ownTimes.highMs));
        QVERIFY(qFuzzyCompare(a.prediction.overheadMs + 1, 2 * ownTimes.overheadMs + 1));
        QCOMPARE(a.prediction.kernels.size(), ownTimes.kernels.size());
        for (size_t k = 0; k < a.prediction.kernels.size(); ++k)
            QVERIFY(qFuzzyCompare(a.prediction.kernels[k].ms + 1, 2 * ownTimes.kernels[k].ms + 1));
        QVERIFY2(a.speedNote.find("usual speed") != std::string::npos && a.speedNote.find("2.000 times") != std::string::npos,
                 a.speedNote.c_str());
        QVERIFY(qFuzzyCompare(carried.usual().slowestSessionMs, 2.6 * referenceMs));
        QVERIFY2(
            a.speedNote.find(fmt::format("ranged from {:.4f} to {:.4f} ms", 2 * referenceMs, 2.6 * referenceMs)) != std::string::npos &&
                a.speedNote.find("30% away") != std::string::npos,
            a.speedNote.c_str());
        // Not stored: the carried predictor writes the predictor's own unit.
        QCOMPARE(PredictorSet::fromJson(carried.predictor()->toJson(), "carried").value().referenceMs, referenceMs);
        // Off unless asked: evaluate, calibrate and adapt work in the predictor's own milliseconds.
        QCOMPARE(DeviceAnalyzer::load(id, {"", "", db}).analyze(*file.value()).prediction.totalMs, ownTimes.totalMs);
    }

    void badFilesAreNamed() {
        Result<std::shared_ptr<const ModelFile>> missing = ModelFile::read("/nonexistent/model.onnx");
        QVERIFY(!missing.ok());
        QVERIFY(missing.error().message.find("/nonexistent/model.onnx") != std::string::npos);
        Result<std::shared_ptr<const ModelFile>> truncated = ModelFile::fromBytes("\x08\x07\x12", "broken.onnx");
        QVERIFY(!truncated.ok());
        QVERIFY(truncated.error().message.find("broken.onnx") != std::string::npos);
        // Only a model read with its bytes can be rewritten for a runtime.
        Result<std::shared_ptr<const ModelFile>> graphOnly = ModelFile::read(test::fixture("small/conv_block.onnx").toStdString());
        QVERIFY(graphOnly.ok());
        QVERIFY(graphOnly.value()->sha256().empty());
        QVERIFY(!graphOnly.value()->runtimeBytes(OnnxDialect::Standard).ok());
        Result<std::shared_ptr<const ModelFile>> withBytes =
            ModelFile::read(test::fixture("small/conv_block.onnx").toStdString(), {}, ModelFile::Keep::Bytes);
        QVERIFY(withBytes.ok());
        QVERIFY(withBytes.value()->runtimeBytes(OnnxDialect::OpenCvDnn).ok());
    }
};

QTEST_GUILESS_MAIN(TestPredictionPath)
#include "test_prediction_path.moc"

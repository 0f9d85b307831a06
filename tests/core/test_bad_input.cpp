// SPDX-License-Identifier: Apache-2.0
// The bad-input corpus: each file breaks one rule, and the loader must say exactly what is wrong,
// naming the file (and node or tensor), in one line, with a BadInput/Unsupported/Io code and no
// crash; and a valid file near one of those rules (a subgraph reading the outer graph) loads.
#include <QtTest>

#include "onnx/onnx_loader.h"

using namespace km;

Q_DECLARE_METATYPE(km::ErrorCode)

class TestBadInput : public QObject {
    Q_OBJECT
private slots:
    void corpus_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<km::ErrorCode>("code");
        QTest::addColumn<QString>("message");  // %1 is replaced by the file's path
        auto row = [](const char* file, ErrorCode code, const char* message) {
            QTest::newRow(file) << QString(file) << code << QString(message);
        };
        row("truncated.onnx", ErrorCode::BadInput, "%1: not an ONNX model (the protobuf data is corrupt or truncated).");
        row("random_bytes.onnx", ErrorCode::BadInput, "%1: not an ONNX model (the protobuf data is corrupt or truncated).");
        row("text_file.onnx", ErrorCode::BadInput, "%1: not an ONNX model (the protobuf data is corrupt or truncated).");
        row("tensor_not_model.onnx", ErrorCode::BadInput, "%1: not an ONNX model (the protobuf data is corrupt or truncated).");
        row("empty.onnx", ErrorCode::BadInput, "%1: the file is empty.");
        row("cycle.onnx", ErrorCode::BadInput, "%1: the graph has a cycle through node 'relu_a' (Relu).");
        row("dangling_input.onnx", ErrorCode::BadInput,
            "%1: node 'add_ghost' (Add) reads tensor 'ghost', which no node, input or initializer provides.");
        row("external_outside.onnx", ErrorCode::BadInput,
            "%1: initializer 'w' points to external data '../../../etc/passwd' outside the model's folder; refusing to read it.");
        row("absurd_dims.onnx", ErrorCode::BadInput,
            "%1: input 'x' has implausible dimensions 1x1024x32768x32768 (more than 2147483648 elements).");
        row("zero_stride.onnx", ErrorCode::BadInput,
            "%1: node 'pool_zero' (MaxPool) has attribute 'strides' with value 0; each value must lie in [1, 1048576].");
        // ONNX's checker prints the offending node over several lines: the message keeps one.
        row("if_ghost.onnx", ErrorCode::BadInput,
            "%1: node 'if_branch' (If) is not valid ONNX: Nodes in a graph must be topologically sorted, however input 'ghost' of "
            "node: name: else_tanh OpType: Tanh is not output of any previous nodes.");
        row("opset3.onnx", ErrorCode::Unsupported,
            "%1: uses ONNX opset 3; KernelMeter reads opsets 7 to 17. Convert it with onnx.version_converter.");
        row("opset99.onnx", ErrorCode::Unsupported,
            "%1: uses ONNX opset 99; KernelMeter reads opsets 7 to 17. Convert it with onnx.version_converter.");
    }

    void corpus() {
        QFETCH(QString, file);
        QFETCH(km::ErrorCode, code);
        QFETCH(QString, message);
        const QString path = QStringLiteral(KM_FIXTURES_DIR "/bad/") + file;
        Result<Graph> g = loadModelFile(path.toStdString());
        QVERIFY(!g.ok());
        QCOMPARE(QString::fromStdString(g.error().message), message.arg(path));
        QCOMPARE(g.error().code, code);
    }

    // Branches of an If (a Loop's body alike) may read tensors of the graph around them: valid
    // ONNX, loaded, the If one node of its own.
    void subgraphReadingTheOuterGraphLoads() {
        Result<Graph> g = loadModelFile(KM_FIXTURES_DIR "/small/if_outer_scope.onnx");
        QVERIFY2(g.ok(), g.ok() ? "" : g.error().message.c_str());
        QCOMPARE(g.value().nodes().size(), size_t(2));
        QCOMPARE(QString::fromStdString(g.value().nodes()[1].opType), QString("other:If"));
    }

    void missingFileAndFolder() {
        Result<Graph> g = loadModelFile("/nonexistent/model.onnx");
        QVERIFY(!g.ok());
        QCOMPARE(g.error().code, ErrorCode::Io);
        QCOMPARE(QString::fromStdString(g.error().message), QString("/nonexistent/model.onnx: no such file."));
        Result<Graph> d = loadModelFile(KM_FIXTURES_DIR);
        QVERIFY(!d.ok());
        QVERIFY(QString::fromStdString(d.error().message).endsWith("is a folder, not a model file."));
    }

    void unknownInputNameInOptions() {
        LoadOptions o;
        o.inputShapes["nope"] = {1, 3, 32, 32};
        const std::string path = KM_FIXTURES_DIR "/small/conv_block.onnx";
        Result<Graph> g = loadModelFile(path, o);
        QVERIFY(!g.ok());
        QCOMPARE(g.error().message, path + ": --input-shape names input 'nope', which the model does not have.");
        o.inputShapes = {{"", {1, 3, 32}}};
        Result<Graph> rank = loadModelFile(path, o);
        QVERIFY(!rank.ok());
        QCOMPARE(rank.error().message, path + ": --input-shape gives 3 dimensions for input 'x', which has 4.");
    }

    void everyPrefixOfAValidModelFailsCleanly() {
        // Truncation at every length must end in a message or a valid graph, never a crash.
        QFile f(QStringLiteral(KM_FIXTURES_DIR "/small/conv_block.onnx"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray bytes = f.readAll();
        int failures = 0;
        for (int len = 0; len < bytes.size(); len += 7) {
            Result<Graph> g = loadOnnxBytes(bytes.constData(), size_t(len), "prefix", "");
            if (!g.ok()) {
                ++failures;
                QVERIFY(g.error().code != ErrorCode::Internal);
                QVERIFY(QString::fromStdString(g.error().message).startsWith("prefix: "));
            }
        }
        QVERIFY(failures > bytes.size() / 7 / 2);
    }

    // Inputs the fuzzer once crashed on (tests/data/fuzz-regressions; the fuzz test seeds its
    // corpus with them too): each must load or fail with a message naming the file.
    void fuzzRegressions() {
        const QDir dir(QStringLiteral(KM_SOURCE_DIR "/tests/data/fuzz-regressions"));
        const QStringList files = dir.entryList({"*.onnx"}, QDir::Files);
        QVERIFY(files.size() >= 2);
        for (const QString& file : files) {
            const std::string path = dir.filePath(file).toStdString();
            Result<Graph> g = loadModelFile(path);
            if (g.ok()) continue;
            QVERIFY(g.error().code != ErrorCode::Internal);
            QVERIFY2(g.error().message.rfind(path + ": ", 0) == 0, g.error().message.c_str());
        }
    }

    void badNnMeterIr() {
        Result<Graph> notJson = loadNnMeterIrText("{ nope", "ir.json");
        QVERIFY(!notJson.ok());
        QCOMPARE(notJson.error().message, std::string("ir.json: not valid JSON, so not an nn-Meter IR graph."));
        Result<Graph> noType = loadNnMeterIrText(R"({"a": {"inbounds": [], "attr": {}}})", "ir.json");
        QVERIFY(!noType.ok());
        QCOMPARE(noType.error().message, std::string("ir.json: node 'a' has no attr.type field."));
        Result<Graph> cycle = loadNnMeterIrText(
            R"({"a": {"inbounds": ["b"], "attr": {"type": "Relu", "output_shape": [[1, 2]]}, "outbounds": ["b"]},
                "b": {"inbounds": ["a"], "attr": {"type": "Relu", "output_shape": [[1, 2]]}, "outbounds": ["a"]}})",
            "ir.json");
        QVERIFY(!cycle.ok());
        QVERIFY(QString::fromStdString(cycle.error().message).startsWith("ir.json: the graph has a cycle through node"));
    }
};

QTEST_GUILESS_MAIN(TestBadInput)
#include "test_bad_input.moc"

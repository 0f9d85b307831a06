// SPDX-License-Identifier: Apache-2.0
// kernelmeter-cli inspect: golden outputs (text and JSON) on fixtures, exit codes and messages on
// bad input, --version and --help. On a mismatch the actual output is written beside the golden
// file as <name>.actual and a diff is printed; KM_UPDATE_GOLDEN=1 rewrites the golden files.
#include <QtTest>

#include "test_support.h"

namespace {

km::test::ProgramRun runCli(const QStringList& args, const QString& workDir) {
    km::test::RunOptions o;
    o.workDir = workDir;
    o.timeoutMs = 120000;
    return km::test::runCli(args, o);
}

}  // namespace

class TestCliInspect : public QObject {
    Q_OBJECT
private slots:
    void golden_data() {
        QTest::addColumn<QString>("workDir");
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("golden");
        const QString fx = QStringLiteral(KM_FIXTURES_DIR);
        const QString ir = QStringLiteral(KM_SOURCE_DIR "/tests/data");
        QTest::newRow("conv_block text") << fx << QStringList{"inspect", "small/conv_block.onnx"} << "conv_block.txt";
        QTest::newRow("conv_block json") << fx << QStringList{"inspect", "--json", "small/conv_block.onnx"} << "conv_block.json";
        QTest::newRow("shape_subgraph text") << fx << QStringList{"inspect", "small/shape_subgraph.onnx"} << "shape_subgraph.txt";
        QTest::newRow("se_block json") << fx << QStringList{"inspect", "--json", "small/se_block.onnx"} << "se_block.json";
        QTest::newRow("mlp_opset7 text") << fx << QStringList{"inspect", "small/mlp_opset7.onnx"} << "mlp_opset7.txt";
        QTest::newRow("resnet18 text") << fx << QStringList{"inspect", "real/resnet18.onnx"} << "resnet18.txt";
        QTest::newRow("mobilenet_v3_small text")
            << fx << QStringList{"inspect", "real/mobilenet_v3_small.onnx"} << "mobilenet_v3_small.txt";
        QTest::newRow("shufflenet batch 2") << fx
                                            << QStringList{"inspect", "--input-shape", "input=2x3x160x160", "real/shufflenet_v2_x1_0.onnx"}
                                            << "shufflenet_v2_b2_160.txt";
        QTest::newRow("nn-Meter IR text") << ir << QStringList{"inspect", "nnmeter-ir/mobilenetv3small_0.json"}
                                          << "nnmeter_ir_mobilenetv3small.txt";
    }

    void golden() {
        QFETCH(QString, workDir);
        QFETCH(QStringList, args);
        QFETCH(QString, golden);
        km::test::ProgramRun r = runCli(args, workDir);
        QCOMPARE(r.err, QByteArray());
        QCOMPARE(r.exitCode, 0);
        KM_COMPARE_GOLDEN(r.out, "cli/golden/" + golden);
    }

    void badInputExitsWithTwoAndOneLine_data() {
        QTest::addColumn<QString>("file");
        for (const char* f :
             {"truncated.onnx", "random_bytes.onnx", "text_file.onnx", "tensor_not_model.onnx", "empty.onnx", "cycle.onnx",
              "dangling_input.onnx", "external_outside.onnx", "absurd_dims.onnx", "opset3.onnx", "opset99.onnx", "missing.onnx"})
            QTest::newRow(f) << QString(f);
    }

    void badInputExitsWithTwoAndOneLine() {
        QFETCH(QString, file);
        km::test::ProgramRun r = runCli({"inspect", "bad/" + file}, QStringLiteral(KM_FIXTURES_DIR));
        QCOMPARE(r.exitCode, 2);
        QCOMPARE(r.out, QByteArray());
        QVERIFY2(r.err.startsWith("kernelmeter-cli: bad/" + file.toUtf8() + ": "), r.err.constData());
        QCOMPARE(r.err.count('\n'), 1);
    }

    void badArgumentsExitWithTwo() {
        QCOMPARE(runCli({"inspect"}, ".").exitCode, 2);
        QCOMPARE(runCli({"frobnicate"}, ".").exitCode, 2);
        km::test::ProgramRun shape =
            runCli({"inspect", "--input-shape", "1xfoo", "small/conv_block.onnx"}, QStringLiteral(KM_FIXTURES_DIR));
        QCOMPARE(shape.exitCode, 2);
        QCOMPARE(shape.err, QByteArray("kernelmeter-cli: --input-shape '1xfoo': expected dimensions such as 1x3x224x224.\n"));
    }

    void versionAndHelp() {
        km::test::ProgramRun v = runCli({"--version"}, ".");
        QCOMPARE(v.exitCode, 0);
        QVERIFY(v.out.startsWith("kernelmeter-cli "));
        km::test::ProgramRun h = runCli({"--help"}, ".");
        QCOMPARE(h.exitCode, 0);
        QVERIFY(h.out.contains("inspect"));
        km::test::ProgramRun hi = runCli({"inspect", "--help"}, ".");
        QCOMPARE(hi.exitCode, 0);
        QVERIFY(hi.out.contains("--input-shape"));
    }
};

QTEST_GUILESS_MAIN(TestCliInspect)
#include "test_cli_inspect.moc"

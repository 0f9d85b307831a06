// SPDX-License-Identifier: Apache-2.0
// The arm64 agent (scripts/build-agent-arm64.sh) as a board would run it, here under Debian's
// qemu user-mode emulator used as the device's transport prefix: the device is checked, measures a
// small model, runs a two-op fusion test, and its failures come back end to end (an op XNNPACK
// refuses, an agent killed mid-measurement, a runtime the agent does not carry). Times under
// emulation mean nothing: the test checks the protocol, what is stored and the messages.
// scripts/test.sh builds the agent and configures KM_ARM64_AGENT; a build tree without it skips.
#include <QtTest>

#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include <signal.h>

#include "backends/machine_info.h"
#include "store/measurement_store.h"
#include "test_support.h"

using namespace km;

namespace {

QJsonObject jsonOf(const QByteArray& out) { return QJsonDocument::fromJson(out).object(); }

// Pids whose command line mentions `needle` (the emulated agent: qemu-aarch64 ... <agent path>).
QList<int> processesMentioning(const QString& needle) {
    QList<int> pids;
    QDirIterator it("/proc", QDir::Dirs | QDir::NoDotAndDotDot);
    while (it.hasNext()) {
        const QString dir = it.next();
        bool numeric = false;
        const int pid = QFileInfo(dir).fileName().toInt(&numeric);
        if (!numeric || pid == getpid()) continue;
        QFile cmdline(dir + "/cmdline");
        if (!cmdline.open(QIODevice::ReadOnly)) continue;
        const QByteArray text = cmdline.readAll().replace('\0', ' ');
        if (text.startsWith("qemu-aarch64") || text.contains("/qemu-aarch64 "))
            if (text.contains(needle.toUtf8())) pids << pid;
    }
    return pids;
}

}  // namespace

class TestArm64Agent : public QObject {
    Q_OBJECT

    QTemporaryDir m_home;
    QString m_agent = QStringLiteral(KM_ARM64_AGENT);
    test::RunOptions user() const { return test::freshUser(m_home.path()); }
    test::ProgramRun cli(const QStringList& args) const { return test::runCli(args, user()); }
    // A quick protocol: under emulation a 64-channel convolution takes about a second.
    static QStringList quick() {
        return {"--rounds",         "2", "--instances",   "1", "--max-extra-instances", "0",
                "--runs-per-round", "1", "--warmup-runs", "1", "--warmup-ms",           "0"};
    }

private slots:
    void initTestCase() {
        if (m_agent.isEmpty()) QSKIP("KM_ARM64_AGENT is not configured (scripts/test.sh builds the arm64 agent and sets it)");
        QVERIFY2(QFile::exists(m_agent), qPrintable("KM_ARM64_AGENT names no file: " + m_agent));
        const QString qemu = QStandardPaths::findExecutable("qemu-aarch64");
        QVERIFY2(!qemu.isEmpty(), "qemu-aarch64 (Debian's qemu-user) is missing: scripts/install-deps.sh installs it");
        const QString sysroot = QStringLiteral(KM_ARM64_SYSROOT);
        // The emulator finds the cross toolchain's C library and the unpacked arm64 packages.
        const QString transport =
            QString("qemu-aarch64 -L /usr/aarch64-linux-gnu -E LD_LIBRARY_PATH=%1/usr/lib/aarch64-linux-gnu:%1/lib/aarch64-linux-gnu")
                .arg(sysroot);
        for (const auto& [id, runtime] : {std::pair{"arm", "xnnpack"}, std::pair{"arm-cv", "opencv-dnn"}}) {
            const test::ProgramRun add =
                cli({"device", "add", id, "--runtime", runtime, "--threads", "1", "--transport", transport, "--agent", m_agent});
            QVERIFY2(add.exitCode == 0, add.err.constData());
        }
    }

    void checkSaysWhatTheBoardIs() {
        const test::ProgramRun check = cli({"device", "check", "arm", "--rounds", "1", "--json"});
        QVERIFY2(check.exitCode == 0, check.err.constData());
        const QJsonObject hello = jsonOf(check.out).value("hello").toObject();
        QVERIFY2(hello.value("kernel").toString().endsWith("aarch64"), qPrintable(hello.value("kernel").toString()));
        QCOMPARE(hello.value("protocol").toInt(), 2);
        // The emulator hands the agent this host's /proc/cpuinfo: the board must not claim its CPU
        // (a predictor built here would otherwise match the "board").
        const QString cpu = hello.value("cpu_model").toString();
        QVERIFY2(!cpu.isEmpty() && cpu != QString::fromStdString(readMachineInfo().cpuModel), qPrintable(cpu));
        QStringList runtimes;
        for (const auto& r : hello.value("runtimes").toArray()) runtimes << r.toObject().value("name").toString();
        QCOMPARE(runtimes, QStringList{"xnnpack"});  // the arm64 agent carries XNNPACK alone
        QVERIFY(hello.value("reference_ms").toDouble() > 0);
        // Stored: `device show` has it without starting the agent.
        QVERIFY(jsonOf(cli({"device", "show", "arm", "--json"}).out)
                    .value("last_check")
                    .toObject()
                    .value("kernel")
                    .toString()
                    .endsWith("aarch64"));
        // A runtime the agent does not carry: one line, exit 2, what it has.
        const test::ProgramRun cv = cli({"device", "check", "arm-cv", "--rounds", "0"});
        QCOMPARE(cv.exitCode, 2);
        QVERIFY2(cv.err.contains("has no runtime 'opencv-dnn'") && cv.err.contains("xnnpack"), cv.err.constData());
    }

    void measuresAndStores() {
        const test::ProgramRun r = cli(QStringList{"measure", "--device", "arm", "--json", test::fixture("small/conv_64.onnx")} + quick());
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject m = jsonOf(r.out).value("models").toArray().at(0).toObject();
        QVERIFY2(m.value("ok").toBool(), r.out.constData());
        QVERIFY(m.value("median_ms").toDouble() > 0 || m.value("stats").toObject().value("median_ms").toDouble() > 0);
        auto store = MeasurementStore::open((m_home.path() + "/data/kernelmeter/kernelmeter.db").toStdString());
        QVERIFY(store.ok());
        const auto stored = store.value()->forDevice("arm");
        QVERIFY(stored.ok());
        QCOMPARE(stored.value().size(), size_t(1));
        QVERIFY(stored.value()[0].machine.kernel.find("aarch64") != std::string::npos);

        // An op XNNPACK cannot run (a slice of the batch axis): refused, named, the rest unharmed.
        const test::ProgramRun refused =
            cli(QStringList{"measure", "--device", "arm", "--no-db", test::fixture("small/slice_batch.onnx")} + quick());
        QCOMPARE(refused.exitCode, 2);
        QVERIFY2((refused.out + refused.err).contains("'slice_batch' (split:"), (refused.out + refused.err).constData());
    }

    void twoOpFusionTest() {
        const QString rules = m_home.filePath("arm-rules.json");
        const test::ProgramRun r = cli({"detect-rules", "--device", "arm", "--ops", "conv", "relu", "--point", "hw8_c16", "--rounds", "3",
                                        "--instances", "1", "--cache", m_home.filePath("cases"), "-o", rules, "--quiet"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QFile f(rules);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject set = jsonOf(f.readAll());
        QCOMPARE(set.value("device").toString(), QString("arm"));
        bool convRelu = false;
        for (const auto& p : set.value("pairs").toArray()) {
            const QJsonObject pair = p.toObject();
            if (pair.value("first").toString() != "conv" || pair.value("second").toString() != "relu") continue;
            convRelu = true;
            const QJsonObject e = pair.value("evidence").toArray().at(0).toObject();
            QCOMPARE(e.value("point").toString(), QString("hw8_c16"));
            QVERIFY(e.value("first_ms").toDouble() > 0 && e.value("block_ms").toDouble() > 0);
            QVERIFY(!e.contains("runtime_says_fused"));  // XNNPACK does not say what it fused
        }
        QVERIFY(convRelu);
    }

    void killedAgentIsReported() {
        QProcess measure;
        const test::RunOptions o = user();
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (auto it = o.setEnv.begin(); it != o.setEnv.end(); ++it) env.insert(it.key(), it.value());
        for (const QString& name : o.unsetEnv) env.remove(name);
        measure.setProcessEnvironment(env);
        measure.start(test::cliPath(),
                      QStringList{"measure", "--device", "arm", "--no-db", "--rounds", "50", "--instances", "1", "--max-extra-instances",
                                  "0", "--warmup-runs", "1", "--warmup-ms", "0", test::fixture("small/conv_64.onnx")});
        QVERIFY(measure.waitForStarted());
        QList<int> agents;
        for (int i = 0; i < 600 && agents.isEmpty() && measure.state() == QProcess::Running; ++i) {
            QTest::qWait(100);
            agents = processesMentioning(m_agent);
        }
        QVERIFY2(!agents.isEmpty(), "the emulated agent never started");
        QTest::qWait(1000);  // let it get to the measuring
        for (int pid : agents) kill(pid, SIGKILL);
        QVERIFY(measure.waitForFinished(300000));
        const QByteArray all = measure.readAllStandardOutput() + measure.readAllStandardError();
        QVERIFY(measure.exitCode() != 0);
        QVERIFY2(all.contains("signal 9"), all.constData());
    }
};

QTEST_GUILESS_MAIN(TestArm64Agent)
#include "test_arm64_agent.moc"

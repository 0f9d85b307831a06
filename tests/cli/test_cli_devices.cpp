// SPDX-License-Identifier: Apache-2.0
// Devices of one's own (docs/devices.md): `device add/list/show/check/remove` with their bad
// input (one line, exit 2, nothing changed), a predictor built on another CPU named in `predict`,
// and a user-defined local device taken through detect-rules, build-predictor, predict and the
// PDF report like a built-in one (bounded by counts, never by the clock).
#include <QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include "backends/machine_info.h"
#include "store/measurement_store.h"
#include "test_support.h"
#include "workflows/data_sources.h"
#include "workflows/devices.h"

using namespace km;

namespace {

QJsonObject jsonOf(const QByteArray& out) { return QJsonDocument::fromJson(out).object(); }

QStringList deviceIds(const QByteArray& listJson) {
    QStringList ids;
    for (const auto& d : jsonOf(listJson).value("devices").toArray()) ids << d.toObject().value("id").toString();
    return ids;
}

// One line on stderr holding `needle`, exit 2.
QString badInputProblem(const test::ProgramRun& r, const QString& needle) {
    const QString err = QString::fromUtf8(r.err).trimmed();
    if (r.exitCode != 2) return QString("exit %1, stderr: %2").arg(r.exitCode).arg(err);
    if (err.count('\n') != 0) return "more than one line: " + err;
    if (!err.contains(needle)) return "no '" + needle + "' in: " + err;
    return {};
}

}  // namespace

class TestCliDevices : public QObject {
    Q_OBJECT

    QTemporaryDir m_home;
    test::RunOptions user() const { return test::freshUser(m_home.path()); }
    test::ProgramRun cli(const QStringList& args) const { return test::runCli(args, user()); }
    QString database() const { return m_home.path() + "/data/kernelmeter/kernelmeter.db"; }

    // The shipped opencv-t1 predictor with `cpu` as the CPU it says it was built on, as a file.
    // The shipped opencv-t1 predictor as a file, as if built on `cpu` (and, when given, for
    // another device and runtime).
    QString predictorBuiltOn(const std::string& cpu, const QString& name, const std::string& deviceId = "",
                             const std::string& runtime = "") const {
        std::string used;
        Result<PredictorSet> p = devicePredictor("opencv-t1", "", m_home.filePath("none.db").toStdString(), used);
        if (!p) qFatal("%s", p.error().message.c_str());
        p.value().cpuModel = cpu;
        if (!deviceId.empty()) p.value().deviceId = deviceId;
        if (!runtime.empty()) p.value().runtime = runtime;
        const QString path = m_home.filePath(name);
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
        f.write(QByteArray::fromStdString(p.value().toJson()));
        return path;
    }

private slots:
    void defineListShowRemove() {
        QCOMPARE(cli({"device", "add", "mine", "--runtime", "xnnpack", "--threads", "2"}).exitCode, 0);
        // More threads than this machine has cores: added, with a warning naming both counts.
        const int cores = readMachineInfo().logicalCores;
        const test::ProgramRun crowded =
            cli({"device", "add", "crowded", "--runtime", "opencv-dnn", "--threads", QString::number(cores + 1)});
        QCOMPARE(crowded.exitCode, 0);
        QVERIFY2(crowded.err.contains(QString("crowded runs %1 threads on this machine with %2 core").arg(cores + 1).arg(cores).toUtf8()),
                 crowded.err.constData());
        const test::ProgramRun fits = cli({"device", "add", "fits", "--runtime", "opencv-dnn", "--threads", QString::number(cores)});
        QVERIFY2(fits.exitCode == 0 && !fits.err.contains("warning"), fits.err.constData());
        QCOMPARE(cli({"device", "remove", "crowded"}).exitCode, 0);
        QCOMPARE(cli({"device", "remove", "fits"}).exitCode, 0);
        const test::ProgramRun list = cli({"device", "list", "--json"});
        QCOMPARE(list.exitCode, 0);
        QStringList ids = deviceIds(list.out);
        QVERIFY2(ids.contains("opencv-t1") && ids.contains("mine"), qPrintable(ids.join(",")));
        // Each device's predictor: the shipped one of opencv-t1, none for mine, whose quickest way to
        // one is adapting the predictor of the device of its runtime with its thread count or else
        // another of its runtime (xnnpack-t1).
        QJsonObject predictors;
        for (const auto& d : jsonOf(list.out).value("devices").toArray())
            predictors[d.toObject().value("id").toString()] = d.toObject().value("predictor");
        QVERIFY2(predictors.value("opencv-t1").toObject().value("summary").toString().startsWith("built ") &&
                     predictors.value("opencv-t1").toObject().value("summary").toString().contains(", shipped"),
                 list.out.constData());
        QVERIFY(predictors.value("mine").isNull());
        const test::ProgramRun text = cli({"device", "list"});
        const QByteArray header = text.out.left(text.out.indexOf('\n'));
        QVERIFY2(header.indexOf("predictor") > header.indexOf("last checked") && header.indexOf("where") > header.indexOf("predictor"),
                 header.constData());
        const test::ProgramRun show = cli({"device", "show", "mine"});
        QCOMPARE(show.exitCode, 0);
        QVERIFY2(show.out.contains("xnnpack, 2 threads") && show.out.contains("never"), show.out.constData());
        QVERIFY2(show.out.contains("predictor   none: no fusion rules for device mine: adapt xnnpack-t1's predictor") &&
                     show.out.contains("kernelmeter-cli adapt --device mine --from xnnpack-t1"),
                 show.out.constData());
        // `devices` is `device list`.
        QCOMPARE(deviceIds(cli({"devices", "--json"}).out), ids);

        struct Bad {
            QStringList args;
            QString needle;
        };
        const QList<Bad> bad = {
            {{"device", "add", "b1", "--runtime", "tflite"}, "unknown runtime 'tflite'"},
            {{"device", "add", "opencv-t1", "--runtime", "xnnpack"}, "built-in device has this id"},
            {{"device", "add", "My_Box", "--runtime", "xnnpack"}, "'M' is not allowed"},
            {{"device", "add", "b2", "--runtime", "xnnpack", "--threads", "0"}, "--threads 0"},
            {{"device", "add", "mine", "--runtime", "opencv-dnn"}, "exists already"},
            {{"device", "remove", "opencv-t1"}, "built in"},
            {{"device", "remove", "nope"}, "no such device"},
            {{"device", "show", "nope"}, "no such device"},
            {{"predict", "--device", "nope", test::sourcePath("resources/examples/mobilenet_v3_small.onnx")}, "'nope'"},
        };
        for (const Bad& b : bad) {
            const QString problem = badInputProblem(cli(b.args), b.needle);
            QVERIFY2(problem.isEmpty(), qPrintable(b.args.join(' ') + ": " + problem));
        }
        QCOMPARE(deviceIds(cli({"device", "list", "--json"}).out), ids);  // nothing added

        // A device with a predictor is kept unless --force; its predictor stays in the database.
        {
            auto store = MeasurementStore::open(database().toStdString());
            QVERIFY(store.ok());
            QVERIFY(store.value()->addPredictor("mine", "2026-12-02T00:00:00Z", "{}").ok());
        }
        QVERIFY(badInputProblem(cli({"device", "remove", "mine"}), "nothing was removed").isEmpty());
        QVERIFY(deviceIds(cli({"device", "list", "--json"}).out).contains("mine"));
        const test::ProgramRun forced = cli({"device", "remove", "mine", "--force"});
        QCOMPARE(forced.exitCode, 0);
        QVERIFY(forced.out.contains("stay in the database"));
        QVERIFY(!deviceIds(cli({"device", "list", "--json"}).out).contains("mine"));
        auto store = MeasurementStore::open(database().toStdString());
        QCOMPARE(store.value()->predictorCount("mine").value(), int64_t(1));
    }

    void checkReportsTheAgentOrWhyNot() {
        // This machine's agent with two threads: its hello is printed and stored.
        QCOMPARE(cli({"device", "add", "local2", "--runtime", "xnnpack", "--threads", "2"}).exitCode, 0);
        const test::ProgramRun check = cli({"device", "check", "local2", "--rounds", "2", "--json"});
        QVERIFY2(check.exitCode == 0, check.err.constData());
        const QJsonObject hello = jsonOf(check.out).value("hello").toObject();
        QCOMPARE(hello.value("cpu_model").toString(), QString::fromStdString(readMachineInfo().cpuModel));
        QVERIFY(!hello.value("runtime_version").toString().isEmpty());
        QVERIFY(hello.value("reference_ms").toDouble() > 0);
        const QJsonObject shown = jsonOf(cli({"device", "show", "local2", "--json"}).out);
        QCOMPARE(shown.value("last_check").toObject().value("cpu_model").toString(), hello.value("cpu_model").toString());

        // A transport that cannot reach the device: the command and what it printed.
        QCOMPARE(
            cli({"device", "add", "far", "--runtime", "xnnpack", "--transport", "/bin/sh -c 'echo cannot reach the board >&2; exit 255'"})
                .exitCode,
            0);
        const test::ProgramRun far = cli({"device", "check", "far"});
        QString problem = badInputProblem(far, "cannot reach the board");
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY(far.err.contains("exit 255") && far.err.contains("code 255"));
        // A transport whose program is not installed here, and an agent path missing on the far
        // side: each named as what is missing.
        QCOMPARE(cli({"device", "add", "typo", "--runtime", "xnnpack", "--transport", "no-such-transport-km --to board"}).exitCode, 0);
        problem = badInputProblem(cli({"device", "check", "typo"}), "the transport's program `no-such-transport-km` was not found");
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QCOMPARE(
            cli({"device", "add", "noagent", "--runtime", "xnnpack", "--transport", "/bin/sh -c", "--agent", "/no/such/agent"}).exitCode,
            0);
        problem =
            badInputProblem(cli({"device", "check", "noagent"}), "`/no/such/agent` was not found (is kernelmeter-agent installed there?");
        QVERIFY2(problem.isEmpty(), qPrintable(problem));

        // An agent of the earlier protocol version (it measured multi-thread XNNPACK differently):
        // which version to install.
        const QString old = m_home.filePath("old-agent.sh");
        QVERIFY(test::writeScript(old,
                                  "#!/bin/sh\nread request\n"
                                  "echo '{\"protocol\":1,\"type\":\"hello\",\"agent_version\":\"9.9.9\",\"runtimes\":[{\"name\":"
                                  "\"xnnpack\",\"version\":\"1\"}],\"machine\":{}}'\nread request\n"));
        QCOMPARE(cli({"device", "add", "old", "--runtime", "xnnpack", "--agent", old}).exitCode, 0);
        problem = badInputProblem(cli({"device", "check", "old"}), "speaks version 1");
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY(cli({"device", "check", "old"}).err.contains("install kernelmeter-agent " KM_VERSION " (protocol 2)"));

        // A device known only from imported measurements has no agent to check.
        QCOMPARE(cli({"device", "add", "phone", "--runtime", "none"}).exitCode, 0);
        QVERIFY(badInputProblem(cli({"device", "check", "phone"}), "no runtime").isEmpty());
        QVERIFY(badInputProblem(cli({"measure", "--device", "phone", test::fixture("small/conv_64.onnx")}), "no runtime").isEmpty());
    }

    // Deploy through a transport that carries standard input and runs the far side's shell as ssh
    // does (here a local shell): the agent is copied, becomes the device's agent and answers.
    void deployCopiesTheAgentAndChecksIt() {
        QCOMPARE(cli({"device", "add", "remote", "--runtime", "xnnpack", "--transport", "sh -c 'eval \"$*\"' sh"}).exitCode, 0);
        const QString dir = m_home.filePath("remote-bin");
        const test::ProgramRun deploy = cli({"device", "deploy", "remote", "--dir", dir});
        QVERIFY2(deploy.exitCode == 0, deploy.err.constData());
        QVERIFY(QFileInfo(dir + "/kernelmeter-agent").isExecutable());
        const QJsonObject shown = jsonOf(cli({"device", "show", "remote", "--json"}).out);
        QCOMPARE(shown.value("agent").toString(), dir + "/kernelmeter-agent");
        QCOMPARE(shown.value("last_check").toObject().value("cpu_model").toString(), QString::fromStdString(readMachineInfo().cpuModel));
        QVERIFY(badInputProblem(cli({"device", "deploy", "local2"}), "nothing to deploy").isEmpty());
        QVERIFY(badInputProblem(cli({"device", "deploy", "remote", "--agent-file", test::fixture("small/conv_64.onnx")}), "not a program")
                    .isEmpty());
    }

    void predictSaysWhenThePredictorIsForAnotherCpu() {
        const QString model = test::sourcePath("resources/examples/mobilenet_v3_small.onnx");
        const QString other = predictorBuiltOn("Other CPU (family 1, model 2, stepping 3)", "other.json");
        const test::ProgramRun json = cli({"predict", "--device", "opencv-t1", "--predictor", other, "--json", model});
        QVERIFY2(json.exitCode == 0, json.err.constData());
        QJsonObject out = jsonOf(json.out);
        QCOMPARE(out.value("host_mismatch").toBool(false), true);
        QVERIFY(out.value("host").toObject().value("differences").toArray().contains("CPU"));
        QVERIFY(out.value("host").toObject().value("message").toString().contains("Other CPU (family 1"));
        const test::ProgramRun text = cli({"predict", "--device", "opencv-t1", "--predictor", other, model});
        QVERIFY2(text.out.contains("MISMATCH") && text.out.contains("build-predictor --device opencv-t1"), text.out.constData());

        const QString here = predictorBuiltOn(readMachineInfo().cpuModel, "here.json");
        out = jsonOf(cli({"predict", "--device", "opencv-t1", "--predictor", here, "--json", model}).out);
        QCOMPARE(out.value("host_mismatch").toBool(true), false);
        QVERIFY(!cli({"predict", "--device", "opencv-t1", "--predictor", here, model}).out.contains("MISMATCH"));

        // Another device's predictor, on this machine: of another runtime, or of the same runtime at
        // other threads, it does not hold, and predict says whose it is; of a device like this one
        // (same runtime and threads), it does.
        const std::string cpu = readMachineInfo().cpuModel;
        out = jsonOf(cli({"predict", "--device", "opencv-t1", "--predictor", predictorBuiltOn(cpu, "xnn.json", "xnnpack-t1", "xnnpack"),
                          "--json", model})
                         .out);
        QCOMPARE(out.value("host_mismatch").toBool(false), true);
        QCOMPARE(out.value("host").toObject().value("differences").toArray().first().toString(), QString("runtime"));
        for (const char* what : {"for xnnpack (made for xnnpack-t1)", "opencv-t1 runs opencv-dnn", "--from xnnpack-t1"})
            QVERIFY2(out.value("host").toObject().value("message").toString().contains(what),
                     qPrintable(out.value("host").toObject().value("message").toString()));
        const test::ProgramRun threads =
            cli({"predict", "--device", "opencv-t1", "--predictor", predictorBuiltOn(cpu, "t2.json", "opencv-t2"), model});
        QVERIFY2(threads.exitCode == 0 && threads.out.contains("MISMATCH") && threads.out.contains("opencv-t2's, at 2 threads"),
                 threads.out.constData());
        QCOMPARE(cli({"device", "add", "cv1", "--runtime", "opencv-dnn", "--threads", "1"}).exitCode, 0);
        const test::ProgramRun alike = cli({"predict", "--device", "cv1", "--predictor", here, "--rules",
                                            test::sourcePath("datasets/rules/opencv-t1.json"), "--json", model});
        QVERIFY2(alike.exitCode == 0, alike.err.constData());
        QCOMPARE(jsonOf(alike.out).value("host_mismatch").toBool(true), false);

        // A remote device never reached: unknown, and predict says how to learn it, without starting it.
        QCOMPARE(cli({"device", "add", "board", "--runtime", "opencv-dnn", "--transport", "ssh nobody@board.invalid"}).exitCode, 0);
        const test::ProgramRun unknown = cli({"predict", "--device", "board", "--predictor", here, "--rules",
                                              test::sourcePath("datasets/rules/opencv-t1.json"), "--json", model});
        QVERIFY2(unknown.exitCode == 0, unknown.err.constData());
        QVERIFY(jsonOf(unknown.out).value("host_mismatch").isNull());
        QVERIFY(jsonOf(unknown.out).value("host").toObject().value("message").toString().contains("device check board"));

        // A board whose last check ran the reference workload 40 times slower than the project's
        // machine: it is told hours, not the 2-core machine's minutes.
        QCOMPARE(cli({"device", "add", "slowboard", "--runtime", "opencv-dnn", "--transport", "ssh nobody@board.invalid"}).exitCode, 0);
        {
            auto store = MeasurementStore::open(database().toStdString());
            QVERIFY(store.ok());
            StoredHello slow;
            slow.hello.runtimes = {{"opencv-dnn", "4.6.0"}};
            slow.hello.machine.cpuModel = "Slow Board CPU";
            slow.hello.machine.logicalCores = 4;
            slow.referenceMs = 40 * runtimeTraits("opencv-dnn").projectReferenceMs;
            QVERIFY(store.value()->saveHello("slowboard", slow).ok());
        }
        const MakeMinutes minutes = makeMinutesFor(findDevice("slowboard", database().toStdString()).value(), database().toStdString());
        // `device show` says so beside the last check, in words and in its JSON.
        const QJsonObject check = jsonOf(cli({"device", "show", "slowboard", "--json"}).out).value("last_check").toObject();
        QCOMPARE(check.value("adapt_minutes").toInt(), minutes.adapt);
        QCOMPARE(check.value("build_minutes").toInt(), minutes.build);
        const QByteArray shown = cli({"device", "show", "slowboard"}).out;
        QVERIFY2(shown.contains("40 times slower") && shown.contains(QByteArray::fromStdString(aboutDuration(minutes.adapt))),
                 shown.constData());
        QVERIFY2(minutes.slowdown > 30 && minutes.adapt > 30 * kAdaptMinutesTypical && minutes.build > 30 * kBuildMinutesTypical,
                 qPrintable(QString::number(minutes.slowdown)));
        const test::ProgramRun slow = cli({"predict", "--device", "slowboard", "--predictor", here, "--rules",
                                           test::sourcePath("datasets/rules/opencv-t1.json"), "--json", model});
        QVERIFY2(slow.exitCode == 0, slow.err.constData());
        const QString message = jsonOf(slow.out).value("host").toObject().value("message").toString();
        QVERIFY2(message.contains("hours") && !message.contains(QString("about %1 minutes").arg(kAdaptMinutesTypical)),
                 qPrintable(message));
        // As fast as the project's machine or faster: the typical minutes.
        QCOMPARE(makeMinutesFor("xnnpack", 0.5 * runtimeTraits("xnnpack").projectReferenceMs).adapt, kAdaptMinutesTypical);
        QCOMPARE(makeMinutesFor("xnnpack", 1.4 * runtimeTraits("xnnpack").projectReferenceMs).adapt, kAdaptMinutesTypical);
        QCOMPARE(makeMinutesFor("opencv-dnn", 0).build, kBuildMinutesTypical);
    }

    // The Done-when path: a local device with another thread count than the built-in OpenCV ones,
    // through detect-rules (one pair, one small point), a tiny build, predict and the report.
    void userDeviceThroughThePipeline() {
        QCOMPARE(cli({"device", "add", "cv3", "--runtime", "opencv-dnn", "--threads", "3"}).exitCode, 0);
        const test::ProgramRun detect = cli({"detect-rules", "--device", "cv3", "--ops", "conv", "relu", "--point", "hw14_c32", "--rounds",
                                             "5", "--instances", "1", "--cache", m_home.filePath("cases"), "--quiet"});
        QVERIFY2(detect.exitCode == 0, detect.err.constData());
        QVERIFY(QFile::exists(m_home.path() + "/data/kernelmeter/rules/cv3.json"));
        const test::ProgramRun build = cli({"build-predictor", "--device", "cv3", "--types", "conv-relu", "--initial-samples", "10",
                                            "--probe-samples", "5", "--validation-samples", "5", "--max-rounds", "1",
                                            "--calibration-networks", "0", "--cache", m_home.filePath("kernels"), "--quiet"});
        QVERIFY2(build.exitCode == 0, build.err.constData());
        const QString model = test::fixture("small/conv_block.onnx");
        const test::ProgramRun predict = cli({"predict", "--device", "cv3", "--json", model});
        QVERIFY2(predict.exitCode == 0, predict.err.constData());
        const QJsonObject out = jsonOf(predict.out);
        QVERIFY(out.value("models").toArray().at(0).toObject().value("total_ms").toDouble() > 0);
        QCOMPARE(out.value("host_mismatch").toBool(true), false);  // built right here
        const QString pdf = m_home.filePath("cv3.pdf");
        const test::ProgramRun report = cli({"report", model, "--device", "cv3", "--device", "opencv-t1", "-o", pdf});
        QVERIFY2(report.exitCode == 0, report.err.constData());
        QVERIFY(QFileInfo(pdf).size() > 10000);
    }

    // A run stopped by a signal (Ctrl+C, or the desktop application's Cancel) ends the transport it
    // reaches its device through, not only its agent: this transport stays after its agent, as a
    // wrapper that cleans up on the board might. Left alone it ran on for minutes.
    void stoppedRunEndsItsTransport() {
        const QString pidFile = m_home.filePath("transport.pid");
        const QString script = m_home.filePath("lingering-transport.sh");
        QVERIFY(test::writeScript(script, "#!/bin/sh\necho $$ > '" + pidFile.toUtf8() + "'\n\"$@\"\nsleep 300\n"));
        QCOMPARE(cli({"device", "add", "lingering", "--runtime", "opencv-dnn", "--transport", script}).exitCode, 0);
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        const test::RunOptions u = user();
        for (auto it = u.setEnv.begin(); it != u.setEnv.end(); ++it) env.insert(it.key(), it.value());
        for (const QString& name : u.unsetEnv) env.remove(name);
        p.setProcessEnvironment(env);
        p.start(test::cliPath(), {"measure", test::fixture("real/mobilenet_v3_small.onnx"), "--device", "lingering", "--rounds", "100000",
                                  "--instances", "1", "--db", m_home.filePath("lingering.db"), "--quiet"});
        QVERIFY(p.waitForStarted(60000));
        qint64 transport = 0;
        bool measuring = false;                                                            // the transport has started the agent
        for (int i = 0; i < 12000 && !measuring && p.state() == QProcess::Running; ++i) {  // 10 min only to fail
            QFile f(pidFile);
            if (transport == 0 && f.open(QIODevice::ReadOnly)) transport = f.readAll().trimmed().toLongLong();
            measuring = transport > 0 && !test::childProcesses(transport).isEmpty();
            if (!measuring) p.waitForFinished(50);
        }
        QVERIFY2(measuring, p.readAllStandardError().constData());
        p.terminate();
        QVERIFY(p.waitForFinished(600000));
        QCOMPARE(p.exitStatus(), QProcess::CrashExit);  // ended by SIGTERM, as a cancel is
        bool ended = false;
        for (int i = 0; i < 600 && !ended; ++i) {  // 60 s only to fail: the transport lingers 300 s
            ended = !test::processRunning(transport);
            if (!ended) QTest::qWait(100);
        }
        QVERIFY2(ended, qPrintable(QString("the transport (pid %1) still runs after its client was stopped").arg(transport)));
    }
};

QTEST_GUILESS_MAIN(TestCliDevices)
#include "test_cli_devices.moc"

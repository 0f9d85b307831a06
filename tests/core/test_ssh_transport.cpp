// SPDX-License-Identifier: Apache-2.0
// The remote path for real: a private sshd on 127.0.0.1 (own host key, own authorized key, own
// port, nothing of the system's ssh setup touched), and a measurement whose agent is started on the
// "remote" side through a device defined with the transport prefix "ssh ... user@127.0.0.1"
// (kernelmeter-cli device add/check, then measure on it); then a measurement stopped as the
// desktop application cancels one, after which the far side's agent must end too. The sshd is
// KM_TEST_SSHD (scripts/test.sh unpacks Debian's there without installing it) or /usr/sbin/sshd.
// Skipped, saying so, where there is none or it cannot be started.
#include <QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QScopeGuard>
#include <QTemporaryDir>

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <set>

#include "test_support.h"

using namespace km;

namespace {

bool run(const QString& program, const QStringList& args) {
    QProcess p;
    p.start(program, args);
    return p.waitForFinished(30000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

QString userName() {
    const passwd* pw = getpwuid(getuid());
    return pw ? QString::fromLocal8Bit(pw->pw_name) : QString();
}

QString sshdPath() {
    const QString built = QStringLiteral(KM_TEST_SSHD);
    return !built.isEmpty() && QFileInfo(built).isExecutable() ? built : QStringLiteral("/usr/sbin/sshd");
}

// How the test starts `sshd -D -e -f config`. As root, sshd wants its privilege-separation user
// "sshd", which only an installed openssh-server creates: without it, the server runs in a mount
// namespace of its own where /etc/passwd is a copy with that user added (the system's file and
// accounts stay as they are).
QStringList serverCommand(const QString& sshd, const QString& config, const QString& dir) {
    const QStringList plain = {sshd, "-D", "-e", "-f", config};
    if (getuid() != 0 || getpwnam("sshd") != nullptr) return plain;
    QFile system("/etc/passwd");
    if (!system.open(QIODevice::ReadOnly)) return plain;
    QByteArray passwd = system.readAll();
    std::set<long> uids;
    for (const QByteArray& line : passwd.split('\n'))
        if (line.count(':') >= 2) uids.insert(line.split(':').at(2).toLong());
    long uid = 60000;
    while (uids.count(uid)) ++uid;
    if (!passwd.endsWith('\n')) passwd += '\n';
    passwd += QString("sshd:x:%1:65534::/run/sshd:/usr/sbin/nologin\n").arg(uid).toUtf8();
    QFile copy(dir + "/passwd");
    if (!copy.open(QIODevice::WriteOnly) || copy.write(passwd) != passwd.size()) return plain;
    copy.close();
    return {"unshare",
            "--mount",
            "--propagation",
            "private",
            "--",
            "/bin/sh",
            "-c",
            "mount --bind \"$1\" /etc/passwd && exec \"$2\" -D -e -f \"$3\"",
            "sh",
            dir + "/passwd",
            sshd,
            config};
}

// The kernelmeter-agent processes among `pid`'s descendants (the sshd sessions' children); none
// for no process (a QProcess that is not running has pid 0, whose descendants are every process).
QList<qint64> agentsUnder(qint64 pid) {
    if (pid <= 0) return {};
    QList<qint64> found, todo = {pid};
    while (!todo.isEmpty()) {
        for (qint64 child : test::childProcesses(todo.takeFirst())) {
            todo << child;
            QFile cmdline(QString("/proc/%1/cmdline").arg(child));
            if (test::processRunning(child) && cmdline.open(QIODevice::ReadOnly) && cmdline.readAll().contains("kernelmeter-agent"))
                found << child;
        }
    }
    return found;
}

}  // namespace

class TestSshTransport : public QObject {
    Q_OBJECT
private slots:
    void measureThroughSshOnLoopback() {
        const QString sshd = sshdPath();
        if (!QFile::exists(sshd) || QStandardPaths::findExecutable("ssh").isEmpty())
            QSKIP("no sshd (scripts/test-sshd.sh, or openssh-server) or ssh here: the ssh transport is not tested on this machine");
        if (getuid() == 0) QDir().mkpath("/run/sshd");  // sshd's privilege-separation directory
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString d = dir.path();
        QVERIFY(run("ssh-keygen", {"-q", "-t", "ed25519", "-N", "", "-f", d + "/host_key"}));
        QVERIFY(run("ssh-keygen", {"-q", "-t", "ed25519", "-N", "", "-f", d + "/user_key"}));
        QVERIFY(QFile::copy(d + "/user_key.pub", d + "/authorized_keys"));

        // A port from the test's pid; another one if it is taken.
        QProcess server;
        int port = 0;
        const QString ssh = QString(
            "ssh -i %1/user_key -o BatchMode=yes -o StrictHostKeyChecking=no "
            "-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -p %2 %3@127.0.0.1");
        QString prefix;
        for (int attempt = 0; attempt < 5 && prefix.isEmpty(); ++attempt) {
            port = 20000 + (getpid() * 7 + attempt * 977) % 30000;
            QFile config(d + "/sshd_config");
            QVERIFY(config.open(QIODevice::WriteOnly | QIODevice::Truncate));
            config.write(QString("Port %1\nListenAddress 127.0.0.1\nHostKey %2/host_key\nAuthorizedKeysFile %2/authorized_keys\n"
                                 "PidFile %2/sshd.pid\nStrictModes no\nUsePAM no\nPasswordAuthentication no\n"
                                 "KbdInteractiveAuthentication no\nPubkeyAuthentication yes\nPermitRootLogin prohibit-password\n")
                             .arg(port)
                             .arg(d)
                             .toUtf8());
            config.close();
            const QStringList command = serverCommand(sshd, d + "/sshd_config", d);
            server.start(command.first(), command.mid(1));
            if (!server.waitForStarted(5000)) continue;
            const QString candidate = ssh.arg(d).arg(port).arg(userName());
            for (int i = 0; i < 50 && server.state() == QProcess::Running; ++i) {
                if (run("/bin/sh", {"-c", candidate + " true"})) {
                    prefix = candidate;
                    break;
                }
                QTest::qWait(200);
            }
            if (prefix.isEmpty()) {
                server.kill();
                server.waitForFinished(5000);
            }
        }
        if (prefix.isEmpty())
            QSKIP(qPrintable("sshd did not start on 127.0.0.1 here: " + QString::fromLocal8Bit(server.readAllStandardError())));

        // The board is a device of the user's, reached by its ssh command: checked, then measuring.
        QTemporaryDir home;
        const test::RunOptions user = test::freshUser(home.path());
        const test::ProgramRun add = test::runCli(
            {"device", "add", "loopback", "--runtime", "xnnpack", "--threads", "1", "--transport", prefix, "--agent", test::agentPath()},
            user);
        QVERIFY2(add.exitCode == 0, add.err.constData());
        const test::ProgramRun check = test::runCli({"device", "check", "loopback", "--rounds", "2", "--json"}, user);
        QVERIFY2(check.exitCode == 0, check.err.constData());
        QVERIFY(!QJsonDocument::fromJson(check.out).object().value("hello").toObject().value("cpu_model").toString().isEmpty());
        const test::ProgramRun measure =
            test::runCli({"measure", "--device", "loopback", "--json", "--rounds", "3", "--instances", "1", "--max-extra-instances", "0",
                          "--warmup-ms", "0", test::fixture("small/conv_64.onnx")},
                         user);
        QVERIFY2(measure.exitCode == 0, measure.err.constData());
        const QJsonObject m = QJsonDocument::fromJson(measure.out).object().value("models").toArray().at(0).toObject();
        QVERIFY2(m.value("ok").toBool(), measure.out.constData());
        // deploy: the agent copied over ssh's standard input becomes the device's agent.
        QVERIFY(test::runCli({"device", "add", "deployed", "--runtime", "xnnpack", "--transport", prefix}, user).exitCode == 0);
        const test::ProgramRun deploy = test::runCli({"device", "deploy", "deployed", "--dir", home.filePath("remote-bin")}, user);
        QVERIFY2(deploy.exitCode == 0, deploy.err.constData());
        QVERIFY(QFileInfo(home.filePath("remote-bin/kernelmeter-agent")).isExecutable());

        // Cancelled as the desktop application cancels: SIGTERM to the CLI while the far side's
        // agent measures a request it would take minutes to finish. That agent must end as well,
        // not measure on for nobody beside the next run.
        QProcess cli;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (auto it = user.setEnv.cbegin(); it != user.setEnv.cend(); ++it) env.insert(it.key(), it.value());
        for (const QString& name : user.unsetEnv) env.remove(name);
        cli.setProcessEnvironment(env);
        for (int i = 0; i < 300 && !agentsUnder(server.processId()).isEmpty(); ++i) QTest::qWait(100);  // the earlier runs' agents
        QVERIFY(agentsUnder(server.processId()).isEmpty());
        cli.start(test::cliPath(), {"measure", "--device", "loopback", "--remeasure", "--rounds", "100000", "--instances", "1",
                                    "--max-extra-instances", "0", "--warmup-ms", "0", test::fixture("small/conv_64.onnx")});
        QVERIFY(cli.waitForStarted(30000));
        // On a failure, nothing of the test's is left running.
        const auto stopAll = qScopeGuard([&] {
            if (cli.state() != QProcess::NotRunning) cli.kill();
            if (server.state() == QProcess::Running)  // its pid is 0 once it ends: not a tree to search then
                for (qint64 agent : agentsUnder(server.processId())) ::kill(pid_t(agent), SIGKILL);
        });
        QList<qint64> agents;
        for (int i = 0; i < 600 && agents.isEmpty() && cli.state() == QProcess::Running; ++i) {  // failure timeout: 60 s
            QTest::qWait(100);
            agents = agentsUnder(server.processId());
        }
        QVERIFY2(!agents.isEmpty(), cli.readAllStandardError().constData());
        QTest::qWait(500);  // measuring, past its hello
        QVERIFY2(cli.state() == QProcess::Running && cli.processId() > 0,
                 (cli.readAllStandardOutput() + cli.readAllStandardError()).constData());
        QCOMPARE(::kill(pid_t(cli.processId()), SIGTERM), 0);
        QVERIFY(cli.waitForFinished(30000));
        QCOMPARE(cli.exitStatus(), QProcess::CrashExit);                                                // ended by the signal it was sent
        for (int i = 0; i < 300 && !agentsUnder(server.processId()).isEmpty(); ++i) QTest::qWait(100);  // failure timeout: 30 s
        QVERIFY2(agentsUnder(server.processId()).isEmpty(), "the far side's agent still runs 30 s after its client was stopped");
        server.kill();
        server.waitForFinished(5000);
    }
};

QTEST_GUILESS_MAIN(TestSshTransport)
#include "test_ssh_transport.moc"

// SPDX-License-Identifier: Apache-2.0
// The remote path for real: a private sshd on 127.0.0.1 (own host key, own authorized key, own
// port, nothing of the system's ssh setup touched), and a measurement whose agent is started on the
// "remote" side through the transport prefix "ssh ... user@127.0.0.1". Skipped, saying so, where
// no sshd binary is installed (Debian's openssh-server) or it cannot be started.
#include <QtTest>

#include <QProcess>
#include <QTemporaryDir>

#include <pwd.h>
#include <unistd.h>

#include "backends/agent_client.h"

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

}  // namespace

class TestSshTransport : public QObject {
    Q_OBJECT
private slots:
    void measureThroughSshOnLoopback() {
        const QString sshd = "/usr/sbin/sshd";
        if (!QFile::exists(sshd) || QStandardPaths::findExecutable("ssh").isEmpty())
            QSKIP("no sshd (openssh-server) or ssh here: the ssh transport is not tested on this machine");
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
            server.start(sshd, {"-D", "-e", "-f", d + "/sshd_config"});
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

        AgentLaunch launch;
        launch.agentPath = KM_AGENT_PATH;  // the "remote" agent is this machine's
        launch.transportPrefix = prefix.toStdString();
        launch.enableTestRuntime = true;
        MeasureOptions o;
        o.warmupRuns = 2;
        o.warmupMinMs = 0;
        o.rounds = 5;
        o.runsPerRound = 2;
        o.instances = 1;
        o.maxExtraInstances = 0;
        AgentClient agent(launch);
        Result<AgentHello> hello = agent.start(30);
        QVERIFY2(hello.ok(), hello.ok() ? "" : hello.error().message.c_str());
        QVERIFY(!hello.value().machine.cpuModel.empty());
        MeasureRequest req{
            Device{"test", "test runtime", "test", 1, "", {}, "", false}, o, {{"short", "spin-us:200", {}}, {"long", "spin-us:2000", {}}}};
        Result<MeasureResponse> r = agent.measure(req, 60);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QVERIFY(r.value().results[0].ok && r.value().results[1].ok);
        QVERIFY(r.value().results[1].stats.medianMs > 3 * r.value().results[0].stats.medianMs);  // 10x the spin
        agent.stop();
        server.kill();
        server.waitForFinished(5000);
    }
};

QTEST_GUILESS_MAIN(TestSshTransport)
#include "test_ssh_transport.moc"

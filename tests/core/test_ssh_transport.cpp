// SPDX-License-Identifier: Apache-2.0
// The remote path for real: a private sshd on 127.0.0.1 (own host key, own authorized key, own
// port, nothing of the system's ssh setup touched), and a measurement whose agent is started on the
// "remote" side through a device defined with the transport prefix "ssh ... user@127.0.0.1"
// (kernelmeter-cli device add/check, then measure on it). Skipped, saying so, where
// no sshd binary is installed (Debian's openssh-server) or it cannot be started.
#include <QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include <pwd.h>
#include <unistd.h>

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
        server.kill();
        server.waitForFinished(5000);
    }
};

QTEST_GUILESS_MAIN(TestSshTransport)
#include "test_ssh_transport.moc"

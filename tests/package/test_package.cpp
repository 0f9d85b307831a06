// SPDX-License-Identifier: Apache-2.0
// The packages of this build tree (installer/CMakeLists.txt), made with CPack as a release would
// be and checked the way a user meets them: the DEB's file list and Depends, lintian without
// errors, the desktop entry and AppStream metainfo validated, and the programs run from a
// throwaway root the package was unpacked into (`--version`, `predict` on the bundled example
// from the installed data, the menu entry's command opening the example). The TGZ likewise.
#include <QtTest>

#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>

namespace {

struct Run {
    int exitCode = -1;
    QString out;
    QString err;
};

Run run(const QString& program, const QStringList& args, const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment(),
        int timeoutMs = 600000) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(program, args);
    Run r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.err = program + " did not finish";
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

QString describe(const Run& r) { return QStringLiteral("exit %1\n%2\n%3").arg(r.exitCode).arg(r.out.right(3000), r.err.right(3000)); }

}  // namespace

class TestPackage : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        for (const char* tool : {"dpkg-deb", "dpkg-shlibdeps", "lintian", "desktop-file-validate", "appstreamcli", "pdftotext"})
            QVERIFY2(!QStandardPaths::findExecutable(tool).isEmpty(), qPrintable(QString(tool) + " is needed (scripts/install-deps.sh)"));
        const Run made = run(QStringLiteral(KM_CPACK_COMMAND),
                             {"--config", QStringLiteral(KM_BUILD_DIR "/CPackConfig.cmake"), "-B", m_dir.filePath("out")});
        QVERIFY2(made.exitCode == 0, qPrintable(describe(made)));
        QDirIterator it(m_dir.filePath("out"), {"kernelmeter_*.deb", "kernelmeter-*.tar.gz"}, QDir::Files);
        while (it.hasNext()) {
            const QString f = it.next();
            (f.endsWith(".deb") ? m_deb : m_tgz) = f;
        }
        QVERIFY2(!m_deb.isEmpty() && !m_tgz.isEmpty(), qPrintable(made.out));
        QVERIFY(QFileInfo(m_deb).fileName().startsWith("kernelmeter_" KM_VERSION "_"));

        m_root = m_dir.filePath("root");
        const Run unpacked = run("dpkg-deb", {"-x", m_deb, m_root});
        QVERIFY2(unpacked.exitCode == 0, qPrintable(describe(unpacked)));
    }

    void debHoldsProgramsDataAndDesktopFiles() {
        const Run listed = run("dpkg-deb", {"-c", m_deb});
        QVERIFY2(listed.exitCode == 0, qPrintable(describe(listed)));
        for (const char* path :
             {"./usr/bin/kernelmeter", "./usr/bin/kernelmeter-cli", "./usr/bin/kernelmeter-agent",
              "./usr/share/applications/org.kernelmeter.KernelMeter.desktop",
              "./usr/share/metainfo/org.kernelmeter.KernelMeter.metainfo.xml",
              "./usr/share/icons/hicolor/scalable/apps/org.kernelmeter.KernelMeter.svg",
              "./usr/share/mime/packages/org.kernelmeter.KernelMeter.xml", "./usr/share/man/man1/kernelmeter-cli.1.gz",
              "./usr/share/man/man1/kernelmeter.1.gz", "./usr/share/man/man1/kernelmeter-agent.1.gz",
              "./usr/share/doc/kernelmeter/copyright", "./usr/share/doc/kernelmeter/changelog.gz",
              "./usr/share/kernelmeter/datasets/predictors.db", "./usr/share/kernelmeter/datasets/benchmark.db",
              "./usr/share/kernelmeter/datasets/rules/opencv-t1.json", "./usr/share/kernelmeter/datasets/rules/xnnpack-t1.json",
              "./usr/share/kernelmeter/datasets/priors/conv.csv", "./usr/share/kernelmeter/datasets/priors/LICENSE.nn-Meter",
              "./usr/share/kernelmeter/examples/mobilenet_v3_small.onnx"})
            QVERIFY2(listed.out.contains(QString(path) + "\n"), path);
        // Nothing of the build machine (test programs, fuzzers, benchmarks) leaks into the package.
        for (const char* stray : {"test_", "fuzz_", "bench_", "/usr/lib/", "/usr/include/"}) QVERIFY2(!listed.out.contains(stray), stray);
    }

    void dependsHasLibrariesAndRunTimePlugins() {
        const Run fields = run("dpkg-deb", {"-f", m_deb, "Package", "Version", "Architecture", "Depends", "Maintainer"});
        QVERIFY2(fields.exitCode == 0, qPrintable(describe(fields)));
        QVERIFY(fields.out.contains("Package: kernelmeter\n"));
        QVERIFY(fields.out.contains("Version: " KM_VERSION "\n"));
        // From dpkg-shlibdeps (the libraries the programs link) and from installer/CMakeLists.txt
        // (what Qt loads and the programs run at run time, which shlibdeps cannot see: Graphviz is
        // the dot program, no longer a library).
        for (const char* dep : {"libqt6widgets6", "libopencv-dnn406", "libxnnpack0", "graphviz", "libsqlite3-0", "libprotobuf32",
                                "qt6-qpa-plugins", "libqt6svg6", "fonts-dejavu-core"})
            QVERIFY2(fields.out.contains(QString(dep)), qPrintable(QString(dep) + " missing from\n" + fields.out));
        QVERIFY2(!fields.out.contains("libgvc"), qPrintable(fields.out));
    }

    void lintianFindsNoErrors() {
        const Run lint = run("lintian", {"--fail-on", "error", "--tag-display-limit", "0", m_deb});
        QVERIFY2(lint.exitCode == 0, qPrintable(describe(lint)));
        QVERIFY2(!lint.out.contains(QRegularExpression("^E: ", QRegularExpression::MultilineOption)), qPrintable(lint.out));
    }

    void desktopEntryAndMetainfoValidate() {
        const Run desktop = run("desktop-file-validate", {m_root + "/usr/share/applications/org.kernelmeter.KernelMeter.desktop"});
        QVERIFY2(desktop.exitCode == 0 && desktop.out.trimmed().isEmpty(), qPrintable(describe(desktop)));
        const Run meta = run(
            "appstreamcli", {"validate", "--no-net", "--explain", m_root + "/usr/share/metainfo/org.kernelmeter.KernelMeter.metainfo.xml"});
        QVERIFY2(meta.exitCode == 0, qPrintable(describe(meta)));
    }

    void installedCliPredictsFromInstalledData_data() {
        QTest::addColumn<QString>("device");
        QTest::newRow("opencv-t1") << "opencv-t1";
        QTest::newRow("xnnpack-t1") << "xnnpack-t1";
    }

    void installedCliPredictsFromInstalledData() {
        QFETCH(QString, device);
        checkInstalledCli(m_root + "/usr", device);
    }

    // The desktop entry's command, started as a menu would (no file): a first start opens the
    // bundled example, so the report it writes is the example's.
    void menuEntryOpensTheExample() {
        QFile entry(m_root + "/usr/share/applications/org.kernelmeter.KernelMeter.desktop");
        QVERIFY(entry.open(QIODevice::ReadOnly));
        const QRegularExpressionMatch exec =
            QRegularExpression("^Exec=(\\S+)(.*)$", QRegularExpression::MultilineOption).match(QString::fromUtf8(entry.readAll()));
        QVERIFY(exec.hasMatch());
        QStringList args = exec.captured(2).split(' ', Qt::SkipEmptyParts);
        args.removeIf([](const QString& a) { return a.startsWith('%'); });  // no file from the menu
        const QString pdf = m_dir.filePath("menu.pdf");
        args << "--report" << pdf;
        const Run started = run(m_root + "/usr/bin/" + exec.captured(1), args, freshUser("menu"));
        QVERIFY2(started.exitCode == 0, qPrintable(describe(started)));
        const Run text = run("pdftotext", {pdf, "-"});
        QVERIFY2(text.out.contains("mobilenet_v3_small.onnx"), qPrintable(text.out.left(2000)));
    }

    void tarballUnpacksAnywhere() {
        const QString where = m_dir.filePath("tgz");
        QVERIFY(QDir().mkpath(where));
        const Run unpacked = run("tar", {"-xzf", m_tgz, "-C", where});
        QVERIFY2(unpacked.exitCode == 0, qPrintable(describe(unpacked)));
        const QString top = where + "/" + QFileInfo(m_tgz).fileName().chopped(int(QStringLiteral(".tar.gz").size()));
        QVERIFY2(QFileInfo::exists(top + "/bin/kernelmeter"), qPrintable(top));
        checkInstalledCli(top, "xnnpack-t1");
    }

private:
    // A user who never ran KernelMeter: empty home, data and config folders, no KM_DATA_DIR.
    QProcessEnvironment freshUser(const QString& name) {
        const QString home = m_dir.filePath("home-" + name);
        QDir().mkpath(home);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("HOME", home);
        for (const char* v : {"XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "KM_DATA_DIR"}) env.remove(v);
        env.insert("QT_QPA_PLATFORM", "offscreen");
        return env;
    }

    void checkInstalledCli(const QString& prefix, const QString& device) {
        const QString cli = prefix + "/bin/kernelmeter-cli";
        const Run version = run(cli, {"--version"});
        QVERIFY2(version.exitCode == 0 && version.out.contains(KM_VERSION), qPrintable(describe(version)));
        const QString example = prefix + "/share/kernelmeter/examples/mobilenet_v3_small.onnx";
        const Run predicted = run(cli, {"predict", example, "--device", device, "--json"}, freshUser(device));
        QVERIFY2(predicted.exitCode == 0, qPrintable(describe(predicted)));
        const QJsonObject json = QJsonDocument::fromJson(predicted.out.toUtf8()).object();
        // The predictor came from the installed files, not from this source tree.
        QVERIFY2(json["predictor"].toString().startsWith(QFileInfo(prefix).canonicalFilePath() + "/share/kernelmeter/datasets/"),
                 qPrintable(json["predictor"].toString()));
        const QJsonObject model = json["models"].toArray().at(0).toObject();
        QVERIFY(model["total_ms"].toDouble() > 0);
        QVERIFY(model["kernels"].toArray().size() > 10);
    }

    QTemporaryDir m_dir;
    QString m_deb, m_tgz, m_root;
};

QTEST_GUILESS_MAIN(TestPackage)
#include "test_package.moc"

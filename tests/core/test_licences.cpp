// SPDX-License-Identifier: Apache-2.0
// Licences (LICENSE): every source file of ours starts with an SPDX line; the
// engine, the CLI, the agent, the benchmarks and the tests are Apache-2.0, and what links
// QCustomPlot (ui/, the desktop program, the tests and benchmark that link km_ui) is
// GPL-3.0-or-later. The licence texts and the notices of data from others are in the tree.
#include <QtTest>

#include <QDirIterator>
#include <QRegularExpression>

namespace {

const QString kRoot = QStringLiteral(KM_SOURCE_DIR);

// Files that must carry an SPDX line: C++ sources and headers, CMake, shell and Python scripts.
bool isSource(const QString& rel) {
    static const QRegularExpression re(R"((\.(cpp|h|hpp|h\.in|cmake|sh|py)|/CMakeLists\.txt|^CMakeLists\.txt|^\.ci/run)$)");
    return re.match(rel).hasMatch();
}

QString expectedLicence(const QString& rel) {
    static const QStringList gpl = {"ui/", "app/main.cpp", "tests/ui/", "tests/cli/test_cli_report.cpp", "bench/bench_gui.cpp"};
    for (const QString& prefix : gpl)
        if (rel.startsWith(prefix)) return QStringLiteral("GPL-3.0-or-later");
    return QStringLiteral("Apache-2.0");
}

QStringList sourceFiles() {
    QStringList out;
    for (const char* folder : {"core", "app", "ui", "tests", "bench", "scripts", "installer", "resources", "datasets", ".ci"}) {
        QDirIterator it(kRoot + "/" + folder, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString rel = it.next().mid(kRoot.size() + 1);
            if (isSource(rel)) out << rel;
        }
    }
    out << "CMakeLists.txt";
    return out;
}

}  // namespace

class TestLicences : public QObject {
    Q_OBJECT
private slots:
    void everySourceFileHasItsSpdxLine() {
        const QStringList files = sourceFiles();
        QVERIFY(files.size() > 150);  // the scan found the tree
        static const QRegularExpression spdx(R"(SPDX-License-Identifier:\s*(\S+))");
        QStringList wrong;
        for (const QString& rel : files) {
            QFile f(kRoot + "/" + rel);
            QVERIFY(f.open(QIODevice::ReadOnly));
            // Within the first three lines (after a shebang or an encoding line).
            QString head;
            for (int i = 0; i < 3 && !f.atEnd(); ++i) head += QString::fromUtf8(f.readLine());
            const auto m = spdx.match(head);
            const QString want = expectedLicence(rel);
            if (!m.hasMatch())
                wrong << rel + ": no SPDX-License-Identifier line (want " + want + ")";
            else if (m.captured(1) != want)
                wrong << rel + ": " + m.captured(1) + ", want " + want;
        }
        QVERIFY2(wrong.isEmpty(), qPrintable(wrong.join('\n')));
    }

    void licenceTextsAndNoticesAreThere() {
        for (const char* file : {"LICENSE", "LICENSES/Apache-2.0.txt", "LICENSES/GPL-3.0-or-later.txt", "datasets/priors/LICENSE.nn-Meter",
                                 "tests/data/nnmeter-ir/LICENSE.nn-Meter", "datasets/help-nb201/LICENSE.HELP"}) {
            QFile f(kRoot + "/" + file);
            QVERIFY2(f.open(QIODevice::ReadOnly) && f.size() > 500, file);
        }
        QFile top(kRoot + "/LICENSE");
        QVERIFY(top.open(QIODevice::ReadOnly));
        const QByteArray text = top.readAll();
        QVERIFY(text.contains("Apache-2.0") && text.contains("GPL-3.0-or-later") && text.contains("QCustomPlot"));
        // The package's machine-readable copyright file and the AppStream metadata agree.
        QFile copyright(kRoot + "/installer/doc/copyright");
        QVERIFY(copyright.open(QIODevice::ReadOnly));
        const QByteArray c = copyright.readAll();
        QVERIFY(c.contains("License: Apache-2.0") && c.contains("License: GPL-3.0+") && c.contains("License: Expat"));
        QVERIFY(!c.contains("none-granted"));
        QFile meta(kRoot + "/installer/org.kernelmeter.KernelMeter.metainfo.xml");
        QVERIFY(meta.open(QIODevice::ReadOnly));
        QVERIFY(meta.readAll().contains("<project_license>GPL-3.0-or-later AND Apache-2.0</project_license>"));
    }
};

QTEST_GUILESS_MAIN(TestLicences)
#include "test_licences.moc"

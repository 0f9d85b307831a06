// SPDX-License-Identifier: Apache-2.0
// The --events protocol of build-predictor and detect-rules (kernelmeter.events/1, docs/cli.md):
// with it, stdout holds nothing but event lines, each a JSON object with the schema and an event
// name; a run starts with "start" and ends with "done" or "error" (whose exit code matches the
// process's); progress arrives as "progress" events. The human summary goes to stderr.
#include <QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include "test_support.h"

namespace {

// Every stdout line as an event; fails the test on a line that is not one.
QList<QJsonObject> eventsOf(const QByteArray& out, QString* problem) {
    QList<QJsonObject> events;
    for (const QByteArray& line : out.split('\n')) {
        if (line.isEmpty()) continue;
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
        if (error.error != QJsonParseError::NoError || !doc.isObject()) {
            *problem = "not an event line: " + QString::fromUtf8(line);
            return {};
        }
        const QJsonObject e = doc.object();
        if (e.value("schema").toString() != "kernelmeter.events/1" || e.value("event").toString().isEmpty()) {
            *problem = "an event without schema or name: " + QString::fromUtf8(line);
            return {};
        }
        events << e;
    }
    return events;
}

}  // namespace

class TestCliEvents : public QObject {
    Q_OBJECT
private slots:
    void badDeviceEndsWithAnErrorEvent() {
        QTemporaryDir home;
        for (const char* command : {"build-predictor", "detect-rules"}) {
            const km::test::ProgramRun r =
                km::test::runCli({command, "--device", "no-such-device", "--events"}, km::test::freshUser(home.path()));
            QCOMPARE(r.exitCode, 2);
            QString problem;
            const QList<QJsonObject> events = eventsOf(r.out, &problem);
            QVERIFY2(problem.isEmpty(), qPrintable(problem));
            QVERIFY(events.size() >= 2);
            QCOMPARE(events.first().value("event").toString(), QString("start"));
            QCOMPARE(events.first().value("command").toString(), QString(command));
            QCOMPARE(events.last().value("event").toString(), QString("error"));
            QCOMPARE(events.last().value("exit_code").toInt(), 2);
            QVERIFY(events.last().value("message").toString().contains("no-such-device"));
            QVERIFY(r.err.contains("no-such-device"));  // and the usual line on stderr
        }
    }

    // Nothing stored and nothing measured (--stored-only on an empty database): a build that
    // cannot build anything says so as warnings and an error event.
    void emptyStoredOnlyBuildWarnsAndFails() {
        QTemporaryDir home;
        const km::test::ProgramRun r =
            km::test::runCli({"build-predictor", "--device", "opencv-t1", "--types", "conv-relu", "--stored-only", "--events", "--db",
                              home.filePath("empty.db"), "--cache", home.filePath("kernels")},
                             km::test::freshUser(home.path()));
        QCOMPARE(r.exitCode, 2);
        QString problem;
        const QList<QJsonObject> events = eventsOf(r.out, &problem);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY(std::any_of(events.begin(), events.end(), [](const QJsonObject& e) { return e.value("event").toString() == "warning"; }));
        QCOMPARE(events.last().value("event").toString(), QString("error"));
        QVERIFY2(events.last().value("message").toString().contains("could be built"), r.out.constData());
    }

    // A small real detection (conv and relu only): progress events, then "done" naming the rules
    // file, which exists; the summary is on stderr.
    void detectionReportsProgressAndDone() {
        QTemporaryDir home;
        const QString rules = home.filePath("rules.json");
        const km::test::ProgramRun r = km::test::runCli({"detect-rules", "--device", "opencv-t1", "--ops", "conv", "relu", "--events",
                                                         "--db", home.filePath("m.db"), "--cache", home.filePath("cases"), "-o", rules},
                                                        km::test::freshUser(home.path()));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QString problem;
        const QList<QJsonObject> events = eventsOf(r.out, &problem);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QCOMPARE(events.first().value("event").toString(), QString("start"));
        const auto progress = std::count_if(events.begin(), events.end(), [](const QJsonObject& e) {
            const double f = e.value("fraction").toDouble(-1);
            return e.value("event").toString() == "progress" && f >= 0 && f <= 1;
        });
        QVERIFY(progress >= 1);
        QCOMPARE(events.last().value("event").toString(), QString("done"));
        QCOMPARE(events.last().value("rules").toString(), rules);
        QVERIFY(QFile::exists(rules));
        QVERIFY2(r.err.contains("written to " + rules.toUtf8()), r.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestCliEvents)
#include "test_cli_events.moc"

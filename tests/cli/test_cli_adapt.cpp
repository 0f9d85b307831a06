// SPDX-License-Identifier: Apache-2.0
// kernelmeter-cli dataset import-table and adapt end to end: a table of NAS-Bench-201 cells
// measured on a device nobody here has imports (bad rows named by file and line, the rest kept; a
// second import adds nothing; a spreadsheet's semicolons and decimal commas read, a decimal comma
// that splits a latency refused; empty cells counted as not measured), the imported times
// round-trip through `dataset show`, a predictor adapted from opencv-t1 on the table predicts the
// cells (three significant digits for a device of microseconds) and `evaluate` scores it on the
// cells it was not fitted on beside the baselines, listing each of them with every method's
// prediction; a table's device may be fitted as a runtime that removes dead code, a runtime known
// to run it never is (devices defined by the table's --db found by adapt's); adapt measures
// networks through the agent (also networks generated at the input size asked for, and times taken
// at the device's usual speed), and `evaluate` scores such a predictor on files or on a dataset,
// adapt's networks generated again when its folder is gone; an adapt stopped by SIGTERM or by its
// events' reader going leaves no models and no agent behind; bad input exits 2 with one line.
#include <QtTest>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <algorithm>
#include <cmath>
#include <set>

#include "store/measurement_store.h"
#include "test_support.h"
#include "workflows/devices.h"

class TestCliAdapt : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_home;

    int run(const QStringList& args, QByteArray* out = nullptr, QByteArray* err = nullptr) {
        const km::test::ProgramRun r = km::test::runCli(args, km::test::freshUser(m_home.path()));
        if (out) *out = r.out;
        if (err) *err = r.err;
        return r.exitCode;
    }
    static QJsonObject readJson(const QString& path) {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(f.readAll()).object() : QJsonObject();
    }
    QString write(const QString& name, const QByteArray& text) {
        QFile f(m_home.filePath(name));
        if (!f.open(QIODevice::WriteOnly)) return {};
        f.write(text);
        return f.fileName();
    }
    // 14 cells: latency grows with their 3x3 and 1x1 convolutions and pools (a made-up device).
    static QByteArray cellTable(bool withBadRows) {
        const char* ops[] = {"nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3", "skip_connect"};
        QByteArray csv = "index,arch,lab_phone\n";
        for (int i = 0; i < 14; ++i) {
            const char* a = ops[i % 4];
            const char* b = ops[(i / 4) % 4];
            const char* c = ops[(i / 2) % 4];
            const QByteArray arch = QByteArray("|") + a + "~0|+|" + b + "~0|" + c + "~1|+|skip_connect~0|" + a + "~1|" + b + "~2|";
            double ms = 1.0;
            for (const char* op : {a, b, c, a, b})
                ms += QByteArray(op) == "nor_conv_3x3" ? 3.0 : QByteArray(op) == "nor_conv_1x1" ? 1.0 : 0.4;
            csv += QByteArray::number(i) + "," + arch + "," + QByteArray::number(ms) + "\n";
        }
        if (withBadRows) {
            csv += "90,|nor_conv_5x5~0|+|none~0|none~1|+|none~0|none~1|none~2|,3.0\n";  // line 16: unknown op
            csv += "91,|none~0|+|none~0|none~1|+|none~0|none~1|skip_connect~2|,-2\n";   // line 17: negative
            csv += "92\n";                                                              // line 18: missing cells
        }
        return csv;
    }

private slots:
    void importTableRoundTrips() {
        const QString table = write("lab.csv", cellTable(true));
        QByteArray out, err;
        // Rows left out (named) make the import exit 2 once the others are stored.
        QCOMPARE(run({"dataset", "import-table", table, "--name", "lab"}, &out, &err), 2);
        QVERIFY2(out.contains("dataset lab: 14 models") && out.contains("lab-phone: 14 latencies"), out.constData());
        QVERIFY2(err.endsWith("rows or cells left out of " + table.toUtf8() + ": 3 (named above); the rest was imported.\n"),
                 err.constData());
        QVERIFY2(out.contains("column 'lab_phone' is device lab-phone") && out.contains("defined table-only device lab-phone"),
                 out.constData());
        for (const char* where : {"lab.csv:16", "nor_conv_5x5", "lab.csv:17", "'-2'", "lab.csv:18"})
            QVERIFY2(err.contains(where), err.constData());
        // Each left-out row is one sentence, its reason's own full stop dropped.
        QVERIFY2(err.contains("avg_pool_3x3); row left out.") && !err.contains(".;"), err.constData());
        // Again: nothing twice.
        QCOMPARE(run({"dataset", "import-table", table, "--name", "lab"}, &out), 2);
        QVERIFY2(out.contains("14 models"), out.constData());
        QCOMPARE(run({"dataset", "show", "--name", "lab", "--json"}, &out), 0);
        const QJsonArray models = QJsonDocument::fromJson(out).object().value("models").toArray();
        QCOMPARE(models.size(), 14);
        const QList<QByteArray> lines = cellTable(false).split('\n');
        for (const auto& m : models) {
            const QJsonObject o = m.toObject();
            const QString index = o.value("name").toString().mid(QString("nb201-").size());
            const QList<QByteArray> row = lines[index.toInt() + 1].split(',');
            QCOMPARE(o.value("description").toString(), QString(row[1]));
            QCOMPARE(o.value("latency").toObject().value("lab-phone").toObject().value("median_ms").toDouble(), row[2].toDouble());
        }
        QCOMPARE(run({"device", "show", "lab-phone"}, &out), 0);
        QVERIFY2(out.contains("none"), out.constData());
        // No predictor yet: what to run instead names the dataset its times are in.
        QCOMPARE(
            run({"predict", km::test::sourcePath("resources/examples/mobilenet_v3_small.onnx"), "--device", "lab-phone"}, nullptr, &err),
            2);
        QVERIFY2(err.contains("adapt --device lab-phone --from xnnpack-t1 --dataset lab`") && err.count('\n') == 1, err.constData());
        for (const QStringList& command :
             {QStringList{"rules", "--device", "lab-phone"},
              QStringList{"predictor", "export", "--device", "lab-phone", "-o", m_home.filePath("none.json")}}) {
            QCOMPARE(run(command, nullptr, &err), 2);
            QVERIFY2(err.contains("--dataset lab`") && !err.contains("detect-rules") && !err.contains("build-predictor"), err.constData());
        }

        // Long layout: a model file relative to the table, and a missing column named.
        QVERIFY(QFile::copy(km::test::sourcePath("resources/examples/mobilenet_v3_small.onnx"), m_home.filePath("r18.onnx")));
        QCOMPARE(run({"dataset", "import-table", write("long.csv", "model,device,latency_ms\nr18.onnx,lab_phone,12.5\n"), "--name", "long"},
                     &out, &err),
                 0);
        QVERIFY2(out.contains("lab-phone: 1 latencies"), out.constData());
        QCOMPARE(run({"dataset", "import-table", write("nomodel.csv", "net,pixel\nx,1\n")}, nullptr, &err), 2);
        QVERIFY2(err.contains("nomodel.csv:1") && err.contains("model column") && err.count('\n') == 1, err.constData());
        QCOMPARE(run({"dataset", "import-table", write("nolat.csv", "model,device\nr18.onnx,x\n")}, nullptr, &err), 2);
        QVERIFY2(err.contains("nolat.csv:1") && err.contains("latency_ms"), err.constData());

        // What a spreadsheet writes where the comma is the decimal mark: a byte-order mark,
        // semicolons, CRLF, decimal commas, a device named with a space.
        const QByteArray arch0 = lines[1].split(',')[1], arch1 = lines[2].split(',')[1];
        QCOMPARE(run({"dataset", "import-table",
                      write("sheet.csv",
                            "\xEF\xBB\xBF"
                            "arch;Lab Tablet\r\n" +
                                arch0 + ";12,5\r\n"),
                      "--name", "sheet"},
                     &out, &err),
                 0);
        QVERIFY2(out.contains("column 'Lab Tablet' is device lab-tablet") && err.isEmpty(), out + err);
        QCOMPARE(run({"dataset", "show", "--name", "sheet", "--json"}, &out), 0);
        const QJsonArray sheet = QJsonDocument::fromJson(out).object().value("models").toArray();
        QCOMPARE(sheet.size(), 1);
        QCOMPARE(sheet[0].toObject().value("latency").toObject().value("lab-tablet").toObject().value("median_ms").toDouble(), 12.5);
        // In a comma-separated table a decimal comma splits the latency in two: that row is left
        // out and named (not imported as 12 ms); trailing empty cells are harmless. (Another
        // device than lab-phone, whose times the tests below adapt to.)
        QCOMPARE(run({"dataset", "import-table", write("split.csv", "arch,lab_split\n" + arch0 + ",12,5\n" + arch1 + ",3.5,,\n"), "--name",
                      "split"},
                     &out, &err),
                 2);
        QVERIFY2(err.contains("split.csv:2") && err.contains("decimal comma") && !err.contains("split.csv:3"), err.constData());
        QVERIFY2(out.contains("dataset split: 1 models"), out.constData());
        // Empty cells of a wide table: models not measured on that device, counted, no warning;
        // a table with nothing but empty cells is refused in one line.
        QCOMPARE(run({"dataset", "import-table", write("gaps.csv", "arch,gap_a,gap_b\n" + arch0 + ",3.5,\n" + arch1 + ",4.0,2.0\n"),
                      "--name", "gaps"},
                     &out, &err),
                 0);
        QVERIFY2(err.isEmpty(), err.constData());
        QVERIFY2(out.contains("dataset gaps: 2 models") && out.contains("gap-a: 2 latencies\n") &&
                     out.contains("gap-b: 1 latencies (1 empty cells: not measured there)"),
                 out.constData());
        QCOMPARE(run({"dataset", "import-table", write("blank.csv", "arch,gap_c\n" + arch0 + ",\n"), "--name", "blank"}, &out, &err), 2);
        QVERIFY2(err.contains("blank.csv") && err.contains("every latency cell is empty") && err.count('\n') == 1, err.constData());
    }

    void adaptFromTableAndEvaluate() {
        QByteArray out, err;
        QCOMPARE(
            run({"adapt", "--device", "lab-phone", "--from", "opencv-t1", "--dataset", "lab", "--networks", "6", "--quiet"}, &out, &err),
            0);
        QVERIFY2(out.contains("from 6 networks (dataset lab)"), out.constData());
        QVERIFY2(!err.contains("were asked for"), err.constData());
        // More networks than the dataset has: all of them, and a warning says so.
        QCOMPARE(
            run({"adapt", "--device", "lab-phone", "--from", "opencv-t1", "--dataset", "lab", "--networks", "40", "--quiet"}, &out, &err),
            0);
        QVERIFY2(out.contains("from 14 networks (dataset lab)"), out.constData());
        QVERIFY2(err.contains("40 networks were asked for, but only 14 models of dataset 'lab' with a time on lab-phone (adapt draws at "
                              "most 400 of them) could be chosen"),
                 err.constData());
        QCOMPARE(run({"adapt", "--device", "lab-phone", "--from", "opencv-t1", "--dataset", "lab", "--networks", "6", "--seed", "1",
                      "--quiet", "--json"},
                     &out),
                 0);
        const QJsonObject fit = QJsonDocument::fromJson(out).object();
        QCOMPARE(fit.value("networks").toArray().size(), 6);
        QVERIFY(fit.value("leave_one_out_rmspe").toDouble() < 0.5);
        // Each chosen network weighs half an equal share and half the share of the dataset's 14
        // models it stands for: at least 0.5, mean 1, and (14 / 6 not whole) not all alike.
        std::set<double> weights;
        double weightSum = 0;
        for (const QJsonValue n : fit.value("networks").toArray()) {
            const double w = n.toObject().value("weight").toDouble();
            QVERIFY2(w >= 0.5 - 1e-12, qPrintable(QString::number(w)));
            weights.insert(w);
            weightSum += w;
        }
        QVERIFY2(std::abs(weightSum - 6) < 1e-9, qPrintable(QString::number(weightSum)));
        QVERIFY(weights.size() > 1);
        // The adapted predictor carries opencv-t1's rules: lab-phone predicts without rules of its own.
        QCOMPARE(run({"zoo", "--nb201", "|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|",
                      "-o", m_home.filePath("cells")},
                     &out),
                 0);
        const QString cell = m_home.filePath("cells/") + QString(out.split(' ').front());
        QCOMPARE(run({"predict", cell + ".onnx", "--device", "lab-phone", "--json"}, &out, &err), 0);
        const QJsonObject prediction = QJsonDocument::fromJson(out).object();
        const double predicted = prediction.value("models").toArray()[0].toObject().value("total_ms").toDouble();
        QVERIFY2(predicted > 4 && predicted < 15, qPrintable(QString::number(predicted)));  // the table says 9.8 ms
        // Imported times name no CPU: the predictor records none and says where its times come from.
        QVERIFY2(prediction.value("built_on").toObject().value("cpu_model").toString().isEmpty(), out.constData());
        QCOMPARE(run({"predict", cell + ".onnx", "--device", "lab-phone"}, &out, &err), 0);
        QVERIFY2(out.contains(" on dataset lab)"), out.constData());
        // No runtime to name for times imported from a table ("none" is the device's placeholder).
        QVERIFY2(out.contains(" (built ") && !out.contains("(none"), out.constData());
        QVERIFY2(!err.contains("this predictor was adapted while"), err.constData());
        // A predictor whose adaptation met the machine 19% slower than the device's 22 earlier
        // measurements (as adapt records it) says so wherever it predicts, in JSON too.
        QCOMPARE(run({"adapt", "--device", "lab-phone", "--from", "opencv-t1", "--dataset", "lab", "--networks", "6", "--quiet", "-o",
                      m_home.filePath("lab.json")}),
                 0);
        QFile file(m_home.filePath("lab.json"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QJsonObject p = QJsonDocument::fromJson(file.readAll()).object();
        file.close();
        p["reference_ms"] = 0.38;
        QJsonObject record = p.value("adaptation").toObject();
        record["earlier_reference_ms"] = 0.32;
        record["earlier_measurements"] = 22;
        p["adaptation"] = record;
        const QString slow = write("lab-slow.json", QJsonDocument(p).toJson());
        QCOMPARE(run({"predict", cell + ".onnx", "--device", "lab-phone", "--predictor", slow, "--json"}, &out, &err), 0);
        const QJsonArray notes = QJsonDocument::fromJson(out).object().value("predictor_warnings").toArray();
        QCOMPARE(notes.size(), 1);
        QVERIFY2(notes[0].toString().startsWith("this predictor was adapted while its networks were measured on lab-phone, the "
                                                "reference workload took 0.380 ms against 0.320 ms, its usual time over 22 earlier "
                                                "measurements there"),
                 out.constData());
        QVERIFY2(err.contains("warning: this predictor was adapted while"), err.constData());
        QCOMPARE(run({"evaluate", "--device", "lab-phone", "--dataset", "lab", "--json"}, &out, &err), 0);
        const QJsonObject e = QJsonDocument::fromJson(out).object();
        QCOMPARE(e.value("fitted_on").toInt(), 6);
        const QJsonObject held = e.value("held_out").toObject();
        for (const char* m : {"adapted", "source", "source x 1 scale", "flops+memory"}) QVERIFY2(held.contains(m), m);
        QCOMPARE(held.value("adapted").toObject().value("overall").toObject().value("models").toInt(), 8);
        QVERIFY(held.value("adapted").toObject().value("overall").toObject().value("spearman").toDouble() > 0.5);
        // Each held-out model with its time and every method's prediction: the scores follow from them.
        const QJsonArray rows = e.value("models").toArray();
        QCOMPARE(rows.size(), 8);
        for (const char* method : {"adapted", "source x 1 scale"}) {
            int within = 0;
            for (const QJsonValue row : rows) {
                const QJsonObject r = row.toObject();
                QVERIFY2(r.value("name").toString().startsWith("nb201-") && r.value("measured_ms").toDouble() > 0,
                         qPrintable(r.value("name").toString()));
                const double p = r.value("predicted_ms").toObject().value(method).toDouble();
                QVERIFY2(p > 0, method);
                within += std::abs(p / r.value("measured_ms").toDouble() - 1) <= 0.10;
            }
            QCOMPARE(double(within) / rows.size(), held.value(method).toObject().value("overall").toObject().value("within_10").toDouble());
        }
        // The adapted predictor's intervals: each row's, and the share of the rows inside them.
        const QJsonObject interval = e.value("interval").toObject();
        QCOMPARE(interval.value("models").toInt(), 8);
        int inside = 0;
        for (const QJsonValue row : rows) {
            const QJsonArray bounds = row.toObject().value("interval_ms").toArray();
            const double p = row.toObject().value("predicted_ms").toObject().value("adapted").toDouble();
            const double t = row.toObject().value("measured_ms").toDouble();
            QVERIFY(bounds.size() == 2 && bounds[0].toDouble() < p && p < bounds[1].toDouble());
            inside += bounds[0].toDouble() <= t && t <= bounds[1].toDouble();
        }
        QCOMPARE(interval.value("inside").toDouble(), double(inside) / 8);
        QCOMPARE(interval.value("inside").toDouble() + interval.value("below").toDouble() + interval.value("above").toDouble(), 1.0);
        // Held-out models far beyond the adaptation's networks (recorded here 100 times shorter):
        // the range warning of their predictions, said once with every model it concerns.
        for (const QJsonValue w : e.value("warnings").toArray()) QVERIFY2(!w.toString().contains("times the longest"), out.constData());
        // The adapted predictor scored apart on the models its predictions warned about: as many
        // as the rows marked so.
        auto warnedOn = [](const QJsonObject& evaluation) {
            int marked = 0;
            for (const QJsonValue row : evaluation.value("models").toArray()) marked += row.toObject().value("beyond_adaptation").toBool();
            const QJsonObject split = evaluation.value("beyond_adaptation").toObject();
            const int warned = split.value("warned").toObject().value("models").toInt();
            return std::pair{warned == marked ? warned : -1, split.value("others").toObject().value("models").toInt()};
        };
        const auto [warnedBefore, othersBefore] = warnedOn(e);
        QVERIFY2(warnedBefore >= 0 && warnedBefore + othersBefore == 8, out.constData());
        QJsonArray networks = record.value("networks").toArray();
        for (auto n : networks) {
            QJsonObject o = n.toObject();
            o["measured_ms"] = o.value("measured_ms").toDouble() / 100;
            n = o;
        }
        record["networks"] = networks;
        p["adaptation"] = record;
        const QString shortNets = write("lab-short.json", QJsonDocument(p).toJson());
        QCOMPARE(run({"evaluate", "--device", "lab-phone", "--predictor", shortNets, "--dataset", "lab", "--json"}, &out, &err), 0);
        const QJsonObject farOff = QJsonDocument::fromJson(out).object();
        QCOMPARE(warnedOn(farOff), (std::pair{8, 0}));
        QStringList beyond;
        for (const QJsonValue w : farOff.value("warnings").toArray())
            if (w.toString().contains("times the longest of the 6 networks")) beyond << w.toString();
        QCOMPARE(beyond.size(), 1);
        QVERIFY2(beyond[0].startsWith("nb201-") && beyond[0].endsWith(" and 4 others."), qPrintable(beyond[0]));
        QVERIFY2(beyond[0].contains("The same for 7 more models: nb201-"), qPrintable(beyond[0]));
        // A device 10,000 times faster: its predictions in text keep three significant digits.
        QByteArray tiny = "index,arch,lab_tiny\n";
        for (const QByteArray& line : cellTable(false).split('\n').mid(1)) {
            const QList<QByteArray> cells = line.split(',');
            if (cells.size() == 3) tiny += cells[0] + "," + cells[1] + "," + QByteArray::number(cells[2].toDouble() * 1e-4, 'g', 6) + "\n";
        }
        QCOMPARE(run({"dataset", "import-table", write("tiny.csv", tiny), "--name", "tiny"}), 0);
        QCOMPARE(run({"adapt", "--device", "lab-tiny", "--from", "opencv-t1", "--dataset", "tiny", "--networks", "6", "--quiet"}), 0);
        QCOMPARE(run({"predict", cell + ".onnx", "--device", "lab-tiny"}, &out, &err), 0);
        QVERIFY2(
            QRegularExpression("\\ntotal +0\\.0+[1-9][0-9]{2} ms \\[0\\.0+[1-9][0-9]{2}, 0\\.0+[1-9][0-9]{2}\\]").match(out).hasMatch(),
            out.constData());
    }

    void predictorTravelsToAnotherUser() {
        // lab-phone's adapted predictor (adaptFromTableAndEvaluate's), handed on as a file to a
        // user who has neither the table nor the device: it predicts there what it predicts here.
        QByteArray out, err;
        const QString file = m_home.filePath("handed-on/lab-phone.json");
        QCOMPARE(run({"predictor", "export", "--device", "lab-phone", "-o", file}, &out, &err), 0);
        QVERIFY2(out.contains("opencv-t1's predictor adapted to lab-phone from 6 networks (dataset lab)"), out.constData());
        const QString cell = m_home.filePath("cells/" + QDir(m_home.filePath("cells")).entryList({"nb201-*.onnx"}).value(0));
        QVERIFY2(QFile::exists(cell), qPrintable(cell));
        auto totalOf = [](const QByteArray& json) {
            return QJsonDocument::fromJson(json).object().value("models").toArray()[0].toObject().value("total_ms").toDouble();
        };
        QCOMPARE(run({"predict", cell, "--device", "lab-phone", "--json"}, &out), 0);
        const double here = totalOf(out);
        QVERIFY(here > 0);

        QTemporaryDir other;
        const km::test::RunOptions there = km::test::freshUser(other.path());
        const QString otherDb = other.filePath("data/kernelmeter/kernelmeter.db");
        km::test::ProgramRun r = km::test::runCli({"predictor", "import", file}, there);
        QVERIFY2(r.exitCode == 0 && r.out.contains("as lab-phone's newest predictor") && r.out.contains("defined device lab-phone"),
                 (r.out + r.err).constData());
        QVERIFY2(!r.out.contains("to measure on it too"), r.out.constData());  // a table's device: nothing to reach
        r = km::test::runCli({"predict", cell, "--device", "lab-phone", "--json"}, there);
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(totalOf(r.out), here);
        // The rules it splits models with are the ones its predictor carries.
        r = km::test::runCli({"rules", "--device", "lab-phone"}, there);
        QVERIFY2(r.exitCode == 0 && r.out.contains("carried by the adapted predictor"), (r.out + r.err).constData());
        // Imported again: nothing twice.
        r = km::test::runCli({"predictor", "import", file}, there);
        QVERIFY2(r.exitCode == 0 && r.out.contains("nothing added"), r.out.constData());
        km::Result<km::DeviceRemoval> held = km::storedDataOf("lab-phone", otherDb.toStdString());
        QVERIFY(held);
        QCOMPARE(held.value().predictors, int64_t(1));

        // The shipped opencv-t1 predictor exported (it carries no rules; the export adds the
        // device's) predicts for a device of another id exactly as opencv-t1's own.
        const QString shipped = other.filePath("opencv-t1.json");
        QCOMPARE(km::test::runCli({"predictor", "export", "--device", "opencv-t1", "-o", shipped}, there).exitCode, 0);
        r = km::test::runCli({"predictor", "import", shipped, "--device", "lab-board"}, there);
        QVERIFY2(r.exitCode == 0 && r.out.contains("defined device lab-board"), (r.out + r.err).constData());
        // A runtime that measures: how to reach the board as well, keeping the predictor.
        QVERIFY2(r.out.contains("to measure on it too") &&
                     r.out.contains("device add lab-board --runtime opencv-dnn --threads N --transport PREFIX --replace"),
                 r.out.constData());
        // Nothing measured on it to score: where evaluate looked, and no offer to measure there.
        r = km::test::runCli({"evaluate", "--device", "lab-board"}, there);
        QVERIFY2(r.exitCode == 2 && r.err.contains("dataset 'zoo' in ") && r.err.contains("was measured on lab-board") &&
                     !r.err.contains("dataset build") && r.err.count('\n') == 1,
                 r.err.constData());
        r = km::test::runCli({"predict", cell, "--device", "lab-board", "--json"}, there);
        QCOMPARE(r.exitCode, 0);
        const double board = totalOf(r.out);
        r = km::test::runCli({"predict", cell, "--device", "opencv-t1", "--json", "--at-build-speed"}, there);
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(board, totalOf(r.out));

        // Refused in one line naming the file, nothing stored: a device that runs another runtime
        // or another thread count, a file that is not a predictor, a build's file without rules for
        // a device not known here.
        r = km::test::runCli({"predictor", "import", file, "--device", "xnnpack-t1"}, there);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.count('\n') == 1 && r.err.contains(file.toUtf8()) && r.err.contains("--device NEW-ID"), r.err.constData());
        r = km::test::runCli({"predictor", "import", shipped, "--device", "opencv-t2"}, there);  // opencv-t1's, at 1 thread
        QVERIFY2(r.exitCode == 2 && r.err.count('\n') == 1 && r.err.contains("opencv-t1's, at 1 thread, and opencv-t2 runs"),
                 r.err.constData());
        r = km::test::runCli({"predictor", "import", write("table.json", "{\"schema\": \"kernelmeter.predictor/1\"}")}, there);
        QVERIFY2(r.exitCode == 2 && r.err.contains("table.json: the predictor has no \"device\" field"), r.err.constData());
        QFile exported(shipped);
        QVERIFY(exported.open(QIODevice::ReadOnly));
        QJsonObject withoutRules = QJsonDocument::fromJson(exported.readAll()).object();
        withoutRules.remove("rules");
        r = km::test::runCli({"predictor", "import", write("built.json", QJsonDocument(withoutRules).toJson()), "--device", "far-board"},
                             there);
        QVERIFY2(r.exitCode == 2 && r.err.contains("built.json: the predictor carries no fusion rules") &&
                     r.err.contains("predictor export --device opencv-t1"),
                 r.err.constData());
        QVERIFY(!km::test::runCli({"device", "list"}, there).out.contains("far-board"));
        QJsonObject badRules = withoutRules;
        badRules["rules"] = QJsonObject{{"schema", "kernelmeter.rules/0"}};
        r = km::test::runCli({"predictor", "import", write("bad-rules.json", QJsonDocument(badRules).toJson()), "--device", "far-board"},
                             there);
        QVERIFY2(r.exitCode == 2 && r.err.count('\n') == 1 && r.err.contains("bad-rules.json (the fusion rules it carries)"),
                 r.err.constData());
        QVERIFY(!km::test::runCli({"device", "list"}, there).out.contains("far-board"));
        for (const char* refused : {"xnnpack-t1", "opencv-t2"}) {
            held = km::storedDataOf(refused, otherDb.toStdString());
            QVERIFY(held && held.value().predictors == 0);
        }
    }

    void deadCodeOnlyWhereTheRuntimeMayDropIt() {
        // 24 cells timed on a device that skips every operation whose result reaches the output
        // through `none` edges alone (a phone's converter), but a convolution read by nothing but
        // `none` edges runs (the multiply by 0 folded into it; graph.h): its 3x3 convolutions cost
        // 3 ms, its 1x1 ones 1 ms and its pools 0.4 ms when they run. The same times imported for
        // a device of the table and for xnnpack-t1, whose runtime runs every operation
        // (docs/adapt.md).
        QByteArray csv = "arch,dce_phone,xnnpack_t1\n";
        auto cost = [](const QByteArray& op) {
            return op == "nor_conv_3x3" ? 3.0 : op == "nor_conv_1x1" ? 1.0 : op == "avg_pool_3x3" ? 0.4 : 0.0;
        };
        for (const char* a : {"nor_conv_3x3", "nor_conv_1x1"})
            for (const char* c : {"nor_conv_3x3", "none"})
                for (const char* e : {"nor_conv_1x1", "none"})
                    for (const char* f : {"none", "nor_conv_3x3", "avg_pool_3x3"}) {
                        // node1 = a(n0), node2 = conv1x1(n0) + c(n1), node3 = n0 + e(n1) + f(n2)
                        const QByteArray arch =
                            QByteArray("|") + a + "~0|+|nor_conv_1x1~0|" + c + "~1|+|skip_connect~0|" + e + "~1|" + f + "~2|";
                        // Node 2 is read through f, or is its 1x1 convolution alone (c none) read
                        // through `none` edges; node 1 is read through e, through c when node 2
                        // is read, or is its convolution read through `none` edges alone.
                        const bool node2Read = QByteArray(f) != "none", cNone = QByteArray(c) == "none";
                        const bool node1Runs = QByteArray(e) != "none" || node2Read || cNone;
                        double ms = 1.0 + cost(e) + cost(f);
                        if (node2Read || cNone) ms += cost("nor_conv_1x1");
                        if (node2Read) ms += cost(c);
                        if (node1Runs) ms += cost(a);
                        // Each cell is repeated 5 times per stage in 3 stages.
                        const QByteArray v = QByteArray::number(1 + 15 * (ms - 1));
                        csv += arch + "," + v + "," + v + "\n";
                    }
        const QString db = m_home.filePath("deadcode.db");
        QByteArray out, err;
        QCOMPARE(run({"dataset", "import-table", write("deadcode.csv", csv), "--name", "deadcode", "--db", db}, &out, &err), 0);
        // Before it is adapted, a table's device has no predictor, and detecting rules or building
        // one is not the way (it cannot measure): adapting is.
        QCOMPARE(run({"evaluate", "--device", "dce-phone", "--dataset", "deadcode", "--db", db}, nullptr, &err), 2);
        QVERIFY2(err.contains("adapt --device dce-phone") && !err.contains("detect-rules") && err.count('\n') == 1, err.constData());
        QVERIFY2(run({"adapt", "--device", "dce-phone", "--from", "opencv-t1", "--dataset", "deadcode", "--db", db, "--quiet", "--json"},
                     &out, &err) == 0,
                 err.constData());
        const QString phone = QJsonDocument::fromJson(out).object().value("terms").toString();
        QVERIFY2(phone.contains("drops unread operations"), qPrintable(phone + "\n" + err));
        // Evaluate finds the predictor adapt stored in that database.
        QVERIFY2(run({"evaluate", "--device", "dce-phone", "--dataset", "deadcode", "--db", db, "--json"}, &out, &err) == 0,
                 err.constData());
        QVERIFY2(QJsonDocument::fromJson(out).object().value("held_out").toObject().contains("adapted"), out.constData());
        // The same times on a runtime known to run everything: never fitted as one that drops them
        // (nor at all, here: with the folded convolutions no fit of every operation explains them,
        // and adapt says so rather than that every candidate was singular).
        const int rc =
            run({"adapt", "--device", "xnnpack-t1", "--from", "opencv-t1", "--dataset", "deadcode", "--db", db, "--quiet", "--json"}, &out,
                &err);
        const QString xnnpack = rc == 0 ? QJsonDocument::fromJson(out).object().value("terms").toString() : QString();
        QVERIFY2(rc == 0 ? !xnnpack.isEmpty() && !xnnpack.contains("unread")
                         : rc == 2 && err.contains("do not follow the source's view of them") && !err.contains("singular"),
                 qPrintable(xnnpack + "\n" + err));
    }

    void adaptMeasures() {
        // Three small networks measured on opencv-t2 through the agent (a short protocol).
        QStringList models;
        for (const char* arch : {"|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|skip_connect~2|",
                                 "|nor_conv_1x1~0|+|nor_conv_1x1~0|skip_connect~1|+|none~0|none~1|skip_connect~2|",
                                 "|avg_pool_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|none~0|none~1|nor_conv_3x3~2|"}) {
            QByteArray out;
            QCOMPARE(run({"zoo", "--nb201", arch, "-o", m_home.filePath("measured")}, &out), 0);
            models << m_home.filePath("measured/") + QString(out.split(' ').front()) + ".onnx";
        }
        QByteArray out, err;
        // Two of the source's kernels per group measured too (a count, not a time, bounds them).
        // A device measured never before has no usual speed: the session's.
        const QString onFiles = m_home.filePath("on-files.json");
        QCOMPARE(run(QStringList{"adapt", "--device", "opencv-t2", "--from", "opencv-t1", "--rounds", "2", "--instances", "1", "--quiet",
                                 "--kernels-per-group", "2", "-o", onFiles, "--models"} +
                         models,
                     &out, &err),
                 0);
        QVERIFY2(out.contains("from 3 networks (measured by adapt"), out.constData());
        QVERIFY2(!out.contains("usual speed"), out.constData());
        QVERIFY2(!err.contains("a predictor of"), err.constData());  // the source has the target's runtime
        // opencv-t2 runs opencv-t1's runtime at 2 threads: the kernels are timed on opencv-t1.
        QVERIFY2(out.contains("of the source's kernels measured on opencv-t1; target/source per group"), out.constData());
        // Networks the product chooses (generated, measured and removed), then evaluate on the
        // cells measured above: the adaptation's networks are generated again, checked by hash, and
        // fit the baselines with their recorded times; the cells are scored.
        QCOMPARE(run({"adapt", "--device", "opencv-t2", "--from", "opencv-t1", "--networks", "3", "--rounds", "2", "--instances", "1",
                      "--kernels-per-group", "0", "--events"},
                     &out, &err),
                 0);
        QVERIFY2(out.startsWith("{\"schema\":\"kernelmeter.events/1\",\"event\":\"start\"") && out.contains("\"event\":\"done\""),
                 out.constData());
        QVERIFY2(err.contains("from 3 networks (measured by adapt"), err.constData());  // the table goes to stderr
        // Networks generated at the input size asked for (here the smallest, 96 x 96): every
        // network of the table has it.
        const QString at96 = m_home.filePath("at96.json");
        QCOMPARE(run({"adapt", "--device", "opencv-t2", "--from", "opencv-t1", "--networks", "3", "--rounds", "2", "--instances", "1",
                      "--kernels-per-group", "0", "--input-size", "96", "-o", at96},
                     &out, &err),
                 0);
        const QString table = QString::fromUtf8(out);
        QVERIFY2(table.count(QRegularExpression(R"(\n\S+-700\d{3} r\d+ )")) == 3, out.constData());
        QVERIFY2(table.count(QRegularExpression(R"(\n\S+-700\d{3} r96 )")) == 3, out.constData());
        // The networks chosen first again (their times stored), now taken at the device's usual
        // speed, the median reference time of the nine measurements of opencv-t2 stored before
        // this adapt began (the cells, the networks at 96 pixels and these networks' own, taken in
        // an earlier run), or at their own session's when asked.
        const QString atSession = m_home.filePath("at-session.json"), atUsual = m_home.filePath("at-usual.json");
        const QStringList again{"adapt",       "--device", "opencv-t2",           "--from", "opencv-t1", "--networks", "3", "--rounds", "2",
                                "--instances", "1",        "--kernels-per-group", "0",      "--quiet",   "-o"};
        QByteArray sessionErr;
        QCOMPARE(run(again + QStringList{atSession, "--at-session-speed"}, &out, &sessionErr), 0);
        QCOMPARE(run(again + QStringList{atUsual}, &out, &err), 0);
        const QJsonObject session = readJson(atSession), usual = readJson(atUsual);
        const QJsonObject record = usual.value("adaptation").toObject();
        const QJsonArray sessionNets = session.value("adaptation").toObject().value("networks").toArray();
        const QJsonArray usualNets = record.value("networks").toArray();
        QCOMPARE(usualNets.size(), 3);
        // A busy machine (the suite runs two tests at once on two cores) can spread the reference's
        // two rounds beside a network over their median when the networks are first measured;
        // then both runs, reusing those times, take the networks' raw times (saying so) and no
        // speed applies. Otherwise the usual speed below.
        const QString rawTimes = "the networks' raw times are used";
        QCOMPARE(sessionErr.contains(rawTimes.toUtf8()), err.contains(rawTimes.toUtf8()));
        if (err.contains(rawTimes.toUtf8())) {
            QVERIFY2(!record.contains("earlier_measurements") && !record.value("times_from").toString().contains("usual"),
                     qPrintable(record.value("times_from").toString()));
            for (int i = 0; i < 3; ++i)
                QCOMPARE(usualNets[i].toObject().value("measured_ms").toDouble(),
                         sessionNets[i].toObject().value("measured_ms").toDouble());
            qWarning("adaptMeasures: the reference was unsteady beside the stored networks; the usual speed went unchecked: %s",
                     err.constData());
        } else {
            QVERIFY2(record.value("earlier_measurements").toInt() == 9, err.constData());
            QVERIFY2(record.value("times_from").toString().contains("taken at the device's usual speed"),
                     qPrintable(record.value("times_from").toString()));
            QVERIFY(!session.value("adaptation").toObject().value("times_from").toString().contains("usual"));
            const double usualMs = usual.value("reference_ms").toDouble(), sessionMs = session.value("reference_ms").toDouble();
            QCOMPARE(usualMs, record.value("earlier_reference_ms").toDouble());
            {  // all nine from one sitting: one session, whose median is the usual time
                auto store = km::MeasurementStore::open((m_home.path() + "/data/kernelmeter/kernelmeter.db").toStdString());
                QVERIFY(store.ok());
                const std::vector<km::StoredMeasurement> rows = store.value()->forDevice("opencv-t2").value();
                QCOMPARE(rows.size(), size_t(9));
                std::vector<double> times;
                for (const km::StoredMeasurement& m : rows) times.push_back(m.reference.referenceMs);
                std::sort(times.begin(), times.end());
                QVERIFY2(std::abs(usualMs / times[4] - 1) < 1e-12, qPrintable(QString::number(usualMs)));
            }
            QVERIFY(sessionMs > 0);
            for (int i = 0; i < 3; ++i) {  // every network's time scaled from one speed to the other
                const double ratio =
                    usualNets[i].toObject().value("measured_ms").toDouble() / sessionNets[i].toObject().value("measured_ms").toDouble();
                QVERIFY2(std::abs(ratio / (usualMs / sessionMs) - 1) < 1e-9, qPrintable(QString::number(ratio)));
            }
        }
        // Across runtimes, the device whose shipped predictor knows the target's kernels is named at
        // once, in the one warning about the runtimes.
        QCOMPARE(run(QStringList{"adapt", "--device", "xnnpack-t1", "--from", "opencv-t1", "--rounds", "2", "--instances", "1", "--quiet",
                                 "--kernels-per-group", "0", "--models"} +
                         models,
                     &out, &err),
                 0);
        QVERIFY2(err.startsWith("kernelmeter-cli: warning: xnnpack-t1 runs xnnpack, opencv-t1 opencv-dnn: adapted across runtimes, a "
                                "predictor is much less accurate; xnnpack-t1 has a predictor of xnnpack, and `kernelmeter-cli adapt "
                                "--device xnnpack-t1 --from xnnpack-t1`"),
                 err.constData());
        QVERIFY2(err.count("across runtimes") == 1, err.constData());  // said once, not again after the run
        // The networks and kernels adapt generated were there only to be measured: none is left.
        int leftOnDisk = 0;
        for (QDirIterator it(m_home.filePath("cache"), {"*.onnx"}, QDir::Files, QDirIterator::Subdirectories); it.hasNext(); it.next())
            ++leftOnDisk;
        QCOMPARE(leftOnDisk, 0);
        // Evaluate makes adapt's networks again, from the default pool or the one at 96 pixels,
        // checked by hash.
        QCOMPARE(run(QStringList{"evaluate", "--device", "opencv-t2", "--json", "--models"} + models, &out, &err), 0);
        const QJsonObject e = QJsonDocument::fromJson(out).object();
        QCOMPARE(e.value("fitted_on").toInt(), 3);
        QCOMPARE(e.value("held_out").toObject().value("adapted").toObject().value("overall").toObject().value("models").toInt(), 3);
        QCOMPARE(run(QStringList{"evaluate", "--device", "opencv-t2", "--predictor", at96, "--json", "--models"} + models, &out, &err), 0);
        QCOMPARE(QJsonDocument::fromJson(out).object().value("fitted_on").toInt(), 3);
        // So a dataset measured on the device scores an adapted predictor too, none of its models
        // being adapt's.
        QCOMPARE(run({"dataset", "build", "--device", "opencv-t2", "--name", "few", "--family", "squeezenet", "mobilenetv2", "--per-family",
                      "1", "--max-resolution", "128", "--rounds", "2", "--instances", "1", "--quiet"},
                     &out, &err),
                 0);
        QCOMPARE(run({"evaluate", "--device", "opencv-t2", "--dataset", "few", "--json"}, &out, &err), 0);
        const QJsonObject d = QJsonDocument::fromJson(out).object();
        QCOMPARE(d.value("fitted_on").toInt(), 3);
        QCOMPARE(d.value("models").toArray().size(), 2);
        QCOMPARE(d.value("held_out").toObject().value("adapted").toObject().value("overall").toObject().value("models").toInt(), 2);
        // A predictor adapted on another machine, scored on models measured here: said, in the
        // JSON's warnings too.
        QJsonObject elsewhere = readJson(at96);
        elsewhere["cpu_model"] = "Another CPU (test)";
        const QString elsewhereFile = write("elsewhere.json", QJsonDocument(elsewhere).toJson());
        QCOMPARE(run({"evaluate", "--device", "opencv-t2", "--predictor", elsewhereFile, "--dataset", "few", "--json"}, &out, &err), 0);
        const QString otherCpu = "2 of the 2 scored models were measured on ";
        QVERIFY2(err.contains(otherCpu.toUtf8()) && err.contains("not on Another CPU (test)"), err.constData());
        const QJsonArray warnings = QJsonDocument::fromJson(out).object().value("warnings").toArray();
        QVERIFY2(std::any_of(warnings.begin(), warnings.end(), [&](const QJsonValue& w) { return w.toString().startsWith(otherCpu); }),
                 out.constData());
        QCOMPARE(run({"evaluate", "--device", "opencv-t2", "--predictor", at96, "--dataset", "few"}, &out, &err), 0);
        QVERIFY2(!err.contains(otherCpu.toUtf8()), err.constData());
        // Adapted on files the dataset lacks: they cannot be made again; named, and exit 2.
        QCOMPARE(run({"evaluate", "--device", "opencv-t2", "--predictor", onFiles, "--dataset", "few"}, &out, &err), 2);
        QVERIFY2(err.contains("3 of the adaptation's networks (the first: nb201-") && err.contains("give them with --models") &&
                     err.contains("only 0 of the adaptation's 3 networks"),
                 err.constData());
    }

    void stoppedAdaptLeavesNothing_data() {
        QTest::addColumn<bool>("readerGone");
        QTest::newRow("cancelled (SIGTERM)") << false;
        QTest::newRow("events' reader gone") << true;
    }
    void stoppedAdaptLeavesNothing() {
        // Cancelled from the desktop application (SIGTERM) while it measures, or left by it (its
        // events unread: closed or crashed): the models it generated go with it, though no
        // destructor runs, and its agent ends too.
        QFETCH(bool, readerGone);
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        const km::test::RunOptions user = km::test::freshUser(m_home.path());
        for (auto it = user.setEnv.begin(); it != user.setEnv.end(); ++it) env.insert(it.key(), it.value());
        for (const QString& name : user.unsetEnv) env.remove(name);
        p.setProcessEnvironment(env);
        // The events go through a FIFO this test reads and then closes (QProcess keeps its own
        // pipe open until the process ends). Opened here first, without waiting for a writer, so
        // that the process's open for writing does not wait either.
        int events = -1;
        if (readerGone) {
            const QByteArray fifo = m_home.filePath("events.fifo").toLocal8Bit();
            QVERIFY(mkfifo(fifo.constData(), 0600) == 0);
            events = ::open(fifo.constData(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
            QVERIFY(events >= 0);
            p.setStandardOutputFile(QString::fromLocal8Bit(fifo));
        }
        p.start(km::test::cliPath(), {"adapt", "--device", "opencv-t1", "--from", "opencv-t1", "--networks", "3", "--rounds", "2",
                                      "--instances", "1", "--kernels-per-group", "2", readerGone ? "--events" : "--quiet"});
        QVERIFY(p.waitForStarted(60000));
        const QString cache = m_home.filePath("cache");  // the default --cache is below it
        auto inRunFolders = [&](const QStringList& filters, QDir::Filters kind) {
            QStringList found;
            for (QDirIterator it(cache, filters, kind, QDirIterator::Subdirectories); it.hasNext();) {
                const QString path = it.next();
                if (path.contains("/run-")) found << path;
            }
            return found;
        };
        bool measuring = false;  // models on disk and an agent running
        QList<qint64> agents;
        for (int i = 0; i < 12000 && !measuring && p.state() == QProcess::Running; ++i) {  // 10 min only to fail
            agents = km::test::childProcesses(p.processId());
            measuring = !agents.isEmpty() && !inRunFolders({"*.onnx"}, QDir::Files).isEmpty();
            if (!measuring) p.waitForFinished(50);
        }
        QVERIFY2(measuring, p.readAllStandardError().constData());
        if (readerGone) {
            char first[64] = {};
            QVERIFY(::read(events, first, sizeof first - 1) > 0);
            QVERIFY2(QByteArray(first).startsWith("{\"schema\":\"kernelmeter.events/1\",\"event\":\"start\""), first);
            ::close(events);
        } else {
            p.terminate();
        }
        QVERIFY(p.waitForFinished(600000));             // the next progress event finds no reader
        QCOMPARE(p.exitStatus(), QProcess::CrashExit);  // ended by SIGTERM, as a cancel is
        QCOMPARE(inRunFolders({"run-*"}, QDir::Dirs | QDir::NoDotAndDotDot), QStringList());
        for (qint64 agent : agents) {
            bool ended = false;
            for (int i = 0; i < 600 && !ended; ++i) {  // 60 s only to fail
                ended = !km::test::processRunning(agent);
                if (!ended) QTest::qWait(100);
            }
            QVERIFY2(ended, qPrintable(QString("agent %1 still running after its client was stopped").arg(agent)));
        }
    }

    void badInput() {
        QByteArray err;
        // A source without a predictor, named.
        QCOMPARE(run({"device", "add", "bare-cv", "--runtime", "opencv-dnn", "--threads", "1"}), 0);
        QCOMPARE(run({"adapt", "--device", "lab-phone", "--from", "bare-cv", "--dataset", "lab", "--quiet"}, nullptr, &err), 2);
        QVERIFY2(err.contains("bare-cv") && err.contains("no predictor") && err.count('\n') == 1, err.constData());
        // A source predictor file of a device of other threads or another runtime than --from's
        // (adaptMeasures wrote opencv-t2's): refused, naming whose it is.
        QCOMPARE(run({"adapt", "--device", "lab-phone", "--from", "opencv-t1", "--source-predictor", m_home.filePath("at96.json"),
                      "--dataset", "lab", "--quiet"},
                     nullptr, &err),
                 2);
        QVERIFY2(err.contains("it is opencv-t2's predictor (opencv-dnn), and --from opencv-t1 runs opencv-dnn at 1 thread") &&
                     err.count('\n') == 1,
                 err.constData());
        QCOMPARE(run({"adapt", "--device", "lab-phone", "--from", "xnnpack-t1", "--source-predictor", m_home.filePath("at96.json"),
                      "--dataset", "lab", "--quiet"},
                     nullptr, &err),
                 2);
        QVERIFY2(err.contains("--from xnnpack-t1 runs xnnpack") && err.count('\n') == 1, err.constData());
        // An unknown source or target: the option it was given to, named.
        QCOMPARE(run({"adapt", "--device", "lab-phone", "--from", "nope-src", "--dataset", "lab", "--quiet"}, nullptr, &err), 2);
        QVERIFY2(err.contains("--from 'nope-src': no such device") && err.count('\n') == 1, err.constData());
        QCOMPARE(run({"adapt", "--device", "nope-dst", "--from", "opencv-t1", "--dataset", "lab", "--quiet"}, nullptr, &err), 2);
        QVERIFY2(err.contains("--device 'nope-dst': no such device") && err.count('\n') == 1, err.constData());
        // A target with fewer than 3 usable networks: how many there were, and why not more.
        QCOMPARE(run({"adapt", "--device", "lab-phone", "--from", "opencv-t1", "--dataset", "long", "--quiet"}, nullptr, &err), 2);
        QVERIFY2(err.contains("at least 3") && err.contains("dataset 'long' has 1 model timed on it") && err.count('\n') == 1,
                 err.constData());
        QCOMPARE(run({"adapt", "--device", "lab-phone", "--from", "opencv-t1", "--dataset", "nosuch", "--quiet"}, nullptr, &err), 2);
        QVERIFY2(err.contains("no dataset named 'nosuch'") && err.count('\n') == 1, err.constData());
        QVERIFY2(err.contains("'lab', 'long'") && err.contains("its datasets: 'zoo'"), err.constData());  // what there is instead
        QCOMPARE(run({"adapt", "--device", "opencv-t1", "--from", "opencv-t1", "--models", m_home.filePath("gone1.onnx"),
                      write("junk.onnx", "junk"), m_home.filePath("gone2.onnx"), "--quiet"},
                     nullptr, &err),
                 2);
        for (const char* what : {"0 of 3 have one", "gone1.onnx", "junk.onnx", "gone2.onnx"})
            QVERIFY2(err.contains(what) && err.count('\n') == 1, err.constData());
        // Measuring on a table-only device is refused.
        QCOMPARE(run({"adapt", "--device", "lab-phone", "--from", "opencv-t1", "--quiet"}, nullptr, &err), 2);
        QVERIFY2(err.contains("lab-phone"), err.constData());
        // An input size no family is generated at, or beside the user's own networks.
        QCOMPARE(run({"adapt", "--device", "opencv-t1", "--from", "opencv-t1", "--input-size", "100", "--quiet"}, nullptr, &err), 2);
        QVERIFY2(err.contains("--input-size") && err.contains("100"), err.constData());
        QCOMPARE(run({"adapt", "--device", "opencv-t1", "--from", "opencv-t1", "--input-size", "224", "--models", "a.onnx", "b.onnx",
                      "c.onnx", "--quiet"},
                     nullptr, &err),
                 2);
        QVERIFY2(err.contains("--input-size") && err.contains("--models"), err.constData());
        // One kernel per group cannot be fitted (scale and cost): refused before anything runs.
        QCOMPARE(run({"adapt", "--device", "opencv-t1", "--from", "opencv-t1", "--kernels-per-group", "1", "--quiet"}, nullptr, &err), 2);
        QVERIFY2(err.contains("--kernels-per-group") && err.contains("at least 2") && err.count('\n') == 1, err.constData());
    }
};

QTEST_GUILESS_MAIN(TestCliAdapt)
#include "test_cli_adapt.moc"

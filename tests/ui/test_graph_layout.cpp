// SPDX-License-Identifier: GPL-3.0-or-later
// Graph layout through Graphviz's dot program in a child process: a real model is laid out by dot
// and by the layered fallback (every node placed, edges drawn downwards), a densely connected one
// keeps its long edges in lanes beside its nodes, and every way dot can fail ends in the layered
// layout with a note saying why: not installed, crashed, past its deadline, or no longer wanted
// (cancelled), in which case the process is gone when layoutGraph returns. In the window, a dense
// 1,000-node graph never blocks the UI thread, and opening another model kills the dot still laying
// it out.
#include <QtTest>

#include <QTemporaryDir>

#include <sys/types.h>
#include <unistd.h>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <set>

#include "onnx/onnx_builder.h"
#include "test_support.h"
#include "ui/graphview/graph_layout.h"
#include "ui/pages/main_window.h"

using namespace km;
using namespace km::ui;

namespace {

Graph load(const QString& file) { return loadModelFile(file.toStdString()).value(); }

bool processGone(qint64 pid) { return pid > 0 && ::kill(pid_t(pid), 0) != 0 && errno == ESRCH; }

// Children of this process named `dot`, from /proc.
QList<qint64> dotChildren() {
    QList<qint64> out;
    for (const QString& entry : QDir("/proc").entryList(QDir::Dirs)) {
        bool isPid = false;
        const qint64 pid = entry.toLongLong(&isPid);
        if (!isPid) continue;
        QFile stat("/proc/" + entry + "/stat");
        if (!stat.open(QIODevice::ReadOnly)) continue;
        const QByteArray s = stat.readAll();
        const int open = s.indexOf('('), close = s.lastIndexOf(')');
        if (open < 0 || close < 0) continue;
        const QList<QByteArray> rest = s.mid(close + 2).split(' ');
        if (s.mid(open + 1, close - open - 1) == "dot" && rest.size() > 1 && rest[1].toLongLong() == qint64(::getpid())) out << pid;
    }
    return out;
}

}  // namespace

class TestGraphLayout : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY2(!QStandardPaths::findExecutable("dot").isEmpty(), "Graphviz's dot is not installed (install-deps.sh installs it)");
    }

    // Both layouts on a real network: every node placed, producers above consumers, no overlap;
    // above the node limit the fast layout is used and says why.
    void layoutsPlaceEveryNodeTopDown() {
        const Graph g = load(test::fixture("real/mobilenet_v3_small.onnx"));
        for (bool fallback : {false, true}) {
            LayoutOptions o;
            o.forceFallback = fallback;
            const GraphLayout l = layoutGraph(g, o);
            QVERIFY2(l.fallback == fallback, qPrintable(l.note));
            QCOMPARE(l.nodes.size(), g.nodes().size());
            QVERIFY(!l.edges.empty());
            for (const QRectF& r : l.nodes) QVERIFY(l.bounds.adjusted(-1, -1, 1, 1).contains(r));
            for (const LayoutEdge& e : l.edges) {  // drawn, producers above consumers
                QVERIFY(!e.path.isEmpty());
                QVERIFY2(l.nodes[size_t(e.from)].center().y() < l.nodes[size_t(e.to)].center().y(), qPrintable(e.tensor));
            }
            for (size_t i = 0; i < l.nodes.size(); ++i)
                for (size_t j = i + 1; j < l.nodes.size(); ++j)
                    QVERIFY2(!l.nodes[i].intersects(l.nodes[j]), qPrintable(QString("nodes %1 and %2 overlap").arg(i).arg(j)));
        }
        // Above the node limit, the fast layout is used and says why.
        LayoutOptions small;
        small.maxDotNodes = 10;
        const GraphLayout l = layoutGraph(g, small);
        QVERIFY(l.fallback);
        QVERIFY(l.note.contains("nodes"));
    }

    // DenseNet's pattern: each layer concatenates the outputs of every layer before it. Edges that
    // skip many layers go down lanes right of the nodes they pass (given to dot, they spread the
    // nodes sideways over metres), so the drawing stays a few nodes wide, in both layouts.
    void longEdgesRunBesideTheNodes() {
        OnnxBuilder b("densely_connected", 3);
        std::vector<std::string> features{b.input("x", {1, 8, 8, 8})};
        for (int i = 0; i < 16; ++i) {
            const std::string p = "l" + std::to_string(i);
            std::string y = features.size() > 1 ? b.concat(features, p + "cat") : features.front();
            y = b.conv(b.relu(b.batchNorm(y, p + "bn"), p + "r1"), 16, 1, 1, 1, p + "c1");
            features.push_back(b.conv(b.relu(y, p + "r2"), 4, 3, 1, 1, p + "c3"));
        }
        const std::string bytes = b.finish({b.concat(features, "out")}).value();
        const Graph g = loadOnnxBytes(bytes.data(), bytes.size(), "densely_connected", "").value();
        for (bool fallback : {false, true}) {
            LayoutOptions o;
            o.forceFallback = fallback;
            const GraphLayout l = layoutGraph(g, o);
            QVERIFY2(l.fallback == fallback, qPrintable(l.note));
            double widest = 0;
            for (const QRectF& r : l.nodes) widest = std::max(widest, r.width());
            int lanes = 0;
            std::set<std::pair<int, int>> drawn;
            for (const LayoutEdge& e : l.edges) {
                drawn.insert({e.from, e.to});
                const QRectF &from = l.nodes[size_t(e.from)], &to = l.nodes[size_t(e.to)];
                QVERIFY2(from.center().y() < to.center().y(), qPrintable(e.tensor));
                const QRectF path = e.path.boundingRect(), within = l.bounds.adjusted(-1, -1, 1, 1);
                QVERIFY2(within.contains(path.topLeft()) && within.contains(path.bottomRight()), qPrintable(e.tensor));
                if (path.right() <= std::max(from.right(), to.right()) + 1) continue;
                ++lanes;  // a lane: wherever it runs between its ends, it is right of every node
                for (int k = 10; k <= 90; ++k) {
                    const QPointF at = e.path.pointAtPercent(k / 100.0);
                    for (const QRectF& r : l.nodes)
                        if (r.top() < at.y() && at.y() < r.bottom() && r.top() > from.bottom() && r.bottom() < to.top())
                            QVERIFY2(at.x() > r.right(), qPrintable(QString("%1 crosses a node").arg(e.tensor)));
                }
            }
            QCOMPARE(drawn.size(), l.edges.size());
            // The nodes stay within a few node widths; the lanes add at most about 130 points.
            QVERIFY2(l.bounds.width() < 3 * widest + 140, qPrintable(QString("%1 wide, nodes %2").arg(l.bounds.width()).arg(widest)));
            QVERIFY2(lanes >= 90, qPrintable(QString::number(lanes)));  // 105 of the 215 edges
        }
    }

    // A `dot` that is missing, crashes, or prints something else than dot's plain format.
    void brokenDotFallsBack_data() {
        QTest::addColumn<QByteArray>("script");  // empty: no program at all
        QTest::addColumn<QString>("note");
        QTest::newRow("missing") << QByteArray() << "could not be started";
        QTest::newRow("crashing") << QByteArray("#!/bin/sh\nkill -SEGV $$\n") << "crashed";
        QTest::newRow("garbage") << QByteArray("#!/bin/sh\ncat >/dev/null\necho 'graph 1 2 3'\necho 'node zz 1 1 1 1'\n")
                                 << "could not be read";
    }
    void brokenDotFallsBack() {
        QFETCH(QByteArray, script);
        QFETCH(QString, note);
        const Graph g = load(test::fixture("small/conv_block.onnx"));
        QTemporaryDir dir;
        LayoutOptions o;
        o.dotProgram = dir.filePath("dot");
        if (!script.isEmpty()) QVERIFY(test::writeScript(o.dotProgram, script));
        const GraphLayout l = layoutGraph(g, o);
        QVERIFY(l.fallback);
        QVERIFY2(l.note.contains(note), qPrintable(l.note));
        QCOMPARE(l.nodes.size(), g.nodes().size());
    }

    // A deadline of 0 stops dot before it can answer (whatever the machine's speed).
    void deadlineStopsDot() {
        const Graph g = load(test::fixture("real/resnet18.onnx"));
        LayoutOptions o;
        o.dotDeadlineMs = 0;
        qint64 pid = 0;
        o.onDotStarted = [&](qint64 p) { pid = p; };
        const GraphLayout l = layoutGraph(g, o);
        QVERIFY(l.fallback);
        QVERIFY2(l.note.contains("longer than"), qPrintable(l.note));
        QVERIFY(processGone(pid));
    }

    // Cancelled once dot has started: the process is killed and reaped before layoutGraph returns.
    void cancelKillsDot() {
        const Graph g =
            loadOnnxBytes(test::denseOnnxModel(1000).constData(), size_t(test::denseOnnxModel(1000).size()), "dense", "").value();
        QCOMPARE(g.nodes().size(), size_t(1000));
        std::atomic<qint64> pid{0};
        LayoutOptions o;
        o.onDotStarted = [&](qint64 p) { pid = p; };
        o.cancelled = [&] { return pid.load() != 0; };
        const GraphLayout l = layoutGraph(g, o);
        QVERIFY(l.fallback);
        QCOMPARE(l.note, QString("layout cancelled"));
        QVERIFY(processGone(pid.load()));
    }

    // The window: a dense graph's dot runs off the UI thread (timers keep firing, the fast layered
    // layout is shown meanwhile), and opening another model kills it.
    void denseGraphNeverBlocksAndAnotherModelKillsDot() {
        QTemporaryDir dir;
        const QString dense = dir.filePath("dense.onnx");
        QFile f(dense);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(test::denseOnnxModel(1000));
        f.close();
        MainWindow w;
        w.setDevices({"opencv-t1"});
        int ticks = 0;
        QTimer ticker;
        connect(&ticker, &QTimer::timeout, this, [&] { ++ticks; });
        ticker.start(10);
        w.openFile(dense);
        // Wait (by events, not by a fixed time) until dot runs for this graph.
        QVERIFY(QTest::qWaitFor([] { return !dotChildren().isEmpty(); }, 120000));
        const QList<qint64> running = dotChildren();
        const int ticksBefore = ticks;
        QTest::qWait(200);
        QVERIFY2(ticks > ticksBefore, "the UI thread did not turn while dot ran");
        w.openFile(test::fixture("small/conv_block.onnx"));
        w.waitForLoad();
        QVERIFY(w.analysis());
        QCOMPARE(QString::fromStdString(w.analysis()->file), test::fixture("small/conv_block.onnx"));
        for (qint64 pid : running) QVERIFY2(QTest::qWaitFor([pid] { return processGone(pid); }, 30000), "dot still runs");
        QVERIFY(dotChildren().isEmpty());
    }
};

QTEST_MAIN(TestGraphLayout)
#include "test_graph_layout.moc"

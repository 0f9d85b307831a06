// SPDX-License-Identifier: Apache-2.0
// The dependency rules of docs/architecture.md, checked on the source tree: core includes no Qt;
// protobuf/onnx headers only in core/onnx; sqlite only in core/store; runtime headers only in their
// own core/backends file; qcustomplot only in ui/plots and ui/report; nothing links graphviz; the
// CLI and agent include nothing from ui/; the CLI reaches the engine through workflows and value
// types only; core's layers, backends/ and store/ include downwards only; ui's folders likewise.
#include <QtTest>

#include <QDirIterator>
#include <QRegularExpression>

namespace {

struct Include {
    QString file;  // relative to the source root
    QString header;
    bool angle = false;  // <...>: a library header; "...": one of ours
};

QList<Include> includesUnder(const QString& folder) {
    QList<Include> result;
    const QString root = QStringLiteral(KM_SOURCE_DIR);
    QDirIterator it(root + "/" + folder, {"*.h", "*.cpp", "*.hpp", "*.in"}, QDir::Files, QDirIterator::Subdirectories);
    // Built from pieces so that moc's own include scanner does not read this line as an include.
    static const QRegularExpression re(QStringLiteral("^\\s*#\\s*") + "incl" + QStringLiteral("ude\\s*([<\"])([^>\"]+)[>\"]"));
    while (it.hasNext()) {
        const QString path = it.next();
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) continue;
        const QString rel = path.mid(root.size() + 1);
        for (const QByteArray& line : f.readAll().split('\n')) {
            auto m = re.match(QString::fromUtf8(line));
            if (m.hasMatch()) result.append({rel, m.captured(2), m.captured(1) == "<"});
        }
    }
    return result;
}

bool isQtHeader(const QString& h) { return QRegularExpression(R"(^Q[A-Za-z]+$|^Qt[A-Za-z]*/|^Q[A-Z][A-Za-z]*\.h$)").match(h).hasMatch(); }

}  // namespace

class TestDependencyRules : public QObject {
    Q_OBJECT
private slots:
    void scannerFindsIncludes() {
        // Guard against a scanner that silently reads nothing.
        const auto inc = includesUnder("core");
        QVERIFY(inc.size() > 50);
        QVERIFY(std::any_of(inc.begin(), inc.end(), [](const Include& i) { return i.header == "onnx/onnx_pb.h"; }));
        QVERIFY(isQtHeader("QObject") && isQtHeader("QtCore/QString") && !isQtHeader("onnx/onnx_pb.h"));
    }

    void coreIncludesNoQt() {
        for (const auto& i : includesUnder("core")) QVERIFY2(!isQtHeader(i.header), qPrintable(i.file + " includes " + i.header));
    }

    void librariesStayInTheirFolder() {
        struct Rule {
            QRegularExpression header;
            QString allowedPrefix;
        };
        const QList<Rule> rules = {
            {QRegularExpression("^(onnx/|google/protobuf/)"), "core/onnx/"},
            {QRegularExpression("^sqlite3\\.h$|^SQLiteCpp/"), "core/store/"},
            {QRegularExpression("^opencv2/"), "core/backends/opencv"},
            {QRegularExpression("^xnnpack\\.h$|^pthreadpool\\.h$"), "core/backends/xnnpack"},
            {QRegularExpression("^xgboost/"), "core/predict/"},
            {QRegularExpression("^qcustomplot\\.h$"), "ui/plots/|ui/report/"},
            {QRegularExpression("^graphviz/|^gvc\\.h$|^cgraph\\.h$"), "nowhere/"},  // dot runs as a program
        };
        QList<Include> all;
        for (const char* folder : {"core", "ui", "app"}) all += includesUnder(folder);
        for (const auto& i : all)
            for (const auto& r : rules)
                if (i.angle && r.header.match(i.header).hasMatch()) {
                    bool ok = false;
                    for (const QString& prefix : r.allowedPrefix.split('|')) ok = ok || i.file.startsWith(prefix);
                    QVERIFY2(ok, qPrintable(i.file + " includes " + i.header + "; only " + r.allowedPrefix + " may"));
                }
    }

    void cliAndAgentDoNotReachIntoUi() {
        for (const char* folder : {"app/cli", "app/agent"})
            for (const auto& i : includesUnder(folder)) {
                QVERIFY2(!i.header.startsWith("ui/") && !isQtHeader(i.header), qPrintable(i.file + " includes " + i.header));
            }
    }

    // What the CLI may include of ours: its own headers, common/, workflows/, and the public value
    // types and leaves it hands to workflows (a device, a rule set, a graph, the store it opens, the
    // zoo it writes). Nothing of onnx/, fusion's partition, sampling/ or predict/: the pipeline's
    // parts are chained in workflows only.
    void cliCallsWorkflowsAndValueTypesOnly() {
        const QStringList folders = {"cli/", "common/", "workflows/"};
        const QStringList valueTypes = {"backends/device.h", "fusion/rule_set.h", "graph/graph.h", "store/measurement_store.h",
                                        "zoo/zoo.h"};
        const auto includes = includesUnder("app/cli");
        QVERIFY(includes.size() > 10);
        for (const auto& i : includes) {
            if (i.angle) continue;
            const bool ok = valueTypes.contains(i.header) ||
                            std::any_of(folders.begin(), folders.end(), [&](const QString& f) { return i.header.startsWith(f); });
            QVERIFY2(ok, qPrintable(i.file + " includes " + i.header + "; the CLI calls workflows and value types only"));
        }
    }

    void lowerLayersDoNotIncludeUpperOnes() {
        // graph <- onnx <- zoo <- fusion <- sampling <- predict; backends (the runtimes read models)
        // and store (which stores device descriptions) are leaves that only workflows use; nothing in core includes workflows except
        // workflows itself.
        const QStringList order = {"common", "graph", "onnx", "zoo", "fusion", "sampling", "predict"};
        const QMap<QString, QStringList> leaves = {{"backends", {"common", "graph", "onnx", "backends"}},
                                                   {"store", {"common", "backends", "store"}}};
        for (const auto& i : includesUnder("core")) {
            if (i.angle) continue;
            const QString from = i.file.section('/', 1, 1);
            const QString to = i.header.section('/', 0, 0);
            const int fromRank = order.indexOf(from), toRank = order.indexOf(to);
            if (fromRank >= 0 && toRank >= 0)
                QVERIFY2(toRank <= fromRank, qPrintable(i.file + " (layer " + from + ") includes " + i.header));
            if (leaves.contains(from) && (toRank >= 0 || leaves.contains(to) || to == "workflows"))
                QVERIFY2(leaves[from].contains(to), qPrintable(i.file + " (leaf " + from + ") includes " + i.header));
            if (leaves.contains(to) && from != to)
                QVERIFY2(from == "workflows" || leaves[from].contains(to),
                         qPrintable(i.file + " includes the leaf " + i.header + "; only workflows may"));
            if (to == "workflows") QVERIFY2(from == "workflows", qPrintable(i.file + " includes " + i.header));
        }
    }

    // ui/: style <- models <- plots, graphview, jobs <- report <- pages. The report is drawn by a
    // command-line run too, so it must not need a page.
    void uiFoldersIncludeDownwards() {
        const QMap<QString, int> rank = {{"style", 0}, {"models", 1}, {"plots", 2}, {"graphview", 2},
                                         {"jobs", 2},  {"report", 3}, {"pages", 4}};
        const auto includes = includesUnder("ui");
        QVERIFY(includes.size() > 20);
        for (const auto& i : includes) {
            if (i.angle || !i.header.startsWith("ui/")) continue;
            const QString from = i.file.section('/', 1, 1), to = i.header.section('/', 1, 1);
            QVERIFY2(rank.contains(from) && rank.contains(to),
                     qPrintable(i.file + " includes " + i.header + ": a ui folder without a rank"));
            QVERIFY2(from == to || rank[to] < rank[from], qPrintable(i.file + " (ui/" + from + ") includes " + i.header));
        }
    }
};

QTEST_GUILESS_MAIN(TestDependencyRules)
#include "test_dependency_rules.moc"

// The dependency rules of docs/architecture.md, checked on the source tree: core includes no Qt;
// protobuf/onnx headers only in core/onnx; sqlite only in core/store; runtime headers only in their
// own core/backends file; qcustomplot only in ui/plots and ui/report; graphviz only in ui/graphview;
// the CLI and agent include nothing from ui/.
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

bool isQtHeader(const QString& h) {
    return QRegularExpression(R"(^Q[A-Za-z]+$|^Qt[A-Za-z]*/|^Q[A-Z][A-Za-z]*\.h$)").match(h).hasMatch();
}

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
        for (const auto& i : includesUnder("core"))
            QVERIFY2(!isQtHeader(i.header), qPrintable(i.file + " includes " + i.header));
    }

    void librariesStayInTheirFolder() {
        struct Rule { QRegularExpression header; QString allowedPrefix; };
        const QList<Rule> rules = {
            {QRegularExpression("^(onnx/|google/protobuf/)"), "core/onnx/"},
            {QRegularExpression("^sqlite3\\.h$|^SQLiteCpp/"), "core/store/"},
            {QRegularExpression("^opencv2/"), "core/backends/opencv"},
            {QRegularExpression("^xnnpack\\.h$|^pthreadpool\\.h$"), "core/backends/xnnpack"},
            {QRegularExpression("^xgboost/"), "core/predict/"},
            {QRegularExpression("^qcustomplot\\.h$"), "ui/plots/|ui/report/"},
            {QRegularExpression("^graphviz/|^gvc\\.h$|^cgraph\\.h$"), "ui/graphview/"},
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

    void lowerLayersDoNotIncludeUpperOnes() {
        // graph <- onnx <- zoo <- fusion <- sampling <- predict; workflows on top; nothing in core
        // includes workflows except workflows itself.
        const QStringList order = {"common", "graph", "onnx", "zoo", "fusion", "sampling", "predict"};
        for (const auto& i : includesUnder("core")) {
            const QString from = i.file.section('/', 1, 1);
            const QString to = i.header.section('/', 0, 0);
            const int fromRank = order.indexOf(from), toRank = order.indexOf(to);
            if (fromRank >= 0 && toRank >= 0)
                QVERIFY2(toRank <= fromRank, qPrintable(i.file + " (layer " + from + ") includes " + i.header));
            if (to == "workflows") QVERIFY2(from == "workflows", qPrintable(i.file + " includes " + i.header));
        }
    }
};

QTEST_GUILESS_MAIN(TestDependencyRules)
#include "test_dependency_rules.moc"

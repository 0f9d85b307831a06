// SPDX-License-Identifier: Apache-2.0
#include "test_support.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>

#include <random>

#include "onnx/onnx_builder.h"
#include "workflows/reference_workload.h"

namespace km::test {

QString fixture(const QString& relative) { return QStringLiteral(KM_FIXTURES_DIR "/") + relative; }
QString sourcePath(const QString& relative) { return QStringLiteral(KM_SOURCE_DIR "/") + relative; }
QString cliPath() { return QStringLiteral(KM_CLI_PATH); }
QString agentPath() { return QStringLiteral(KM_AGENT_PATH); }

ProgramRun runProgram(const QString& program, const QStringList& args, const RunOptions& options) {
    QProcess p;
    if (!options.workDir.isEmpty()) p.setWorkingDirectory(options.workDir);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (auto it = options.setEnv.begin(); it != options.setEnv.end(); ++it) env.insert(it.key(), it.value());
    for (const QString& name : options.unsetEnv) env.remove(name);
    p.setProcessEnvironment(env);
    p.start(program, args);
    ProgramRun r;
    if (!p.waitForStarted(60000)) {
        r.err = ("could not start " + program + ": " + p.errorString()).toUtf8();
        return r;
    }
    if (!options.input.isEmpty()) p.write(options.input);
    p.closeWriteChannel();
    if (!p.waitForFinished(options.timeoutMs)) {
        p.kill();
        p.waitForFinished(10000);
        r.timedOut = true;
    }
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    if (!r.timedOut && p.exitStatus() == QProcess::NormalExit) r.exitCode = p.exitCode();
    return r;
}

ProgramRun runCli(const QStringList& args, const RunOptions& options) { return runProgram(cliPath(), args, options); }

namespace {
// The state letter and the parent of a process, from /proc/<pid>/stat ("pid (name) S ppid ...").
std::pair<QByteArray, qint64> stateAndParent(const QString& pid) {
    QFile stat("/proc/" + pid + "/stat");
    if (!stat.open(QIODevice::ReadOnly)) return {};
    const QByteArray line = stat.readAll();
    const qsizetype close = line.lastIndexOf(')');
    if (close < 0) return {};
    const QList<QByteArray> fields = line.mid(close + 2).split(' ');
    return fields.size() < 2 ? std::pair<QByteArray, qint64>{} : std::pair{fields[0], fields[1].toLongLong()};
}
}  // namespace

bool processRunning(qint64 pid) {
    const QByteArray state = stateAndParent(QString::number(pid)).first;
    return !state.isEmpty() && state != "Z";
}

QList<qint64> childProcesses(qint64 pid) {
    QList<qint64> out;
    for (const QString& name : QDir("/proc").entryList(QDir::Dirs | QDir::NoDotAndDotDot))
        if (name.toLongLong() > 0 && stateAndParent(name).second == pid) out << name.toLongLong();
    return out;
}

bool writeScript(const QString& path, const QByteArray& text) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(text) != text.size()) return false;
    f.close();
    return f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
}

RunOptions freshUser(const QString& home, const QString& workDir) {
    RunOptions o;
    o.workDir = workDir;
    o.setEnv = {{"XDG_DATA_HOME", home + "/data"}, {"XDG_CACHE_HOME", home + "/cache"}, {"XDG_CONFIG_HOME", home + "/config"}};
    o.unsetEnv = {"KM_DATA_DIR"};
    return o;
}

QString goldenMismatch(const QByteArray& actual, const QString& golden) {
    const QString path = sourcePath("tests/" + golden);
    if (qEnvironmentVariableIsSet("KM_UPDATE_GOLDEN")) {
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly)) return "cannot write the golden file " + path;
        f.write(actual);
        return {};
    }
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return "missing golden file " + path + " (KM_UPDATE_GOLDEN=1 writes it)";
    if (f.readAll() == actual) {
        QFile::remove(path + ".actual");
        return {};
    }
    QFile a(path + ".actual");
    if (a.open(QIODevice::WriteOnly)) a.write(actual);
    a.close();
    QProcess diff;
    diff.start("diff", {"-u", path, path + ".actual"});
    diff.waitForFinished(60000);
    return "output differs from " + path + " (the actual output is beside it as .actual):\n" +
           QString::fromUtf8(diff.readAllStandardOutput().left(6000));
}

namespace {
QJsonValue canonicalValue(const QJsonValue& v, const QMap<QString, QString>& replace, int digits) {
    switch (v.type()) {
    case QJsonValue::Double: {
        const double x = v.toDouble();
        return x == 0 ? 0.0 : QString::number(x, 'g', digits).toDouble();
    }
    case QJsonValue::String: {
        QString text = v.toString();
        for (auto it = replace.begin(); it != replace.end(); ++it) text.replace(it.key(), it.value());
        return text;
    }
    case QJsonValue::Array: {
        QJsonArray out;
        for (const QJsonValue& e : v.toArray()) out.append(canonicalValue(e, replace, digits));
        return out;
    }
    case QJsonValue::Object: {
        QJsonObject out;  // keeps its keys sorted
        const QJsonObject o = v.toObject();
        for (auto it = o.begin(); it != o.end(); ++it) out.insert(it.key(), canonicalValue(it.value(), replace, digits));
        return out;
    }
    default: return v;
    }
}
}  // namespace

QByteArray canonicalJson(const QByteArray& json, const QMap<QString, QString>& replace, int digits) {
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError) return "not JSON: " + error.errorString().toUtf8() + "\n" + json;
    const QJsonValue v = canonicalValue(doc.isArray() ? QJsonValue(doc.array()) : QJsonValue(doc.object()), replace, digits);
    return v.isArray() ? QJsonDocument(v.toArray()).toJson(QJsonDocument::Indented)
                       : QJsonDocument(v.toObject()).toJson(QJsonDocument::Indented);
}

void GraphBuilder::act(const std::string& name, std::vector<int64_t> dims) {
    m_graph.addTensor({name, {std::move(dims), true}, DType::Float, false, {}});
}

void GraphBuilder::constant(const std::string& name, std::vector<int64_t> dims, std::vector<double> values) {
    m_graph.addTensor({name, {std::move(dims), true}, DType::Float, true, std::move(values)});
}

Node& GraphBuilder::node(const std::string& name, const std::string& op, std::vector<std::string> in, std::vector<std::string> out,
                         const std::string& sourceOp) {
    Node n;
    n.name = name;
    n.opType = op;
    n.sourceOp = sourceOp.empty() ? op : sourceOp;
    n.inputs = std::move(in);
    n.outputs = out.empty() ? std::vector<std::string>{name} : std::move(out);
    n.sourceNodes = {name};
    m_nodes.push_back(std::move(n));
    return m_nodes.back();
}

Graph GraphBuilder::finish(std::vector<std::string> inputs) {
    if (!inputs.empty()) m_graph.inputs = std::move(inputs);
    m_graph.setNodes(std::move(m_nodes));
    m_nodes.clear();
    return std::move(m_graph);
}

QByteArray denseOnnxModel(int nodes, unsigned seed) {
    OnnxBuilder b("dense", seed);
    std::vector<std::string> tensors{b.input("x", {1, 4, 4, 4})};
    std::mt19937 rng(seed);
    for (int i = 0; i < nodes; ++i) {
        // The previous node's output (so every node reaches the output) and a random one of the
        // ten before: edges that skip more layers would be drawn beside the graph, not by dot.
        std::uniform_int_distribution<size_t> pick(tensors.size() > 10 ? tensors.size() - 10 : 0, tensors.size() - 1);
        tensors.push_back(b.add(tensors.back(), tensors[pick(rng)], "a" + std::to_string(i)));
    }
    Result<std::string> bytes = b.finish({tensors.back()});
    return bytes ? QByteArray::fromStdString(bytes.value()) : QByteArray();
}

StoredMeasurement measurementWithReference(const std::string& deviceId, const std::string& hash, double referenceMs, const std::string& cpu,
                                           const std::string& runtimeVersion, const std::string& takenAtUtc) {
    StoredMeasurement m;
    m.modelHash = hash;
    m.modelPath = hash + ".onnx";
    m.deviceId = deviceId;
    m.stats.medianMs = 1;
    m.runtimeVersion = runtimeVersion;
    m.machine.cpuModel = cpu;
    m.referenceId = kReferenceWorkloadId;
    m.reference.median = 1;
    m.reference.referenceMs = referenceMs;
    m.takenAtUtc = takenAtUtc;
    return m;
}

}  // namespace km::test

// SPDX-License-Identifier: Apache-2.0
// Helpers every test may use (tests/CMakeLists.txt links km_test_support into each): running a
// program and capturing what it prints, golden-file comparison, a graph builder, and the paths
// of fixtures, sources and the programs of this build tree.
#pragma once

#include <QByteArray>
#include <QMap>
#include <QString>
#include <QStringList>

#include <string>
#include <vector>

#include "graph/graph.h"
#include "store/measurement_store.h"

namespace km::test {

// Paths: generated fixtures (tests/data/generate_fixtures.py), the source tree, this build's
// programs.
QString fixture(const QString& relative);
QString sourcePath(const QString& relative);
QString cliPath();
QString agentPath();

struct RunOptions {
    QString workDir;                // empty: the current folder
    QMap<QString, QString> setEnv;  // added to (or replacing in) this process's environment
    QStringList unsetEnv;           // removed from it
    QByteArray input;               // written to standard input, which is then closed
    int timeoutMs = 600000;         // a program still running then is killed (a failure, not a bound on work)
};
struct ProgramRun {
    int exitCode = -1;  // -1: crashed, killed, or did not start
    bool timedOut = false;
    QByteArray out, err;
};
ProgramRun runProgram(const QString& program, const QStringList& args, const RunOptions& options = {});
// kernelmeter-cli of this build tree.
ProgramRun runCli(const QStringList& args, const RunOptions& options = {});
// The environment of a user with nothing of their own: XDG data, cache and config folders under
// `home`, no KM_DATA_DIR override (shipped data is found next to the build tree's programs).
RunOptions freshUser(const QString& home, const QString& workDir = {});
// Whether process `pid` is running (a zombie not reaped yet has ended), and the processes whose
// parent it is, from /proc.
bool processRunning(qint64 pid);
QList<qint64> childProcesses(qint64 pid);
// Writes `text` to `path` as an executable file (a stand-in program: a fake agent, CLI or dot).
// False when it cannot be written.
bool writeScript(const QString& path, const QByteArray& text);

// Compares `actual` with the golden file (a path relative to tests/, e.g. "cli/golden/x.txt").
// Equal: "" (and a stale <golden>.actual is removed). Different: <golden>.actual is written and
// the message holds `diff -u`'s first lines. KM_UPDATE_GOLDEN=1 rewrites the golden file instead.
QString goldenMismatch(const QByteArray& actual, const QString& golden);

// JSON made comparable across machines and compilers for golden files: numbers rounded to
// `digits` significant digits, every occurrence of each key of `replace` in strings replaced by its
// value (e.g. the source folder by "<source>"), objects with sorted keys, indented.
QByteArray canonicalJson(const QByteArray& json, const QMap<QString, QString>& replace = {}, int digits = 6);

// Builds Graph values directly: activation tensors with explicit shapes, constants with values.
class GraphBuilder {
public:
    void act(const std::string& name, std::vector<int64_t> dims);
    void constant(const std::string& name, std::vector<int64_t> dims, std::vector<double> values = {});
    // A node named `name` whose outputs are `out` (default: one tensor named like the node; the
    // caller adds the tensors with act()).
    Node& node(const std::string& name, const std::string& op, std::vector<std::string> in, std::vector<std::string> out = {},
               const std::string& sourceOp = "");
    Graph finish(std::vector<std::string> inputs = {});

private:
    Graph m_graph;
    std::vector<Node> m_nodes;
};

// ONNX bytes of a deliberately dense graph: `nodes` Add nodes on a 1x4x4x4 input, each reading the
// previous node's output and one of the ten tensors before it, drawn with a fixed seed (many
// crossings: dot takes seconds over 1,000 nodes).
QByteArray denseOnnxModel(int nodes, unsigned seed = 7);

// A stored measurement of model `hash` on `deviceId` whose reference workload took `referenceMs`
// (ratio 1, median 1 ms), on that CPU and runtime version, taken at `takenAtUtc` (empty: when it
// is stored): the input of the machine-speed checks and of the usual speed.
StoredMeasurement measurementWithReference(const std::string& deviceId, const std::string& hash, double referenceMs, const std::string& cpu,
                                           const std::string& runtimeVersion, const std::string& takenAtUtc = {});

}  // namespace km::test

// Fails the current test with the golden-file message (see goldenMismatch).
#define KM_COMPARE_GOLDEN(actual, golden)                                    \
    do {                                                                     \
        const QString kmWhy_ = km::test::goldenMismatch((actual), (golden)); \
        QVERIFY2(kmWhy_.isEmpty(), qPrintable(kmWhy_));                      \
    } while (false)

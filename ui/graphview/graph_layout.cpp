// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/graphview/graph_layout.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QStandardPaths>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

namespace km::ui {
namespace {

constexpr double kNodeHeight = 26;  // points = scene units
constexpr double kPointsPerInch = 72;

double nodeWidth(const QString& label) { return 18 + 6.6 * label.size(); }

struct EdgeKey {
    int from, to;
    QString tensor;
};

std::vector<EdgeKey> collectEdges(const Graph& graph) {
    std::vector<EdgeKey> edges;
    std::set<std::pair<int, int>> seen;
    for (size_t i = 0; i < graph.nodes().size(); ++i) {
        const NodeLinks& l = graph.links(i);
        for (size_t k = 0; k < l.producers.size(); ++k) {
            const int p = l.producers[k];
            if (p < 0 || (l.inputs[k] && l.inputs[k]->isConstant)) continue;
            if (!seen.insert({p, int(i)}).second) continue;
            edges.push_back({p, int(i), QString::fromStdString(graph.nodes()[i].inputs[k])});
        }
    }
    return edges;
}

QPointF midpoint(const QPainterPath& path) { return path.pointAtPercent(0.5); }

// Longest-path layer of each node over `edges` (nodes are in topological order).
std::vector<int> longestPathLayers(size_t n, const std::vector<EdgeKey>& edges) {
    std::vector<std::vector<int>> producers(n);
    for (const EdgeKey& e : edges) producers[size_t(e.to)].push_back(e.from);
    std::vector<int> layer(n, 0);
    for (size_t i = 0; i < n; ++i)
        for (int p : producers[i]) layer[i] = std::max(layer[i], layer[size_t(p)] + 1);
    return layer;
}

// Edges that skip more than kLongEdgeLayers layers (DenseNet's concatenations of every earlier
// layer's output, a U-Net's skips) are left out of dot and drawn down a lane right of the nodes
// they pass. Given to dot, DenseNet-121's 477 such edges made it spread its 372 nodes over 75
// inches (5,400 points) and take 9 s; without them the drawing is 2 inches wide and takes 0.04 s.
// A residual connection skips 3-7 layers and stays with dot.
constexpr int kLongEdgeLayers = 12;
constexpr double kLaneGap = 14, kMaxLaneSpread = 90;

// Replaces the paths of `longEdges` in `layout` (adding those it lacks) by lanes: out of the
// producer's bottom, to the right of every node and edge label between the two, down, and into
// the consumer's top. An edge spanning others lies outside them (one lane per nesting level).
void routeLongEdges(const Graph& graph, GraphLayout& layout, const std::vector<EdgeKey>& longEdges, const std::vector<int>& layer) {
    if (longEdges.empty()) return;
    std::set<std::pair<int, int>> isLong;
    for (const EdgeKey& e : longEdges) isLong.insert({e.from, e.to});
    std::erase_if(layout.edges, [&](const LayoutEdge& e) { return isLong.count({e.from, e.to}) > 0; });
    // Right end of what is drawn at each height: nodes, and the shape labels of the other edges
    // (6.5 pt digits, about 3.7 points each, 4 points right of the label point).
    std::vector<std::pair<QRectF, double>> drawn;  // vertical extent (as a rect), right end
    for (const QRectF& r : layout.nodes) drawn.emplace_back(r, r.right());
    for (const LayoutEdge& e : layout.edges)
        if (const Tensor* t = graph.tensor(e.tensor.toStdString()))
            drawn.emplace_back(QRectF(e.labelAt.x(), e.labelAt.y() - 6, 1, 8),
                               e.labelAt.x() + 4 + 3.7 * double(t->shape.toString().size()));
    // Nesting level: 1 + the deepest level among the long edges whose layer span lies inside.
    std::vector<size_t> order(longEdges.size());
    std::iota(order.begin(), order.end(), 0);
    auto span = [&](size_t k) { return layer[size_t(longEdges[k].to)] - layer[size_t(longEdges[k].from)]; };
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return span(a) < span(b); });
    std::vector<int> level(longEdges.size(), 0);
    int deepest = 0;
    for (size_t i = 0; i < order.size(); ++i) {
        const EdgeKey& e = longEdges[order[i]];
        int inner = 0;
        for (size_t j = 0; j < i; ++j) {
            const EdgeKey& f = longEdges[order[j]];
            if (layer[size_t(f.from)] >= layer[size_t(e.from)] && layer[size_t(f.to)] <= layer[size_t(e.to)] &&
                span(order[j]) < span(order[i]))
                inner = std::max(inner, level[order[j]]);
        }
        deepest = std::max(deepest, level[order[i]] = inner + 1);
    }
    const double step = std::min(4.0, kMaxLaneSpread / double(deepest));
    std::set<std::pair<int, QString>> labelledTensors;
    for (const LayoutEdge& e : layout.edges) labelledTensors.insert({e.from, e.tensor});
    for (size_t k = 0; k < longEdges.size(); ++k) {
        const EdgeKey& e = longEdges[k];
        const QRectF& a = layout.nodes[size_t(e.from)];
        const QRectF& b = layout.nodes[size_t(e.to)];
        const double top = std::min(a.bottom(), b.top()), bottom = std::max(a.bottom(), b.top());
        double right = std::max(a.right(), b.right());
        for (const auto& [extent, end] : drawn)
            if (extent.bottom() >= top && extent.top() <= bottom) right = std::max(right, end);
        const double lane = right + kLaneGap + step * double(level[k] - 1);
        const double bend = std::min(24.0, (bottom - top) / 3);
        const QPointF from(a.center().x(), a.bottom()), to(b.center().x(), b.top());
        LayoutEdge le{e.from, e.to, e.tensor, {}, {}};
        le.path.moveTo(from);
        le.path.cubicTo(from + QPointF(0, bend), QPointF(lane, from.y()), QPointF(lane, from.y() + bend));
        le.path.lineTo(lane, to.y() - bend);
        le.path.cubicTo(QPointF(lane, to.y()), to - QPointF(0, bend), to);
        // The shape is written once per tensor, beside where the edge leaves its producer, unless
        // a shorter edge of the same tensor has it.
        le.labelAt = from + QPointF(0, 10);
        le.labelled = labelledTensors.insert({e.from, e.tensor}).second;
        layout.bounds = layout.bounds.united(le.path.boundingRect());
        layout.edges.push_back(std::move(le));
    }
}

GraphLayout layeredLayout(const Graph& graph, const std::vector<EdgeKey>& edges, const QString& note) {
    const size_t n = graph.nodes().size();
    GraphLayout out;
    out.fallback = true;
    out.note = note;
    std::vector<std::vector<int>> producers(n);
    for (const EdgeKey& e : edges) producers[size_t(e.to)].push_back(e.from);
    const std::vector<int> layer = longestPathLayers(n, edges);
    const int layers = n ? *std::max_element(layer.begin(), layer.end()) + 1 : 0;
    std::vector<std::vector<int>> byLayer(static_cast<size_t>(layers));
    for (size_t i = 0; i < n; ++i) byLayer[size_t(layer[i])].push_back(int(i));
    std::vector<double> width(n), x(n, 0);
    double widest = 0;
    for (size_t i = 0; i < n; ++i) widest = std::max(widest, width[i] = nodeWidth(nodeLabel(graph.nodes()[i])));
    const double columnStep = widest + 24, rowStep = kNodeHeight + 34;
    out.nodes.resize(n);
    for (size_t l = 0; l < byLayer.size(); ++l) {
        auto& row = byLayer[l];
        // One barycentre pass: a node sits near the mean column of its producers.
        std::vector<double> key(row.size());
        for (size_t j = 0; j < row.size(); ++j) {
            const auto& ps = producers[size_t(row[j])];
            key[j] = ps.empty() ? double(j) : std::accumulate(ps.begin(), ps.end(), 0.0, [&](double s, int p) {
                                                  return s + x[size_t(p)];
                                              }) / double(ps.size());
        }
        std::vector<size_t> order(row.size());
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return key[a] < key[b]; });
        for (size_t j = 0; j < order.size(); ++j) {
            const size_t node = size_t(row[order[j]]);
            x[node] = (double(j) - double(order.size() - 1) / 2) * columnStep;
            out.nodes[node] = QRectF(x[node] - width[node] / 2, double(l) * rowStep, width[node], kNodeHeight);
        }
    }
    for (const EdgeKey& e : edges) {
        LayoutEdge le{e.from, e.to, e.tensor, {}, {}};
        const QRectF& a = out.nodes[size_t(e.from)];
        const QRectF& b = out.nodes[size_t(e.to)];
        le.path.moveTo(a.center().x(), a.bottom());
        le.path.lineTo(b.center().x(), b.top());
        le.labelAt = midpoint(le.path);
        out.edges.push_back(std::move(le));
    }
    for (const QRectF& r : out.nodes) out.bounds = out.bounds.united(r);
    return out;
}

// The graph in dot's language: fixed-size boxes named n<index>, no labels (we draw them).
QByteArray dotSource(const Graph& graph, const std::vector<EdgeKey>& edges) {
    QByteArray src;
    src += "digraph model {\n rankdir=TB; nodesep=0.22; ranksep=0.32;\n";
    // Bounds on dot's iterative phases: unbounded, network simplex and crossing minimisation ran
    // for minutes on DenseNet-121's concatenations. The factors scale the iteration counts.
    src += " nslimit=4; nslimit1=4; mclimit=0.3; remincross=false;\n";
    src += " node [shape=box, fixedsize=true, label=\"\"];\n edge [arrowhead=none];\n";
    const QByteArray height = QByteArray::number(kNodeHeight / kPointsPerInch, 'f', 4);
    for (size_t i = 0; i < graph.nodes().size(); ++i)
        src += " n" + QByteArray::number(qulonglong(i)) +
               " [width=" + QByteArray::number(nodeWidth(nodeLabel(graph.nodes()[i])) / kPointsPerInch, 'f', 4) + ", height=" + height +
               "];\n";
    for (const EdgeKey& e : edges) src += " n" + QByteArray::number(e.from) + " -> n" + QByteArray::number(e.to) + ";\n";
    src += "}\n";
    return src;
}

// Parses dot's plain output (inches, y up): "graph scale w h", "node name x y w h ...",
// "edge tail head n x1 y1 ... xn yn ...", "stop". Empty nodes on anything unexpected.
GraphLayout parsePlain(const QByteArray& plain, const std::vector<EdgeKey>& edges, size_t n, QString& note) {
    GraphLayout out;
    double top = 0;
    std::vector<QRectF> nodes(n);
    std::vector<bool> placed(n, false);
    std::map<std::pair<int, int>, QPainterPath> paths;
    auto bad = [&](const QString& why) {
        note = QStringLiteral("Graphviz dot's output could not be read (%1); a simple layered layout is shown.").arg(why);
        return GraphLayout{};
    };
    auto nodeIndex = [n](const QByteArray& name) {
        bool ok = false;
        const qulonglong i = name.mid(1).toULongLong(&ok);
        return name.startsWith('n') && ok && i < n ? int(i) : -1;
    };
    for (const QByteArray& raw : plain.split('\n')) {
        const QList<QByteArray> t = raw.simplified().split(' ');
        if (t.isEmpty() || t[0].isEmpty()) continue;
        if (t[0] == "graph" && t.size() >= 4) {
            top = t[3].toDouble() * kPointsPerInch;
            out.bounds = QRectF(0, 0, t[2].toDouble() * kPointsPerInch, top);
        } else if (t[0] == "node" && t.size() >= 6) {
            const int i = nodeIndex(t[1]);
            if (i < 0) return bad("node " + QString::fromUtf8(t[1]));
            const double x = t[2].toDouble() * kPointsPerInch, y = top - t[3].toDouble() * kPointsPerInch;
            const double w = t[4].toDouble() * kPointsPerInch, h = t[5].toDouble() * kPointsPerInch;
            nodes[size_t(i)] = QRectF(x - w / 2, y - h / 2, w, h);
            placed[size_t(i)] = true;
        } else if (t[0] == "edge" && t.size() >= 4) {
            const int from = nodeIndex(t[1]), to = nodeIndex(t[2]);
            const int points = t[3].toInt();
            if (from < 0 || to < 0 || points < 1 || t.size() < 4 + 2 * points) return bad("edge " + QString::fromUtf8(raw.left(40)));
            auto at = [&](int k) {
                return QPointF(t[4 + 2 * k].toDouble() * kPointsPerInch, top - t[5 + 2 * k].toDouble() * kPointsPerInch);
            };
            QPainterPath path(at(0));
            for (int k = 1; k + 2 < points; k += 3) path.cubicTo(at(k), at(k + 1), at(k + 2));
            paths[{from, to}] = path;
        } else if (t[0] == "stop") {
            break;
        }
    }
    if (std::find(placed.begin(), placed.end(), false) != placed.end()) return bad(QStringLiteral("a node is missing"));
    out.nodes = std::move(nodes);
    for (const EdgeKey& e : edges) {
        LayoutEdge le{e.from, e.to, e.tensor, {}, {}};
        if (auto it = paths.find({e.from, e.to}); it != paths.end())
            le.path = it->second;
        else {
            le.path.moveTo(out.nodes[size_t(e.from)].center());
            le.path.lineTo(out.nodes[size_t(e.to)].center());
        }
        le.labelAt = midpoint(le.path);
        out.edges.push_back(std::move(le));
    }
    return out;
}

// dot's layout, or empty nodes with the reason in `note`.
GraphLayout dotLayout(const Graph& graph, const std::vector<EdgeKey>& edges, const LayoutOptions& options, QString& note) {
    const QString program = options.dotProgram.isEmpty() ? QStandardPaths::findExecutable(QStringLiteral("dot")) : options.dotProgram;
    if (program.isEmpty()) {
        note = QStringLiteral("Graphviz's dot program is not installed (Debian package graphviz); a simple layered layout is shown.");
        return {};
    }
    QProcess dot;
    dot.setProgram(program);
    dot.setArguments({QStringLiteral("-Tplain")});
    dot.start();
    if (!dot.waitForStarted(10000)) {
        note = QStringLiteral("%1 could not be started (%2); a simple layered layout is shown.").arg(program, dot.errorString());
        return {};
    }
    if (options.onDotStarted) options.onDotStarted(dot.processId());
    dot.write(dotSource(graph, edges));
    dot.closeWriteChannel();
    QElapsedTimer clock;
    clock.start();
    QByteArray plain;
    // Wait in short steps, reading as we go (a full pipe would stall dot), until dot ends, the
    // deadline passes or the caller no longer wants the result.
    for (;;) {
        if (options.cancelled && options.cancelled()) {
            dot.kill();
            dot.waitForFinished(5000);
            note = QStringLiteral("layout cancelled");
            return {};
        }
        if (clock.elapsed() >= options.dotDeadlineMs) {
            dot.kill();
            dot.waitForFinished(5000);
            note = QStringLiteral("Graphviz dot took longer than %1 s and was stopped; a simple layered layout is shown.")
                       .arg(options.dotDeadlineMs / 1000.0);
            return {};
        }
        const bool finished = dot.waitForFinished(50);
        plain += dot.readAllStandardOutput();
        if (finished || dot.state() == QProcess::NotRunning) break;
    }
    plain += dot.readAllStandardOutput();
    if (dot.exitStatus() != QProcess::NormalExit || dot.exitCode() != 0) {
        const QString err = QString::fromUtf8(dot.readAllStandardError()).simplified().left(200);
        note = QStringLiteral("Graphviz dot failed (%1%2); a simple layered layout is shown.")
                   .arg(dot.exitStatus() != QProcess::NormalExit ? QStringLiteral("crashed")
                                                                 : QStringLiteral("exit code %1").arg(dot.exitCode()),
                        err.isEmpty() ? QString() : ": " + err);
        return {};
    }
    return parsePlain(plain, edges, graph.nodes().size(), note);
}

}  // namespace

QString nodeLabel(const Node& node) {
    QString label = QString::fromStdString(node.opType);
    if (label.startsWith("other:")) label = label.mid(6);
    const std::vector<int64_t> kernel = node.attrs.getInts("kernel");
    if (!kernel.empty() && node.opType != "gap") {
        label += ' ' + QString::number(kernel[0]);
        for (size_t i = 1; i < kernel.size(); ++i) label += 'x' + QString::number(kernel[i]);
        const std::vector<int64_t> stride = node.attrs.getInts("stride");
        if (!stride.empty() && stride[0] > 1) label += '/' + QString::number(stride[0]);
    }
    return label;
}

GraphLayout layoutGraph(const Graph& graph, const LayoutOptions& options) {
    const std::vector<EdgeKey> edges = collectEdges(graph);
    const int n = int(graph.nodes().size());
    const std::vector<int> layer = longestPathLayers(size_t(n), edges);
    std::vector<EdgeKey> shortEdges, longEdges;
    for (const EdgeKey& e : edges) (layer[size_t(e.to)] - layer[size_t(e.from)] > kLongEdgeLayers ? longEdges : shortEdges).push_back(e);
    // The layered layout places nodes with every edge, then the long ones are re-routed.
    auto layered = [&](const QString& note) {
        GraphLayout out = layeredLayout(graph, edges, note);
        routeLongEdges(graph, out, longEdges, layer);
        return out;
    };
    if (options.forceFallback) return layered(QStringLiteral("layered layout (asked for)"));
    if (n > options.maxDotNodes || int(edges.size()) > 2 * options.maxDotNodes)
        return layered(
            QStringLiteral("%1 nodes and %2 edges: a fast layered layout is shown instead of Graphviz dot").arg(n).arg(edges.size()));
    QString note;
    GraphLayout dot = dotLayout(graph, shortEdges, options, note);
    if (dot.nodes.size() != size_t(n)) return layered(note);
    routeLongEdges(graph, dot, longEdges, layer);
    return dot;
}

}  // namespace km::ui

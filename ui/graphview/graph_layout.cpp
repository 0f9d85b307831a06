#include "ui/graphview/graph_layout.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>
#include <numeric>
#include <set>

namespace km::ui {
namespace {

constexpr double kNodeHeight = 26;  // points = scene units
constexpr double kPointsPerInch = 72;

double nodeWidth(const QString& label) { return 18 + 6.6 * label.size(); }

// Graphviz keeps global state (its memory pools, the error channel): one layout at a time.
std::mutex& graphvizMutex() {
    static std::mutex m;
    return m;
}

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

GraphLayout layeredLayout(const Graph& graph, const std::vector<EdgeKey>& edges, const QString& note) {
    const size_t n = graph.nodes().size();
    GraphLayout out;
    out.fallback = true;
    out.note = note;
    std::vector<std::vector<int>> producers(n);
    for (const EdgeKey& e : edges) producers[size_t(e.to)].push_back(e.from);
    std::vector<int> layer(n, 0);
    int layers = n ? 1 : 0;
    for (size_t i = 0; i < n; ++i) {  // nodes are in topological order
        for (int p : producers[i]) layer[i] = std::max(layer[i], layer[size_t(p)] + 1);
        layers = std::max(layers, layer[i] + 1);
    }
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
            key[j] = ps.empty() ? double(j) : std::accumulate(ps.begin(), ps.end(), 0.0, [&](double s, int p) { return s + x[size_t(p)]; }) / double(ps.size());
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

char* str(const char* s) { return const_cast<char*>(s); }

// dot's layout, or nullopt-like (empty nodes) with the reason in `note`.
GraphLayout dotLayout(const Graph& graph, const std::vector<EdgeKey>& edges, QString& note) {
    const size_t n = graph.nodes().size();
    GraphLayout out;
    // A layout still running for an earlier model (dot cannot be interrupted) must not hold up
    // this one: the caller then uses the layered layout.
    std::unique_lock<std::mutex> lock(graphvizMutex(), std::try_to_lock);
    if (!lock.owns_lock()) {
        note = QStringLiteral("Graphviz is still busy with an earlier graph; a simple layered layout is shown.");
        return out;
    }
    GVC_t* gvc = gvContext();
    Agraph_t* g = agopen(str("model"), Agdirected, nullptr);
    agattr(g, AGRAPH, str("rankdir"), str("TB"));
    agattr(g, AGRAPH, str("nodesep"), str("0.22"));
    agattr(g, AGRAPH, str("ranksep"), str("0.32"));
    // Bounds on dot's iterative phases: unbounded, network simplex and crossing minimisation ran
    // for minutes on DenseNet-121's concatenations. The factors scale the iteration counts.
    agattr(g, AGRAPH, str("nslimit"), str("4"));
    agattr(g, AGRAPH, str("nslimit1"), str("4"));
    agattr(g, AGRAPH, str("mclimit"), str("0.3"));
    agattr(g, AGRAPH, str("remincross"), str("false"));
    Agsym_t* widthSym = agattr(g, AGNODE, str("width"), str("1"));
    Agsym_t* heightSym = agattr(g, AGNODE, str("height"), str("0.4"));
    agattr(g, AGNODE, str("shape"), str("box"));
    agattr(g, AGNODE, str("fixedsize"), str("true"));
    agattr(g, AGNODE, str("label"), str(""));
    const std::string height = std::to_string(kNodeHeight / kPointsPerInch);
    std::vector<Agnode_t*> nodes(n);
    for (size_t i = 0; i < n; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "n%zu", i);
        nodes[i] = agnode(g, name, 1);
        std::string w = std::to_string(nodeWidth(nodeLabel(graph.nodes()[i])) / kPointsPerInch);
        agxset(nodes[i], widthSym, w.data());
        agxset(nodes[i], heightSym, const_cast<char*>(height.c_str()));
    }
    std::vector<Agedge_t*> gvEdges;
    gvEdges.reserve(edges.size());
    for (const EdgeKey& e : edges) gvEdges.push_back(agedge(g, nodes[size_t(e.from)], nodes[size_t(e.to)], nullptr, 1));
    if (gvLayout(gvc, g, "dot") != 0) {
        note = QStringLiteral("Graphviz dot could not lay out this graph; a simple layered layout is shown.");
    } else {
        const boxf bb = GD_bb(g);
        const double top = bb.UR.y;
        auto at = [&](pointf p) { return QPointF(p.x, top - p.y); };
        out.nodes.resize(n);
        for (size_t i = 0; i < n; ++i) {
            const pointf c = ND_coord(nodes[i]);
            const double w = ND_width(nodes[i]) * kPointsPerInch, h = ND_height(nodes[i]) * kPointsPerInch;
            out.nodes[i] = QRectF(c.x - w / 2, top - c.y - h / 2, w, h);
        }
        for (size_t k = 0; k < edges.size(); ++k) {
            LayoutEdge le{edges[k].from, edges[k].to, edges[k].tensor, {}, {}};
            const splines* s = ED_spl(gvEdges[k]);
            if (s && s->size > 0 && s->list[0].size > 0) {
                const bezier& b = s->list[0];
                le.path.moveTo(at(b.list[0]));
                for (int j = 1; j + 2 < b.size; j += 3) le.path.cubicTo(at(b.list[j]), at(b.list[j + 1]), at(b.list[j + 2]));
                if (b.eflag) le.path.lineTo(at(b.ep));
            } else {
                le.path.moveTo(out.nodes[size_t(le.from)].center());
                le.path.lineTo(out.nodes[size_t(le.to)].center());
            }
            le.labelAt = midpoint(le.path);
            out.edges.push_back(std::move(le));
        }
        out.bounds = QRectF(0, 0, bb.UR.x - bb.LL.x, bb.UR.y - bb.LL.y).translated(bb.LL.x, 0);
        gvFreeLayout(gvc, g);
    }
    agclose(g);
    gvFreeContext(gvc);
    return out;
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
    if (options.forceFallback) return layeredLayout(graph, edges, QStringLiteral("layered layout (asked for)"));
    if (n > options.maxDotNodes || int(edges.size()) > 2 * options.maxDotNodes)
        return layeredLayout(graph, edges,
                             QStringLiteral("%1 nodes and %2 edges: a fast layered layout is shown instead of Graphviz dot")
                                 .arg(n)
                                 .arg(edges.size()));
    QString note;
    GraphLayout dot = dotLayout(graph, edges, note);
    if (dot.nodes.size() != size_t(n)) return layeredLayout(graph, edges, note);
    return dot;
}

}  // namespace km::ui

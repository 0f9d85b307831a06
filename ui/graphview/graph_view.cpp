// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/graphview/graph_view.h"

#include <QGraphicsPathItem>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QKeyEvent>
#include <QPainter>
#include <QStyleOptionGraphicsItem>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>

#include "ui/style/format.h"
#include "ui/style/palette.h"

namespace km::ui {

// One op: a rounded box with its label (hidden when zoomed far out).
class OpNodeItem : public QGraphicsItem {
public:
    OpNodeItem(size_t node, const QRectF& rect, QString label) : m_node(node), m_rect(rect), m_label(std::move(label)) {}
    QRectF boundingRect() const override { return m_rect.adjusted(-1, -1, 1, 1); }
    void paint(QPainter* p, const QStyleOptionGraphicsItem* option, QWidget*) override {
        const double lod = option->levelOfDetailFromTransform(p->worldTransform());
        p->setPen(QPen(m_fill.darker(170), 1));
        p->setBrush(m_fill);
        p->drawRoundedRect(m_rect, 4, 4);
        if (lod < 0.3) return;
        p->setPen(m_fill.lightnessF() > 0.55 ? Qt::black : Qt::white);
        QFont f = p->font();
        f.setPointSizeF(8.5);
        p->setFont(f);
        p->drawText(m_rect, Qt::AlignCenter, m_label);
    }
    void setFill(const QColor& c) {
        m_fill = c;
        update();
    }
    size_t node() const { return m_node; }
    int kernel = -1;

private:
    size_t m_node;
    QRectF m_rect;
    QString m_label;
    QColor m_fill = Qt::lightGray;
};

// One kernel: the tinted box behind its ops.
class KernelHullItem : public QGraphicsItem {
public:
    KernelHullItem(int kernel, const QRectF& rect) : m_kernel(kernel), m_rect(rect) { setZValue(-2); }
    QRectF boundingRect() const override { return m_rect.adjusted(-4, -4, 4, 4); }
    void paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) override {
        QColor fill = m_tint;
        fill.setAlpha(m_selected ? 150 : 80);
        p->setBrush(fill);
        p->setPen(QPen(m_selected ? QColor(0x1a, 0x73, 0xe8) : m_tint.darker(140), m_selected ? 3.5 : 1.2));
        p->drawRoundedRect(m_rect, 8, 8);
        if (m_hatched) {
            p->setBrush(QBrush(warningColor(), Qt::BDiagPattern));
            p->setPen(QPen(warningColor(), 1.5, Qt::DashLine));
            p->drawRoundedRect(m_rect, 8, 8);
        }
    }
    void setStyle(const QColor& tint, bool hatched) {
        m_tint = tint;
        m_hatched = hatched;
        update();
    }
    void setHighlighted(bool s) {
        m_selected = s;
        setZValue(s ? -1.5 : -2);
        update();
    }
    int kernel() const { return m_kernel; }
    QRectF rect() const { return m_rect; }

private:
    int m_kernel;
    QRectF m_rect;
    QColor m_tint = Qt::gray;
    bool m_hatched = false;
    bool m_selected = false;
};

namespace {

// An edge with an arrow head, and the tensor's shape along it when zoomed in.
class EdgeItem : public QGraphicsPathItem {
public:
    EdgeItem(const QPainterPath& path, QString shape, QPointF labelAt)
        : QGraphicsPathItem(path), m_shape(std::move(shape)), m_labelAt(labelAt) {
        setZValue(-1);
        setPen(QPen(QColor(0x80, 0x80, 0x80), 1.1));
    }
    QRectF boundingRect() const override { return QGraphicsPathItem::boundingRect().adjusted(-6, -6, 90, 6); }
    void paint(QPainter* p, const QStyleOptionGraphicsItem* option, QWidget* w) override {
        QGraphicsPathItem::paint(p, option, w);
        const QPainterPath& path = this->path();
        const QPointF end = path.pointAtPercent(1.0);
        const double angle = path.angleAtPercent(0.98) * M_PI / 180.0;
        const QPointF back(-std::cos(angle) * 6, std::sin(angle) * 6);
        const QPointF side(-std::sin(angle) * 3, -std::cos(angle) * 3);
        p->setBrush(pen().color());
        p->drawPolygon(QPolygonF({end, end + back + side, end + back - side}));
        if (option->levelOfDetailFromTransform(p->worldTransform()) < 1.2 || m_shape.isEmpty()) return;
        QFont f = p->font();
        f.setPointSizeF(6.5);
        p->setFont(f);
        p->setPen(QColor(0x70, 0x70, 0x70));
        p->drawText(m_labelAt + QPointF(4, 3), m_shape);
    }

private:
    QString m_shape;
    QPointF m_labelAt;
};

}  // namespace

GraphView::GraphView(QWidget* parent) : QGraphicsView(parent) {
    setScene(new QGraphicsScene(this));
    setDragMode(QGraphicsView::ScrollHandDrag);
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
    setOptimizationFlags(QGraphicsView::DontSavePainterState);
    setFocusPolicy(Qt::StrongFocus);
    setToolTip(tr("Drag to pan, Ctrl+wheel or +/- to zoom, F to fit, Ctrl+F to find, Esc to clear the selection"));
}

GraphView::~GraphView() = default;

void GraphView::setAnalysis(std::shared_ptr<const ModelAnalysis> analysis) {
    m_analysis = std::move(analysis);
    m_layout.reset();
    m_selected = -1;
    m_findCursor = -1;
    rebuildScene();
}

void GraphView::setGraphLayout(std::shared_ptr<const ModelAnalysis> analysis, std::shared_ptr<const GraphLayout> layout) {
    if (analysis != m_analysis || !layout || !m_analysis || layout->nodes.size() != m_analysis->graph->nodes().size()) return;
    m_layout = std::move(layout);
    rebuildScene();
    fitAll();
    emit layoutShown();
}

void GraphView::setKernelDevice(int deviceIndex) {
    if (deviceIndex == m_kernelDevice) return;
    m_kernelDevice = deviceIndex;
    m_selected = -1;
    rebuildScene();
}

void GraphView::setColouring(Colouring c) {
    m_colouring = c;
    restyle();
}

int GraphView::kernelBoxCount() const {
    return int(std::count_if(m_hulls.begin(), m_hulls.end(), [](const KernelHullItem* h) { return h != nullptr; }));
}

void GraphView::rebuildScene() {
    scene()->clear();
    m_ops.clear();
    m_hulls.clear();
    if (!m_analysis) return;
    const Graph& g = *m_analysis->graph;
    if (!m_layout) {
        auto* text = scene()->addSimpleText(tr("Laying out %n node(s)...", "", int(g.nodes().size())));
        text->setBrush(palette().color(QPalette::PlaceholderText));
        scene()->setSceneRect(text->boundingRect().adjusted(-20, -20, 20, 20));
        return;
    }
    for (const LayoutEdge& e : m_layout->edges) {
        const Tensor* t = g.tensor(e.tensor.toStdString());
        scene()->addItem(new EdgeItem(e.path, t && e.labelled ? QString::fromStdString(t->shape.toString()) : QString(), e.labelAt));
    }
    m_ops.resize(g.nodes().size());
    for (size_t i = 0; i < g.nodes().size(); ++i) {
        auto* item = new OpNodeItem(i, m_layout->nodes[i], nodeLabel(g.nodes()[i]));
        item->setToolTip(nodeToolTip(i));
        scene()->addItem(item);
        m_ops[i] = item;
    }
    const DeviceAnalysis* d =
        m_kernelDevice >= 0 && size_t(m_kernelDevice) < m_analysis->devices.size() && m_analysis->devices[size_t(m_kernelDevice)].ok()
            ? &m_analysis->devices[size_t(m_kernelDevice)]
            : nullptr;
    if (d) {
        for (size_t i = 0; i < g.nodes().size(); ++i) m_ops[i]->kernel = d->kernelOfModelNode[i];
        std::vector<QRectF> boxes(d->partition.kernels.size());
        for (size_t k = 0; k < boxes.size(); ++k)
            for (size_t n : d->modelNodesOfKernel[k]) boxes[k] = boxes[k].united(m_layout->nodes[n]);
        m_hulls.assign(boxes.size(), nullptr);
        for (size_t k = 0; k < boxes.size(); ++k) {
            if (boxes[k].isNull()) continue;
            auto* hull = new KernelHullItem(int(k), boxes[k].adjusted(-7, -6, 7, 6));
            const KernelPrediction& p = d->prediction.kernels[k];
            hull->setToolTip(tr("kernel #%1 %2: %3 ms %4 (%5)")
                                 .arg(k)
                                 .arg(QString::fromStdString(p.type), formatMs(p.ms), formatInterval(p.lowMs, p.highMs),
                                      QString::fromStdString(p.source)));
            scene()->addItem(hull);
            m_hulls[k] = hull;
        }
    }
    scene()->setSceneRect(m_layout->bounds.adjusted(-40, -40, 40, 40));
    restyle();
    if (m_selected >= 0) selectKernel(m_selected, false);
}

void GraphView::restyle() {
    if (!m_analysis || !m_layout) return;
    const Graph& g = *m_analysis->graph;
    const DeviceAnalysis* d = !m_hulls.empty() ? &m_analysis->devices[size_t(m_kernelDevice)] : nullptr;
    double maxMs = 0;
    if (d)
        for (const KernelPrediction& p : d->prediction.kernels) maxMs = std::max(maxMs, p.ms);
    auto heatOf = [&](int k) { return heatColor(maxMs > 0 && k >= 0 ? d->prediction.kernels[size_t(k)].ms / maxMs : 0); };
    for (size_t i = 0; i < m_ops.size(); ++i) {
        const int k = m_ops[i]->kernel;
        m_ops[i]->setFill(m_colouring == Colouring::Heat && d && k >= 0 ? heatOf(k)
                                                                        : categoryColor(categoryOfOp(g.nodes()[i].opType)).lighter(125));
    }
    for (size_t k = 0; k < m_hulls.size(); ++k) {
        if (!m_hulls[k]) continue;
        const KernelPrediction& p = d->prediction.kernels[k];
        const bool bad = d->partition.kernels[k].unknown || p.source == "none";
        m_hulls[k]->setStyle(m_colouring == Colouring::Heat ? heatOf(int(k)) : categoryColor(categoryOfKernelType(p.type)), bad);
    }
}

QString GraphView::nodeToolTip(size_t i) const {
    const Graph& g = *m_analysis->graph;
    const Node& n = g.nodes()[i];
    QStringList ins;
    for (const Tensor* t : g.activationInputs(n)) ins << QString::fromStdString(t->shape.toString());
    const Tensor* out = g.firstOutput(i);
    const NodeMetrics& m = m_analysis->metrics.perNode[i];
    QString tip =
        tr("%1\n%2 (%3)\nin %4 -> out %5\n%6 FLOPs, %7 params")
            .arg(QString::fromStdString(n.name), QString::fromStdString(n.opType), QString::fromStdString(n.sourceOp), ins.join(", "),
                 QString::fromStdString(out ? out->shape.toString() : "?"), formatCount(m.flops), formatCount(m.params));
    for (const DeviceAnalysis& d : m_analysis->devices) {
        if (!d.ok() || i >= d.kernelOfModelNode.size() || d.kernelOfModelNode[i] < 0) continue;
        const KernelPrediction& p = d.prediction.kernels[size_t(d.kernelOfModelNode[i])];
        tip += tr("\n%1: kernel #%2 %3, %4 ms")
                   .arg(QString::fromStdString(d.deviceId))
                   .arg(p.kernelId)
                   .arg(QString::fromStdString(p.type), formatMs(p.ms));
    }
    return tip;
}

void GraphView::selectKernel(int kernelId, bool scrollTo) {
    if (m_selected >= 0 && size_t(m_selected) < m_hulls.size() && m_hulls[size_t(m_selected)])
        m_hulls[size_t(m_selected)]->setHighlighted(false);
    m_selected = kernelId;
    if (kernelId < 0 || size_t(kernelId) >= m_hulls.size() || !m_hulls[size_t(kernelId)]) return;
    m_hulls[size_t(kernelId)]->setHighlighted(true);
    if (scrollTo) ensureVisible(m_hulls[size_t(kernelId)]->rect(), 60, 60);
}

bool GraphView::find(const QString& text) {
    if (!m_analysis || !m_layout || text.isEmpty() || m_ops.empty()) return false;
    if (text != m_findText) {
        m_findText = text;
        m_findCursor = -1;
    }
    const auto& nodes = m_analysis->graph->nodes();
    for (size_t step = 1; step <= nodes.size(); ++step) {
        const size_t i = (size_t(m_findCursor + 1) + step - 1) % nodes.size();
        if (QString::fromStdString(nodes[i].name).contains(text, Qt::CaseInsensitive) ||
            QString::fromStdString(nodes[i].opType).contains(text, Qt::CaseInsensitive)) {
            m_findCursor = int(i);
            const int k = m_ops[i]->kernel;
            selectKernel(k, false);
            centerOn(m_ops[i]);
            if (k >= 0) emit kernelClicked(k);
            return true;
        }
    }
    return false;
}

void GraphView::fitAll() {
    if (!scene()) return;
    fitInView(scene()->sceneRect(), Qt::KeepAspectRatio);
    // A tall thin network would shrink to unreadable text: keep labels readable (60% of full
    // size) and start at the top instead.
    if (transform().m11() < 0.6) {
        setTransform(QTransform::fromScale(0.6, 0.6));
        centerOn(scene()->sceneRect().center().x(), scene()->sceneRect().top());
    }
}

void GraphView::zoomBy(double factor) {
    const double s = transform().m11() * factor;
    if (s < 0.02 || s > 8) return;
    scale(factor, factor);
}

void GraphView::mousePressEvent(QMouseEvent* event) {
    if (event->button() == Qt::LeftButton) {
        for (QGraphicsItem* item : items(event->position().toPoint())) {
            if (auto* op = dynamic_cast<OpNodeItem*>(item); op && op->kernel >= 0) {
                selectKernel(op->kernel, false);
                emit kernelClicked(op->kernel);
                break;
            }
            if (auto* hull = dynamic_cast<KernelHullItem*>(item)) {
                selectKernel(hull->kernel(), false);
                emit kernelClicked(hull->kernel());
                break;
            }
        }
    }
    QGraphicsView::mousePressEvent(event);
}

void GraphView::keyPressEvent(QKeyEvent* event) {
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal: zoomBy(1.25); return;
    case Qt::Key_Minus: zoomBy(0.8); return;
    case Qt::Key_F:
        if (event->modifiers() == Qt::NoModifier) {
            fitAll();
            return;
        }
        break;
    case Qt::Key_Escape:
        selectKernel(-1);
        emit kernelClicked(-1);
        return;
    default: break;
    }
    QGraphicsView::keyPressEvent(event);
}

void GraphView::wheelEvent(QWheelEvent* event) {
    if (event->modifiers() & Qt::ControlModifier) {
        zoomBy(event->angleDelta().y() > 0 ? 1.15 : 1 / 1.15);
        event->accept();
        return;
    }
    QGraphicsView::wheelEvent(event);
}

}  // namespace km::ui

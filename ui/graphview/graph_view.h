// SPDX-License-Identifier: GPL-3.0-or-later
// The model graph, top to bottom, with one device's kernels drawn as tinted rounded boxes behind
// their ops (coloured by kernel type, or as a latency heat map), unknown or unpredicted kernels
// hatched red. Ctrl+wheel, +/- zoom; drag pans; F fits; Esc clears the selection; find() searches
// node names and ops. Clicking an op or a kernel box selects the kernel (kernelClicked).
// The layout is computed elsewhere (layoutGraph on a worker thread) and handed in by setGraphLayout;
// until then the view says it is laying out.
#pragma once

#include <QGraphicsView>
#include <memory>
#include <vector>

#include "ui/graphview/graph_layout.h"
#include "workflows/analyze_model.h"

namespace km::ui {

class KernelHullItem;
class OpNodeItem;

class GraphView : public QGraphicsView {
    Q_OBJECT
public:
    enum class Colouring { KernelType, Heat };

    explicit GraphView(QWidget* parent = nullptr);
    ~GraphView() override;

    // A new model: the scene is cleared and shows a placeholder until setGraphLayout.
    void setAnalysis(std::shared_ptr<const ModelAnalysis> analysis);
    // The layout of the current analysis' graph (ignored if it belongs to another analysis).
    void setGraphLayout(std::shared_ptr<const ModelAnalysis> analysis, std::shared_ptr<const GraphLayout> layout);
    // Whose kernels are drawn (index into analysis->devices; a device without a prediction draws
    // the ops only).
    void setKernelDevice(int deviceIndex);
    void setColouring(Colouring c);
    Colouring colouring() const { return m_colouring; }

    // Highlights a kernel of the kernel device (-1: none) and scrolls to it; emits nothing.
    void selectKernel(int kernelId, bool scrollTo = true);
    int selectedKernel() const { return m_selected; }
    // Next node whose name or op contains `text` (case-insensitive) after the last match: selects
    // its kernel and centres it. False when nothing matches.
    bool find(const QString& text);
    void fitAll();
    void zoomBy(double factor);

    // For tests and the report.
    bool hasLayout() const { return m_layout != nullptr; }
    int opItemCount() const { return int(m_ops.size()); }
    int kernelBoxCount() const;
    std::shared_ptr<const GraphLayout> currentLayout() const { return m_layout; }

signals:
    void kernelClicked(int kernelId);  // -1: the selection was cleared
    void layoutShown();

protected:
    void mousePressEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;

private:
    void rebuildScene();
    void restyle();
    QString nodeToolTip(size_t node) const;

    std::shared_ptr<const ModelAnalysis> m_analysis;
    std::shared_ptr<const GraphLayout> m_layout;
    int m_kernelDevice = -1;
    Colouring m_colouring = Colouring::KernelType;
    int m_selected = -1;
    int m_findCursor = -1;
    QString m_findText;
    std::vector<OpNodeItem*> m_ops;        // per graph node
    std::vector<KernelHullItem*> m_hulls;  // per kernel of the kernel device
};

}  // namespace km::ui

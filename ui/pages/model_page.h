// SPDX-License-Identifier: GPL-3.0-or-later
// One open model, as every view shows it (UX.md): the summary, the graph with one device's kernels,
// the selected kernel, and the tabs (kernel table, breakdown charts, device comparison, predictor,
// node table, log). It owns the analysis fan-out: a new analysis reaches every view from here, the
// graph is laid out in the background (dot, with the layered layout meanwhile), and one kernel
// selection is kept across graph, table and charts. The main window around it keeps the menus,
// the toolbar, recent files, the banner and the status bar.
#pragma once

#include <QWidget>
#include <memory>

#include "ui/jobs/job_runner.h"
#include "ui/models/analysis_ptr.h"
#include "ui/models/measured_latency.h"

class QLabel;
class QPlainTextEdit;
class QSortFilterProxyModel;
class QSplitter;
class QTabWidget;
class QTableView;

namespace km::ui {

class BreakdownPlot;
class ComparePage;
class GraphView;
class KernelTableModel;
class NodeTableModel;
class PredictorPage;
struct GraphLayout;

class ModelPage : public QWidget {
    Q_OBJECT
public:
    explicit ModelPage(QWidget* parent = nullptr);

    // Shows a new analysis in every view (measurements of the previous model are dropped), keeps
    // the kernel device `preferredKernelDevice` (a device id) when it has a prediction, else the
    // first that has, and lays the graph out in the background.
    void showAnalysis(AnalysisPtr analysis, const QString& preferredKernelDevice);
    AnalysisPtr analysis() const { return m_analysis; }
    // Index into analysis()->devices whose kernels the graph and the table show (-1: none).
    void setKernelDevice(int deviceIndex);
    int kernelDevice() const { return m_kernelDevice; }
    // Selects a kernel of the kernel device in the graph, the table and the charts (-1: none).
    void selectKernel(int kernelId);
    void setMeasured(const MeasuredLatency& latency);
    void appendLog(const QString& line);
    // Brings a tab to the front by name (kernels, breakdown, compare, predictor, nodes, log).
    bool showTab(const QString& name);
    // Waits until the graph layout of the shown analysis has been delivered (tests, --screenshot).
    void waitForLayout();
    // The summary as HTML and its tooltip (why devices have no prediction, with the fixing command).
    QString summaryText() const;
    QString summaryToolTip() const;
    QString selectionText() const;
    QString logText() const;
    QSplitter* topSplitter() const { return m_topSplitter; }
    QSplitter* verticalSplitter() const { return m_verticalSplitter; }

    const NodeTableModel* nodeModel() const { return m_nodes; }
    KernelTableModel* kernelModel() const { return m_kernels; }
    GraphView* graphView() const { return m_graph; }
    BreakdownPlot* breakdownPlot() const { return m_breakdown; }
    QTabWidget* tabs() const { return m_tabs; }
    QTableView* kernelTable() const { return m_kernelTable; }
    PredictorPage* predictorPage() const { return m_predictor; }
    ComparePage* comparePage() const { return m_compare; }

signals:
    // The kernel device changed (index into the analysis' devices, -1: none): the toolbar follows.
    void kernelDeviceChanged(int deviceIndex);
    // Layout progress for the status bar: busy while dot works; a message to show for
    // `timeoutMs` (0: until replaced); an empty message clears it.
    void layoutBusy(bool busy);
    void statusMessage(const QString& message, int timeoutMs);

private:
    void updateSummary();
    void showLayout(AnalysisPtr analysis, std::shared_ptr<const GraphLayout> layout, qint64 elapsedMs);

    AnalysisPtr m_analysis;
    int m_kernelDevice = -1;
    bool m_selecting = false;
    JobRunner m_layoutRunner{this};

    NodeTableModel* m_nodes = nullptr;
    KernelTableModel* m_kernels = nullptr;
    QSortFilterProxyModel* m_sortedNodes = nullptr;
    QSortFilterProxyModel* m_sortedKernels = nullptr;
    QTableView* m_nodeTable = nullptr;
    QTableView* m_kernelTable = nullptr;
    GraphView* m_graph = nullptr;
    BreakdownPlot* m_breakdown = nullptr;
    ComparePage* m_compare = nullptr;
    PredictorPage* m_predictor = nullptr;
    QTabWidget* m_tabs = nullptr;
    QLabel* m_summary = nullptr;
    QLabel* m_selection = nullptr;
    QPlainTextEdit* m_log = nullptr;
    QSplitter* m_topSplitter = nullptr;       // summary | graph | selection
    QSplitter* m_verticalSplitter = nullptr;  // the above | tabs
};

}  // namespace km::ui

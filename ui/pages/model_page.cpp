// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/pages/model_page.h"

#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QElapsedTimer>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include "ui/graphview/graph_layout.h"
#include "ui/graphview/graph_view.h"
#include "ui/models/analysis_text.h"
#include "ui/models/kernel_table_model.h"
#include "ui/models/node_table_model.h"
#include "ui/pages/compare_page.h"
#include "ui/pages/predictor_page.h"
#include "ui/plots/breakdown_plot.h"

namespace km::ui {
namespace {

constexpr int kDotPatienceMs = 1500;  // then the layered layout is shown until dot finishes

QTableView* makeTable(QAbstractItemModel* model, QWidget* parent) {
    auto* t = new QTableView(parent);
    t->setModel(model);
    t->setSortingEnabled(true);
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->setSelectionMode(QAbstractItemView::SingleSelection);
    t->setAlternatingRowColors(true);
    t->verticalHeader()->hide();
    t->verticalHeader()->setDefaultSectionSize(t->fontMetrics().height() + 6);
    t->horizontalHeader()->setStretchLastSection(true);
    return t;
}

QLabel* makeTextPanel(const QString& text, QWidget* parent) {
    auto* label = new QLabel(text, parent);
    label->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setMargin(6);
    return label;
}

QScrollArea* scrolled(QWidget* w, int minWidth) {
    auto* area = new QScrollArea;
    area->setWidget(w);
    area->setWidgetResizable(true);
    area->setMinimumWidth(minWidth);
    area->setFrameShape(QFrame::NoFrame);
    return area;
}

}  // namespace

ModelPage::ModelPage(QWidget* parent) : QWidget(parent) {
    m_nodes = new NodeTableModel(this);
    m_kernels = new KernelTableModel(this);
    m_sortedNodes = new QSortFilterProxyModel(this);
    m_sortedNodes->setSourceModel(m_nodes);
    m_sortedNodes->setSortRole(NodeTableModel::SortRole);
    m_sortedKernels = new QSortFilterProxyModel(this);
    m_sortedKernels->setSourceModel(m_kernels);
    m_sortedKernels->setSortRole(KernelTableModel::SortRole);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* vertical = m_verticalSplitter = new QSplitter(Qt::Vertical, this);
    auto* top = m_topSplitter = new QSplitter(Qt::Horizontal, vertical);
    m_summary = makeTextPanel(tr("Open an ONNX or nn-Meter IR file: File > Open (Ctrl+O) or drop it here."), nullptr);
    top->addWidget(scrolled(m_summary, 210));
    m_graph = new GraphView(top);
    top->addWidget(m_graph);
    m_selection = makeTextPanel(tr("Click a kernel in the graph, the table or a chart."), nullptr);
    top->addWidget(scrolled(m_selection, 230));
    top->setStretchFactor(1, 1);
    top->setSizes({240, 700, 280});

    m_tabs = new QTabWidget(vertical);
    auto* kernelsTab = new QWidget(m_tabs);
    auto* kernelsLayout = new QVBoxLayout(kernelsTab);
    kernelsLayout->setContentsMargins(0, 4, 0, 0);
    m_kernelTable = makeTable(m_sortedKernels, kernelsTab);
    m_kernelTable->setTextElideMode(Qt::ElideRight);
    m_kernelTable->sortByColumn(KernelTableModel::Id, Qt::AscendingOrder);  // execution order first
    kernelsLayout->addWidget(m_kernelTable, 1);
    auto* csv = new QPushButton(tr("Copy as CSV"), kernelsTab);
    csv->setToolTip(tr("Copies the kernel table (all rows, raw milliseconds) to the clipboard"));
    connect(csv, &QPushButton::clicked, this, [this] { QApplication::clipboard()->setText(m_kernels->toCsv()); });
    auto* csvRow = new QHBoxLayout;
    csvRow->addStretch(1);
    csvRow->addWidget(csv);
    kernelsLayout->addLayout(csvRow);
    m_tabs->addTab(kernelsTab, tr("&Kernels"));
    m_breakdown = new BreakdownPlot(m_kernels, m_tabs);
    m_tabs->addTab(m_breakdown, tr("&Breakdown"));
    m_compare = new ComparePage(m_kernels, m_tabs);
    m_tabs->addTab(m_compare, tr("C&ompare"));
    m_predictor = new PredictorPage(m_tabs);
    m_tabs->addTab(m_predictor, tr("&Predictor"));
    m_nodeTable = makeTable(m_sortedNodes, m_tabs);
    m_nodeTable->sortByColumn(NodeTableModel::Index, Qt::AscendingOrder);
    m_nodeTable->setTextElideMode(Qt::ElideLeft);  // node paths differ in their tails
    m_tabs->addTab(m_nodeTable, tr("&Nodes"));
    m_log = new QPlainTextEdit(m_tabs);
    m_log->setReadOnly(true);
    m_tabs->addTab(m_log, tr("&Log"));
    vertical->addWidget(top);
    vertical->addWidget(m_tabs);
    vertical->setStretchFactor(0, 3);
    vertical->setStretchFactor(1, 2);
    vertical->setSizes({540, 330});
    layout->addWidget(vertical, 1);

    // One selection: the views only report clicks; selectKernel sets it in all of them.
    connect(m_graph, &GraphView::kernelClicked, this, &ModelPage::selectKernel);
    connect(m_breakdown, &BreakdownPlot::kernelClicked, this, &ModelPage::selectKernel);
    connect(m_kernelTable->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& current) {
        if (m_selecting || !current.isValid()) return;
        selectKernel(m_sortedKernels->data(current, KernelTableModel::KernelIdRole).toInt());
    });
}

void ModelPage::appendLog(const QString& line) { m_log->appendPlainText(QDateTime::currentDateTime().toString("HH:mm:ss  ") + line); }

QString ModelPage::summaryText() const { return m_summary->text(); }
QString ModelPage::summaryToolTip() const { return m_summary->toolTip(); }
QString ModelPage::selectionText() const { return m_selection->text(); }
QString ModelPage::logText() const { return m_log->toPlainText(); }

void ModelPage::waitForLayout() { m_layoutRunner.waitForIdle(); }

void ModelPage::showAnalysis(AnalysisPtr analysis, const QString& preferredKernelDevice) {
    m_analysis = std::move(analysis);
    m_nodes->setAnalysis(m_analysis);
    m_nodeTable->resizeColumnsToContents();
    constexpr int kMaxNameWidth = 360;
    if (m_nodeTable->columnWidth(NodeTableModel::Name) > kMaxNameWidth) m_nodeTable->setColumnWidth(NodeTableModel::Name, kMaxNameWidth);
    m_compare->clearMeasured();  // measurements of the previous file; this one's are looked up by the window
    updateSummary();

    // The kernel device: the one chosen before if it still has a prediction, else the first that has.
    int chosen = -1;
    for (size_t i = 0; i < m_analysis->devices.size(); ++i) {
        if (!m_analysis->devices[i].ok()) continue;
        if (chosen < 0 || QString::fromStdString(m_analysis->devices[i].deviceId) == preferredKernelDevice) chosen = int(i);
    }
    m_graph->setAnalysis(m_analysis);
    m_predictor->setAnalysis(m_analysis);
    m_kernelDevice = -2;  // force the refresh
    setKernelDevice(chosen);

    emit layoutBusy(true);
    emit statusMessage(
        tr("%1: %2 nodes; laying out the graph ...").arg(QString::fromStdString(m_analysis->file)).arg(m_analysis->graph->nodes().size()),
        0);
    QElapsedTimer timer;
    timer.start();
    // A newer model supersedes this run: layoutGraph then kills its dot process at once.
    m_layoutRunner.run(
        [a = m_analysis](const Superseded& superseded) {
            LayoutOptions o;
            o.cancelled = superseded;
            return std::make_shared<const GraphLayout>(layoutGraph(*a->graph, o));
        },
        [this, a = m_analysis, timer](quint64, std::shared_ptr<const GraphLayout> layout) {
            showLayout(a, std::move(layout), timer.elapsed());
        });
    // Dot takes seconds on dense graphs: after a moment, show the fast layered layout meanwhile
    // (milliseconds even at 1,000 nodes); dot's replaces it when it is done.
    QTimer::singleShot(kDotPatienceMs, this, [this, a = m_analysis] {
        if (a != m_analysis || m_graph->hasLayout()) return;
        LayoutOptions fast;
        fast.forceFallback = true;
        auto layout = std::make_shared<GraphLayout>(layoutGraph(*a->graph, fast));
        layout->note = tr("Graphviz is still laying out this graph; a simple layered layout is shown until it is done.");
        appendLog(layout->note);
        emit statusMessage(layout->note, 0);
        m_graph->setGraphLayout(a, std::move(layout));
    });
}

void ModelPage::updateSummary() {
    if (!m_analysis) return;
    QString hints;
    m_summary->setText(summaryHtml(*m_analysis, &hints, m_compare->measured()));
    m_summary->setToolTip(hints);
}

void ModelPage::setMeasured(const MeasuredLatency& latency) {
    m_compare->setMeasured(latency);
    updateSummary();
}

void ModelPage::showLayout(AnalysisPtr analysis, std::shared_ptr<const GraphLayout> layout, qint64 elapsedMs) {
    if (analysis != m_analysis) return;  // a newer model is shown; its own layout is on the way
    emit layoutBusy(false);
    appendLog(tr("graph laid out in %1 ms (%2)").arg(elapsedMs).arg(layout->fallback ? layout->note : tr("Graphviz dot")));
    emit statusMessage(layout->fallback ? layout->note : QString(), layout->fallback ? 8000 : 0);
    m_graph->setGraphLayout(analysis, std::move(layout));
}

void ModelPage::setKernelDevice(int deviceIndex) {
    if (deviceIndex == m_kernelDevice) return;
    m_kernelDevice = deviceIndex;
    m_kernels->setAnalysis(m_analysis, deviceIndex);
    m_kernelTable->resizeColumnsToContents();
    if (m_kernelTable->columnWidth(KernelTableModel::Nodes) > 420) m_kernelTable->setColumnWidth(KernelTableModel::Nodes, 420);
    m_graph->setKernelDevice(deviceIndex);
    m_breakdown->refresh();
    m_compare->refresh();
    selectKernel(-1);
    emit kernelDeviceChanged(deviceIndex);
}

void ModelPage::selectKernel(int kernelId) {
    if (m_selecting) return;
    m_selecting = true;
    m_graph->selectKernel(kernelId);
    m_breakdown->selectKernel(kernelId);
    const int row = m_kernels->rowOfKernel(kernelId);
    if (row >= 0) {
        const QModelIndex index = m_sortedKernels->mapFromSource(m_kernels->index(row, 0));
        m_kernelTable->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        m_kernelTable->scrollTo(index);
    } else {
        m_kernelTable->selectionModel()->clearSelection();
    }
    m_selection->setText(m_analysis && row >= 0 ? kernelHtml(*m_analysis, m_kernelDevice, kernelId)
                                                : tr("Click a kernel in the graph, the table or a chart."));
    m_selecting = false;
}

bool ModelPage::showTab(const QString& name) {
    for (int i = 0; i < m_tabs->count(); ++i)
        if (m_tabs->tabText(i).remove('&').compare(name, Qt::CaseInsensitive) == 0) {
            m_tabs->setCurrentIndex(i);
            return true;
        }
    return false;
}

}  // namespace km::ui

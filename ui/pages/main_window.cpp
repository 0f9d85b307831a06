// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/pages/main_window.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QDragEnterEvent>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollArea>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QThreadPool>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include "ui/graphview/graph_view.h"
#include "ui/jobs/measure_job.h"
#include "ui/models/analysis_text.h"
#include "ui/models/kernel_table_model.h"
#include "ui/models/node_table_model.h"
#include "ui/pages/compare_page.h"
#include "ui/pages/predictor_page.h"
#include "ui/plots/breakdown_plot.h"
#include "ui/report/pdf_report.h"
#include "ui/report/report_job.h"
#include "ui/style/format.h"
#include "workflows/data_sources.h"

namespace km::ui {
namespace {

constexpr int kMaxRecent = 8;
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

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), m_deviceData(std::make_shared<DeviceDataCache>()) {
    setWindowTitle(tr("KernelMeter"));
    setAcceptDrops(true);
    m_loader = new ModelLoadJob(m_deviceData, this);
    m_measure = new MeasureJob(this);
    m_nodes = new NodeTableModel(this);
    m_kernels = new KernelTableModel(this);
    m_sortedNodes = new QSortFilterProxyModel(this);
    m_sortedNodes->setSourceModel(m_nodes);
    m_sortedNodes->setSortRole(NodeTableModel::SortRole);
    m_sortedKernels = new QSortFilterProxyModel(this);
    m_sortedKernels->setSourceModel(m_kernels);
    m_sortedKernels->setSortRole(KernelTableModel::SortRole);

    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(4, 4, 4, 0);
    m_banner = new QLabel(central);
    m_banner->setWordWrap(true);
    m_banner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_banner->setStyleSheet("QLabel { background: #b3261e; color: white; padding: 6px; border-radius: 3px; }");
    m_banner->hide();
    layout->addWidget(m_banner);

    auto* vertical = m_verticalSplitter = new QSplitter(Qt::Vertical, central);
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
    setCentralWidget(central);

    m_busy = new QProgressBar(this);
    m_busy->setMaximumWidth(160);
    m_busy->setRange(0, 0);
    m_busy->hide();
    m_reportBusy = new QProgressBar(this);  // its own: a model loading meanwhile must not hide it
    m_reportBusy->setMaximumWidth(160);
    m_reportBusy->setRange(0, 0);
    m_reportBusy->setFormat(tr("report"));
    m_reportBusy->hide();
    m_provenance = new QLabel(this);
    m_measureProgress = new QProgressBar(this);
    m_measureProgress->setMaximumWidth(220);
    m_measureProgress->setRange(0, 1000);
    m_measureProgress->setFormat(tr("measuring %p%"));
    m_measureProgress->hide();
    m_cancelMeasure = new QToolButton(this);
    m_cancelMeasure->setText(tr("Cancel"));
    m_cancelMeasure->setToolTip(tr("Stop measuring after the runtime process being timed (a few seconds)"));
    m_cancelMeasure->hide();
    statusBar()->addPermanentWidget(m_provenance);
    statusBar()->addPermanentWidget(m_busy);
    statusBar()->addPermanentWidget(m_reportBusy);
    statusBar()->addPermanentWidget(m_measureProgress);
    statusBar()->addPermanentWidget(m_cancelMeasure);
    connect(m_cancelMeasure, &QToolButton::clicked, m_measure, &MeasureJob::cancel);
    connect(m_measure, &MeasureJob::found, this, [this](const QString& path, const MeasuredLatency& l) {
        if (path != m_path) return;
        m_compare->setMeasured(l);
        updateSummary();
        log(tr("measured on %1: %2 ms (10-90%: %3, %4)")
                .arg(l.deviceId)
                .arg(l.medianMs, 0, 'f', 3)
                .arg(formatInterval(l.p10Ms, l.p90Ms), l.takenAtUtc));
    });
    connect(m_measure, &MeasureJob::progress, this, [this](double fraction, const QString& message, double secondsLeft) {
        m_measureProgress->setValue(int(1000 * fraction));
        statusBar()->showMessage(secondsLeft >= 0 ? tr("%1 (about %2 s left)").arg(message).arg(int(secondsLeft)) : message);
    });
    connect(m_measure, &MeasureJob::failed, this, [this](const QString&, const QString& message) { showError(message); });
    connect(m_measure, &MeasureJob::finished, this, [this](const QString& path, bool cancelled) {
        m_measureProgress->hide();
        m_cancelMeasure->hide();
        m_measureAction->setEnabled(true);
        log(cancelled ? tr("measuring %1 cancelled").arg(path) : tr("measuring %1 finished").arg(path));
        statusBar()->showMessage(cancelled ? tr("Measuring cancelled") : tr("Measured; see the Compare tab"), 8000);
    });

    m_reportJob = new ReportJob(this);
    connect(m_reportJob, &ReportJob::progress, this, [this](const QString& step) {
        m_reportAction->setEnabled(false);
        m_reportBusy->show();
        statusBar()->showMessage(step);
    });
    connect(m_reportJob, &ReportJob::finished, this, &MainWindow::reportFinished);

    buildMenus();
    buildToolBar();

    connect(m_loader, &ModelLoadJob::loaded, this,
            [this](quint64, const QString& path, AnalysisPtr a) { showAnalysis(path, std::move(a)); });
    connect(m_loader, &ModelLoadJob::failed, this, [this](quint64, const QString&, const QString& msg) { showError(msg); });
    connect(m_predictor, &PredictorPage::predictorBuilt, this, [this](const QString& id) {
        log(tr("predictor of %1 built; predicting again").arg(id));
        m_deviceData->invalidate(id.toStdString());
        reload();
    });
    connect(m_predictor, &PredictorPage::rulesDetected, this, [this](const QString& id) {
        log(tr("fusion rules of %1 detected; splitting the model into kernels again").arg(id));
        m_deviceData->invalidate(id.toStdString());
        reload();
    });
    connect(m_graph, &GraphView::kernelClicked, this, &MainWindow::selectKernel);
    connect(m_breakdown, &BreakdownPlot::kernelClicked, this, &MainWindow::selectKernel);
    connect(m_kernelTable->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& current) {
        if (m_selecting || !current.isValid()) return;
        selectKernel(m_sortedKernels->data(current, KernelTableModel::KernelIdRole).toInt());
    });

    QSettings settings;
    if (!restoreGeometry(settings.value("window/geometry").toByteArray())) resize(1400, 900);
    m_topSplitter->restoreState(settings.value("window/topSplitter").toByteArray());
    m_verticalSplitter->restoreState(settings.value("window/verticalSplitter").toByteArray());
    m_devices = settings
                    .value("devices/selected",
                           [] {
                               QStringList all;
                               for (const auto& id : predictableDeviceIds()) all << QString::fromStdString(id);
                               return all;
                           }())
                    .toStringList();
    updateDeviceButtons();
    // Read the chosen devices' rules and predictors (tens of MB of trees) while the user picks a
    // file, so that the first model opens as fast as the next ones.
    for (const QString& id : m_devices)  // one task per device: two predictors load in parallel
        QThreadPool::globalInstance()->start([data = m_deviceData, id = id.toStdString()] { data->get(id); });
}

MainWindow::~MainWindow() = default;

void MainWindow::setDevices(const QStringList& deviceIds) {
    QStringList known, unknown;
    const std::vector<std::string> all = predictableDeviceIds();
    for (const QString& id : deviceIds) {
        if (std::find(all.begin(), all.end(), id.toStdString()) != all.end())
            known << id;
        else
            unknown << id;
    }
    m_notice.clear();
    if (!unknown.isEmpty()) {
        QStringList ids;
        for (const auto& id : all) ids << QString::fromStdString(id);
        m_notice = tr("Unknown device(s) left out: %1. Known: %2.").arg(unknown.join(", "), ids.join(", "));
        showError(m_notice);
    }
    m_devices = known;
    updateDeviceButtons();
    reload();
}

QStringList MainWindow::devices() const { return m_devices; }

void MainWindow::updateDeviceButtons() {
    for (QToolButton* b : m_deviceButtons) {
        const QSignalBlocker block(b);
        b->setChecked(m_devices.contains(b->text()));
        QString tip = b->isChecked() ? tr("%1: selected").arg(b->text()) : tr("%1: click to predict for it too").arg(b->text());
        bool missing = false;  // selected, but no rules or predictor: greyed, the tooltip says why
        if (m_analysis)
            for (const DeviceAnalysis& d : m_analysis->devices)
                if (QString::fromStdString(d.deviceId) == b->text()) {
                    tip = provenanceText(d);
                    missing = !d.ok();
                }
        b->setToolTip(tip);
        b->setStyleSheet(missing ? QStringLiteral("QToolButton { color: palette(mid); text-decoration: line-through; }") : QString());
    }
}

void MainWindow::openFile(const QString& path) {
    m_path = path;
    reload();
}

void MainWindow::reload() {
    if (m_path.isEmpty()) return;
    statusBar()->showMessage(tr("Reading %1 ...").arg(QFileInfo(m_path).fileName()));
    m_busy->show();
    m_loader->load(m_path, m_devices);
}

void MainWindow::waitForLoad() {
    m_loader->waitForIdle();
    m_layoutRunner.waitForIdle();
    QCoreApplication::processEvents();
}

QString MainWindow::bannerText() const { return m_banner->text(); }
bool MainWindow::bannerVisible() const { return !m_banner->isHidden(); }
QString MainWindow::summaryText() const { return m_summary->text(); }
QString MainWindow::summaryToolTip() const { return m_summary->toolTip(); }
QString MainWindow::selectionText() const { return m_selection->text(); }
QString MainWindow::logText() const { return m_log->toPlainText(); }

void MainWindow::log(const QString& line) { m_log->appendPlainText(QDateTime::currentDateTime().toString("HH:mm:ss  ") + line); }

void MainWindow::showAnalysis(const QString& path, AnalysisPtr analysis) {
    m_analysis = std::move(analysis);
    if (m_notice.isEmpty())
        m_banner->hide();
    else
        m_banner->setText(m_notice);  // still true for this model
    m_busy->hide();
    const Graph& g = *m_analysis->graph;
    log(tr("opened %1: %2 nodes").arg(path).arg(g.nodes().size()));
    for (const DeviceAnalysis& d : m_analysis->devices)
        log(d.ok() ? tr("  %1: %2 ms predicted, %3 kernels (%4)")
                         .arg(QString::fromStdString(d.deviceId))
                         .arg(d.prediction.totalMs, 0, 'f', 3)
                         .arg(d.prediction.kernels.size())
                         .arg(QString::fromStdString(d.predictorSource))
                   : tr("  %1: %2").arg(QString::fromStdString(d.deviceId), QString::fromStdString(d.error)));
    m_nodes->setAnalysis(m_analysis);
    m_nodeTable->resizeColumnsToContents();
    constexpr int kMaxNameWidth = 360;
    if (m_nodeTable->columnWidth(NodeTableModel::Name) > kMaxNameWidth) m_nodeTable->setColumnWidth(NodeTableModel::Name, kMaxNameWidth);
    m_compare->clearMeasured();  // measurements of the previous file; this one's are looked up below
    updateSummary();

    // The kernel device: the one chosen before if it still has a prediction, else the first that has.
    const QString previous = m_kernelDeviceBox->currentText();
    m_kernelDeviceBox->clear();
    int chosen = -1;
    for (size_t i = 0; i < m_analysis->devices.size(); ++i) {
        if (!m_analysis->devices[i].ok()) continue;
        const QString id = QString::fromStdString(m_analysis->devices[i].deviceId);
        m_kernelDeviceBox->addItem(id, int(i));
        if (chosen < 0 || id == previous) chosen = int(i);
    }
    m_kernelDeviceBox->setEnabled(chosen >= 0);
    m_graph->setAnalysis(m_analysis);
    m_predictor->setAnalysis(m_analysis);
    m_measure->lookUp(path, QString::fromStdString(m_analysis->model->sha256()), m_devices);
    m_kernelDevice = -2;  // force the refresh
    setKernelDevice(chosen);
    updateDeviceButtons();

    setWindowTitle(tr("%1 - KernelMeter").arg(QFileInfo(path).fileName()));
    statusBar()->showMessage(tr("%1: %2 nodes; laying out the graph ...").arg(path).arg(g.nodes().size()));
    rememberRecent(path);
    m_busy->show();
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
        log(layout->note);
        statusBar()->showMessage(layout->note);
        m_graph->setGraphLayout(a, std::move(layout));
    });
    emit modelShown();
}

void MainWindow::updateSummary() {
    if (!m_analysis) return;
    QString hints;
    m_summary->setText(summaryHtml(*m_analysis, &hints, m_compare->measured()));
    m_summary->setToolTip(hints);
}

void MainWindow::showLayout(AnalysisPtr analysis, std::shared_ptr<const GraphLayout> layout, qint64 elapsedMs) {
    if (analysis != m_analysis) return;  // a newer model is shown; its own layout is on the way
    m_busy->hide();
    log(tr("graph laid out in %1 ms (%2)").arg(elapsedMs).arg(layout->fallback ? layout->note : tr("Graphviz dot")));
    if (layout->fallback)
        statusBar()->showMessage(layout->note, 8000);
    else
        statusBar()->clearMessage();
    m_graph->setGraphLayout(analysis, std::move(layout));
}

void MainWindow::setKernelDevice(int deviceIndex) {
    if (deviceIndex == m_kernelDevice) return;
    m_kernelDevice = deviceIndex;
    const int boxIndex = m_kernelDeviceBox->findData(deviceIndex);
    if (boxIndex >= 0) m_kernelDeviceBox->setCurrentIndex(boxIndex);
    m_kernels->setAnalysis(m_analysis, deviceIndex);
    m_kernelTable->resizeColumnsToContents();
    if (m_kernelTable->columnWidth(KernelTableModel::Nodes) > 420) m_kernelTable->setColumnWidth(KernelTableModel::Nodes, 420);
    m_graph->setKernelDevice(deviceIndex);
    m_breakdown->refresh();
    m_compare->refresh();
    m_provenance->setText(m_kernels->kernelDeviceAnalysis() ? provenanceText(*m_kernels->kernelDeviceAnalysis()).section(", from", 0, 0)
                                                            : QString());
    selectKernel(-1);
}

void MainWindow::selectKernel(int kernelId) {
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

void MainWindow::showError(const QString& message) {
    m_busy->hide();
    m_banner->setText(message);
    m_banner->show();
    log(tr("error: %1").arg(message));
    if (message != m_notice) statusBar()->showMessage(tr("Could not open the file; the previous model is still shown."));
}

void MainWindow::chooseFile() {
    QSettings settings;
    const QString path = QFileDialog::getOpenFileName(this, tr("Open model"), settings.value("files/lastDir").toString(),
                                                      tr("Models (*.onnx *.json);;All files (*)"));
    if (path.isEmpty()) return;
    settings.setValue("files/lastDir", QFileInfo(path).absolutePath());
    openFile(path);
}

void MainWindow::exportCsv() {
    if (!m_kernels->rowCount()) {
        statusBar()->showMessage(tr("Nothing to export: open a model and pick a device with a predictor."), 5000);
        return;
    }
    const QString path =
        askExportPath(tr("Export kernels"), QFileInfo(m_path).completeBaseName() + "-kernels.csv", tr("CSV files (*.csv)"));
    if (path.isEmpty()) return;
    QSaveFile out(path);
    if (!out.open(QIODevice::WriteOnly) || out.write(m_kernels->toCsv().toUtf8()) < 0 || !out.commit()) {
        showError(tr("%1: cannot write the file (%2).").arg(path, out.errorString()));
        return;
    }
    log(tr("kernels exported to %1").arg(path));
}

bool MainWindow::showTab(const QString& name) {
    for (int i = 0; i < m_tabs->count(); ++i)
        if (m_tabs->tabText(i).remove('&').compare(name, Qt::CaseInsensitive) == 0) {
            m_tabs->setCurrentIndex(i);
            return true;
        }
    return false;
}

void MainWindow::startMeasuring() {
    if (!m_analysis || m_devices.isEmpty()) {
        statusBar()->showMessage(tr("Open a model and choose at least one device first."), 5000);
        return;
    }
    if (!m_measure->measure(m_path, m_devices)) return;
    m_measureAction->setEnabled(false);
    m_measureProgress->setValue(0);
    m_measureProgress->show();
    m_cancelMeasure->show();
    log(tr("measuring %1 on %2 with %3").arg(m_path, m_devices.join(", "), MeasureJob::agentPath()));
}

void MainWindow::chooseReportFile() {
    if (!m_analysis) {
        statusBar()->showMessage(tr("Nothing to report: open a model first."), 5000);
        return;
    }
    const QString path =
        askExportPath(tr("Export PDF report"), QFileInfo(m_path).completeBaseName() + "-report.pdf", tr("PDF files (*.pdf)"));
    if (!path.isEmpty()) startReport(path);
}

QString MainWindow::askExportPath(const QString& title, const QString& fileName, const QString& filter) {
    // The folder of the last export, else Documents (not the folder of the model, which may be
    // read-only, like the installed example's, nor the working directory of a menu launch).
    QSettings settings;
    QString folder = settings.value("files/exportDir", QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation)).toString();
    if (!QDir(folder).exists()) folder = QDir::homePath();
    const QString path = QFileDialog::getSaveFileName(this, title, QDir(folder).filePath(fileName), filter);
    if (!path.isEmpty()) settings.setValue("files/exportDir", QFileInfo(path).absolutePath());
    return path;
}

ReportOptions MainWindow::reportOptions() const {
    ReportOptions options;
    options.kernelDevice = m_kernelDevice;
    options.measured = m_compare->measured();
    return options;
}

bool MainWindow::startReport(const QString& path) {
    const QString error = m_reportJob->start(path, m_analysis, m_graph->currentLayout(), reportOptions());
    if (!error.isEmpty()) showError(error);
    return error.isEmpty();
}

void MainWindow::reportFinished(const QString& path, const QString& error) {
    m_reportBusy->hide();
    m_reportAction->setEnabled(true);
    if (!error.isEmpty()) {
        showError(error);
        statusBar()->clearMessage();
        return;
    }
    log(tr("report written to %1").arg(path));
    statusBar()->showMessage(tr("Report written to %1").arg(path), 8000);
}

QString MainWindow::exportReport(const QString& path) {
    if (!m_analysis) return tr("%1: nothing to report, no model is open.").arg(path);
    const QString error = writePdfReport(path, m_analysis, m_graph->currentLayout(), reportOptions());
    reportFinished(path, error);
    return error;
}

void MainWindow::rememberRecent(const QString& path) {
    QSettings settings;
    QStringList recent = settings.value("files/recent").toStringList();
    const QString absolute = QFileInfo(path).absoluteFilePath();
    recent.removeAll(absolute);
    recent.prepend(absolute);
    while (recent.size() > kMaxRecent) recent.removeLast();
    settings.setValue("files/recent", recent);
    rebuildRecentMenu();
}

bool MainWindow::openExample() {
    const std::optional<std::string> example = bundledExamplePath();
    if (!example) return false;
    openFile(QString::fromStdString(*example));
    return true;
}

bool MainWindow::isFirstStart() { return QSettings().value("files/recent").toStringList().isEmpty(); }

void MainWindow::rebuildRecentMenu() {
    m_recentMenu->clear();
    const QStringList recent = QSettings().value("files/recent").toStringList();
    for (const QString& path : recent) m_recentMenu->addAction(path, this, [this, path] { openFile(path); });
    m_recentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const auto urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.first().isLocalFile()) openFile(urls.first().toLocalFile());
}

void MainWindow::closeEvent(QCloseEvent* event) {
    QSettings settings;
    settings.setValue("window/geometry", saveGeometry());
    settings.setValue("window/topSplitter", m_topSplitter->saveState());
    settings.setValue("window/verticalSplitter", m_verticalSplitter->saveState());
    QMainWindow::closeEvent(event);
}

}  // namespace km::ui

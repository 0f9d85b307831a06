// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/pages/main_window.h"
#include "ui/pages/file_dialogs.h"

#include <QAction>
#include <QCloseEvent>
#include <QComboBox>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QSaveFile>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QTableView>
#include <QThreadPool>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>
#include <cmath>

#include "ui/graphview/graph_view.h"
#include "ui/jobs/measure_job.h"
#include "ui/models/analysis_text.h"
#include "ui/models/kernel_table_model.h"
#include "ui/models/node_table_model.h"
#include "ui/pages/compare_page.h"
#include "ui/pages/model_page.h"
#include "ui/pages/predictor_page.h"
#include "ui/plots/breakdown_plot.h"
#include "ui/report/pdf_report.h"
#include "ui/report/report_job.h"
#include "ui/style/format.h"
#include "workflows/data_sources.h"
#include "workflows/device_analyzer.h"

namespace km::ui {
namespace {

constexpr int kMaxRecent = 8;
}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), m_deviceData(std::make_shared<DeviceDataCache>()) {
    setWindowTitle(tr("KernelMeter"));
    setAcceptDrops(true);
    m_loader = new ModelLoadJob(m_deviceData, this);
    m_measure = new MeasureJob(this);

    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(4, 4, 4, 0);
    m_banner = new QLabel(central);
    m_banner->setWordWrap(true);
    m_banner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_banner->setStyleSheet("QLabel { background: #b3261e; color: white; padding: 6px; border-radius: 3px; }");
    m_banner->hide();
    layout->addWidget(m_banner);
    m_page = new ModelPage(central);
    layout->addWidget(m_page, 1);
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
        m_page->setMeasured(l);
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
    connect(m_measure, &MeasureJob::finished, this, [this](const QString& path, bool cancelled, int measured, int asked) {
        m_measureProgress->hide();
        m_cancelMeasure->hide();
        m_measureAction->setEnabled(true);
        log(cancelled ? tr("measuring %1 cancelled").arg(path) : tr("measuring %1 finished").arg(path));
        m_deviceData->invalidate();  // the devices' usual speed may have moved: read again
        statusBar()->showMessage(cancelled          ? tr("Measuring cancelled")
                                 : measured == 0    ? tr("Nothing was measured; the banner says why")
                                 : measured < asked ? tr("Measured on %1 of %2 devices; see the Compare tab").arg(measured).arg(asked)
                                                    : tr("Measured; see the Compare tab"),
                                 8000);
        repredictIfSpeedMoved(path);  // also after a cancel: what was measured before it is stored
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
    connect(m_loader, &ModelLoadJob::failed, this, [this](quint64, const QString&, const QString& msg) {
        m_loading = m_path;
        m_busy->hide();
        showError(msg);
        statusBar()->showMessage(m_page->analysis() ? tr("Could not open the file; the previous model is still shown.")
                                                    : tr("Could not open the file."));
    });
    connect(m_page->predictorPage(), &PredictorPage::predictorBuilt, this, [this](const QString& id) {
        log(tr("predictor of %1 built or adapted; predicting again").arg(id));
        m_deviceData->invalidate(id.toStdString());
        reload();
    });
    connect(m_page->predictorPage(), &PredictorPage::toolWarning, this,
            [this](const QString& id, const QString& message) { log(tr("%1: warning: %2").arg(id, message)); });
    connect(m_page->predictorPage(), &PredictorPage::predictorExported, this,
            [this](const QString& id, const QString& path, const QString& error) {
                if (!error.isEmpty()) {
                    m_banner->setText(error);
                    m_banner->show();
                    log(tr("error: %1").arg(error));
                    return;
                }
                log(tr("predictor of %1 written to %2, with its fusion rules (File > Import a predictor adds it elsewhere)").arg(id, path));
                statusBar()->showMessage(tr("%1's predictor written to %2.").arg(id, path), 8000);
            });
    connect(m_page->predictorPage(), &PredictorPage::rulesDetected, this, [this](const QString& id) {
        log(tr("fusion rules of %1 detected; splitting the model into kernels again").arg(id));
        m_deviceData->invalidate(id.toStdString());
        reload();
    });
    connect(m_page, &ModelPage::kernelDeviceChanged, this, [this](int deviceIndex) {
        const int boxIndex = m_kernelDeviceBox->findData(deviceIndex);
        if (boxIndex >= 0) m_kernelDeviceBox->setCurrentIndex(boxIndex);
        const KernelTableModel* kernels = m_page->kernelModel();
        m_provenance->setText(kernels->kernelDeviceAnalysis() ? provenanceText(*kernels->kernelDeviceAnalysis()).section(", from", 0, 0)
                                                              : QString());
    });
    connect(m_page, &ModelPage::layoutBusy, m_busy, &QWidget::setVisible);
    connect(m_page, &ModelPage::statusMessage, this, [this](const QString& message, int timeoutMs) {
        if (message.isEmpty())
            statusBar()->clearMessage();
        else
            statusBar()->showMessage(message, timeoutMs);
    });

    QSettings settings;
    if (!restoreGeometry(settings.value("window/geometry").toByteArray())) resize(1400, 900);
    m_page->topSplitter()->restoreState(settings.value("window/topSplitter").toByteArray());
    m_page->verticalSplitter()->restoreState(settings.value("window/verticalSplitter").toByteArray());
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
    reload();  // the Predictor tab shows them before a model is open
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
        bool missing = false;    // selected, but no rules or predictor: greyed, the tooltip says why
        bool otherHost = false;  // its predictor was built on another machine: marked, the tooltip says what to do
        // The model's analysis, or before any model the devices alone (the Predictor tab's).
        if (const AnalysisPtr a = m_page->predictorPage()->analysis())
            for (const DeviceAnalysis& d : a->devices)
                if (QString::fromStdString(d.deviceId) == b->text()) {
                    tip = provenanceText(d);
                    missing = !d.ok();
                    otherHost = !hostMismatchText(d).isEmpty();
                }
        b->setToolTip(tip);
        b->setIcon(otherHost ? style()->standardIcon(QStyle::SP_MessageBoxWarning) : QIcon());
        b->setToolButtonStyle(otherHost ? Qt::ToolButtonTextBesideIcon : Qt::ToolButtonTextOnly);
        b->setStyleSheet(missing ? QStringLiteral("QToolButton { color: palette(mid); text-decoration: line-through; }") : QString());
    }
}

void MainWindow::openFile(const QString& path) {
    m_loading = path;
    reload();
}

void MainWindow::reload() {
    // A file being opened is read again with the new devices; else the model shown. A file that
    // could not be opened leaves the shown one in place, which is what measuring, exporting and
    // the next reload use.
    if (m_loading.isEmpty()) {  // no model yet: the devices alone, for the Predictor tab
        m_loader->load({}, m_devices);
        return;
    }
    statusBar()->showMessage(tr("Reading %1 ...").arg(QFileInfo(m_loading).fileName()));
    m_busy->show();
    m_loader->load(m_loading, m_devices);
}

void MainWindow::repredictIfSpeedMoved(const QString& measuredPath) {
    const AnalysisPtr shown = m_page->analysis();
    if (!shown || measuredPath != m_path) return;
    struct Predicted {
        std::string deviceId;
        std::shared_ptr<const PredictorSet> predictor;
        double usualMs;  // the usual reference time it was carried to; 0: not carried
    };
    std::vector<Predicted> predicted;
    for (const DeviceAnalysis& d : shown->devices)
        if (d.ok() && d.predictor) predicted.push_back({d.deviceId, d.predictor, d.usual.referenceMs});
    constexpr double kMoved = 0.005;  // below this the shown times (2-3 significant digits) hardly change
    m_speedCheck.run(
        [predicted] {
            QStringList moved;
            for (const Predicted& p : predicted) {
                const double nowMs = usualSpeedNow(p.deviceId, *p.predictor).referenceMs;
                const QString id = QString::fromStdString(p.deviceId);
                if (p.usualMs > 0 && nowMs > 0 && std::abs(nowMs / p.usualMs - 1) > kMoved)
                    moved << tr("%1's usual speed moved (reference workload %2 ms, was %3 ms)")
                                 .arg(id)
                                 .arg(nowMs, 0, 'f', 3)
                                 .arg(p.usualMs, 0, 'f', 3);
                else if ((p.usualMs > 0) != (nowMs > 0))
                    moved << (nowMs > 0 ? tr("%1's usual speed is known now (reference workload %2 ms)").arg(id).arg(nowMs, 0, 'f', 3)
                                        : tr("%1's usual speed is no longer known").arg(id));
            }
            return moved;
        },
        [this, shown](quint64, const QStringList& moved) {
            if (moved.isEmpty() || m_page->analysis() != shown) return;  // nothing moved, or another model is open
            log(tr("%1 with the new measurements; predicting again").arg(moved.join("; ")));
            reload();
        });
}

void MainWindow::waitForLoad() {
    m_speedCheck.waitForIdle();
    m_loader->waitForIdle();
    m_page->waitForLayout();
    QCoreApplication::processEvents();
}

QString MainWindow::bannerText() const { return m_banner->text(); }
bool MainWindow::bannerVisible() const { return !m_banner->isHidden(); }
QString MainWindow::summaryText() const { return m_page->summaryText(); }
QString MainWindow::summaryToolTip() const { return m_page->summaryToolTip(); }
QString MainWindow::selectionText() const { return m_page->selectionText(); }
QString MainWindow::logText() const { return m_page->logText(); }
AnalysisPtr MainWindow::analysis() const { return m_page->analysis(); }
const NodeTableModel* MainWindow::nodeModel() const { return m_page->nodeModel(); }
const KernelTableModel* MainWindow::kernelModel() const { return m_page->kernelModel(); }
GraphView* MainWindow::graphView() const { return m_page->graphView(); }
BreakdownPlot* MainWindow::breakdownPlot() const { return m_page->breakdownPlot(); }
QTabWidget* MainWindow::tabs() const { return m_page->tabs(); }
QTableView* MainWindow::kernelTable() const { return m_page->kernelTable(); }
PredictorPage* MainWindow::predictorPage() const { return m_page->predictorPage(); }
ComparePage* MainWindow::comparePage() const { return m_page->comparePage(); }
void MainWindow::selectKernel(int kernelId) { m_page->selectKernel(kernelId); }
bool MainWindow::showTab(const QString& name) { return m_page->showTab(name); }

void MainWindow::log(const QString& line) { m_page->appendLog(line); }

void MainWindow::showAnalysis(const QString& path, AnalysisPtr analysis) {
    if (path.isEmpty()) {  // the devices without a model (reload): their predictors, nothing else
        m_page->predictorPage()->setAnalysis(std::move(analysis));
        updateDeviceButtons();
        return;
    }
    if (m_notice.isEmpty())
        m_banner->hide();
    else
        m_banner->setText(m_notice);  // still true for this model
    m_busy->hide();
    m_path = path;
    log(tr("opened %1: %2 nodes").arg(path).arg(analysis->graph->nodes().size()));
    for (const DeviceAnalysis& d : analysis->devices)
        log(d.ok() ? tr("  %1: %2 ms predicted, %3 kernels (%4)")
                         .arg(QString::fromStdString(d.deviceId))
                         .arg(d.prediction.totalMs, 0, 'f', 3)
                         .arg(d.prediction.kernels.size())
                         .arg(QString::fromStdString(d.predictorSource))
                   : tr("  %1: %2").arg(QString::fromStdString(d.deviceId), QString::fromStdString(d.error)));
    // The toolbar's kernel devices (those with a prediction), before the page picks one of them.
    const QString previous = m_kernelDeviceBox->currentText();
    m_kernelDeviceBox->clear();
    for (size_t i = 0; i < analysis->devices.size(); ++i)
        if (analysis->devices[i].ok()) m_kernelDeviceBox->addItem(QString::fromStdString(analysis->devices[i].deviceId), int(i));
    m_kernelDeviceBox->setEnabled(m_kernelDeviceBox->count() > 0);
    const QString sha256 = QString::fromStdString(analysis->model->sha256());
    setWindowTitle(tr("%1 - KernelMeter").arg(QFileInfo(path).fileName()));
    m_page->showAnalysis(std::move(analysis), previous);
    m_measure->lookUp(path, sha256, m_devices);
    updateDeviceButtons();
    rememberRecent(path);
    emit modelShown();
}

void MainWindow::showError(const QString& message) {
    m_banner->setText(message);
    m_banner->show();
    log(tr("error: %1").arg(message));
}

QString MainWindow::askOpenPath(const QString& title, const QString& filter) {
    QSettings settings;  // the folder of the last file opened (a model or a predictor)
    const QString path = QFileDialog::getOpenFileName(this, title, settings.value("files/lastDir").toString(), filter);
    if (!path.isEmpty()) settings.setValue("files/lastDir", QFileInfo(path).absolutePath());
    return path;
}

void MainWindow::chooseFile() {
    const QString path = askOpenPath(tr("Open model"), tr("Models (*.onnx *.json);;All files (*)"));
    if (!path.isEmpty()) openFile(path);
}

void MainWindow::exportCsv() {
    const KernelTableModel* kernels = m_page->kernelModel();
    if (!kernels->rowCount()) {
        statusBar()->showMessage(tr("Nothing to export: open a model and pick a device with a predictor."), 5000);
        return;
    }
    const QString path =
        askExportPath(this, tr("Export kernels"), QFileInfo(m_path).completeBaseName() + "-kernels.csv", tr("CSV files (*.csv)"));
    if (path.isEmpty()) return;
    QSaveFile out(path);
    if (!out.open(QIODevice::WriteOnly) || out.write(kernels->toCsv().toUtf8()) < 0 || !out.commit()) {
        showError(tr("%1: cannot write the file (%2).").arg(path, out.errorString()));
        return;
    }
    log(tr("kernels exported to %1").arg(path));
}

void MainWindow::startMeasuring() {
    if (!m_page->analysis() || m_devices.isEmpty()) {
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
    if (!m_page->analysis()) {
        statusBar()->showMessage(tr("Nothing to report: open a model first."), 5000);
        return;
    }
    const QString path =
        askExportPath(this, tr("Export PDF report"), QFileInfo(m_path).completeBaseName() + "-report.pdf", tr("PDF files (*.pdf)"));
    if (!path.isEmpty()) startReport(path);
}

ReportOptions MainWindow::reportOptions() const {
    ReportOptions options;
    options.kernelDevice = m_page->kernelDevice();
    options.measured = m_page->comparePage()->measured();
    return options;
}

bool MainWindow::startReport(const QString& path) {
    const QString error = m_reportJob->start(path, m_page->analysis(), m_page->graphView()->currentLayout(), reportOptions());
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
    if (!m_page->analysis()) return tr("%1: nothing to report, no model is open.").arg(path);
    const QString error = writePdfReport(path, m_page->analysis(), m_page->graphView()->currentLayout(), reportOptions());
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
    settings.setValue("window/topSplitter", m_page->topSplitter()->saveState());
    settings.setValue("window/verticalSplitter", m_page->verticalSplitter()->saveState());
    QMainWindow::closeEvent(event);
}

}  // namespace km::ui

#include "ui/pages/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QMenuBar>
#include <QMimeData>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QTableView>
#include <QVBoxLayout>
#include <map>

#include "ui/jobs/model_load_job.h"

namespace km::ui {
namespace {

QString compact(int64_t v) {
    const double d = static_cast<double>(v);
    if (d >= 1e9) return QString::number(d / 1e9, 'g', 3) + " G";
    if (d >= 1e6) return QString::number(d / 1e6, 'g', 3) + " M";
    if (d >= 1e3) return QString::number(d / 1e3, 'g', 3) + " k";
    return QString::number(v);
}

constexpr int kMaxRecent = 8;

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(tr("KernelMeter"));
    setAcceptDrops(true);
    m_loader = new ModelLoadJob(this);
    m_nodes = new NodeTableModel(this);
    m_sorted = new QSortFilterProxyModel(this);
    m_sorted->setSourceModel(m_nodes);
    m_sorted->setSortRole(NodeTableModel::SortRole);

    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    m_banner = new QLabel(central);
    m_banner->setWordWrap(true);
    m_banner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_banner->setStyleSheet("QLabel { background: #b3261e; color: white; padding: 6px; border-radius: 3px; }");
    m_banner->hide();
    layout->addWidget(m_banner);

    auto* splitter = new QSplitter(Qt::Horizontal, central);
    m_summary = new QLabel(tr("Open an ONNX or nn-Meter IR file: File > Open (Ctrl+O) or drop it here."), splitter);
    m_summary->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_summary->setWordWrap(true);
    m_summary->setMinimumWidth(220);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_table = new QTableView(splitter);
    m_table->setModel(m_sorted);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(NodeTableModel::Index, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->setTextElideMode(Qt::ElideLeft);  // node paths differ in their tails
    m_table->horizontalHeader()->setStretchLastSection(true);
    splitter->setStretchFactor(1, 1);
    layout->addWidget(splitter, 1);
    setCentralWidget(central);

    auto* file = menuBar()->addMenu(tr("&File"));
    auto* open = file->addAction(tr("&Open..."), this, &MainWindow::chooseFile);
    open->setShortcut(QKeySequence::Open);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    file->addSeparator();
    auto* quit = file->addAction(tr("&Quit"), qApp, &QApplication::closeAllWindows);
    quit->setShortcut(QKeySequence::Quit);
    rebuildRecentMenu();

    connect(m_loader, &ModelLoadJob::loaded, this,
            [this](quint64, const QString& path, std::shared_ptr<const LoadedModel> model) { showModel(path, std::move(model)); });
    connect(m_loader, &ModelLoadJob::failed, this, [this](quint64, const QString&, const QString& msg) { showError(msg); });

    QSettings settings;
    if (!restoreGeometry(settings.value("window/geometry").toByteArray())) resize(1280, 800);
}

MainWindow::~MainWindow() = default;

void MainWindow::openFile(const QString& path) {
    statusBar()->showMessage(tr("Reading %1 ...").arg(QFileInfo(path).fileName()));
    m_loader->load(path);
}

void MainWindow::waitForLoad() { m_loader->waitForIdle(); }

QString MainWindow::bannerText() const { return m_banner->text(); }
bool MainWindow::bannerVisible() const { return !m_banner->isHidden(); }
QString MainWindow::summaryText() const { return m_summary->text(); }
QString MainWindow::summaryToolTip() const { return m_summary->toolTip(); }

void MainWindow::showModel(const QString& path, std::shared_ptr<const LoadedModel> model) {
    m_model = std::move(model);
    m_banner->hide();
    m_nodes->setModel(m_model);
    m_table->resizeColumnsToContents();
    constexpr int kMaxNameWidth = 360;
    if (m_table->columnWidth(NodeTableModel::Name) > kMaxNameWidth) m_table->setColumnWidth(NodeTableModel::Name, kMaxNameWidth);
    const Graph& g = m_model->graph;
    const NodeMetrics& t = m_model->metrics.total;
    std::map<std::string, int> ops;
    for (const auto& n : g.nodes()) ++ops[n.opType];
    QString opList;
    for (const auto& [op, count] : ops) opList += QString("%1 %2<br>").arg(count).arg(QString::fromStdString(op).toHtmlEscaped());
    QString warnings;
    for (const auto& w : g.warnings) warnings += "<p style='color:#b26a00'>" + QString::fromStdString(w).toHtmlEscaped() + "</p>";
    // Predicted latency per device; a device without rules or a predictor says why.
    QString latency, tooltip;
    for (const DeviceEstimate& e : m_model->estimates) {
        const QString id = QString::fromStdString(e.deviceId).toHtmlEscaped();
        if (!e.error.empty()) {
            // The reason's first clause ("no fusion rules", "no predictor"); the full message,
            // with the command that fixes it, is the summary's tooltip.
            QString reason = QString::fromStdString(e.error).section(':', 0, 0);
            reason.remove(QString(" for device %1").arg(QString::fromStdString(e.deviceId)));
            latency += tr("%1: <span style='color:#777'>%2</span><br>").arg(id, reason.toHtmlEscaped());
            tooltip += QString::fromStdString(e.error) + "\n";
            continue;
        }
        latency += tr("%1: <b>%2 ms</b> [%3, %4], %5 kernels<br>")
                       .arg(id, QString::number(e.totalMs, 'f', 2), QString::number(e.lowMs, 'f', 2),
                            QString::number(e.highMs, 'f', 2))
                       .arg(e.kernels);
        for (const auto& w : e.warnings)
            latency += "<span style='color:#b26a00'>" + QString::fromStdString(w).toHtmlEscaped() + "</span><br>";
    }
    if (!latency.isEmpty()) latency = tr("<p><b>Predicted latency</b><br>%1</p>").arg(latency);
    m_summary->setToolTip(tooltip.trimmed());
    m_summary->setText(tr("<h3>%1</h3>%2%3<br>%4 nodes<br>%5 MACs<br>%6 FLOPs<br>%7 params%8<p>%9</p>%10")
                           .arg(QFileInfo(path).fileName().toHtmlEscaped(), QString::fromStdString(g.info.format),
                                g.info.opset ? tr(", opset %1").arg(g.info.opset) : QString())
                           .arg(g.nodes().size())
                           .arg(compact(t.macs), compact(t.flops), compact(t.params), latency, opList, warnings));
    setWindowTitle(tr("%1 - KernelMeter").arg(QFileInfo(path).fileName()));
    statusBar()->showMessage(tr("%1: %2 nodes").arg(path).arg(g.nodes().size()));
    rememberRecent(path);
}

void MainWindow::showError(const QString& message) {
    m_banner->setText(message);
    m_banner->show();
    statusBar()->showMessage(tr("Could not open the file; the previous model is still shown."));
}

void MainWindow::chooseFile() {
    QSettings settings;
    const QString path = QFileDialog::getOpenFileName(this, tr("Open model"), settings.value("files/lastDir").toString(),
                                                      tr("Models (*.onnx *.json);;All files (*)"));
    if (path.isEmpty()) return;
    settings.setValue("files/lastDir", QFileInfo(path).absolutePath());
    openFile(path);
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
    QSettings().setValue("window/geometry", saveGeometry());
    QMainWindow::closeEvent(event);
}

}  // namespace km::ui

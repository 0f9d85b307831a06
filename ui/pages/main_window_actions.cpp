// SPDX-License-Identifier: GPL-3.0-or-later
// MainWindow's menus and toolbar (the window's actions), kept apart from its layout and views.
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>
#include <QToolButton>

#include "ui/graphview/graph_view.h"
#include "ui/pages/devices_dialog.h"
#include "ui/pages/main_window.h"
#include "ui/pages/model_page.h"
#include "ui/pages/predictor_page.h"
#include "workflows/data_sources.h"

namespace km::ui {

void MainWindow::buildMenus() {
    auto* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open..."), QKeySequence::Open, this, &MainWindow::chooseFile);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    if (bundledExamplePath()) file->addAction(tr("Open the &example model"), this, &MainWindow::openExample);
    file->addAction(tr("&Import a predictor..."), this, &MainWindow::chooseImportPredictor)
        ->setToolTip(tr("Add a predictor file (kernelmeter-cli predictor export, adapt -o) to your database as a device's predictor"));
    m_reportAction = file->addAction(tr("Export PDF &report..."), QKeySequence::Print, this, &MainWindow::chooseReportFile);
    file->addAction(tr("Export kernels as &CSV..."), this, &MainWindow::exportCsv);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, qApp, &QApplication::closeAllWindows);
    rebuildRecentMenu();

    auto* view = menuBar()->addMenu(tr("&View"));
    view->addAction(tr("&Fit graph"), QKeySequence(Qt::Key_F), this, [this] { m_page->graphView()->fitAll(); });
    view->addAction(tr("Zoom &in"), QKeySequence(Qt::Key_Plus), this, [this] { m_page->graphView()->zoomBy(1.25); });
    view->addAction(tr("Zoom &out"), QKeySequence(Qt::Key_Minus), this, [this] { m_page->graphView()->zoomBy(0.8); });
    view->addAction(tr("&Heat map"), QKeySequence(Qt::Key_H), this,
                    [this] { m_colouringBox->setCurrentIndex(m_colouringBox->currentIndex() == 0 ? 1 : 0); });
    view->addAction(tr("Find node..."), QKeySequence::Find, this, [this] {
        m_find->setFocus();
        m_find->selectAll();
    });
    view->addAction(tr("Clear selection"), QKeySequence(Qt::Key_Escape), this, [this] { selectKernel(-1); });

    auto* tools = menuBar()->addMenu(tr("&Tools"));
    m_measureAction =
        tools->addAction(tr("&Measure on the chosen devices"), QKeySequence(Qt::CTRL | Qt::Key_M), this, &MainWindow::startMeasuring);
    m_measureAction->setToolTip(
        tr("Runs the model through kernelmeter-agent on every chosen device (about a minute each) "
           "and shows the measured latency beside the prediction"));
    tools->addAction(tr("&Detect fusion rules..."), this, [this] {
        m_page->tabs()->setCurrentWidget(m_page->predictorPage());
        m_page->predictorPage()->confirmAndDetect();  // for the device chosen on the Predictor tab
    });
    tools->addAction(tr("&Adapt a predictor..."), this, [this] {
        m_page->tabs()->setCurrentWidget(m_page->predictorPage());
        m_page->predictorPage()->confirmAndAdapt();  // for the device chosen on the Predictor tab
    });
    tools->addAction(tr("&Build a predictor..."), this, [this] {
        m_page->tabs()->setCurrentWidget(m_page->predictorPage());
        m_page->predictorPage()->confirmAndBuild();  // for the device chosen on the Predictor tab
    });
    tools->addSeparator();
    tools->addAction(tr("De&vices..."), this, &MainWindow::showDevicesDialog);

    auto* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Keyboard shortcuts"), this, [this] {
        QMessageBox::information(this, tr("Keyboard shortcuts"),
                                 tr("Ctrl+O  open a model\nCtrl+F  find a node by name or op (Enter: next match)\n"
                                    "F  fit the graph\n+ / -  zoom (or Ctrl+wheel)\nH  kernel types / latency heat map\n"
                                    "Esc  clear the selection\nDrag  pan the graph"));
    });
    help->addAction(tr("&About KernelMeter"), this, [this] {
        QMessageBox::about(this, tr("About KernelMeter"),
                           tr("KernelMeter %1: predicts the inference latency of a neural network on a device, kernel by "
                              "kernel.")
                               .arg(QCoreApplication::applicationVersion()));
    });
}

void MainWindow::rebuildDeviceButtons() {
    for (QToolButton* b : m_deviceButtons) b->deleteLater();
    m_deviceButtons.clear();
    for (const std::string& id : predictableDeviceIds()) {
        auto* b = new QToolButton(m_deviceBar);
        b->setText(QString::fromStdString(id));
        b->setObjectName(QString::fromStdString("device-" + id));
        b->setCheckable(true);
        b->setToolButtonStyle(Qt::ToolButtonTextOnly);
        connect(b, &QToolButton::toggled, this, [this, id = QString::fromStdString(id)](bool on) {
            if (on && !m_devices.contains(id)) m_devices << id;
            if (!on) m_devices.removeAll(id);
            QSettings().setValue("devices/selected", m_devices);
            reload();
        });
        m_deviceBar->layout()->addWidget(b);
        m_deviceButtons.push_back(b);
    }
}

DevicesDialog* MainWindow::devicesDialog() const { return m_devicesDialog.data(); }

QToolButton* MainWindow::deviceButton(const QString& id) const {
    for (QToolButton* b : m_deviceButtons)
        if (b->text() == id) return b;
    return nullptr;
}

void MainWindow::showDevicesDialog() {
    auto* dialog = new DevicesDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &DevicesDialog::devicesChanged, this, [this] { devicesChanged(); });
    dialog->show();
    m_devicesDialog = dialog;
}

void MainWindow::devicesChanged(const QString& choose) {
    // A removed device leaves the selection; the others keep theirs. Predictors and hellos may
    // have changed: forget what was read and predict again.
    const std::vector<std::string> all = predictableDeviceIds();
    QStringList kept;
    for (const QString& id : m_devices)
        if (std::find(all.begin(), all.end(), id.toStdString()) != all.end()) kept << id;
    if (!choose.isEmpty() && !kept.contains(choose)) kept << choose;
    m_devices = kept;
    rebuildDeviceButtons();
    m_deviceData->invalidate();
    updateDeviceButtons();
    reload();
}

void MainWindow::chooseImportPredictor() {
    const QString path = askOpenPath(tr("Import a predictor"), tr("Predictors (*.json);;All files (*)"));
    if (!path.isEmpty()) importPredictorAsking(path);
}

void MainWindow::importPredictorAsking(const QString& path) {
    statusBar()->showMessage(tr("Reading the predictor %1...").arg(path));
    // Read first (a predictor is megabytes of trees), then say what it is and ask which device's
    // predictor it becomes: the one it names, or another id for a device of one's own.
    m_predictorImport.run(
        [file = path.toStdString()] { return readPredictorFile(file); },
        [this, path](quint64, const Result<PredictorFile>& read) {
            if (!read) {
                predictorImported(path, read.error());
                return;
            }
            statusBar()->clearMessage();
            bool ok = false;
            const QString id = QInputDialog::getText(this, tr("Import a predictor"),
                                                     tr("%1\n\nImport it as the predictor of device (an id not known here "
                                                        "defines a device that predicts but cannot measure):")
                                                         .arg(QString::fromStdString(read.value().description)),
                                                     QLineEdit::Normal, QString::fromStdString(read.value().predictor.deviceId), &ok)
                                   .trimmed();
            if (!ok) {
                statusBar()->showMessage(tr("Nothing imported."), 5000);
                return;
            }
            m_predictorImport.run([file = read.value(), id = id.toStdString()] { return importPredictor(file, id, ""); },
                                  [this, path](quint64, const Result<PredictorImport>& r) { predictorImported(path, r); });
        });
}

void MainWindow::importPredictorFile(const QString& path, const QString& deviceId) {
    m_predictorImport.run(
        [file = path.toStdString(), id = deviceId.toStdString()]() -> Result<PredictorImport> {
            Result<PredictorFile> read = readPredictorFile(file);
            if (!read) return read.error();
            return importPredictor(read.value(), id, "");
        },
        [this, path](quint64, const Result<PredictorImport>& r) { predictorImported(path, r); });
}

void MainWindow::waitForPredictorImport() { m_predictorImport.waitForIdle(); }

void MainWindow::predictorImported(const QString& path, const Result<PredictorImport>& r) {
    if (!r) {
        const QString message = QString::fromStdString(r.error().message);
        m_banner->setText(message);
        m_banner->show();
        log(tr("error: %1").arg(message));
        statusBar()->showMessage(tr("The predictor was not imported."), 8000);
        return;
    }
    const PredictorImport& i = r.value();
    const QString id = QString::fromStdString(i.deviceId);
    log(i.alreadyThere ? tr("%1 is already %2's newest predictor: nothing added").arg(path, id)
                       : tr("imported %1 as %2's newest predictor").arg(path, id));
    if (i.definedDevice) log(tr("  defined device %1: it predicts, it cannot measure (Tools > Devices...)").arg(id));
    if (!i.runtimeToMeasure.empty())
        log(tr("  to measure on it too: Tools > Devices..., choose %1, set runtime %2, its threads and its transport, and Save "
               "(its predictor stays)")
                .arg(id, QString::fromStdString(i.runtimeToMeasure)));
    for (const std::string& note : i.notes) log(tr("  warning: %1").arg(QString::fromStdString(note)));
    statusBar()->showMessage(i.alreadyThere ? tr("%1 was already %2's predictor.").arg(QFileInfo(path).fileName(), id)
                                            : tr("Imported %1 as %2's predictor.").arg(QFileInfo(path).fileName(), id),
                             8000);
    devicesChanged(id);
}

void MainWindow::buildToolBar() {
    m_toolBar = addToolBar(tr("Devices"));
    m_toolBar->setObjectName("devices");
    m_toolBar->setMovable(false);
    m_toolBar->addWidget(new QLabel(tr(" Devices: "), m_toolBar));
    m_deviceBar = new QWidget(m_toolBar);
    auto* row = new QHBoxLayout(m_deviceBar);
    row->setContentsMargins(0, 0, 0, 0);
    row->setSpacing(2);
    m_toolBar->addWidget(m_deviceBar);
    rebuildDeviceButtons();
    m_toolBar->addSeparator();
    m_toolBar->addWidget(new QLabel(tr(" Kernels of: "), m_toolBar));
    m_kernelDeviceBox = new QComboBox(m_toolBar);
    m_kernelDeviceBox->setToolTip(tr("Whose kernels the graph and the table show (devices fuse ops differently)"));
    m_kernelDeviceBox->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    connect(m_kernelDeviceBox, &QComboBox::activated, this,
            [this](int i) { m_page->setKernelDevice(m_kernelDeviceBox->itemData(i).toInt()); });
    m_toolBar->addWidget(m_kernelDeviceBox);
    m_toolBar->addWidget(new QLabel(tr("  Colour: "), m_toolBar));
    m_colouringBox = new QComboBox(m_toolBar);
    m_colouringBox->addItems({tr("kernel type"), tr("latency heat map")});
    connect(m_colouringBox, &QComboBox::currentIndexChanged, this,
            [this](int i) { m_page->graphView()->setColouring(i == 0 ? GraphView::Colouring::KernelType : GraphView::Colouring::Heat); });
    m_toolBar->addWidget(m_colouringBox);
    m_toolBar->addSeparator();
    m_find = new QLineEdit(m_toolBar);
    m_find->setPlaceholderText(tr("Find node or op (Ctrl+F)"));
    m_find->setClearButtonEnabled(true);
    m_find->setMaximumWidth(220);
    connect(m_find, &QLineEdit::returnPressed, this, [this] {
        if (!m_page->graphView()->find(m_find->text()))
            statusBar()->showMessage(tr("No node or op matches \"%1\"").arg(m_find->text()), 4000);
    });
    m_toolBar->addWidget(m_find);
}

}  // namespace km::ui

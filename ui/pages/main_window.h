// SPDX-License-Identifier: GPL-3.0-or-later
// Main window (UX.md): open an ONNX or nn-Meter IR file (menu, drag and drop, recent files,
// command line), pick devices, measure, export; the open model itself is shown by the ModelPage in
// its centre (summary, graph, selected kernel, tabs). The window keeps the menus, the toolbar,
// recent files, the banner and the status bar, and the jobs that load, measure and report.
// Loading runs off the UI thread; errors appear as a banner that names the file and the previous
// model stays on screen.
#pragma once

#include <QAction>
#include <QMainWindow>
#include <QPointer>
#include <QStringList>
#include <memory>

#include "ui/jobs/job_runner.h"
#include "ui/jobs/model_load_job.h"
#include "workflows/predictor_files.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QMenu;
class QProgressBar;
class QTabWidget;
class QTableView;
class QToolBar;
class QToolButton;

namespace km::ui {

class BreakdownPlot;
class ComparePage;
class DevicesDialog;
class GraphView;
class KernelTableModel;
class MeasureJob;
class ModelPage;
class NodeTableModel;
class PredictorPage;
class ReportJob;
struct ReportOptions;
struct GraphLayout;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    void openFile(const QString& path);
    // Opens the bundled example model (share/kernelmeter/examples); false when it is not installed.
    bool openExample();
    // No file was opened before (no recent files): what a first start shows.
    static bool isFirstStart();
    // The devices to predict for (built-in or user-defined ids); unknown ids are reported in the banner.
    void setDevices(const QStringList& deviceIds);
    QStringList devices() const;
    // Waits until the current load and the graph layout have finished (for --screenshot and tests).
    void waitForLoad();
    void selectKernel(int kernelId);
    // Brings a tab to the front by name (kernels, breakdown, compare, predictor, nodes, log).
    bool showTab(const QString& name);
    // Writes the PDF report of what is shown and waits for it (--report); an empty string on
    // success, else the message (also shown in the banner).
    QString exportReport(const QString& path);
    // Starts writing the report in the background (File > Export PDF report): progress in the
    // status bar, the outcome in the log or the banner. False when it could not start.
    bool startReport(const QString& path);
    ReportJob* reportJob() const { return m_reportJob; }

    // For tests: what the window shows (the model page's views).
    ModelPage* modelPage() const { return m_page; }
    const NodeTableModel* nodeModel() const;
    const KernelTableModel* kernelModel() const;
    GraphView* graphView() const;
    BreakdownPlot* breakdownPlot() const;
    QTabWidget* tabs() const;
    QTableView* kernelTable() const;
    PredictorPage* predictorPage() const;
    ComparePage* comparePage() const;
    AnalysisPtr analysis() const;
    QString bannerText() const;
    bool bannerVisible() const;
    QString summaryText() const;
    QString summaryToolTip() const;  // why devices have no prediction, with the fixing command
    QString selectionText() const;
    QString logText() const;
    MeasureJob* measureJob() const { return m_measure; }
    // Tools > Devices...: opens the dialog (non-modal); the device bar follows its changes.
    void showDevicesDialog();
    DevicesDialog* devicesDialog() const;
    // The device bar's button of a device, if shown (tests).
    QToolButton* deviceButton(const QString& id) const;
    // File > Import a predictor..., without its dialogs: reads the predictor file and adds it to
    // the user's database as device `deviceId`'s (empty: the one the file names) in the background;
    // the device then has a button and is chosen, and a refusal is shown in the banner.
    void importPredictorFile(const QString& path, const QString& deviceId);
    // The same after File > Import a predictor's file dialog: reads the file in the background,
    // then asks which device it becomes (saying whose predictor it is), then imports it.
    void importPredictorAsking(const QString& path);
    void waitForPredictorImport();

signals:
    void modelShown();  // a model's analysis is on screen (its graph may still be laid out)

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

private:
    void buildMenus();
    void buildToolBar();
    void reload();
    void showAnalysis(const QString& path, AnalysisPtr analysis);
    void updateDeviceButtons();
    void rebuildDeviceButtons();  // one button per device known now (Tools > Devices... changes them)
    // The devices or their predictors changed (Tools > Devices..., an imported predictor): rebuild
    // the device bar, choose `choose` too if given, and predict the open model again.
    void devicesChanged(const QString& choose = {});
    void chooseImportPredictor();
    void predictorImported(const QString& path, const Result<PredictorImport>& r);
    void showError(const QString& message);
    void log(const QString& line);
    void chooseFile();
    void exportCsv();
    void chooseReportFile();
    QString askOpenPath(const QString& title, const QString& filter);
    ReportOptions reportOptions() const;
    void reportFinished(const QString& path, const QString& error);
    void startMeasuring();
    // After the open model was measured: predict it again when a device's usual speed moved with
    // the new measurements (or became known), so that its times stay at that speed.
    void repredictIfSpeedMoved(const QString& measuredPath);
    void rememberRecent(const QString& path);
    void rebuildRecentMenu();

    std::shared_ptr<DeviceDataCache> m_deviceData;
    ModelLoadJob* m_loader = nullptr;
    MeasureJob* m_measure = nullptr;
    ReportJob* m_reportJob = nullptr;
    QString m_path;     // the model shown (measured, exported, reported)
    QString m_loading;  // the model of the newest read: m_path, or a file being opened
    QString m_notice;   // shown in the banner with the next model (unknown devices asked for)
    QStringList m_devices;
    ModelPage* m_page = nullptr;  // the open model in every view
    QLabel* m_banner = nullptr;
    QToolBar* m_toolBar = nullptr;
    std::vector<QToolButton*> m_deviceButtons;
    QWidget* m_deviceBar = nullptr;  // holds m_deviceButtons in the tool bar
    QPointer<DevicesDialog> m_devicesDialog;
    QComboBox* m_kernelDeviceBox = nullptr;
    QComboBox* m_colouringBox = nullptr;
    QLineEdit* m_find = nullptr;
    QProgressBar* m_busy = nullptr;        // a model being read or laid out
    QProgressBar* m_reportBusy = nullptr;  // a report being written
    QProgressBar* m_measureProgress = nullptr;
    QToolButton* m_cancelMeasure = nullptr;
    QAction* m_measureAction = nullptr;
    QAction* m_reportAction = nullptr;
    QLabel* m_provenance = nullptr;
    QMenu* m_recentMenu = nullptr;
    JobRunner m_speedCheck{this};       // repredictIfSpeedMoved's database reads
    JobRunner m_predictorImport{this};  // a predictor file read, then stored
};

}  // namespace km::ui

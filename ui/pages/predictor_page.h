// SPDX-License-Identifier: GPL-3.0-or-later
// One device's predictor (UX.md, Predictor tab): its provenance and calibration, the fusion rules
// with their evidence, and per kernel type the sampling history as an accuracy plot (select a row).
// Lists every device of the current analysis; "Detect fusion rules" finds the chosen device's rules,
// "Build predictor" builds (or rebuilds) its predictor and "Adapt predictor" fits another device's
// predictor to networks measured on it (offered first when the predictor was made on another
// machine), each in a child process with progress, time left and cancel (the build's plot growing
// live), then emits rulesDetected or predictorBuilt. A device whose times were imported from a
// table runs nothing: it can only be adapted, from a dataset holding its times. An adapted
// predictor's fit on its networks is shown as a table and a scatter of each network's time against
// its left-out prediction.
#pragma once

#include <QWidget>

#include "ui/jobs/job_runner.h"
#include "ui/models/analysis_ptr.h"
#include "ui/models/predictor_tables.h"
#include "workflows/devices.h"

class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QTabWidget;
class QTableView;

namespace km::ui {

class AccuracyPlot;
class DeviceToolJob;
struct DeviceToolRequest;
enum class DeviceTool;
class ScatterPlot;

class PredictorPage : public QWidget {
    Q_OBJECT
public:
    explicit PredictorPage(QWidget* parent = nullptr);
    void setAnalysis(AnalysisPtr analysis);
    // The window's model analysis, or before any model the chosen devices alone.
    AnalysisPtr analysis() const { return m_analysis; }

    // For tests.
    int kernelTypeRows() const;
    int ruleRows() const;
    AccuracyPlot* accuracyPlot() const { return m_plot; }
    ScatterPlot* scatterPlot() const { return m_scatter; }
    // Predicts the benchmark dataset's measured models for the chosen device in the background
    // (`perFamily` per family) and plots them against their measurements; also started when the
    // "Predicted vs measured" tab is shown. waitForScatter blocks until it is drawn (tests).
    void computeScatter(size_t perFamily = 10);
    void waitForScatter();
    void showKernelType(int row);
    DeviceToolJob* buildJob() const { return m_build; }
    // Starts building the predictor of `deviceId` or detecting its fusion rules (no confirmation);
    // `extraArguments` go to kernelmeter-cli (tests make the run tiny). False if a tool is running.
    bool startBuild(const QString& deviceId, const QStringList& extraArguments = {});
    bool startDetect(const QString& deviceId, const QStringList& extraArguments = {});
    bool startAdapt(const QString& deviceId, const QString& sourceDevice, const QStringList& extraArguments = {});
    // Devices of the analysis with a predictor to adapt from: the chosen device first when it has one.
    QStringList adaptSources() const;
    // Export predictor... without its file dialog: writes the chosen device's predictor with its
    // fusion rules to `path` in the background (predictorExported tells the outcome).
    void exportPredictorTo(const QString& path);
    void waitForExport();
    // The chosen device has no runtime (its times come from a table, or its predictor was
    // imported): it cannot detect rules or build, and adapting fits its imported times
    // (`adapt --dataset`) instead of measuring.
    bool tableOnlyDevice() const;
    // For such a device, the datasets of the user's database with at least 3 models timed on it,
    // most first.
    QStringList adaptDatasets() const;
    // The open model's square input side when adapt can generate networks at it (offered in the
    // adapt confirmation); 0 otherwise.
    int adaptInputSize() const;
    // How many earlier measurements of the chosen device on the machine and runtime version it
    // reports are in the user's database (0: that machine is not known): from
    // kMinEarlierReferenceTimes on, adapt predicts at the device's usual speed, and the adapt
    // confirmation offers the session's instead.
    int usualSpeedMeasurements() const;
    int adaptedNetworkRows() const;
    QString shownPlot() const;  // the title of the plot tab shown
    // How long adapting and building take on the chosen device (workflows/devices.h: the typical
    // minutes, longer for a device whose last check ran the reference workload slower).
    MakeMinutes makeMinutes() const;
    ScatterPlot* fitPlot() const { return m_fitScatter; }
    QString aboutText() const;
    // The same as the label shows it (its HTML rendered to plain text).
    QString aboutShownText() const;
    QString toolStatusText() const;  // the line under the progress bar

    // Ask (the build takes about 45 minutes, detection about 7, adapting a few), then run on the
    // chosen device. Adapting asks for the source when several devices have predictors.
    void confirmAndBuild();
    void confirmAndDetect();
    void confirmAndAdapt();

signals:
    void predictorBuilt(const QString& deviceId);
    void rulesDetected(const QString& deviceId);
    void toolWarning(const QString& deviceId, const QString& message);  // from the tool running
    // A predictor file written (error empty) or not (error says why).
    void predictorExported(const QString& deviceId, const QString& path, const QString& error);

private:
    // "about 45 minutes on a 2-core machine", or at the device's speed with how much slower it is.
    static QString speedText(const MakeMinutes& minutes, int chosenMinutes);
    void showDevice(int deviceIndex);
    void showAdaptation(const DeviceAnalysis* d);
    bool startTool(const DeviceToolRequest& request);
    void confirmAndRun(DeviceTool tool, const QString& title, const QString& question);
    void updateButtons();

    AnalysisPtr m_analysis;
    int m_device = -1;
    QComboBox* m_deviceBox = nullptr;
    QLabel* m_about = nullptr;
    KernelTypeTableModel m_typeModel;
    FusionRuleTableModel m_ruleModel;
    AdaptationTableModel m_adaptModel;
    QTableView* m_adaptTable = nullptr;
    ScatterPlot* m_fitScatter = nullptr;
    QPushButton* m_adaptButton = nullptr;
    QPushButton* m_exportButton = nullptr;
    JobRunner m_exportRunner{this};
    void chooseExportFile();
    QTableView* m_types = nullptr;
    QTableView* m_rules = nullptr;
    AccuracyPlot* m_plot = nullptr;
    DeviceToolJob* m_build = nullptr;
    QPushButton* m_buildButton = nullptr;
    QPushButton* m_detectButton = nullptr;
    QPushButton* m_cancelButton = nullptr;
    QProgressBar* m_buildProgress = nullptr;
    QLabel* m_buildStatus = nullptr;
    QString m_liveType;      // the kernel type the live plot shows
    int m_toolWarnings = 0;  // warnings of the tool running (or last run), shown in the Log tab
    QTabWidget* m_plots = nullptr;
    ScatterPlot* m_scatter = nullptr;
    int m_scatterDevice = -2;  // whose scatter is shown or being computed
    JobRunner m_scatterRunner{this};
};

}  // namespace km::ui

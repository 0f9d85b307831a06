// Runs one of kernelmeter-cli's long per-device tools from the GUI as a child process:
// `build-predictor --device ID --events` (thousands of kernels measured, about 40 minutes; its
// round events feed the live accuracy plot) or `detect-rules --device ID` (fusion test cases, about
// 7 minutes; the rules go to the user's data folder). In its own process a crash costs nothing but
// the run, and every measurement is already in the database, so running again resumes. Progress
// lines become progress with time left; cancel stops the child; signals arrive on the UI thread.
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QProcess>
#include <QStringList>

#include "predict/adaptive.h"

namespace km::ui {

enum class DeviceTool { BuildPredictor, DetectRules };

struct DeviceToolRequest {
    DeviceTool tool = DeviceTool::BuildPredictor;
    QString deviceId;
    QStringList extraArguments;  // e.g. {"--budget-minutes", "45"}; tests shrink the run with these
};

class DeviceToolJob : public QObject {
    Q_OBJECT
public:
    explicit DeviceToolJob(QObject* parent = nullptr);
    ~DeviceToolJob() override;  // stops a running build

    // False (nothing started) while a tool runs.
    bool start(const DeviceToolRequest& request);
    void cancel();
    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }
    QString deviceId() const { return m_device; }
    DeviceTool tool() const { return m_tool; }
    static QString commandName(DeviceTool tool);  // "build-predictor", "detect-rules"
    // kernelmeter-cli next to the application (installed bin/, build tree app/cli/), or $KM_CLI.
    static QString cliPath();

signals:
    void progress(double fraction, const QString& message, double secondsLeft);
    void round(const QString& kernelType, const km::RoundMetrics& metrics);
    // ok: the predictor is saved in the user's database, or the rules in the user's data folder;
    // else `message` says why (or "cancelled").
    void finished(const QString& deviceId, bool ok, const QString& message);

private:
    void readEvents();
    void readProgress();

    QProcess m_process;
    QString m_device;
    DeviceTool m_tool = DeviceTool::BuildPredictor;
    QElapsedTimer m_clock;
    QString m_lastError;
    bool m_cancelled = false;
};

}  // namespace km::ui

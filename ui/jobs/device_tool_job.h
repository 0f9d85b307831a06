// SPDX-License-Identifier: GPL-3.0-or-later
// Runs one of kernelmeter-cli's long per-device tools from the GUI as a child process:
// `build-predictor --device ID --events` (thousands of kernels measured, about 45 minutes; its
// round events feed the live accuracy plot), `detect-rules --device ID --events` (fusion test
// cases, about 7 minutes; the rules go to the user's data folder) or `adapt --device ID --from
// SOURCE --events` (10 networks measured, a few minutes; the predictor goes to the database). In its own process a crash
// costs nothing but the run, and every measurement is already in the database, so running again
// resumes. Only the versioned events on stdout are read (kernelmeter.events/1, docs/cli.md):
// progress events become progress with time left, round events the plot, an error event the
// failure message; stderr's text is never parsed. Cancel stops the child; signals arrive on the
// UI thread.
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QProcess>
#include <QStringList>

#include "predict/adaptive.h"

namespace km::ui {

// The event schema this program reads from kernelmeter-cli (app/cli/events.h writes it).
inline constexpr const char* kToolEventsSchema = "kernelmeter.events/1";

enum class DeviceTool { BuildPredictor, DetectRules, Adapt };

struct DeviceToolRequest {
    DeviceTool tool = DeviceTool::BuildPredictor;
    QString deviceId;
    QString sourceDevice;        // Adapt: the device whose predictor is adapted
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
    static QString commandName(DeviceTool tool);  // "build-predictor", "detect-rules", "adapt"
    // kernelmeter-cli next to the application (installed bin/, build tree app/cli/), or $KM_CLI.
    static QString cliPath();

signals:
    void progress(double fraction, const QString& message, double secondsLeft);
    void round(const QString& kernelType, const km::RoundMetrics& metrics);
    // A warning the tool printed (adapt: a network measured in two modes, another runtime's
    // source, ...), for the log.
    void warning(const QString& deviceId, const QString& message);
    // ok: the predictor (built or adapted) is saved in the user's database, or the rules in the
    // user's data folder;
    // else `message` says why (or "cancelled").
    void finished(const QString& deviceId, bool ok, const QString& message);

private:
    void readEvents();
    void readStderr();

    QProcess m_process;
    QString m_device;
    DeviceTool m_tool = DeviceTool::BuildPredictor;
    QElapsedTimer m_clock;
    QString m_lastError;   // from an error event, or a schema mismatch
    QString m_stderrTail;  // the tool's last line on stderr, for a failure without an error event
    bool m_cancelled = false;
};

}  // namespace km::ui

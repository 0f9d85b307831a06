// Builds a device's predictor from the GUI: runs `kernelmeter-cli build-predictor --device ID
// --events` as a child process (the build measures thousands of kernels for about 40 minutes;
// in its own process a crash costs nothing but the build, and every measurement is already in the
// database, so building again resumes). Its progress lines become progress with time left, its
// round events the live accuracy plot. Cancel stops the child; signals arrive on the UI thread.
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QProcess>
#include <QStringList>

#include "predict/adaptive.h"

namespace km::ui {

struct BuildPredictorRequest {
    QString deviceId;
    QStringList extraArguments;  // e.g. {"--budget-minutes", "45"}; tests shrink the build with these
};

class BuildPredictorJob : public QObject {
    Q_OBJECT
public:
    explicit BuildPredictorJob(QObject* parent = nullptr);
    ~BuildPredictorJob() override;  // stops a running build

    // False (nothing started) while a build runs.
    bool start(const BuildPredictorRequest& request);
    void cancel();
    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }
    QString deviceId() const { return m_device; }
    // kernelmeter-cli next to the application (installed bin/, build tree app/cli/), or $KM_CLI.
    static QString cliPath();

signals:
    void progress(double fraction, const QString& message, double secondsLeft);
    void round(const QString& kernelType, const km::RoundMetrics& metrics);
    // ok: the predictor is saved in the user's database; else `message` says why (or "cancelled").
    void finished(const QString& deviceId, bool ok, const QString& message);

private:
    void readEvents();
    void readProgress();

    QProcess m_process;
    QString m_device;
    QElapsedTimer m_clock;
    QString m_lastError;
    bool m_cancelled = false;
};

}  // namespace km::ui

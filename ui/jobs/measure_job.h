// SPDX-License-Identifier: GPL-3.0-or-later
// Measured latency for the GUI: looks up the user's database for earlier measurements of a model,
// and measures it on devices through kernelmeter-agent (one device after another, the default
// protocol, results saved as taken), with progress, time left and cancel. Work runs on the thread
// pool; signals arrive on the UI thread. Cancel takes effect after the runtime process being
// timed finishes (seconds).
#pragma once

#include <QObject>
#include <QString>
#include <QStringList>
#include <memory>

#include "backends/measurement.h"
#include "ui/jobs/job_runner.h"
#include "ui/models/measured_latency.h"

namespace km::ui {

class MeasureJob : public QObject {
    Q_OBJECT
public:
    explicit MeasureJob(QObject* parent = nullptr);
    ~MeasureJob() override;  // cancels a running measurement

    // Emits found() for every device with a stored measurement of the file.
    void lookUp(const QString& path, const QString& modelSha256, const QStringList& deviceIds);
    // False (nothing started) while a measurement runs.
    bool measure(const QString& path, const QStringList& deviceIds);
    void cancel();
    bool isRunning() const { return m_running; }
    // The protocol of the next measure() (default: MeasureOptions' defaults, as the CLI's measure).
    void setProtocol(const MeasureOptions& protocol) { m_protocol = protocol; }
    // The agent used: next to the application (installed bin/, build tree app/agent/), or $KM_AGENT.
    static QString agentPath();

signals:
    void found(const QString& path, const km::ui::MeasuredLatency& latency);
    void progress(double fraction, const QString& message, double secondsLeft);
    void failed(const QString& path, const QString& message);
    // `measured`: how many of the `asked` devices gave a time (the others sent failed()).
    void finished(const QString& path, bool cancelled, int measured, int asked);

private:
    JobRunner m_measuring{this};  // one measurement at a time
    JobRunner m_lookups{this};    // the newest lookup's end matters; every found() arrives
    bool m_running = false;
    MeasureOptions m_protocol;
};

}  // namespace km::ui

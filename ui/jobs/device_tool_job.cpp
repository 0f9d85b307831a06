// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/jobs/device_tool_job.h"

#include <QJsonDocument>
#include <QJsonObject>

#include "common/locations.h"

namespace km::ui {

namespace {

// What each tool is called on the command line, and what the user reads when it was cancelled
// or is done.
struct ToolTexts {
    QString command, cancelled, done;
};
ToolTexts textsOf(DeviceTool tool) {
    switch (tool) {
    case DeviceTool::BuildPredictor:
        return {QStringLiteral("build-predictor"),
                DeviceToolJob::tr("cancelled; the kernels measured so far are in the database, building again resumes"),
                DeviceToolJob::tr("built and saved in your database")};
    case DeviceTool::DetectRules:
        return {QStringLiteral("detect-rules"),
                DeviceToolJob::tr("cancelled; the test cases measured so far are in the database, detecting again resumes"),
                DeviceToolJob::tr("fusion rules detected and saved in your data folder")};
    case DeviceTool::Adapt:
        return {QStringLiteral("adapt"), DeviceToolJob::tr("cancelled; the device's predictor is unchanged"),
                DeviceToolJob::tr("adapted and saved in your database")};
    }
    return {};
}

}  // namespace

DeviceToolJob::DeviceToolJob(QObject* parent) : QObject(parent) {
    qRegisterMetaType<km::RoundMetrics>();
    connect(&m_process, &QProcess::readyReadStandardOutput, this, &DeviceToolJob::readEvents);
    connect(&m_process, &QProcess::readyReadStandardError, this, &DeviceToolJob::readStderr);
    connect(&m_process, &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
        readEvents();
        readStderr();
        const bool ok = !m_cancelled && status == QProcess::NormalExit && code == 0;
        QString message = m_cancelled ? textsOf(m_tool).cancelled
                          : ok        ? textsOf(m_tool).done
                                      : (m_lastError.isEmpty() ? tr("kernelmeter-cli %1 stopped (exit code %2)%3")
                                                              .arg(commandName(m_tool))
                                                              .arg(code)
                                                              .arg(m_stderrTail.isEmpty() ? QString() : ": " + m_stderrTail)
                                                               : m_lastError);
        emit finished(m_device, ok, message);
    });
    connect(&m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart) emit finished(m_device, false, tr("cannot start %1: %2").arg(cliPath(), m_process.errorString()));
    });
}

DeviceToolJob::~DeviceToolJob() {
    if (isRunning()) {
        m_process.terminate();
        if (!m_process.waitForFinished(3000)) m_process.kill();
        m_process.waitForFinished(3000);
    }
}

QString DeviceToolJob::commandName(DeviceTool tool) { return textsOf(tool).command; }

QString DeviceToolJob::cliPath() { return QString::fromStdString(siblingProgram(kCliProgram).value_or(kCliProgram)); }

bool DeviceToolJob::start(const DeviceToolRequest& request) {
    if (isRunning()) return false;
    m_device = request.deviceId;
    m_tool = request.tool;
    m_cancelled = false;
    m_lastError.clear();
    m_stderrTail.clear();
    m_clock.start();
    QStringList args{commandName(m_tool), "--device", request.deviceId, "--events"};
    if (m_tool == DeviceTool::Adapt) args << "--from" << request.sourceDevice;
    args += request.extraArguments;
    m_process.start(cliPath(), args);
    return true;
}

void DeviceToolJob::cancel() {
    if (!isRunning()) return;
    m_cancelled = true;
    m_process.terminate();
}

// kernelmeter.events/1 (docs/cli.md, "Events"): the only thing read from the tool's stdout.
void DeviceToolJob::readEvents() {
    m_process.setReadChannel(QProcess::StandardOutput);
    while (m_process.canReadLine()) {
        const QJsonObject e = QJsonDocument::fromJson(m_process.readLine()).object();
        const QString schema = e.value("schema").toString();
        if (schema != QLatin1String(kToolEventsSchema)) {
            // Another version of kernelmeter-cli: say so once instead of misreading it.
            if (!schema.isEmpty() && m_lastError.isEmpty())
                m_lastError = tr("%1 speaks %2, this program reads %3: install matching versions")
                                  .arg(cliPath(), schema, QLatin1String(kToolEventsSchema));
            continue;
        }
        const QString event = e.value("event").toString();
        if (event == "round") {
            RoundMetrics m;
            m.round = e.value("round").toInt();
            m.samples = size_t(e.value("samples").toDouble());
            m.within10 = e.value("within10").toDouble();
            m.within5 = e.value("within5").toDouble();
            m.rmspe = e.value("rmspe").toDouble();
            emit round(e.value("type").toString(), m);
        } else if (event == "progress") {
            const double fraction = e.value("fraction").toDouble();
            const double seconds = double(m_clock.elapsed()) / 1000.0;
            emit progress(fraction, e.value("message").toString(), fraction > 0.02 ? seconds / fraction * (1 - fraction) : -1);
        } else if (event == "warning") {
            emit warning(m_device, e.value("message").toString());
        } else if (event == "error") {
            m_lastError = e.value("message").toString();
        }
    }
}

// Human-readable text (the summary, warnings): kept for the log, never parsed.
void DeviceToolJob::readStderr() {
    m_process.setReadChannel(QProcess::StandardError);
    while (m_process.canReadLine()) m_stderrTail = QString::fromUtf8(m_process.readLine()).trimmed();
    m_process.setReadChannel(QProcess::StandardOutput);
}

}  // namespace km::ui

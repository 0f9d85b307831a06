#include "ui/jobs/device_tool_job.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include "ui/jobs/sibling_executable.h"

namespace km::ui {

DeviceToolJob::DeviceToolJob(QObject* parent) : QObject(parent) {
    qRegisterMetaType<km::RoundMetrics>();
    connect(&m_process, &QProcess::readyReadStandardOutput, this, &DeviceToolJob::readEvents);
    connect(&m_process, &QProcess::readyReadStandardError, this, &DeviceToolJob::readProgress);
    connect(&m_process, &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
        readEvents();
        readProgress();
        const bool ok = !m_cancelled && status == QProcess::NormalExit && code == 0;
        const bool build = m_tool == DeviceTool::BuildPredictor;
        QString message = m_cancelled ? (build ? tr("cancelled; the kernels measured so far are in the database, building again resumes")
                                               : tr("cancelled; the test cases measured so far are in the database, detecting again resumes"))
                        : ok          ? (build ? tr("built and saved in your database") : tr("fusion rules detected and saved in your data folder"))
                                      : (m_lastError.isEmpty() ? tr("kernelmeter-cli %1 stopped (exit code %2)").arg(commandName(m_tool)).arg(code)
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

QString DeviceToolJob::commandName(DeviceTool tool) {
    return tool == DeviceTool::BuildPredictor ? QStringLiteral("build-predictor") : QStringLiteral("detect-rules");
}

QString DeviceToolJob::cliPath() { return siblingExecutable("KM_CLI", QStringLiteral("kernelmeter-cli"), QStringLiteral("cli")); }

bool DeviceToolJob::start(const DeviceToolRequest& request) {
    if (isRunning()) return false;
    m_device = request.deviceId;
    m_tool = request.tool;
    m_cancelled = false;
    m_lastError.clear();
    m_clock.start();
    QStringList args{commandName(m_tool), "--device", request.deviceId};
    if (m_tool == DeviceTool::BuildPredictor) args << "--events";
    args += request.extraArguments;
    m_process.start(cliPath(), args);
    return true;
}

void DeviceToolJob::cancel() {
    if (!isRunning()) return;
    m_cancelled = true;
    m_process.terminate();
}

void DeviceToolJob::readEvents() {
    while (m_process.canReadLine()) {
        const QJsonObject e = QJsonDocument::fromJson(m_process.readLine()).object();
        if (e.value("event").toString() != "round") continue;  // the final table is not an event
        RoundMetrics m;
        m.round = e.value("round").toInt();
        m.samples = size_t(e.value("samples").toDouble());
        m.within10 = e.value("within10").toDouble();
        m.within5 = e.value("within5").toDouble();
        m.rmspe = e.value("rmspe").toDouble();
        emit round(e.value("type").toString(), m);
    }
}

void DeviceToolJob::readProgress() {
    static const QRegularExpression line(QStringLiteral("^\\s*(\\d+)% (.*)$"));
    m_process.setReadChannel(QProcess::StandardError);
    while (m_process.canReadLine()) {
        const QString text = QString::fromUtf8(m_process.readLine()).trimmed();
        if (text.startsWith("kernelmeter-cli:") && !text.contains("warning:")) m_lastError = text;
        const QRegularExpressionMatch m = line.match(text);
        if (!m.hasMatch()) continue;
        const double fraction = m.captured(1).toDouble() / 100.0;
        const double seconds = double(m_clock.elapsed()) / 1000.0;
        emit progress(fraction, m.captured(2), fraction > 0.02 ? seconds / fraction * (1 - fraction) : -1);
    }
    m_process.setReadChannel(QProcess::StandardOutput);
}

}  // namespace km::ui

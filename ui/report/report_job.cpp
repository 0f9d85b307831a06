// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/report/report_job.h"

#include <QCoreApplication>
#include <QThreadPool>

namespace km::ui {

QString ReportJob::start(const QString& path, AnalysisPtr analysis, std::shared_ptr<const GraphLayout> layout,
                         const ReportOptions& options) {
    if (m_running) return tr("%1: not written, another report is still being written.").arg(path);
    if (!analysis) return tr("%1: nothing to report, no model is open.").arg(path);
    if (QString error = checkReportTarget(path); !error.isEmpty()) return error;
    m_running = true;
    emit progress(tr("Report: hashing the file and predicting benchmark models ..."));
    m_runner.run([analysis] { return gatherReportInputs(analysis); },
                 [this, path, analysis, layout = std::move(layout), options](quint64, ReportInputs inputs) {
                     compose(path, analysis, layout, options, inputs);
                 });
    return {};
}

void ReportJob::compose(const QString& path, AnalysisPtr analysis, std::shared_ptr<const GraphLayout> layout, const ReportOptions& options,
                        const ReportInputs& inputs) {
    emit progress(tr("Report: drawing the graph and charts ..."));
    ReportDocument doc = composeReport(analysis, std::move(layout), options, inputs);
    emit progress(tr("Report: writing %1 ...").arg(path));
    m_runner.run([path, doc = std::move(doc)] { return printReport(path, doc); },
                 [this, path](quint64, QString error) { done(path, error); });
}

void ReportJob::done(const QString& path, const QString& error) {
    m_running = false;
    emit finished(path, error);
}

void ReportJob::waitForFinished() {
    while (m_running) {
        QThreadPool::globalInstance()->waitForDone(20);
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    }
}

}  // namespace km::ui

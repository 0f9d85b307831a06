// SPDX-License-Identifier: GPL-3.0-or-later
// Writes the PDF report without freezing the window (UX.md: no frozen UI ever): hashing the file
// and predicting the benchmark models run on a pool thread, then the graph and charts are drawn
// into images on the UI thread (widgets; about 0.1 s), then the PDF is laid out and written on a
// pool thread again. One report at a time; progress and the outcome arrive on the UI thread.
#pragma once

#include <QObject>
#include <QString>
#include <memory>

#include "ui/jobs/job_runner.h"
#include "ui/models/analysis_ptr.h"
#include "ui/report/pdf_report.h"

namespace km::ui {

class ReportJob : public QObject {
    Q_OBJECT
public:
    explicit ReportJob(QObject* parent = nullptr) : QObject(parent) {}
    bool isRunning() const { return m_running; }
    // Starts writing `path`: an empty string, else why it did not start (a report is being written,
    // no model, the file cannot be written there). finished() follows a started report only.
    QString start(const QString& path, AnalysisPtr analysis, std::shared_ptr<const GraphLayout> layout, const ReportOptions& options);
    // Blocks, processing events, until the running report is finished (tests).
    void waitForFinished();

signals:
    void progress(const QString& step);
    void finished(const QString& path, const QString& error);  // error empty: written

private:
    void compose(const QString& path, AnalysisPtr analysis, std::shared_ptr<const GraphLayout> layout, const ReportOptions& options,
                 const ReportInputs& inputs);
    void done(const QString& path, const QString& error);

    JobRunner m_runner{this};  // one step at a time, so every result is the latest
    bool m_running = false;
};

}  // namespace km::ui

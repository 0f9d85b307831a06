// SPDX-License-Identifier: GPL-3.0-or-later
// Opens a model file off the UI thread: reads it and analyses it for the chosen devices
// (workflows/analyze_model). A result that is no longer the latest request is dropped, so a slow
// file never overwrites a newer one. Signals arrive on the UI thread.
#pragma once

#include <QObject>
#include <QStringList>
#include <memory>

#include "ui/jobs/job_runner.h"
#include "ui/models/analysis_ptr.h"

namespace km::ui {

class ModelLoadJob : public QObject {
    Q_OBJECT
public:
    // `devices` supplies rules and predictors (shared with other jobs; thread-safe).
    ModelLoadJob(std::shared_ptr<DeviceDataCache> devices, QObject* parent = nullptr);
    ~ModelLoadJob() override;

    // Starts loading; returns the request id. An empty path reads the devices alone: an analysis
    // without a model or graph whose devices have no kernels (DeviceAnalyzer::describe), for the
    // predictor page of a window with no model open.
    quint64 load(const QString& path, const QStringList& deviceIds);
    bool isBusy() const { return m_runner.busy(); }
    // Blocks until no load is in flight (tests and --screenshot).
    void waitForIdle() { m_runner.waitForIdle(); }

signals:
    void loaded(quint64 id, const QString& path, km::ui::AnalysisPtr analysis);
    void failed(quint64 id, const QString& path, const QString& message);

private:
    std::shared_ptr<DeviceDataCache> m_devices;
    JobRunner m_runner{this};
};

}  // namespace km::ui

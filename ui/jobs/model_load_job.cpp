// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/jobs/model_load_job.h"

namespace km::ui {

ModelLoadJob::ModelLoadJob(std::shared_ptr<DeviceDataCache> devices, QObject* parent) : QObject(parent), m_devices(std::move(devices)) {}

ModelLoadJob::~ModelLoadJob() = default;

quint64 ModelLoadJob::load(const QString& path, const QStringList& deviceIds) {
    std::vector<std::string> ids;
    for (const QString& id : deviceIds) ids.push_back(id.toStdString());
    struct Outcome {
        AnalysisPtr analysis;
        QString error;
    };
    return m_runner.run(
        [file = path.toStdString(), ids, devices = m_devices] {
            if (file.empty()) {
                ModelAnalysis a;
                for (const std::string& id : ids) a.devices.push_back(devices->get(id)->describe());
                return Outcome{std::make_shared<const ModelAnalysis>(std::move(a)), {}};
            }
            Result<ModelAnalysis> a = analyzeModel(file, ids, *devices);
            if (!a) return Outcome{nullptr, QString::fromStdString(a.error().message)};
            return Outcome{std::make_shared<const ModelAnalysis>(std::move(a).value()), {}};
        },
        [this, path](quint64 id, Outcome o) {
            if (o.analysis)
                emit loaded(id, path, o.analysis);
            else
                emit failed(id, path, o.error);
        });
}

}  // namespace km::ui

#include "ui/jobs/model_load_job.h"

#include <QCoreApplication>
#include <QPointer>
#include <QThreadPool>

#include "onnx/onnx_loader.h"

namespace km::ui {

ModelLoadJob::~ModelLoadJob() = default;

quint64 ModelLoadJob::load(const QString& path) {
    const quint64 id = ++m_latest;
    ++m_pending;
    QPointer<ModelLoadJob> self(this);
    const std::string file = path.toStdString();
    QThreadPool::globalInstance()->start([self, id, path, file] {
        Result<Graph> graph = loadModelFile(file);
        std::shared_ptr<LoadedModel> model;
        QString message;
        if (graph) {
            model = std::make_shared<LoadedModel>();
            model->graph = std::move(graph).value();
            model->metrics = computeGraphMetrics(model->graph);
        } else {
            message = QString::fromStdString(graph.error().message);
        }
        // Deliver on the receiver's thread; if the receiver is gone, QPointer is null there.
        QMetaObject::invokeMethod(QCoreApplication::instance(), [self, id, path, model, message] {
            if (!self) return;
            --self->m_pending;
            if (id != self->m_latest) return;  // a newer request superseded this one
            if (model) emit self->loaded(id, path, model);
            else emit self->failed(id, path, message);
        }, Qt::QueuedConnection);
    });
    return id;
}

void ModelLoadJob::waitForIdle() {
    while (m_pending > 0) {
        QThreadPool::globalInstance()->waitForDone(50);
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    }
}

}  // namespace km::ui

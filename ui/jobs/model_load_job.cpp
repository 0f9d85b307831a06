#include "ui/jobs/model_load_job.h"

#include <QCoreApplication>
#include <QPointer>
#include <QThreadPool>

#include <map>
#include <mutex>

#include "backends/device.h"
#include "fusion/partition.h"
#include "onnx/onnx_loader.h"
#include "workflows/data_sources.h"

namespace km::ui {
namespace {

// A device's rules and predictor, read once per process (a predictor is tens of MB of trees).
struct DeviceData {
    std::string error;
    std::string predictorSource;
    RuleSet rules;
    PredictorSet predictor;
};

std::shared_ptr<const DeviceData> deviceData(const std::string& deviceId) {
    static std::mutex mutex;
    static std::map<std::string, std::shared_ptr<const DeviceData>> loaded;
    std::lock_guard<std::mutex> lock(mutex);
    if (auto it = loaded.find(deviceId); it != loaded.end()) return it->second;
    auto d = std::make_shared<DeviceData>();
    std::string rulesSource;
    if (Result<RuleSet> r = deviceRules(deviceId, "", rulesSource); !r) d->error = r.error().message;
    else if (Result<PredictorSet> p = devicePredictor(deviceId, "", "", d->predictorSource); !p) d->error = p.error().message;
    else {
        d->rules = std::move(r).value();
        d->predictor = std::move(p).value();
    }
    loaded.emplace(deviceId, d);
    return d;
}

// The model's predicted latency on every built-in device that has rules and a predictor. The
// graph is re-read when a device keeps op spellings literal (its rules say the runtime does not
// merge them), as the CLI's predict does.
std::vector<DeviceEstimate> estimate(const std::string& file, const Graph& graph, const GraphMetrics& metrics) {
    std::vector<DeviceEstimate> out;
    for (const Device& device : builtinDevices()) {
        if (device.runtime == "test") continue;
        DeviceEstimate e;
        e.deviceId = device.id;
        const std::shared_ptr<const DeviceData> d = deviceData(device.id);
        if (!d->error.empty()) {
            e.error = d->error;
            out.push_back(std::move(e));
            continue;
        }
        const Graph* g = &graph;
        const GraphMetrics* m = &metrics;
        Graph literal;
        GraphMetrics literalMetrics;
        if (LoadOptions lo; !(lo.literalSpellings = d->rules.literalSpellings()).empty()) {
            Result<Graph> again = loadModelFile(file, lo);
            if (!again) {
                e.error = again.error().message;
                out.push_back(std::move(e));
                continue;
            }
            literal = std::move(again).value();
            literalMetrics = computeGraphMetrics(literal);
            g = &literal;
            m = &literalMetrics;
        }
        const ModelPrediction p = predictModel(partitionGraph(*g, d->rules), m->perNode, d->predictor);
        e.predictor = d->predictorSource;
        e.totalMs = p.totalMs;
        e.lowMs = p.lowMs;
        e.highMs = p.highMs;
        e.kernels = p.kernels.size();
        e.warnings = p.warnings;
        out.push_back(std::move(e));
    }
    return out;
}

}  // namespace

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
            model->estimates = estimate(file, model->graph, model->metrics);
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

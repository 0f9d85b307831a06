// Loads a model file off the UI thread. Each request gets an id; a result whose id is no longer
// the latest request is dropped, so a slow file never overwrites a newer one. Signals arrive on the
// loader's thread (the UI thread).
#pragma once

#include <QObject>
#include <memory>

#include "ui/models/node_table_model.h"

namespace km::ui {

class ModelLoadJob : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    ~ModelLoadJob() override;

    // Starts loading; returns the request id.
    quint64 load(const QString& path);
    bool isBusy() const { return m_pending > 0; }
    // Blocks until no load is in flight (tests and --screenshot).
    void waitForIdle();

signals:
    void loaded(quint64 id, const QString& path, std::shared_ptr<const km::ui::LoadedModel> model);
    void failed(quint64 id, const QString& path, const QString& message);

private:
    quint64 m_latest = 0;
    int m_pending = 0;
};

}  // namespace km::ui

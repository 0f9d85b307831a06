// Background work whose newest request alone matters (opening a file, laying out a graph): each
// run goes to the global thread pool, and its result is delivered on the UI thread only if no
// newer run was started meanwhile and the owner still exists (house style: stale results are
// dropped, receivers are guarded). Work in flight is not interrupted; its result is discarded.
#pragma once

#include <QCoreApplication>
#include <QObject>
#include <QPointer>
#include <QThreadPool>
#include <utility>

namespace km::ui {

class LatestOnlyRunner {
public:
    // `owner` holds this runner (as a member) and is the receiver whose lifetime is guarded.
    explicit LatestOnlyRunner(QObject* owner) : m_owner(owner) {}

    // `work()` runs on a pool thread and returns a copyable value, delivered on the
    // UI thread as deliver(id, value). Returns the run's id.
    template <class Work, class Deliver>
    quint64 run(Work work, Deliver deliver) {
        const quint64 id = ++m_latest;
        ++m_pending;
        QPointer<QObject> owner(m_owner);
        LatestOnlyRunner* self = this;
        QThreadPool::globalInstance()->start([owner, self, id, work = std::move(work), deliver = std::move(deliver)]() mutable {
            auto result = work();
            QMetaObject::invokeMethod(
                QCoreApplication::instance(),
                [owner, self, id, result = std::move(result), deliver = std::move(deliver)]() mutable {
                    if (!owner) return;  // the owner, and with it this runner, is gone
                    --self->m_pending;
                    if (id == self->m_latest) deliver(id, std::move(result));
                },
                Qt::QueuedConnection);
        });
        return id;
    }

    bool busy() const { return m_pending > 0; }
    // Blocks (processing events) until every run has delivered or been dropped.
    void waitForIdle() {
        while (m_pending > 0) {
            QThreadPool::globalInstance()->waitForDone(20);
            QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        }
    }

private:
    QObject* m_owner;
    quint64 m_latest = 0;
    int m_pending = 0;
};

}  // namespace km::ui

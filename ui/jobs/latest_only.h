// SPDX-License-Identifier: GPL-3.0-or-later
// Background work whose newest request alone matters (opening a file, laying out a graph): each
// run goes to the global thread pool, and its result is delivered on the UI thread only if no
// newer run was started meanwhile and the owner still exists (house style: stale results are
// dropped, receivers are guarded). Work in flight is not interrupted, but work that takes a
// `const Superseded&` argument can ask whether a newer run (or the owner's end) made it stale and
// stop early (the graph layout kills its dot process); its result is discarded either way.
#pragma once

#include <QCoreApplication>
#include <QObject>
#include <QPointer>
#include <QThreadPool>
#include <atomic>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

namespace km::ui {

// True once the run asking is stale: a newer run started, or the runner was destroyed. Any thread.
using Superseded = std::function<bool()>;

class LatestOnlyRunner {
public:
    // `owner` holds this runner (as a member) and is the receiver whose lifetime is guarded.
    explicit LatestOnlyRunner(QObject* owner) : m_owner(owner) {}
    ~LatestOnlyRunner() { m_latest->store(kGone); }  // runs in flight see themselves superseded
    LatestOnlyRunner(const LatestOnlyRunner&) = delete;
    LatestOnlyRunner& operator=(const LatestOnlyRunner&) = delete;

    // `work()` or `work(superseded)` runs on a pool thread and returns a copyable value, delivered
    // on the UI thread as deliver(id, value). Returns the run's id.
    template <class Work, class Deliver>
    quint64 run(Work work, Deliver deliver) {
        const quint64 id = m_latest->fetch_add(1) + 1;
        ++m_pending;
        QPointer<QObject> owner(m_owner);
        LatestOnlyRunner* self = this;
        Superseded superseded = [latest = m_latest, id] { return latest->load() != id; };
        QThreadPool::globalInstance()->start([owner, self, id, superseded, work = std::move(work), deliver = std::move(deliver)]() mutable {
            auto result = [&] {
                if constexpr (std::is_invocable_v<Work&, const Superseded&>)
                    return work(superseded);
                else
                    return work();
            }();
            QMetaObject::invokeMethod(
                QCoreApplication::instance(),
                [owner, self, id, superseded, result = std::move(result), deliver = std::move(deliver)]() mutable {
                    if (!owner) return;  // the owner, and with it this runner, is gone
                    --self->m_pending;
                    if (!superseded()) deliver(id, std::move(result));
                },
                Qt::QueuedConnection);
        });
        return id;
    }
    // Marks every run in flight stale without starting a new one (a model is closed).
    void supersede() { m_latest->fetch_add(1); }

    bool busy() const { return m_pending > 0; }
    // Blocks (processing events) until every run has delivered or been dropped.
    void waitForIdle() {
        while (m_pending > 0) {
            QThreadPool::globalInstance()->waitForDone(20);
            QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        }
    }

private:
    static constexpr quint64 kGone = ~quint64{0};
    QObject* m_owner;
    std::shared_ptr<std::atomic<quint64>> m_latest = std::make_shared<std::atomic<quint64>>(0);
    int m_pending = 0;
};

}  // namespace km::ui

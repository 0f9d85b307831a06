// SPDX-License-Identifier: GPL-3.0-or-later
// The one way the GUI runs work in the background (loading a model, laying out its graph,
// predicting the benchmark scatter, writing a report, looking up and taking measurements): each
// run goes to the global thread pool and its result is delivered on the UI thread only if no newer
// run of the same runner started meanwhile and the owner still exists (house style: stale results
// are dropped, receivers are guarded). Work may take a `const JobContext&` (or just a
// `const Superseded&`) to ask whether it became stale, whether cancel() was called, and to post
// progress or partial results to the UI thread. (The per-device tools run as child processes:
// ui/jobs/device_tool_job.h.)
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

// What a run may ask and do from its pool thread.
class JobContext {
public:
    JobContext(Superseded superseded, std::shared_ptr<std::atomic<bool>> cancel, QPointer<QObject> owner)
        : m_superseded(std::move(superseded)), m_cancel(std::move(cancel)), m_owner(std::move(owner)) {}
    // A newer run started or the runner is gone: the result will be dropped.
    bool superseded() const { return m_superseded(); }
    // cancel() was called for this run: stop early; the result is still delivered.
    bool cancelled() const { return m_cancel->load(); }
    // Runs `f` on the UI thread while the owner exists (progress, partial results). In order.
    void post(std::function<void()> f) const {
        QPointer<QObject> owner = m_owner;
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [owner, f = std::move(f)] {
                if (owner) f();
            },
            Qt::QueuedConnection);
    }

private:
    Superseded m_superseded;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    QPointer<QObject> m_owner;
};

class JobRunner {
public:
    // `owner` holds this runner (as a member) and is the receiver whose lifetime is guarded.
    explicit JobRunner(QObject* owner) : m_owner(owner) {}
    ~JobRunner() {
        m_latest->store(kGone);  // runs in flight see themselves superseded
        cancel();
    }
    JobRunner(const JobRunner&) = delete;
    JobRunner& operator=(const JobRunner&) = delete;

    // `work()`, `work(superseded)` or `work(context)` runs on a pool thread and returns a copyable
    // value, delivered on the UI thread as deliver(id, value). Returns the run's id.
    template <class Work, class Deliver>
    quint64 run(Work work, Deliver deliver) {
        const quint64 id = m_latest->fetch_add(1) + 1;
        ++m_pending;
        QPointer<QObject> owner(m_owner);
        JobRunner* self = this;
        Superseded superseded = [latest = m_latest, id] { return latest->load() != id; };
        m_cancel = std::make_shared<std::atomic<bool>>(false);
        JobContext context(superseded, m_cancel, owner);
        QThreadPool::globalInstance()->start(
            [owner, self, id, superseded, context, work = std::move(work), deliver = std::move(deliver)]() mutable {
                auto result = [&] {
                    if constexpr (std::is_invocable_v<Work&, const JobContext&>)
                        return work(context);
                    else if constexpr (std::is_invocable_v<Work&, const Superseded&>)
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
    // Asks the latest run to stop early; it still delivers (what it has, saying it was cancelled).
    void cancel() {
        if (m_cancel) m_cancel->store(true);
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
    static constexpr quint64 kGone = ~quint64{0};
    QObject* m_owner;
    std::shared_ptr<std::atomic<quint64>> m_latest = std::make_shared<std::atomic<quint64>>(0);
    std::shared_ptr<std::atomic<bool>> m_cancel;  // the latest run's
    int m_pending = 0;
};

}  // namespace km::ui

// SPDX-License-Identifier: Apache-2.0
// parallelFor (common/parallel_for.h): every item exactly once whatever the thread count, items
// really on several threads, and cancelling from the calling thread.
#include <QtTest>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "common/parallel_for.h"

using namespace km;

class TestParallelFor : public QObject {
    Q_OBJECT
private slots:
    void everyItemOnceInItsSlot() {
        for (unsigned threads : {0u, 1u, 2u, 7u})
            for (size_t count : {size_t(0), size_t(1), size_t(3), size_t(1000)}) {
                std::vector<std::atomic<int>> runs(count);
                std::vector<size_t> slot(count, 0);
                size_t callerDone = 0;
                parallelFor(
                    count,
                    [&](size_t i) {
                        runs[i].fetch_add(1);
                        slot[i] = i * i;
                    },
                    [&](size_t item, size_t done) {
                        if (item >= count || done > count || done <= callerDone) return false;  // would show as a missed item
                        callerDone = done;
                        return true;
                    },
                    threads);
                for (size_t i = 0; i < count; ++i) {
                    QVERIFY2(runs[i].load() == 1,
                             qPrintable(
                                 QString("threads %1, count %2: item %3 ran %4 times").arg(threads).arg(count).arg(i).arg(runs[i].load())));
                    QCOMPARE(slot[i], i * i);
                }
            }
    }

    void itemsOverlapOnTwoThreads() {
        // Item 0 waits for item 1 to start: only a second thread can start it. (The wait's limit
        // only keeps a broken parallelFor from hanging the suite.)
        std::mutex m;
        std::condition_variable cv;
        bool secondStarted = false, overlapped = false;
        std::vector<std::thread::id> ranOn(2);
        parallelFor(
            2,
            [&](size_t i) {
                ranOn[i] = std::this_thread::get_id();
                std::unique_lock<std::mutex> lock(m);
                if (i == 1) {
                    secondStarted = true;
                    cv.notify_all();
                } else {
                    overlapped = cv.wait_for(lock, std::chrono::minutes(10), [&] { return secondStarted; });
                }
            },
            {}, 2);
        QVERIFY(overlapped);
        QVERIFY(ranOn[0] != ranOn[1]);
    }

    void callerStopsHandingOutItems() {
        // One thread: the caller runs every item and stops after the fifth.
        std::atomic<size_t> ran{0};
        parallelFor(
            100, [&](size_t) { ran.fetch_add(1); }, [](size_t, size_t done) { return done < 5; }, 1);
        QCOMPARE(ran.load(), size_t(5));
        // Several threads: after the caller says stop, a helper may still start the one item it
        // was taking (at most one each), none after that.
        std::atomic<bool> stopped{false};
        std::atomic<size_t> startedAfterStop{0};
        parallelFor(
            100000,
            [&](size_t) {
                if (stopped.load()) startedAfterStop.fetch_add(1);
            },
            [&](size_t, size_t done) {
                if (done < 5) return true;
                stopped.store(true);
                return false;
            },
            3);
        QVERIFY2(startedAfterStop.load() <= 2, qPrintable(QString::number(startedAfterStop.load())));
    }
};

QTEST_GUILESS_MAIN(TestParallelFor)
#include "test_parallel_for.moc"

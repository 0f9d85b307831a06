// SPDX-License-Identifier: Apache-2.0
#include "common/parallel_for.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace km {

unsigned defaultWorkerThreads() { return std::max(1u, std::thread::hardware_concurrency()); }

void parallelFor(size_t count, const std::function<void(size_t)>& work, const std::function<bool(size_t, size_t)>& onCaller,
                 unsigned threads) {
    if (count == 0) return;
    if (threads == 0) threads = defaultWorkerThreads();
    const size_t helpers = std::min<size_t>(threads, count) - 1;
    size_t next = 0;  // the next item to take; only under `gate`
    std::atomic<size_t> done{0};
    // Items are taken under `gate`, and the caller asks onCaller and stops under it too: once
    // onCaller has said stop, no item is taken, whatever the scheduler does between the two.
    std::mutex gate;
    bool stop = false;
    auto take = [&]() -> size_t {
        std::lock_guard<std::mutex> lock(gate);
        return stop ? count : next++;
    };
    std::vector<std::thread> pool;
    pool.reserve(helpers);
    for (size_t t = 0; t < helpers; ++t)
        pool.emplace_back([&] {
            for (size_t i = take(); i < count; i = take()) {
                work(i);
                done.fetch_add(1);
            }
        });
    for (size_t i = take(); i < count; i = take()) {
        work(i);
        const size_t finished = done.fetch_add(1) + 1;
        if (onCaller) {
            std::lock_guard<std::mutex> lock(gate);
            stop = !onCaller(i, finished);
        }
    }
    for (auto& t : pool) t.join();
}

}  // namespace km

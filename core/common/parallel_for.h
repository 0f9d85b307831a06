// SPDX-License-Identifier: Apache-2.0
// parallelFor: the same work on many independent items (models to load and predict) spread over
// the machine's cores. Results go into slots the caller keeps by index, so they do not depend on
// the thread count. For models made in memory while nothing is measured (evaluate, adapt's choice
// of networks before it measures them): a busy second core slows the measured one, and files read
// on two threads were slower than on one (docs/performance.md, "Many models at once").
#pragma once

#include <cstddef>
#include <functional>

namespace km {

// Threads parallelFor uses when not told: one per core the system reports (at least 1).
unsigned defaultWorkerThreads();

// Runs work(i) exactly once for every i in [0, count) on up to `threads` threads, the calling
// thread among them (0: defaultWorkerThreads()); items are handed out in index order. `onCaller`,
// when given, runs on the calling thread only, after each item that thread ran, with that item and
// the number of items finished in all; returning false stops handing out items (cancelling: no
// item is taken after that, though another thread may still start one it had taken), and
// parallelFor returns once the items already started are done. No item is taken while onCaller
// runs, so keep it short. `work` must be safe to run concurrently for different indices and must
// not throw.
void parallelFor(size_t count, const std::function<void(size_t)>& work, const std::function<bool(size_t item, size_t done)>& onCaller = {},
                 unsigned threads = 0);

}  // namespace km

// SPDX-License-Identifier: Apache-2.0
// Progress: how long-running core work reports how far it is and learns it should stop.
// Thread contract: report() is called on the worker thread; the callback must be thread-safe.
// cancel() may be called from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <string>

namespace km {

class Progress {
public:
    // fraction in [0, 1]; message is a short phrase such as "shape inference".
    using Callback = std::function<void(double fraction, const std::string& message)>;

    Progress() = default;
    explicit Progress(Callback callback) : m_callback(std::move(callback)) {}

    void report(double fraction, const std::string& message) const {
        if (m_callback) m_callback(fraction, message);
    }
    void cancel() { m_cancelled.store(true); }
    bool isCancelled() const { return m_cancelled.load(); }

private:
    Callback m_callback;
    std::atomic<bool> m_cancelled{false};
};

}  // namespace km

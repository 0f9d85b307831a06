// SPDX-License-Identifier: Apache-2.0
// A runtime for testing the agent and the protocol: the "model" is a text command instead of
// ONNX. Only available with kernelmeter-agent --enable-test-runtime.
//   "spin-us:N"      each run busy-waits N microseconds (a model of known cost)
//   "fail-on-load"   load returns an error
//   "crash-on-load"  load aborts the process
//   "crash-on-run"   the first timed run aborts the process
//   "hang-on-run"    runs never return
//   "alloc-mb:N"     load allocates and touches N MiB (an OOM under a memory limit)
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "backends/runtime_registry.h"

namespace km {
namespace {

class TestModel : public RuntimeModel {
public:
    explicit TestModel(std::string command) : m_command(std::move(command)) {}
    Status run() override {
        ++m_runs;
        if (m_command.rfind("spin-us:", 0) == 0) {
            const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(std::atoll(m_command.c_str() + 8));
            while (std::chrono::steady_clock::now() < until) {}
        } else if (m_command == "crash-on-run" && m_runs > 1) {
            std::abort();
        } else if (m_command == "hang-on-run" && m_runs > 1) {
            for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
        }
        return Ok{};
    }
    std::vector<LayerTime> lastLayerTimes() override { return {{"whole", 0.0}}; }

private:
    std::string m_command;
    int m_runs = 0;
};

class TestRuntime : public Runtime {
public:
    std::string name() const override { return "test"; }
    std::string version() const override { return "1"; }
    Result<std::unique_ptr<RuntimeModel>> load(const std::string& bytes, const Device&, const std::vector<InputSpec>&) override {
        if (bytes == "fail-on-load") return unsupported("the test runtime was asked to fail");
        if (bytes == "crash-on-load") std::abort();
        if (bytes.rfind("alloc-mb:", 0) == 0) {
            const size_t n = static_cast<size_t>(std::atoll(bytes.c_str() + 9)) << 20;
            char* p = static_cast<char*>(std::malloc(n));
            if (!p) return unsupported("the test runtime could not allocate its memory");
            std::memset(p, 1, n);
            m_keep.push_back(p);
        }
        return std::unique_ptr<RuntimeModel>(std::make_unique<TestModel>(bytes));
    }
    ~TestRuntime() override {
        for (char* p : m_keep) std::free(p);
    }

private:
    std::vector<char*> m_keep;
};

}  // namespace

std::unique_ptr<Runtime> makeTestRuntime() { return std::make_unique<TestRuntime>(); }

}  // namespace km

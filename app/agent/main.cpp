// SPDX-License-Identifier: Apache-2.0
// kernelmeter-agent: runs models on this machine's runtimes for a KernelMeter client, speaking
// the agent protocol (core/backends/agent_protocol.h) over stdin/stdout. Started by the GUI/CLI
// as a child process, or on a remote device through a transport ("ssh board kernelmeter-agent").
#include <CLI/CLI.hpp>

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <system_error>
#include <thread>

#include "backends/agent_protocol.h"
#include "backends/runtime_registry.h"
#include "common/version.h"
#include "malloc_huge_pages.h"

namespace {

// stdout carries the protocol only; runtimes that print are redirected to stderr at start.
FILE* g_protocol = nullptr;

// A line the client cannot read any more (the pipe's other end closed; SIGPIPE is ignored when the
// client ignores it) means the client is gone: stop, instead of measuring the rest of the request for
// nobody. Through a transport this is how a cancel reaches the far side, at the next progress line.
void send(const std::string& line) {
    std::fwrite(line.data(), 1, line.size(), g_protocol);
    if (std::fflush(g_protocol) != 0) _exit(3);
}

bool readExactly(std::string& out, size_t n) {
    out.resize(n);
    size_t done = 0;
    while (done < n) {
        const size_t got = std::fread(out.data() + done, 1, n - done, stdin);
        if (got == 0) return false;
        done += got;
    }
    return true;
}

// 1-thread devices run pinned to one core (the last one allowed), so the scheduler does not move
// them mid-measurement; multi-thread devices keep the whole set.
void pinForThreads(int threads) {
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return;
    if (threads != 1) return;
    int last = -1;
    for (int c = 0; c < CPU_SETSIZE; ++c)
        if (CPU_ISSET(c, &allowed)) last = c;
    if (last < 0) return;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(last, &one);
    sched_setaffinity(0, sizeof one, &one);
}

km::AgentHello hello(bool allowTest) {
    km::AgentHello h;
    h.agentVersion = km::kVersion;
    for (const auto& name : km::runtimeNames(allowTest))
        if (auto rt = km::makeRuntime(name, allowTest)) h.runtimes.emplace_back(name, rt->version());
    h.machine = km::readMachineInfo();
    h.machine.allocation = km::agentAllocation();
    return h;
}

// A client that goes away without a word (killed, or cancelled from the desktop application)
// would leave the agent measuring the rest of its request (tens of seconds) on a core the next run
// measures on. So the agent ends as soon as it is orphaned: its parent is the client when started
// locally; through a transport it is the transport's process, and a line that cannot be delivered
// (send) ends the agent instead.
void exitWhenOrphaned() {
    const pid_t parent = getppid();
    try {
        std::thread([parent] {
            while (getppid() == parent) std::this_thread::sleep_for(std::chrono::milliseconds(200));
            _exit(3);  // as when the client is gone mid-request
        }).detach();
    } catch (const std::system_error&) {
        // no thread under a tight --memory-limit-mb: stdin's end still ends the agent
    }
}

void handleMeasure(km::AgentMessage& msg, bool allowTest) {
    for (size_t i = 0; i < msg.request.models.size(); ++i)
        if (!readExactly(msg.request.models[i].bytes, msg.modelSizes[i])) std::exit(3);  // client gone
    const km::Device& device = msg.request.device;
    auto runtime = km::makeRuntime(device.runtime, allowTest);
    if (!runtime) {
        send(km::encodeError("this agent has no runtime '" + device.runtime + "'"));
        return;
    }
    pinForThreads(device.threads);
    km::MeasureResponse response;
    response.runtimeVersion = runtime->version();
    response.machine = km::readMachineInfo();
    response.machine.allocation = km::agentAllocation();
    try {
        response.results = km::measureInterleaved(*runtime, device, msg.request.models, msg.request.options,
                                                  [](int done, int total) { send(km::encodeProgress(done, total)); });
    } catch (const std::bad_alloc&) {
        send(km::encodeError("out of memory while measuring (the agent's memory limit was reached)"));
        return;
    }
    send(km::encodeResult(response));
}

}  // namespace

int main(int argc, char** argv) {
    km::reexecWithHugePages(argv);  // first: glibc reads its tunables when the program starts
    CLI::App app{"KernelMeter measurement agent: runs models for a KernelMeter client over stdin/stdout."};
    app.name("kernelmeter-agent");
    app.set_version_flag("--version", std::string("kernelmeter-agent ") + km::kVersion);
    bool allowTest = false;
    int memoryLimitMb = 0;
    bool printHello = false;
    app.add_flag("--enable-test-runtime", allowTest, "offer the 'test' runtime (crashes and hangs on demand, for tests)");
    app.add_option("--memory-limit-mb", memoryLimitMb, "limit the agent's address space; running out is reported, not fatal");
    app.add_flag("--hello", printHello, "print this agent's runtimes and machine as a protocol hello line and exit");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    if (memoryLimitMb > 0) {
        rlimit lim{static_cast<rlim_t>(memoryLimitMb) << 20, static_cast<rlim_t>(memoryLimitMb) << 20};
        setrlimit(RLIMIT_AS, &lim);
    }
    // Keep the protocol stream for ourselves; anything else writing to fd 1 lands on stderr.
    const int protocolFd = dup(STDOUT_FILENO);
    dup2(STDERR_FILENO, STDOUT_FILENO);
    g_protocol = fdopen(protocolFd, "w");
    if (!g_protocol) return 1;
    if (printHello) {
        send(km::encodeHello(hello(allowTest)));
        return 0;
    }
    exitWhenOrphaned();
    std::string line;
    while (std::getline(std::cin, line)) {
        km::Result<km::AgentMessage> msg = km::decodeMessage(line);
        if (!msg) {
            send(km::encodeError(msg.error().message));
            continue;
        }
        const std::string& type = msg.value().type;
        if (type == "hello")
            send(km::encodeHello(hello(allowTest)));
        else if (type == "measure")
            handleMeasure(msg.value(), allowTest);
        else if (type == "quit")
            break;
        else
            send(km::encodeError("the agent does not handle '" + type + "' messages"));
    }
    return 0;
}

// SPDX-License-Identifier: Apache-2.0
// Runs kernelmeter-agent as a child process (locally, or through a transport command prefix such
// as "ssh user@board" or "adb shell") and talks the agent protocol to it. A crash, hang or OOM of
// the agent is reported as an Error that says which; the client can start a new agent afterwards.
// Thread contract: one thread uses a client at a time.
#pragma once

#include <sys/types.h>
#include <functional>
#include <optional>
#include <string>

#include "backends/agent_protocol.h"

namespace km {

struct AgentLaunch {
    std::string agentPath;        // local kernelmeter-agent, or the command on the remote side
    std::string transportPrefix;  // "" = local child; else run "/bin/sh -c '<prefix> <agentPath> ...'"
    bool enableTestRuntime = false;
    int memoryLimitMb = 0;  // 0 = none; else the agent limits its address space (OOM -> error)
};

class AgentClient {
public:
    explicit AgentClient(AgentLaunch launch) : m_launch(std::move(launch)) {}
    ~AgentClient();
    AgentClient(const AgentClient&) = delete;
    AgentClient& operator=(const AgentClient&) = delete;

    // Starts the agent (if not running) and exchanges hellos.
    Result<AgentHello> start(double timeoutSeconds = 60);
    // Sends one measure request and waits for its result; progress(done, total) as reported.
    // On a crash or timeout the agent is gone afterwards and the next call starts a new one.
    Result<MeasureResponse> measure(const MeasureRequest& request, double timeoutSeconds,
                                    const std::function<void(int, int)>& progress = {});
    void stop();
    bool running() const { return m_pid > 0; }
    // The command that starts the agent, as run (transport prefix + agent and its arguments).
    std::string command() const;
    // The last few KB the agent (or its transport) wrote to stderr; it is kept, not shown.
    const std::string& stderrTail() const { return m_stderr; }
    // The hello of the agent last started (kept after it stops); empty before the first start.
    const std::optional<AgentHello>& lastHello() const { return m_hello; }

private:
    Result<std::string> readLine(double timeoutSeconds);
    void drainStderr(bool wait);  // appends what the agent wrote to stderr to m_stderr (bounded)
    Status writeAll(const std::string& bytes);
    Error describeDeath(const std::string& during);  // reaps the child and says how it ended

    AgentLaunch m_launch;
    pid_t m_pid = -1;
    int m_toAgent = -1;
    int m_fromAgent = -1;
    int m_agentStderr = -1;
    std::string m_stderr;
    std::optional<AgentHello> m_hello;
    std::string m_buffer;  // bytes read but not yet returned as lines
};

}  // namespace km

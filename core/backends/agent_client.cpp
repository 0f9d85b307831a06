// SPDX-License-Identifier: Apache-2.0
#include "backends/agent_client.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "common/child_groups.h"

namespace km {
namespace {

std::string shellQuote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

double nowSeconds() {
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

AgentClient::~AgentClient() { stop(); }

std::string AgentClient::command() const {
    std::string cmd =
        m_launch.transportPrefix.empty() ? m_launch.agentPath : m_launch.transportPrefix + " " + shellQuote(m_launch.agentPath);
    if (m_launch.enableTestRuntime) cmd += " --enable-test-runtime";
    if (m_launch.memoryLimitMb > 0) cmd += fmt::format(" --memory-limit-mb={}", m_launch.memoryLimitMb);
    return cmd;
}

void AgentClient::drainStderr(bool wait) {
    if (m_agentStderr < 0) return;
    char chunk[4096];
    for (int spins = 0;;) {
        pollfd p{m_agentStderr, POLLIN, 0};
        const int r = poll(&p, 1, wait ? 200 : 0);
        if (r <= 0) {
            if (r < 0 && errno == EINTR && ++spins < 10) continue;
            return;
        }
        const ssize_t n = read(m_agentStderr, chunk, sizeof chunk);
        if (n <= 0) return;
        m_stderr.append(chunk, size_t(n));
        constexpr size_t kKeep = 4096;
        if (m_stderr.size() > 2 * kKeep) m_stderr.erase(0, m_stderr.size() - kKeep);
    }
}

void AgentClient::stop() {
    if (m_toAgent >= 0) close(m_toAgent);
    if (m_fromAgent >= 0) close(m_fromAgent);
    if (m_agentStderr >= 0) close(m_agentStderr);
    m_toAgent = m_fromAgent = m_agentStderr = -1;
    if (m_pid > 0) {
        kill(-m_pid, SIGKILL);  // the whole group: a transport command and the agent behind it
        removeChildGroup(m_pid);
        int status = 0;
        waitpid(m_pid, &status, 0);
    }
    m_pid = -1;
    m_buffer.clear();
}

Error AgentClient::describeDeath(const std::string& during) {
    int status = 0;
    pid_t pid = m_pid;
    removeChildGroup(pid);  // reaped below: its pid is free again
    // Give a dying process a moment to be reaped, then force it.
    for (int i = 0; i < 50 && waitpid(pid, &status, WNOHANG) == 0; ++i) usleep(20000);
    if (waitpid(pid, &status, WNOHANG) == 0) {
        kill(-pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    m_pid = -1;
    drainStderr(true);
    stop();
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        const char* hint = sig == SIGKILL ? " (killed: out of memory, or stopped from outside)" : "";
        return internalError(fmt::format("the agent crashed with signal {} ({}){} while {}.", sig, strsignal(sig), hint, during));
    }
    if (WIFEXITED(status)) {
        const int code = WEXITSTATUS(status);
        // Through a transport (a shell, ssh, an emulator) a killed agent comes back as 128 + signal.
        if (!m_launch.transportPrefix.empty() && code > 128 && code < 128 + 65) {
            const int sig = code - 128;
            const char* hint = sig == SIGKILL ? " (killed: out of memory, or stopped from outside)" : "";
            return internalError(fmt::format("the agent exited with code {} through `{}`: it ended on signal {} ({}){} while {}.", code,
                                             m_launch.transportPrefix, sig, strsignal(sig), hint, during));
        }
        // The transport's own program missing here: the shell that runs the prefix says so.
        const std::string transport = m_launch.transportPrefix.substr(0, m_launch.transportPrefix.find_first_of(" \t"));
        if (code == 127 && !transport.empty() &&
            (m_stderr.find(transport + ": not found") != std::string::npos ||
             m_stderr.find(transport + ": command not found") != std::string::npos))
            return internalError(
                fmt::format("the agent exited with code 127 while {}: the transport's program `{}` was not found on this machine (is it "
                            "installed, and on the PATH? `kernelmeter-cli device show` names the transport).",
                            during, transport));
        if (code == 127)  // execv failed here, or the shell on the far side found no such command
            return internalError(
                fmt::format("the agent exited with code 127 while {}: `{}` was not found (is kernelmeter-agent "
                            "installed there? `kernelmeter-cli device show` names the agent command).",
                            during, m_launch.agentPath));
        return internalError(fmt::format("the agent exited with code {} while {}.", code, during));
    }
    return internalError(fmt::format("the agent stopped while {}.", during));
}

Result<AgentHello> AgentClient::start(double timeoutSeconds) {
    if (m_pid <= 0) {
        int in[2], out[2], err[2];
        if (pipe(in) != 0 || pipe(out) != 0 || pipe(err) != 0)
            return ioError(fmt::format("cannot create pipes for the agent: {}", strerror(errno)));
        m_stderr.clear();
        std::vector<std::string> args;
        if (m_launch.enableTestRuntime) args.push_back("--enable-test-runtime");
        if (m_launch.memoryLimitMb > 0) args.push_back(fmt::format("--memory-limit-mb={}", m_launch.memoryLimitMb));
        const pid_t pid = fork();
        if (pid < 0) return ioError(fmt::format("cannot start the agent: {}", strerror(errno)));
        if (pid == 0) {
            setpgid(0, 0);
            sigset_t none;  // the caller may block signals it waits for on a thread (kernelmeter-cli does)
            sigemptyset(&none);
            sigprocmask(SIG_SETMASK, &none, nullptr);
            dup2(in[0], STDIN_FILENO);
            dup2(out[1], STDOUT_FILENO);
            dup2(err[1], STDERR_FILENO);
            close(in[0]);
            close(in[1]);
            close(out[0]);
            close(out[1]);
            close(err[0]);
            close(err[1]);
            if (m_launch.transportPrefix.empty()) {
                std::vector<char*> argv{const_cast<char*>(m_launch.agentPath.c_str())};
                for (auto& a : args) argv.push_back(a.data());
                argv.push_back(nullptr);
                execv(m_launch.agentPath.c_str(), argv.data());
            } else {
                std::string cmd = m_launch.transportPrefix + " " + shellQuote(m_launch.agentPath);
                for (const auto& a : args) cmd += " " + shellQuote(a);
                execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
            }
            _exit(127);
        }
        setpgid(pid, pid);
        addChildGroup(pid);  // ended with this process if it is told to end (common/child_groups.h)
        close(in[0]);
        close(out[1]);
        close(err[1]);
        m_pid = pid;
        m_toAgent = in[1];
        m_fromAgent = out[0];
        m_agentStderr = err[0];
        signal(SIGPIPE, SIG_IGN);  // a dead agent must surface as an error, not kill us
    }
    // A failure before the hello is the transport's or the installation's, not a measurement's:
    // say which command ran and what it printed.
    auto startFailure = [&](const Error& e) {
        drainStderr(true);
        std::string tail = m_stderr;
        while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
        if (tail.size() > 600) tail = "..." + tail.substr(tail.size() - 600);
        const std::string cmd = command();
        stop();
        return Error{e.code == ErrorCode::Internal ? ErrorCode::Io : e.code,
                     fmt::format("starting the agent with `{}` failed: {}{}", cmd, e.message, tail.empty() ? "" : " It printed: " + tail)};
    };
    if (Status s = writeAll(encodeHelloRequest()); !s) return startFailure(describeDeath("starting"));
    Result<std::string> lineRead = readLine(timeoutSeconds);
    if (!lineRead) return startFailure(lineRead.error());
    Result<AgentMessage> msg = decodeMessage(lineRead.value());
    if (!msg) return startFailure(msg.error());
    if (msg.value().type != "hello") return startFailure(internalError(fmt::format("the agent answered '{}' to hello.", msg.value().type)));
    m_hello = msg.value().hello;
    return msg.value().hello;
}

Status AgentClient::writeAll(const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = write(m_toAgent, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return ioError(fmt::format("writing to the agent failed: {}", strerror(errno)));
        done += static_cast<size_t>(n);
    }
    return Ok{};
}

Result<std::string> AgentClient::readLine(double timeoutSeconds) {
    const double deadline = nowSeconds() + timeoutSeconds;
    for (;;) {
        if (auto nl = m_buffer.find('\n'); nl != std::string::npos) {
            std::string line = m_buffer.substr(0, nl);
            m_buffer.erase(0, nl + 1);
            return line;
        }
        const double left = deadline - nowSeconds();
        if (left <= 0) {
            stop();
            return internalError(fmt::format("the agent did not answer within {:g} s and was stopped (a hang).", timeoutSeconds));
        }
        pollfd p[2] = {{m_fromAgent, POLLIN, 0}, {m_agentStderr, POLLIN, 0}};
        const int r = poll(p, m_agentStderr >= 0 ? 2 : 1, static_cast<int>(std::min(left, 1.0) * 1000) + 1);
        if (r < 0 && errno == EINTR) continue;
        if (r > 0 && (p[1].revents & (POLLIN | POLLHUP))) drainStderr(false);
        if (r == 0 || !(p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            if (p[1].revents & POLLHUP) {  // stderr closed: do not spin on it
                close(m_agentStderr);
                m_agentStderr = -1;
            }
            continue;
        }
        char chunk[65536];
        const ssize_t n = read(m_fromAgent, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return describeDeath("answering");
        m_buffer.append(chunk, static_cast<size_t>(n));
        if (m_buffer.size() > (size_t{64} << 20)) {
            stop();
            return internalError("the agent sent a line longer than 64 MiB; stopped it.");
        }
    }
}

Result<MeasureResponse> AgentClient::measure(const MeasureRequest& request, double timeoutSeconds,
                                             const std::function<void(int, int)>& progress) {
    if (Result<AgentHello> h = start(); !h) return h.error();
    // The header, then each model's bytes from where they are: a copy of hundreds of MB into fresh
    // memory costs seconds of page faults per process on a VM (docs/performance.md).
    if (Status s = writeAll(encodeMeasureHeader(request)); !s) return describeDeath("receiving the models");
    for (const auto& m : request.models)
        if (Status s = writeAll(m.bytes); !s) return describeDeath("receiving the models");
    for (;;) {
        Result<std::string> lineRead = readLine(timeoutSeconds);
        if (!lineRead) return lineRead.error();
        Result<AgentMessage> msg = decodeMessage(lineRead.value());
        if (!msg) return msg.error();
        const AgentMessage& m = msg.value();
        if (m.type == "progress") {
            if (progress) progress(m.progressDone, m.progressTotal);
            continue;
        }
        if (m.type == "error") return unsupported("the agent refused the request: " + m.error);
        if (m.type == "result") return m.response;
        return internalError(fmt::format("the agent sent an unexpected '{}' message.", m.type));
    }
}

}  // namespace km

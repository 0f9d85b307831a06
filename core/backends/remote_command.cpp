// SPDX-License-Identifier: Apache-2.0
#include "backends/remote_command.h"

#include <fcntl.h>
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

std::string shellQuoted(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

Result<CommandOutput> runThroughTransport(const std::string& transportPrefix, const std::string& remoteCommand, const std::string& input,
                                          double timeoutSeconds) {
    const std::string line = transportPrefix.empty() ? remoteCommand : transportPrefix + " " + shellQuoted(remoteCommand);
    int in[2], out[2], err[2];
    if (pipe(in) != 0 || pipe(out) != 0 || pipe(err) != 0) return ioError(fmt::format("cannot create pipes: {}", strerror(errno)));
    const pid_t pid = fork();
    if (pid < 0) return ioError(fmt::format("cannot start `{}`: {}", line, strerror(errno)));
    if (pid == 0) {
        setpgid(0, 0);
        sigset_t none;  // the caller may block signals it waits for on a thread (kernelmeter-cli does)
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        dup2(in[0], STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        dup2(err[1], STDERR_FILENO);
        for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) close(fd);
        execl("/bin/sh", "sh", "-c", line.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    setpgid(pid, pid);
    addChildGroup(pid);  // ended with this process if it is told to end (common/child_groups.h)
    close(in[0]);
    close(out[1]);
    close(err[1]);
    signal(SIGPIPE, SIG_IGN);  // a far side that stops reading must not kill us
    int toChild = in[1];
    fcntl(toChild, F_SETFL, O_NONBLOCK);
    size_t written = 0;
    if (input.empty()) {
        close(toChild);
        toChild = -1;
    }
    CommandOutput result;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeoutSeconds);
    int open = 2;
    int fromOut = out[0], fromErr = err[0];
    while (open > 0) {
        const double left = std::chrono::duration<double>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0) {
            kill(-pid, SIGKILL);
            removeChildGroup(pid);
            waitpid(pid, nullptr, 0);
            for (int fd : {toChild, fromOut, fromErr})
                if (fd >= 0) close(fd);
            return ioError(fmt::format("`{}` did not finish within {:g} s and was stopped.", line, timeoutSeconds));
        }
        pollfd p[3] = {{fromOut, POLLIN, 0}, {fromErr, POLLIN, 0}, {toChild, POLLOUT, 0}};
        const int r = poll(p, toChild >= 0 ? 3 : 2, int(std::min(left, 1.0) * 1000) + 1);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) continue;
        for (int i = 0; i < 2; ++i) {
            int& fd = i == 0 ? fromOut : fromErr;
            if (fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char chunk[65536];
            const ssize_t n = read(fd, chunk, sizeof chunk);
            if (n > 0) {
                (i == 0 ? result.out : result.err).append(chunk, size_t(n));
            } else if (n == 0 || errno != EINTR) {
                close(fd);
                fd = -1;
                p[i].fd = -1;
                --open;
            }
        }
        if (toChild >= 0 && (p[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
            const ssize_t n = write(toChild, input.data() + written, input.size() - written);
            if (n > 0) written += size_t(n);
            if (n < 0 && errno != EAGAIN && errno != EINTR) written = input.size();  // the far side stopped reading
            if (written >= input.size()) {
                close(toChild);
                toChild = -1;
            }
        }
    }
    if (toChild >= 0) close(toChild);
    int status = 0;
    removeChildGroup(pid);
    waitpid(pid, &status, 0);
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

}  // namespace km

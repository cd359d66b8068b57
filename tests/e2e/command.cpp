#include "tests/e2e/command.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

extern char** environ;

namespace e2e {

namespace {

void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

}  // namespace

std::string CommandResult::describe() const {
    auto tail = [](const std::string& s) { return s.size() > 6000 ? "..." + s.substr(s.size() - 6000) : s; };
    std::string exit = timed_out ? "killed at the deadline" : "exited " + std::to_string(exit_code);
    return command_line + " (" + exit + ")\n--- stdout ---\n" + tail(out) + "\n--- stderr ---\n" + tail(err);
}

std::optional<std::string> find_tool(std::string_view name) {
    if (name.find('/') != std::string_view::npos) {
        if (::access(std::string(name).c_str(), X_OK) == 0) return std::string(name);
        return std::nullopt;
    }
    const char* path = std::getenv("PATH");
    std::string dirs = path && *path ? path : "/usr/local/bin:/usr/bin:/bin";
    size_t start = 0;
    while (start <= dirs.size()) {
        size_t end = dirs.find(':', start);
        if (end == std::string::npos) end = dirs.size();
        std::string dir = dirs.substr(start, end - start);
        if (!dir.empty()) {
            std::string candidate = dir + "/" + std::string(name);
            if (::access(candidate.c_str(), X_OK) == 0 && !std::filesystem::is_directory(candidate)) return candidate;
        }
        start = end + 1;
    }
    return std::nullopt;
}

std::string require_tool(std::string_view name) {
    auto path = find_tool(name);
    REQUIRE_MESSAGE(path.has_value(), "`" << name << "` is not installed: run scripts/setup");
    return *path;
}

CommandResult run_command(const std::vector<std::string>& argv, const CommandOptions& options) {
    CommandResult result;
    for (const auto& a : argv) result.command_line += (result.command_line.empty() ? "" : " ") + a;
    if (argv.empty()) throw std::invalid_argument("run_command: no program");
    auto program = find_tool(argv[0]);
    if (!program) {
        result.err = argv[0] + " is not installed: run scripts/setup";
        return result;
    }

    int in_pipe[2], out_pipe[2], err_pipe[2];
    if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe2: " + std::string(strerror(errno)));
    // Built before fork: the test process has other threads, so the child may only call
    // async-signal-safe functions before exec.
    std::vector<std::string> store(argv);
    store[0] = *program;
    std::vector<char*> args;
    for (auto& a : store) args.push_back(a.data());
    args.push_back(nullptr);

    // A program that exits before reading all its input must not end the test with SIGPIPE.
    ::signal(SIGPIPE, SIG_IGN);
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork: " + std::string(strerror(errno)));
    if (pid == 0) {
        dup2(in_pipe[0], 0);
        dup2(out_pipe[1], 1);
        dup2(err_pipe[1], 2);
        setpgid(0, 0);
        ::signal(SIGPIPE, SIG_DFL);  // an ignored signal would stay ignored across exec
        execve(args[0], args.data(), environ);
        const char msg[] = "e2e: execve failed\n";
        (void)!write(2, msg, sizeof msg - 1);
        _exit(127);
    }
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    int in_fd = in_pipe[1], out_fd = out_pipe[0], err_fd = err_pipe[0];
    fcntl(in_fd, F_SETFL, fcntl(in_fd, F_GETFL) | O_NONBLOCK);

    size_t written = 0;
    if (options.input.empty() && !options.hold_stdin) close_fd(in_fd);
    auto deadline = Clock::now() + options.timeout;
    bool stdin_closed_at_deadline = false;
    int status = 0;
    bool reaped = false;
    char buf[65536];
    while (out_fd >= 0 || err_fd >= 0 || !reaped) {
        if (!reaped) {
            pid_t r = waitpid(pid, &status, WNOHANG);
            if (r == pid) {
                reaped = true;
                close_fd(in_fd);
            }
        }
        auto now = Clock::now();
        if (now >= deadline) {
            if (options.hold_stdin && !stdin_closed_at_deadline && !reaped) {
                // The program waited for input that was never meant to end: EOF now, and a
                // little longer for it to finish by itself.
                close_fd(in_fd);
                stdin_closed_at_deadline = true;
                deadline = now + milliseconds(5000);
                continue;
            }
            if (!reaped) {
                kill(-pid, SIGKILL);
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                reaped = true;
                result.timed_out = true;
            }
            // A grandchild may hold the pipes: read what is there and stop.
            if (out_fd >= 0 || err_fd >= 0) {
                for (int* fd : {&out_fd, &err_fd}) {
                    if (*fd < 0) continue;
                    fcntl(*fd, F_SETFL, fcntl(*fd, F_GETFL) | O_NONBLOCK);
                    ssize_t n;
                    while ((n = ::read(*fd, buf, sizeof buf)) > 0) (fd == &out_fd ? result.out : result.err).append(buf, size_t(n));
                    close_fd(*fd);
                }
            }
            break;
        }
        pollfd fds[3];
        int nfds = 0;
        int out_i = -1, err_i = -1, in_i = -1;
        if (out_fd >= 0) out_i = nfds, fds[nfds++] = {out_fd, POLLIN, 0};
        if (err_fd >= 0) err_i = nfds, fds[nfds++] = {err_fd, POLLIN, 0};
        if (in_fd >= 0 && written < options.input.size()) in_i = nfds, fds[nfds++] = {in_fd, POLLOUT, 0};
        // Short polls: the loop also watches for the child's exit and the deadline.
        int rc = ::poll(fds, static_cast<nfds_t>(nfds), 20);
        if (rc < 0 && errno != EINTR) break;
        if (rc <= 0) continue;
        auto drain = [&](int i, int& fd, std::string& into) {
            if (i < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) return;
            ssize_t n = ::read(fd, buf, sizeof buf);
            if (n > 0) into.append(buf, static_cast<size_t>(n));
            else if (n == 0 || (errno != EINTR && errno != EAGAIN)) close_fd(fd);
        };
        drain(out_i, out_fd, result.out);
        drain(err_i, err_fd, result.err);
        if (in_i >= 0 && (fds[in_i].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t n = ::write(in_fd, options.input.data() + written, options.input.size() - written);
            if (n > 0) written += static_cast<size_t>(n);
            else if (n < 0 && errno != EAGAIN && errno != EINTR) close_fd(in_fd);
            if (written == options.input.size() && !options.hold_stdin) close_fd(in_fd);
        }
    }
    close_fd(in_fd);
    close_fd(out_fd);
    close_fd(err_fd);
    if (!result.timed_out) result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

}  // namespace e2e

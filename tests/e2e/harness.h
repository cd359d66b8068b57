// The end-to-end harness: the real `pogo` binary as a child process, watched through its stdout
// and stderr, and small helpers the tests share (deadlines, temporary directories, fixture paths).
//
// A PogoProcess is driven from the test's main thread; one drain thread per child copies the
// child's stdout and stderr into buffers that the main thread searches and waits on with a
// deadline. Nothing here sleeps for a fixed time: every wait is "until this is true, or until the
// deadline", and the deadlines are generous because the machine is small and shared.
#pragma once

#include <sys/types.h>

#include <csignal>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace e2e {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Long enough for a loaded 2-core machine; a passing test never waits this long.
inline constexpr milliseconds kDeadline{20000};

// Polls `done` every few milliseconds until it returns true or `timeout` passes.
bool poll_until(const std::function<bool()>& done, milliseconds timeout = kDeadline);

// POGO_BINARY (the build's own), or $POGO_E2E_BINARY when set.
std::filesystem::path pogo_binary();
std::filesystem::path fixtures_dir();
// tests/fixtures/app, canonical (the form DOCUMENT_ROOT and SCRIPT_FILENAME are compared with).
std::filesystem::path app_root();

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(std::string_view rel) const { return path_ / rel; }

private:
    std::filesystem::path path_;
};

void write_file(const std::filesystem::path& path, std::string_view content);
std::string read_file(const std::filesystem::path& path);

// A unique token for one test run (pid + counter), to find a test's own lines in a shared log.
std::string unique_token(std::string_view prefix);

// A loopback TCP port that was free a moment ago and that no earlier call returned (for a
// Caddyfile that must name its port): tests/support/free_port.h.
int free_port();

// Resource limits applied in the child before exec (setrlimit), to see the server at them.
struct ChildLimits {
    unsigned long open_files_soft = 0, open_files_hard = 0;  // RLIMIT_NOFILE; 0: inherited
};

// One run of the pogo binary. The destructor kills the child (SIGKILL) if it is still running.
class PogoProcess {
public:
    // Starts `pogo args...` with the current environment plus `extra_env` ("NAME=value").
    explicit PogoProcess(std::vector<std::string> args, std::vector<std::string> extra_env = {},
                         ChildLimits limits = {});
    ~PogoProcess();
    PogoProcess(const PogoProcess&) = delete;
    PogoProcess& operator=(const PogoProcess&) = delete;

    pid_t pid() const { return pid_; }

    // Waits for the `"address":"http://HOST:PORT"` log line. False if the deadline passes or the
    // child exits first.
    bool wait_listening(milliseconds timeout = kDeadline);
    const std::string& address() const { return address_; }  // "127.0.0.1:PORT"
    int port() const { return port_; }
    std::string url(std::string_view path_and_query = "/") const;

    std::string stdout_text() const;
    std::string stderr_text() const;
    // Waits until stderr contains `needle`.
    bool wait_stderr(std::string_view needle, milliseconds timeout = kDeadline);
    // Waits until stdout and stderr are both closed by the child (it exited, or closed them).
    bool wait_output_closed(milliseconds timeout = kDeadline);

    bool running();
    // The exit code, or 128 + signal number if a signal ended the child; nullopt at the deadline.
    std::optional<int> wait_exit(milliseconds timeout = kDeadline);
    // Sends `sig` and waits for the exit; past the deadline kills with SIGKILL (and returns 137),
    // so that a test never hangs on a child that ignores the signal.
    int stop(int sig = SIGTERM, milliseconds timeout = kDeadline);
    bool was_killed_after_deadline() const { return killed_after_deadline_; }

    // A summary for failure messages: the command line, exit state and the tail of stderr.
    std::string describe() const;

private:
    struct Output {
        mutable std::mutex mu;
        std::condition_variable cv;
        std::string out, err;
        bool out_open = true, err_open = true;
    };
    void drain(int out_fd, int err_fd, int wake_fd);
    bool reap(int options);

    std::vector<std::string> args_;
    pid_t pid_ = -1;
    std::optional<int> exit_code_;
    bool killed_after_deadline_ = false;
    std::string address_;
    int port_ = 0;
    std::shared_ptr<Output> output_ = std::make_shared<Output>();
    std::thread drain_thread_;
    int wake_fd_ = -1;
    int wake_read_fd_ = -1;  // written to make the drain thread give up on pipes a grandchild holds
};

// Runs `pogo args...` to completion (php-cli, version, start-up failures).
struct RunResult {
    int exit_code = -1;  // 128 + signal if signalled; -1 if it had to be killed at the deadline
    std::string out, err;
};
RunResult run_pogo(std::vector<std::string> args, std::vector<std::string> extra_env = {},
                   milliseconds timeout = kDeadline);

// `pogo php-server --listen 127.0.0.1:0 --root ROOT extra...`, waited until it listens; fails the
// current test (REQUIRE) with the child's stderr if it does not.
std::unique_ptr<PogoProcess> start_php_server(const std::filesystem::path& root,
                                              std::vector<std::string> extra_args = {},
                                              std::vector<std::string> extra_env = {});

// The non-empty lines of `text`.
std::vector<std::string> lines_of(std::string_view text);

}  // namespace e2e


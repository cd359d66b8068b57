#include "tests/e2e/harness.h"

#include "tests/support/free_port.h"

#include <doctest/doctest.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace e2e {

namespace fs = std::filesystem;

bool poll_until(const std::function<bool()>& done, milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        if (done()) return true;
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(milliseconds(5));
    }
}

fs::path pogo_binary() {
    // POGO_E2E_BINARY runs the same tests against another build (an ASan one, an installed one).
    if (const char* other = std::getenv("POGO_E2E_BINARY"); other && *other) return other;
    return POGO_BINARY;
}
fs::path fixtures_dir() { return fs::canonical(POGO_FIXTURES_DIR); }
fs::path app_root() { return fs::canonical(fs::path(POGO_FIXTURES_DIR) / "app"); }

TempDir::TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "pogo-e2e-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp: " + std::string(strerror(errno)));
    path_ = fs::canonical(tmpl);
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

void write_file(const fs::path& path, std::string_view content) {
    fs::create_directories(path.parent_path());
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!f) throw std::runtime_error("cannot write " + path.string());
}

std::string read_file(const fs::path& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("cannot read " + path.string());
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

int free_port() { return pogo::test::fresh_loopback_port(); }

std::string unique_token(std::string_view prefix) {
    static std::atomic<int> counter{0};
    return std::string(prefix) + "-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
}

std::vector<std::string> lines_of(std::string_view text) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string line(text.substr(start, end - start));
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") != std::string::npos) lines.push_back(line);
        start = end + 1;
    }
    return lines;
}

// ---- PogoProcess ----------------------------------------------------------------------------

PogoProcess::PogoProcess(std::vector<std::string> args, std::vector<std::string> extra_env, ChildLimits limits)
    : args_(std::move(args)) {
    int out_pipe[2], err_pipe[2], wake_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0 || pipe2(wake_pipe, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe2: " + std::string(strerror(errno)));

    // Everything the child needs is built before fork: between fork and exec only
    // async-signal-safe calls are allowed (the test process has other threads).
    const std::string binary = pogo_binary().string();
    std::vector<std::string> argv_store;
    argv_store.push_back(binary);
    for (auto& a : args_) argv_store.push_back(a);
    std::vector<char*> argv;
    for (auto& a : argv_store) argv.push_back(a.data());
    argv.push_back(nullptr);

    std::vector<std::string> env_store;
    for (char** e = environ; *e; ++e) {
        std::string_view kv(*e);
        bool overridden = false;
        for (auto& x : extra_env) {
            auto eq = x.find('=');
            if (kv.substr(0, kv.find('=') + 1) == std::string_view(x).substr(0, eq + 1)) overridden = true;
        }
        if (!overridden) env_store.emplace_back(kv);
    }
    for (auto& x : extra_env) env_store.push_back(x);
    std::vector<char*> envp;
    for (auto& e : env_store) envp.push_back(e.data());
    envp.push_back(nullptr);

    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork: " + std::string(strerror(errno)));
    if (pid_ == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) dup2(devnull, 0);
        dup2(out_pipe[1], 1);
        dup2(err_pipe[1], 2);
        // Own process group: a terminal's Ctrl-C to the test runner must not reach the child
        // first, and the test decides which signal the child gets.
        setpgid(0, 0);
        if (limits.open_files_soft || limits.open_files_hard) {
            rlimit lim{};
            getrlimit(RLIMIT_NOFILE, &lim);
            if (limits.open_files_hard) lim.rlim_max = limits.open_files_hard;
            if (limits.open_files_soft) lim.rlim_cur = limits.open_files_soft;
            if (setrlimit(RLIMIT_NOFILE, &lim) != 0) {
                const char msg[] = "e2e harness: setrlimit(RLIMIT_NOFILE) failed\n";
                (void)!write(2, msg, sizeof msg - 1);
                _exit(127);
            }
        }
        execve(argv[0], argv.data(), envp.data());
        const char msg[] = "e2e harness: execve failed\n";
        (void)!write(2, msg, sizeof msg - 1);
        _exit(127);
    }
    close(out_pipe[1]);
    close(err_pipe[1]);
    wake_read_fd_ = wake_pipe[0];
    wake_fd_ = wake_pipe[1];
    drain_thread_ = std::thread([this, o = out_pipe[0], e = err_pipe[0], w = wake_pipe[0]] { drain(o, e, w); });
}

PogoProcess::~PogoProcess() {
    if (pid_ > 0 && !exit_code_) {
        kill(-pid_, SIGKILL);  // the child's process group: the child and anything it started
        kill(pid_, SIGKILL);
        reap(0);
    }
    if (!wait_output_closed(milliseconds(2000))) {
        // Something the child started still holds the pipes: end it, then stop reading anyway.
        if (pid_ > 0) kill(-pid_, SIGKILL);
        wait_output_closed(milliseconds(2000));
    }
    (void)!write(wake_fd_, "x", 1);
    if (drain_thread_.joinable()) drain_thread_.join();
    close(wake_fd_);
    close(wake_read_fd_);
}

void PogoProcess::drain(int out_fd, int err_fd, int wake_fd) {
    auto output = output_;
    pollfd fds[3] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
    int open_count = 2;
    char buf[65536];
    while (open_count > 0) {
        if (poll(fds, 3, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (fds[2].revents) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t n = read(fds[i].fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            std::lock_guard lock(output->mu);
            if (n > 0) {
                (i == 0 ? output->out : output->err).append(buf, static_cast<size_t>(n));
            } else {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_count;
                (i == 0 ? output->out_open : output->err_open) = false;
            }
            output->cv.notify_all();
        }
    }
    for (int i = 0; i < 2; ++i)
        if (fds[i].fd >= 0) close(fds[i].fd);
    std::lock_guard lock(output->mu);
    output->out_open = output->err_open = false;
    output->cv.notify_all();
}

std::string PogoProcess::stdout_text() const {
    std::lock_guard lock(output_->mu);
    return output_->out;
}

std::string PogoProcess::stderr_text() const {
    std::lock_guard lock(output_->mu);
    return output_->err;
}

bool PogoProcess::wait_stderr(std::string_view needle, milliseconds timeout) {
    std::unique_lock lock(output_->mu);
    return output_->cv.wait_until(lock, Clock::now() + timeout, [&] {
        return output_->err.find(needle) != std::string::npos || !output_->err_open;
    }) && output_->err.find(needle) != std::string::npos;
}

bool PogoProcess::wait_output_closed(milliseconds timeout) {
    std::unique_lock lock(output_->mu);
    return output_->cv.wait_until(lock, Clock::now() + timeout,
                                  [&] { return !output_->out_open && !output_->err_open; });
}

bool PogoProcess::wait_listening(milliseconds timeout) {
    static const std::regex address_re("\"address\":\"http://([^\"]+)\"");
    const auto deadline = Clock::now() + timeout;
    std::unique_lock lock(output_->mu);
    std::smatch m;
    bool found = output_->cv.wait_until(lock, deadline, [&] {
        return std::regex_search(output_->err, m, address_re) || !output_->err_open;
    });
    if (!found || m.empty()) return false;
    address_ = m[1].str();
    auto colon = address_.rfind(':');
    if (colon == std::string::npos) return false;
    port_ = std::atoi(address_.c_str() + colon + 1);
    return port_ > 0;
}

std::string PogoProcess::url(std::string_view path_and_query) const {
    return "http://" + address_ + std::string(path_and_query);
}

bool PogoProcess::reap(int options) {
    int status = 0;
    pid_t r;
    do {
        r = waitpid(pid_, &status, options);
    } while (r < 0 && errno == EINTR);
    if (r != pid_) return false;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return true;
}

bool PogoProcess::running() {
    if (exit_code_) return false;
    return !reap(WNOHANG);
}

std::optional<int> PogoProcess::wait_exit(milliseconds timeout) {
    poll_until([&] { return !running(); }, timeout);
    return exit_code_;
}

int PogoProcess::stop(int sig, milliseconds timeout) {
    if (running()) kill(pid_, sig);
    if (auto code = wait_exit(timeout)) return *code;
    killed_after_deadline_ = true;
    kill(pid_, SIGKILL);
    reap(0);
    return exit_code_.value_or(137);
}

std::string PogoProcess::describe() const {
    std::string s = "pogo";
    for (auto& a : args_) s += " " + a;
    s += exit_code_ ? " (exited " + std::to_string(*exit_code_) + ")" : " (running)";
    std::string err = stderr_text();
    if (err.size() > 4000) err = "..." + err.substr(err.size() - 4000);
    return s + "\n--- stderr ---\n" + err;
}

RunResult run_pogo(std::vector<std::string> args, std::vector<std::string> extra_env, milliseconds timeout) {
    PogoProcess p(std::move(args), std::move(extra_env));
    RunResult r;
    auto code = p.wait_exit(timeout);
    r.exit_code = code ? *code : (p.stop(SIGKILL), -1);
    p.wait_output_closed(timeout);
    r.out = p.stdout_text();
    r.err = p.stderr_text();
    return r;
}

std::unique_ptr<PogoProcess> start_php_server(const fs::path& root, std::vector<std::string> extra_args,
                                              std::vector<std::string> extra_env) {
    std::vector<std::string> args = {"php-server", "--listen", "127.0.0.1:0", "--root", root.string()};
    for (auto& a : extra_args) args.push_back(a);
    auto p = std::make_unique<PogoProcess>(std::move(args), std::move(extra_env));
    bool listening = p->wait_listening();
    if (!listening) p->wait_exit(milliseconds(2000));  // so describe() can say how it ended
    INFO(p->describe());
    REQUIRE_MESSAGE(listening, "pogo php-server did not report a listening address");
    return p;
}

}  // namespace e2e

// What must not take the server down: running out of descriptors (a connection burst under a low
// `ulimit -n`) and a PHP stack overflow (deep recursion through internal functions), in classic
// and worker mode; and what happens when an overflow cannot be survived (recursion inside C): one
// clear line and exit status 70, for the supervisor. Also: memory goes back to the system once a
// connection flood recedes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "tests/e2e/common.h"

using namespace e2e;
namespace fs = std::filesystem;

namespace {

// The burst needs more client sockets than the default soft limit of the test process may allow.
bool raise_own_open_files(rlim_t want) {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return false;
    if (lim.rlim_cur >= want) return true;
    lim.rlim_cur = std::min<rlim_t>(want, lim.rlim_max);
    return setrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur >= want;
}

// `n` connections to 127.0.0.1:port, opened without blocking; returns those that connected
// before the deadline (the kernel completes them whether or not the server accepts).
std::vector<int> connect_many(int port, int n) {
    std::vector<int> fds;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < n; ++i) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) break;
        if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
            close(fd);
            continue;
        }
        fds.push_back(fd);
    }
    std::vector<int> connected;
    auto deadline = Clock::now() + kDeadline;
    for (int fd : fds) {
        pollfd p{fd, POLLOUT, 0};
        int left = static_cast<int>(std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count());
        int err = 0;
        socklen_t len = sizeof err;
        if (poll(&p, 1, std::max(left, 0)) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
            connected.push_back(fd);
        else
            close(fd);
    }
    return connected;
}

// Writes `request` on every socket (a few bytes: a connected socket's buffer takes them at once);
// returns how many took it whole.
size_t send_to_all(const std::vector<int>& fds, std::string_view request) {
    size_t sent = 0;
    for (int fd : fds) sent += send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size());
    return sent;
}

size_t open_descriptors(pid_t pid) {
    std::error_code ec;
    size_t n = 0;
    for (auto it = fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec); !ec && it != fs::directory_iterator();
         it.increment(ec))
        ++n;
    return n;
}

// VmRSS of a process, in KiB (0 if unreadable).
long rss_kib(pid_t pid) {
    std::string status = read_file("/proc/" + std::to_string(pid) + "/status");
    size_t at = status.find("VmRSS:");
    return at == std::string::npos ? 0 : std::strtol(status.c_str() + at + 6, nullptr, 10);
}

size_t count_of(std::string_view text, std::string_view needle) {
    size_t n = 0;
    for (size_t at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + needle.size())) ++n;
    return n;
}

std::unique_ptr<PogoProcess> start_limited(ChildLimits limits) {
    auto server = std::make_unique<PogoProcess>(
        std::vector<std::string>{"php-server", "--listen", "127.0.0.1:0", "--root", app_root().string()},
        std::vector<std::string>{}, limits);
    REQUIRE_MESSAGE(server->wait_listening(), server->describe());
    return server;
}

fs::path survival_worker_root() { return fs::canonical(fixtures_dir() / "worker_survival"); }

}  // namespace

TEST_CASE("descriptors: a burst past ulimit -n is refused briefly, logged a few times, and the server recovers") {
    REQUIRE(raise_own_open_files(2048));
    auto server = start_limited({256, 256});
    const size_t at_start = open_descriptors(server->pid());
    // A few ordinary requests first, their connections closed and gone. Under UBSan this matters:
    // the first check of an object's dynamic type (a Connection's destructor) probes memory
    // through a pipe, which a process out of descriptors cannot make, and reads as a false
    // "invalid vptr" that ends a sanitized server. Once a type was checked, later checks hit a cache.
    {
        std::vector<Request> warm(4);
        for (auto& w : warm) w.url = server->url("/hello.php");
        for (const Response& w : perform_concurrent(warm)) CHECK(w.status == 200);
    }
    // (A first request may open a few descriptors of PHP's own that stay open.)
    REQUIRE(poll_until([&] { return open_descriptors(server->pid()) <= at_start + 8; }));
    const size_t baseline = open_descriptors(server->pid());

    std::vector<int> burst = connect_many(server->port(), 600);
    INFO("connected: " << burst.size());
    REQUIRE(burst.size() > 300);
    // Each sends a PHP request: the PHP threads then compete with the accepting loops for every
    // descriptor that frees up (what used to cost libuv its reserve descriptor, after which its
    // accept loop retried forever inside one callback).
    send_to_all(burst, "GET /hello.php HTTP/1.1\r\nHost: localhost\r\n\r\n");
    bool refused = server->wait_stderr("accept failed: too many open files; refusing connections");
    for (int fd : burst) close(fd);
    INFO(server->describe());
    CHECK(refused);

    // The clients left: every descriptor they held in the server comes back (nothing stuck in
    // CLOSE_WAIT), and a normal request is answered.
    CHECK(poll_until([&] { return open_descriptors(server->pid()) <= baseline + 8; }));
    auto after_burst = Clock::now();
    Response r;
    bool answered = poll_until(
        [&] {
            HttpClient client;
            Request req;
            req.url = server->url("/hello.php");
            req.timeout = milliseconds(2000);
            r = client.perform(req);
            return r.status == 200;
        },
        milliseconds(10000));
    INFO(r.describe());
    CHECK(answered);
    MESSAGE("answered " << std::chrono::duration_cast<milliseconds>(Clock::now() - after_burst).count()
                        << " ms after the clients closed");

    // Logged once per interval, not once per failed accept.
    const std::string log = server->stderr_text();
    CHECK(count_of(log, "accept failed") < 50);
    // The requests PHP could not open its script for log two lines each (about 300 KiB for all);
    // a spinning accept loop writes tens of megabytes in the same time.
    CHECK(log.size() < 4 * 1024 * 1024);
    CHECK(server->stop(SIGTERM) == 0);
    CHECK_FALSE(server->was_killed_after_deadline());
}

TEST_CASE("descriptors: the soft limit is raised to the hard limit at start-up") {
    auto server = start_limited({256, 512});
    INFO(server->describe());
    CHECK(server->wait_stderr("open files limit raised"));
    CHECK(server->stderr_text().find("\"to\":512") != std::string::npos);
    CHECK(server->stop(SIGTERM) == 0);
}

TEST_CASE("stack overflow through internal calls: a 500 naming the script, and the next request is served") {
    auto server = start_php_server(app_root());
    HttpClient client;
    Response r = client.get(server->url("/stack_overflow.php"));
    INFO(r.describe());
    INFO(server->describe());
    CHECK(r.status == 500);
    CHECK(server->wait_stderr("Maximum call stack size of"));
    CHECK(server->stderr_text().find("stack_overflow.php") != std::string::npos);
    for (int i = 0; i < 3; ++i) {
        Response ok = client.get(server->url("/hello.php"));
        INFO(ok.describe());
        CHECK(ok.status == 200);
    }
    CHECK(server->running());
    CHECK(server->stop(SIGTERM) == 0);
}

TEST_CASE("worker: a stack overflow in the handler fails its request, and the worker serves the next") {
    auto server = start_php_server(survival_worker_root(), {"--worker", (survival_worker_root() / "index.php").string() + ",1"});
    HttpClient client;
    Response r = client.get(server->url("/?overflow=1"));
    INFO(r.describe());
    INFO(server->describe());
    CHECK(r.status == 500);
    CHECK(server->wait_stderr("Maximum call stack size of"));
    CHECK(server->stderr_text().find("index.php") != std::string::npos);
    Response ok = client.get(server->url("/"));
    INFO(ok.describe());
    CHECK(ok.status == 200);
    CHECK(ok.body.rfind("ok ", 0) == 0);
    CHECK(server->running());
    CHECK(server->stop(SIGTERM) == 0);
}

TEST_CASE("stack overflow inside C code: one clear line and exit status 70") {
    auto server = start_php_server(app_root());
    HttpClient client;
    Request req;
    req.url = server->url("/c_stack_overflow.php");
    Response r = client.perform(req);
    auto code = server->wait_exit();
    INFO(r.describe());
    INFO(server->describe());
    CHECK(code == std::optional<int>(70));
    const std::string log = server->stderr_text();
    CHECK(log.find("overflowed its C stack running ") != std::string::npos);
    CHECK(log.find("c_stack_overflow.php; exiting so the supervisor restarts the server") != std::string::npos);
}

TEST_CASE("memory: once a flood of connections has closed, the loops give memory back (malloc_trim)") {
    REQUIRE(raise_own_open_files(8192));
    auto server = start_php_server(app_root(), {"--debug"});
    // Enough that each loop (one per CPU, sharing the port through SO_REUSEPORT) passes its
    // threshold of 1,000 connections.
    const int flood = 1000 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency())) + 1000;
    const size_t baseline = open_descriptors(server->pid());
    std::vector<int> fds = connect_many(server->port(), flood);
    INFO("connected: " << fds.size());
    REQUIRE(fds.size() == static_cast<size_t>(flood));
    // One request on each (left unread), as the keep-alive clients of a flood would have made.
    CHECK(send_to_all(fds, "GET /static.txt HTTP/1.1\r\nHost: localhost\r\n\r\n") == fds.size());
    // Every connection accepted (each holds a descriptor in the server) before they all close.
    CHECK(poll_until([&] { return open_descriptors(server->pid()) >= baseline + static_cast<size_t>(flood); }));
    const long peak = rss_kib(server->pid());
    for (int fd : fds) close(fd);
    INFO(server->describe());
    CHECK(server->wait_stderr("memory returned to the system after a connection peak"));
    CHECK(poll_until([&] { return open_descriptors(server->pid()) <= baseline + 8; }));
    MESSAGE("RSS with " << flood << " connections open: " << peak << " KiB; after they closed: " << rss_kib(server->pid())
                        << " KiB");
    CHECK(server->stop(SIGTERM) == 0);
}

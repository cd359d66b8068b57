// Reloads with zero downtime: 20 reloads while wrk keeps loopback connections busy (not one
// failed or reset request), SIGUSR1 (the file again; unchanged is a no-op), new thread counts
// and php_ini taking effect, and a configuration that cannot start rolled back.
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include "tests/e2e/admin_support.h"
#include "tests/e2e/command.h"

using namespace e2e_admin;

namespace {

// wrk's summary: requests, socket errors and non-2xx counts.
struct WrkSummary {
    long requests = -1;
    long connect = 0, read = 0, write = 0, timeout = 0;
    long non_2xx = 0;
};

WrkSummary parse_wrk(const std::string& out) {
    WrkSummary s;
    std::smatch m;
    if (std::regex_search(out, m, std::regex(R"((\d+) requests in)"))) s.requests = std::stol(m[1]);
    if (std::regex_search(out, m, std::regex(R"(Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+))"))) {
        s.connect = std::stol(m[1]);
        s.read = std::stol(m[2]);
        s.write = std::stol(m[3]);
        s.timeout = std::stol(m[4]);
    }
    if (std::regex_search(out, m, std::regex(R"(Non-2xx or 3xx responses: (\d+))"))) s.non_2xx = std::stol(m[1]);
    return s;
}

// wrk in the background until stopped with SIGINT (it then prints its summary).
class Wrk {
public:
    explicit Wrk(const std::string& url) {
        out_ = std::tmpfile();
        pid_ = fork();
        if (pid_ == 0) {
            dup2(fileno(out_), 1);
            dup2(fileno(out_), 2);
            execlp("wrk", "wrk", "-t", "2", "-c", "16", "-d", "300s", url.c_str(), nullptr);
            _exit(127);
        }
    }
    // A test that failed before stop() leaves no wrk running.
    ~Wrk() {
        if (pid_ <= 0) return;
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        std::fclose(out_);
    }
    std::string stop() {
        kill(pid_, SIGINT);
        int status = 0;
        waitpid(pid_, &status, 0);
        pid_ = -1;
        std::string text;
        std::rewind(out_);
        char buf[4096];
        while (size_t n = std::fread(buf, 1, sizeof buf, out_)) text.append(buf, n);
        std::fclose(out_);
        return text;
    }

private:
    pid_t pid_ = -1;
    FILE* out_ = nullptr;
};

// process_open_fds from the admin API's metrics (-1 when absent).
long open_fds(AdminRun& run) {
    std::smatch m;
    std::string text = run.send("GET", "/metrics").body;
    return std::regex_search(text, m, std::regex(R"(\nprocess_open_fds (\d+))")) ? std::stol(m[1]) : -1;
}

// The HTTP connections pogo holds: its sockets that are neither listening nor the admin API's
// (/proc/PID/fd against /proc/PID/net/tcp{,6}). Counting every descriptor also counts what comes
// and goes on its own: a worker script PHP keeps open when it compiled it before OPcache had it,
// the test's own admin API connection.
long open_connections(AdminRun& run) {
    const std::string proc = "/proc/" + std::to_string(run.pogo->pid());
    std::vector<std::string> listening;  // and the admin API's connections
    char admin_port[8];
    std::snprintf(admin_port, sizeof admin_port, ":%04X", unsigned(run.admin_port));
    for (const char* table : {"/net/tcp", "/net/tcp6"}) {
        std::ifstream in(proc + table);
        std::string line;
        std::getline(in, line);  // header
        while (std::getline(in, line)) {
            std::istringstream fields(line);
            std::string f, local, state, inode;
            for (int i = 0; fields >> f; ++i) {
                if (i == 1) local = f;
                if (i == 3) state = f;
                if (i == 9) inode = f;
            }
            if (state == "0A" || local.ends_with(admin_port)) listening.push_back("socket:[" + inode + "]");
        }
    }
    long n = 0;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(proc + "/fd", ec)) {
        std::string target = std::filesystem::read_symlink(e.path(), ec).string();
        if (target.starts_with("socket:") && std::find(listening.begin(), listening.end(), target) == listening.end()) ++n;
    }
    return n;
}

size_t occurrences(const std::string& text, std::string_view needle) {
    size_t n = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
    return n;
}

// A unixgram socket such as systemd gives a Type=notify service in $NOTIFY_SOCKET: it collects the
// datagrams pogo writes to it.
class NotifySocket {
public:
    explicit NotifySocket(std::string path) : path_(std::move(path)) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        REQUIRE(path_.size() < sizeof addr.sun_path);
        std::memcpy(addr.sun_path, path_.c_str(), path_.size());
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        timeval tv{0, 100000};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    ~NotifySocket() { ::close(fd_); }
    const std::string& path() const { return path_; }
    // Waits for a datagram holding the line `line` (e.g. "READY=1"); every datagram seen is kept.
    bool wait_for(const std::string& line) {
        return poll_until([&] {
            char buf[4096];
            ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n > 0) seen_.emplace_back(buf, size_t(n));
            for (const std::string& d : seen_)
                if (("\n" + d + "\n").find("\n" + line + "\n") != std::string::npos) {
                    seen_.erase(std::find(seen_.begin(), seen_.end(), d));
                    return true;
                }
            return false;
        });
    }
    std::string seen() const {
        std::string out;
        for (const std::string& d : seen_) out += "[" + d + "] ";
        return out;
    }

private:
    std::string path_;
    int fd_ = -1;
    std::vector<std::string> seen_;
};

}  // namespace

TEST_CASE("20 reloads under wrk: no failed, reset or refused request") {
    AdminRun run;
    run.start();
    {
        HttpClient c;
        REQUIRE(c.get(run.url("/classic.php")).status == 200);
    }
    REQUIRE(open_fds(run) > 0);
    for (const char* path : {"/classic.php", "/worker.php", "/static.txt"}) {
        CAPTURE(path);
        // The previous round's connections are gone, then wrk's 16 are open before the first reload.
        REQUIRE(poll_until([&] { return open_connections(run) == 0; }));
        Wrk wrk(run.url(path));
        REQUIRE(poll_until([&] { return open_connections(run) >= 16; }));
        size_t stopped = occurrences(run.pogo->stderr_text(), "server stopped");
        // 20 in all; each round ends on the default worker count.
        int reloads = std::string(path) == "/classic.php" ? 10 : std::string(path) == "/worker.php" ? 6 : 4;
        for (int i = 0; i < reloads; ++i) {
            // Alternate a changed configuration and a forced identical one.
            int workers = 2 - i % 2;
            Response r = run.send("POST", "/load", caddyfile(run.port, run.admin_port, workers),
                                  {"Content-Type: text/caddyfile", "Cache-Control: must-revalidate"});
            INFO(r.describe());
            REQUIRE(r.status == 200);
        }
        // Every replaced configuration drained while wrk kept sending.
        REQUIRE(poll_until([&] { return occurrences(run.pogo->stderr_text(), "server stopped") >= stopped + reloads; }));
        std::string out = wrk.stop();
        INFO(out);
        INFO(run.pogo->describe());
        WrkSummary s = parse_wrk(out);
        CHECK(s.requests > 0);
        CHECK(s.connect == 0);
        CHECK(s.read == 0);
        CHECK(s.write == 0);
        CHECK(s.timeout == 0);
        CHECK(s.non_2xx == 0);
        MESSAGE(std::string(path) << ": " << s.requests << " requests across " << reloads << " reloads, none failed");
    }
    CHECK(run.pogo->stop() == 0);
}

TEST_CASE("SIGUSR1 reloads the file: unchanged is a no-op; thread counts and php_ini take effect") {
    AdminRun run;
    run.start();
    std::string boot = run.boot();
    kill(run.pogo->pid(), SIGUSR1);
    REQUIRE(run.pogo->wait_stderr("config is unchanged"));
    CHECK(run.boot() == boot);

    // php_ini: the engine restarts with the new setting.
    std::string with_ini = caddyfile(run.port, run.admin_port, 2);
    with_ini.replace(with_ini.find("\t\tnum_threads 4\n"), 0, "\t\tphp_ini precision 7\n");
    write_file(run.dir / "Caddyfile", with_ini);
    HttpClient c;
    CHECK(c.get(run.url("/classic.php")).body == "classic 14");
    kill(run.pogo->pid(), SIGUSR1);
    REQUIRE(poll_until([&] { return c.get(run.url("/classic.php")).body == "classic 7"; }));
    CHECK(run.boot() != boot);

    // Thread counts: /frankenphp/threads sees the new regular threads (6 in all: 4 regular, 2 the worker's).
    std::string more = with_ini;
    more.replace(more.find("num_threads 4"), 13, "num_threads 6");
    write_file(run.dir / "Caddyfile", more);
    kill(run.pogo->pid(), SIGUSR1);
    REQUIRE(poll_until([&] {
        Response t = run.send("GET", "/frankenphp/threads");
        return t.status == 200 && body_json(t)["ThreadDebugStates"].size() == 6;
    }));
    CHECK(c.get(run.url("/classic.php")).body == "classic 7");

    // A file that does not parse: logged, the old configuration serves on.
    write_file(run.dir / "Caddyfile", more + "\nhttp://127.0.0.1:1 {\n\tnot_a_directive\n}\n");
    kill(run.pogo->pid(), SIGUSR1);
    REQUIRE(run.pogo->wait_stderr("reload failed; the previous configuration keeps serving"));
    CHECK(c.get(run.url("/classic.php")).body == "classic 7");
    CHECK(run.pogo->stop() == 0);
}

TEST_CASE("pogo run speaks systemd's notify protocol: READY=1, RELOADING=1 then READY=1, STOPPING=1") {
    AdminRun run;
    NotifySocket notify((run.dir / "notify.sock").string());
    run.start("", {}, {"NOTIFY_SOCKET=" + notify.path()});
    INFO(run.pogo->describe());
    CHECK_MESSAGE(notify.wait_for("READY=1"), notify.seen());
    // A reload (SIGUSR1 with a changed file, as `systemctl reload` runs `pogo reload --force`).
    write_file(run.dir / "Caddyfile", caddyfile(run.port, run.admin_port, 2));
    kill(run.pogo->pid(), SIGUSR1);
    CHECK_MESSAGE(notify.wait_for("RELOADING=1"), notify.seen());
    CHECK_MESSAGE(notify.wait_for("READY=1"), notify.seen());
    CHECK(run.pogo->wait_stderr("load complete"));
    // And through the admin API.
    Response r = run.send("POST", "/load", caddyfile(run.port, run.admin_port, 1),
                          {"Content-Type: text/caddyfile"});
    CHECK(r.status == 200);
    CHECK_MESSAGE(notify.wait_for("RELOADING=1"), notify.seen());
    CHECK_MESSAGE(notify.wait_for("READY=1"), notify.seen());
    CHECK(run.pogo->stop() == 0);
    CHECK_MESSAGE(notify.wait_for("STOPPING=1"), notify.seen());
}

TEST_CASE("reload: the old configuration's scripts still running after grace_period are interrupted, the new one's are not") {
    AdminRun run;
    run.start(caddyfile(run.port, run.admin_port, 1, "\tgrace_period 1s\n"));
    write_file(run.dir / "hold.php", "<?php while (file_exists(__DIR__ . '/hold')) { usleep(5000); clearstatcache(); }\n"
                                     "echo 'released';");
    write_file(run.dir / "hold", "");
    auto serving = [&](const std::string& uri) {
        return poll_until([&] {
            json doc = body_json(run.send("GET", "/frankenphp/threads"));
            for (const json& row : doc["ThreadDebugStates"])
                if (row["CurrentURI"] == uri) return true;
            return false;
        });
    };
    Response old_response, new_response;
    std::thread old_request([&] {
        HttpClient c;
        old_response = c.get(run.url("/hold.php?old"));
    });
    if (!serving("/hold.php?old")) {
        std::filesystem::remove(run.dir / "hold");
        old_request.join();
        INFO(old_response.describe());
        INFO(run.pogo->describe());
        REQUIRE_MESSAGE(false, "the request to hold.php never showed in /frankenphp/threads");
    }
    Response load = run.send("POST", "/load", caddyfile(run.port, run.admin_port, 2, "\tgrace_period 1s\n"),
                             {"Content-Type: text/caddyfile"});
    INFO(load.describe());
    REQUIRE(load.status == 200);
    std::thread new_request([&] {
        HttpClient c;
        new_response = c.get(run.url("/hold.php?new"));
    });
    CHECK(serving("/hold.php?new"));
    INFO(run.pogo->describe());
    CHECK(run.pogo->wait_stderr("grace period over; interrupting running PHP scripts"));
    CHECK(run.pogo->wait_stderr("Script interrupted: the server is shutting down and its grace period is over"));
    old_request.join();
    CHECK(old_response.body != "released");
    // The new configuration's request was left alone: it ends when its script does.
    CHECK(serving("/hold.php?new"));
    std::filesystem::remove(run.dir / "hold");
    new_request.join();
    CHECK(new_response.status == 200);
    CHECK(new_response.body == "released");
    CHECK(run.pogo->stop() == 0);
}

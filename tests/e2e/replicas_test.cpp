// Pogo beyond one process: three `pogo run` replicas on loopback behind HAProxy (Debian's), which
// health-checks each through the admin API's /ready. PHP sees the client HAProxy names
// (trusted_proxies) and the scheme it forwards; a rolling restart of every replica under wrk loses
// no request; sessions kept in Redis (Debian's redis-server, the phpredis extension compiled into
// Pogo's PHP) follow a user from one replica to another.
//
// Addresses: the sites on 127.0.0.1 ports of their own; the admin APIs on one port at 127.0.0.11,
// .12 and .13 (all of 127/8 is loopback), so that HAProxy's one health-check request, with
// `Host: localhost:PORT`, passes every replica's DNS-rebinding check; the test's client connects
// from 127.0.0.9, so its address differs from HAProxy's.
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "tests/e2e/command.h"
#include "tests/e2e/common.h"

using namespace e2e;
namespace fs = std::filesystem;

namespace {

constexpr int kReplicas = 3;
const std::string kClientAddress = "127.0.0.9";

// A helper server (haproxy, redis-server) for the test's lifetime: its output in a file, SIGTERM
// then SIGKILL at the end, killed with the test process if that crashes.
class Daemon {
public:
    Daemon(std::vector<std::string> argv, fs::path log) : log_(std::move(log)) {
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            FILE* out = std::fopen(log_.c_str(), "w");
            if (out) {
                ::dup2(fileno(out), 1);
                ::dup2(fileno(out), 2);
            }
            ::execv(args[0], args.data());
            _exit(127);
        }
    }
    ~Daemon() {
        ::kill(pid_, SIGTERM);
        int status = 0;
        if (!poll_until([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; })) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, &status, 0);
        }
    }
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;
    bool running() { return ::waitpid(pid_, nullptr, WNOHANG) == 0; }
    std::string log() const { return read_file(log_); }

private:
    fs::path log_;
    pid_t pid_ = -1;
};

// One request/response on a Unix socket (HAProxy's stats socket, Redis): what the peer wrote
// until `complete` says the answer is whole or the peer closed (HAProxy closes after one
// command; Redis does not), or "" when nothing listens. The receive timeout only bounds a peer
// that stopped answering.
std::string unix_exchange(const fs::path& path, const std::string& request,
                          const std::function<bool(const std::string&)>& complete = nullptr) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    std::string out;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == ssize_t(request.size())) {
        char buf[4096];
        for (ssize_t n; !(complete && complete(out)) && (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
            out.append(buf, size_t(n));
    }
    ::close(fd);
    return out;
}

// A Redis command's whole reply, for replies of one line or an array of one-line strings.
std::string redis_command(const fs::path& socket, const std::string& command) {
    return unix_exchange(socket, command + "\r\n", [](const std::string& out) {
        if (out.empty() || out.find("\r\n") == std::string::npos) return false;
        if (out[0] != '*') return true;
        long items = std::atol(out.c_str() + 1);
        size_t lines = 0;
        for (size_t p = 0; (p = out.find("\r\n", p)) != std::string::npos; p += 2) ++lines;
        return lines >= size_t(1 + 2 * items);
    });
}

// The app every replica serves (each says which it is: $_SERVER['REPLICA'], php_server's env):
// who.php (what PHP sees of the client), login.php (a session: POST user=NAME logs in, GET says who is logged in).
void write_app(const fs::path& dir) {
    write_file(dir / "who.php", R"(<?php
header('Content-Type: application/json');
echo json_encode([
    'replica' => $_SERVER['REPLICA'],
    'remote_addr' => $_SERVER['REMOTE_ADDR'],
    'forwarded_proto' => $_SERVER['HTTP_X_FORWARDED_PROTO'] ?? null,
    'https' => $_SERVER['HTTPS'] ?? null,
    // APCu, compiled in with phpredis: a per-replica cache, counting this replica's requests.
    'apcu' => function_exists('apcu_inc') ? apcu_inc('who') : null,
]);
)");
    write_file(dir / "login.php", R"(<?php
session_start();
if ($_SERVER['REQUEST_METHOD'] === 'POST') {
    session_regenerate_id(true);
    $_SESSION['user'] = $_POST['user'];
}
$_SESSION['views'] = ($_SESSION['views'] ?? 0) + 1;
header('Content-Type: application/json');
echo json_encode(['replica' => $_SERVER['REPLICA'], 'user' => $_SESSION['user'] ?? null,
                  'views' => $_SESSION['views'], 'handler' => ini_get('session.save_handler')]);
)");
}

// The replicas, HAProxy in front of them and Redis beside them, each in `dir`.
struct Cluster {
    TempDir dir;
    int admin_port = free_port();
    int front_port = free_port();
    std::vector<int> ports;
    std::vector<std::unique_ptr<PogoProcess>> replicas;
    std::unique_ptr<Daemon> redis, haproxy;
    fs::path redis_socket = dir / "redis.sock";
    fs::path stats_socket = dir / "haproxy.sock";

    std::string admin_ip(int i) const { return "127.0.0." + std::to_string(11 + i); }
    std::string front(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(front_port) + path; }
    std::string direct(int i, const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(ports[size_t(i)]) + path;
    }
    fs::path caddyfile(int i) const { return dir / ("Caddyfile." + std::to_string(i)); }

    Cluster() {
        write_app(dir.path());
        const std::string redis_bin = require_tool("redis-server");
        redis = std::make_unique<Daemon>(
            std::vector<std::string>{redis_bin, "--port", "0", "--unixsocket", redis_socket.string(), "--save", "",
                                     "--appendonly", "no", "--dir", dir.path().string()},
            dir / "redis.log");
        REQUIRE_MESSAGE(poll_until([&] { return redis_command(redis_socket, "PING").rfind("+PONG", 0) == 0; }),
                        redis->log());
        for (int i = 0; i < kReplicas; ++i) {
            ports.push_back(free_port());
            // shutdown_delay: HAProxy checks every 100 ms, so a replica that stops being ready is
            // out of rotation long before its listener closes. strict: the client is the address
            // HAProxy appended, not one a client put in its own X-Forwarded-For.
            write_file(caddyfile(i), "{\n\tadmin " + admin_ip(i) + ":" + std::to_string(admin_port) +
                                         "\n\tauto_https off\n\tshutdown_delay 1s\n\tgrace_period 10s\n"
                                         "\tservers {\n\t\ttrusted_proxies static 127.0.0.1/32\n"
                                         "\t\ttrusted_proxies_strict\n\t}\n"
                                         "\tfrankenphp {\n\t\tnum_threads 4\n"
                                         "\t\tphp_ini session.save_handler redis\n"
                                         "\t\tphp_ini session.save_path unix://" +
                                         redis_socket.string() + "\n\t}\n}\nhttp://127.0.0.1:" +
                                         std::to_string(ports.back()) + " {\n\troot * " + dir.path().string() +
                                         "\n\tphp_server {\n\t\tenv REPLICA r" + std::to_string(i) + "\n\t}\n}\n");
            replicas.emplace_back();
            start(i);
        }
        write_file(dir / "haproxy.cfg", haproxy_cfg());
        const std::string haproxy_bin = require_tool("haproxy");
        CommandResult check = run_command({haproxy_bin, "-c", "-f", (dir / "haproxy.cfg").string()});
        REQUIRE_MESSAGE(check.exit_code == 0, check.describe());
        haproxy = std::make_unique<Daemon>(
            std::vector<std::string>{haproxy_bin, "-db", "-f", (dir / "haproxy.cfg").string()}, dir / "haproxy.log");
        for (int i = 0; i < kReplicas; ++i) REQUIRE_MESSAGE(wait_status(i, "UP"), describe());
    }

    std::string haproxy_cfg() const {
        std::string cfg =
            "global\n"
            "\tmaxconn 256\n"
            "\tstats socket " + stats_socket.string() + " mode 600 level admin\n"
            "defaults\n"
            "\tmode http\n"
            "\ttimeout connect 2s\n"
            "\ttimeout client 30s\n"
            "\ttimeout server 30s\n"
            // A connection refused or closed before its response is retried on another replica:
            // the safety net behind the readiness check, not the mechanism (the counters say
            // whether it was needed).
            "\tretries 3\n"
            "\toption redispatch 1\n"
            "\tretry-on conn-failure empty-response\n"
            "\toption forwardfor\n"
            "frontend web\n"
            "\tbind 127.0.0.1:" + std::to_string(front_port) + "\n"
            // TLS would end here in production: the replicas learn the scheme from this header
            // (a client's own X-Forwarded-Proto is replaced).
            "\thttp-request set-header X-Forwarded-Proto https\n"
            "\tdefault_backend pogo\n"
            "backend pogo\n"
            "\tbalance roundrobin\n"
            "\toption httpchk\n"
            "\thttp-check send meth GET uri /ready ver HTTP/1.1 hdr Host localhost:" + std::to_string(admin_port) + "\n"
            "\thttp-check expect status 200\n"
            "\tdefault-server inter 100ms fall 1 rise 1\n";
        for (int i = 0; i < kReplicas; ++i)
            cfg += "\tserver r" + std::to_string(i) + " 127.0.0.1:" + std::to_string(ports[size_t(i)]) + " check addr " +
                   admin_ip(i) + " port " + std::to_string(admin_port) + "\n";
        return cfg;
    }

    void start(int i) {
        replicas[size_t(i)] = std::make_unique<PogoProcess>(std::vector<std::string>{"run", "--config", caddyfile(i).string()});
        REQUIRE_MESSAGE(replicas[size_t(i)]->wait_listening(), replicas[size_t(i)]->describe());
        REQUIRE_MESSAGE(replicas[size_t(i)]->wait_stderr("admin endpoint started"), replicas[size_t(i)]->describe());
    }

    // HAProxy's `show stat` as rows of name -> field, for the backend's servers.
    std::vector<std::map<std::string, std::string>> stats() const {
        std::istringstream in(unix_exchange(stats_socket, "show stat\n"));
        std::string line;
        std::vector<std::string> names;
        std::vector<std::map<std::string, std::string>> rows;
        auto split = [](const std::string& s) {
            std::vector<std::string> out;
            std::stringstream ss(s);
            for (std::string f; std::getline(ss, f, ',');) out.push_back(f);
            return out;
        };
        while (std::getline(in, line)) {
            if (line.rfind("# ", 0) == 0) {
                names = split(line.substr(2));
                continue;
            }
            auto fields = split(line);
            if (fields.size() < 2 || fields[0] != "pogo" || fields[1][0] != 'r') continue;
            std::map<std::string, std::string> row;
            for (size_t k = 0; k < names.size() && k < fields.size(); ++k) row[names[k]] = fields[k];
            rows.push_back(std::move(row));
        }
        return rows;
    }
    std::string status(int i) const {
        for (auto& row : stats())
            if (row["svname"] == "r" + std::to_string(i)) return row["status"];
        return "";
    }
    bool wait_status(int i, const std::string& want) const {
        return poll_until([&] { return status(i).rfind(want, 0) == 0; });
    }

    std::string describe() const {
        std::string out = "haproxy:\n" + (haproxy ? haproxy->log() : std::string()) + "\n";
        for (size_t i = 0; i < replicas.size(); ++i)
            if (replicas[i]) out += "replica " + std::to_string(i) + ":\n" + replicas[i]->describe() + "\n";
        return out;
    }
};

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
        const std::string wrk = require_tool("wrk");
        out_ = std::tmpfile();
        pid_ = ::fork();
        if (pid_ == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            ::dup2(fileno(out_), 1);
            ::dup2(fileno(out_), 2);
            // --timeout: a slow (ASan, busy) machine makes requests slow, not failed.
            ::execl(wrk.c_str(), "wrk", "-t", "2", "-c", "16", "-d", "300s", "--timeout", "10s", url.c_str(), nullptr);
            _exit(127);
        }
    }
    ~Wrk() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        std::fclose(out_);
    }
    Wrk(const Wrk&) = delete;
    Wrk& operator=(const Wrk&) = delete;
    std::string stop() {
        ::kill(pid_, SIGINT);
        ::waitpid(pid_, nullptr, 0);
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

Response get_from_client_address(HttpClient& client, const std::string& url, std::vector<std::string> headers = {}) {
    Request r;
    r.url = url;
    r.headers = std::move(headers);
    r.local_address = kClientAddress;
    return client.perform(r);
}

long stat_number(std::map<std::string, std::string>& row, const std::string& field) {
    return row[field].empty() ? 0 : std::stol(row[field]);
}

}  // namespace

TEST_CASE("behind HAProxy: three replicas, the real client and scheme, a rolling restart under wrk loses nothing") {
    Cluster c;
    HttpClient client;

    // trusted_proxies: REMOTE_ADDR is the client HAProxy appended, even when the client sends an
    // X-Forwarded-For and X-Forwarded-Proto of its own; the scheme is the one HAProxy forwards.
    std::set<std::string> served_by;
    for (int i = 0; i < kReplicas; ++i) {
        Response r = get_from_client_address(client, c.front("/who.php"),
                                             {"X-Forwarded-For: 203.0.113.66", "X-Forwarded-Proto: http"});
        INFO(r.describe());
        REQUIRE(r.status == 200);
        json who = body_json(r);
        CHECK(who["remote_addr"] == kClientAddress);
        CHECK(who["forwarded_proto"] == "https");
        CHECK(who["apcu"] == 1);  // the first request each replica sees (round robin)
        served_by.insert(who["replica"].get<std::string>());
    }
    CHECK(served_by.size() == size_t(kReplicas));  // round robin reached every replica
    // Straight to a replica, nothing is trusted: the peer is the client.
    Response direct = get_from_client_address(client, c.direct(0, "/who.php"), {"X-Forwarded-For: 203.0.113.66"});
    CHECK(body_json(direct)["remote_addr"] == kClientAddress);

    // The rolling restart: each replica in turn gets SIGTERM (its /ready fails, HAProxy takes it
    // out, it drains and exits 0), starts again, and is back in rotation before the next one.
    Wrk wrk(c.front("/who.php"));
    REQUIRE(poll_until([&] {
        long total = 0;
        for (auto& row : c.stats()) total += stat_number(row, "stot");
        return total > 3 * 100;
    }));
    for (int i = 0; i < kReplicas; ++i) {
        CAPTURE(i);
        PogoProcess& replica = *c.replicas[size_t(i)];
        ::kill(replica.pid(), SIGTERM);
        CHECK_MESSAGE(c.wait_status(i, "DOWN"), c.describe());
        std::optional<int> code = replica.wait_exit();
        CHECK_MESSAGE(code == std::optional<int>(0), replica.describe());
        c.start(i);
        REQUIRE_MESSAGE(c.wait_status(i, "UP"), c.describe());
    }
    // The last replica back serves wrk's requests too before the load stops.
    long before = 0;
    for (auto& row : c.stats())
        if (row["svname"] == "r" + std::to_string(kReplicas - 1)) before = stat_number(row, "stot");
    REQUIRE(poll_until([&] {
        for (auto& row : c.stats())
            if (row["svname"] == "r" + std::to_string(kReplicas - 1)) return stat_number(row, "stot") > before + 100;
        return false;
    }));
    std::string out = wrk.stop();
    WrkSummary s = parse_wrk(out);
    long retries = 0, redispatches = 0, response_errors = 0, connect_errors = 0;
    for (auto& row : c.stats()) {
        retries += stat_number(row, "wretr");
        redispatches += stat_number(row, "wredis");
        response_errors += stat_number(row, "eresp");
        connect_errors += stat_number(row, "econ");
    }
    MESSAGE("rolling restart of " << kReplicas << " replicas under wrk: " << s.requests << " requests; errors: connect "
                                  << s.connect << ", read " << s.read << ", write " << s.write << ", timeout "
                                  << s.timeout << "; non-2xx " << s.non_2xx << "; HAProxy retries " << retries
                                  << ", redispatches " << redispatches << ", connect errors " << connect_errors
                                  << ", response errors " << response_errors);
    INFO(out);
    INFO(c.describe());
    CHECK(s.requests > 0);
    CHECK(s.connect == 0);
    CHECK(s.read == 0);
    CHECK(s.write == 0);
    CHECK(s.timeout == 0);
    CHECK(s.non_2xx == 0);
}

TEST_CASE("sessions in Redis: logged in through one replica, still logged in through the others") {
    Cluster c;
    HttpClient browser;
    browser.keep_cookies();
    Request login;
    login.method = "POST";
    login.url = c.direct(0, "/login.php");
    login.body = "user=ada";
    login.has_body = true;
    login.headers = {"Content-Type: application/x-www-form-urlencoded"};
    Response in = browser.perform(login);
    INFO(in.describe());
    REQUIRE(in.status == 200);
    json first = body_json(in);
    CHECK(first["user"] == "ada");
    CHECK(first["handler"] == "redis");
    CHECK(first["replica"] == "r0");

    for (int i : {1, 2, 0, 2}) {
        CAPTURE(i);
        Response r = browser.get(c.direct(i, "/login.php"));
        INFO(r.describe());
        json j = body_json(r);
        CHECK(j["replica"] == "r" + std::to_string(i));
        CHECK(j["user"] == "ada");
    }
    // Every request counted in the one session, wherever it ran.
    CHECK(body_json(browser.get(c.front("/login.php")))["views"] == 6);
    // The session lives in Redis, nowhere else: without the cookie there is none.
    HttpClient stranger;
    CHECK(body_json(stranger.get(c.direct(1, "/login.php")))["user"] == nullptr);
    std::string keys = redis_command(c.redis_socket, "KEYS PHPREDIS_SESSION:*");
    INFO(keys);
    // Two sessions: ada's (the id she had before logging in was regenerated away) and the stranger's.
    CHECK(keys.rfind("*2\r\n", 0) == 0);
    CHECK(keys.find("PHPREDIS_SESSION:") != std::string::npos);
}

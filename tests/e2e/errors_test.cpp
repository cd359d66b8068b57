// Scripts that fail: fatal errors and uncaught exceptions end their request with a 500 and the
// PHP threads go on serving; exit() ends a script normally; error_log() and the access log reach
// the server's log. And a server that cannot start: a privileged port without the permission.
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "tests/e2e/command.h"
#include "tests/e2e/common.h"

using namespace e2e;

namespace {

// PHP threads default to 2 x CPUs; several times that many concurrent requests reach every one.
int requests_to_reach_every_thread() {
    unsigned cpus = std::thread::hardware_concurrency();
    return static_cast<int>(8 * (cpus ? cpus : 4));
}

// net.ipv4.ip_unprivileged_port_start: ports below it need CAP_NET_BIND_SERVICE (1024 unless changed).
int unprivileged_port_start() {
    std::ifstream in("/proc/sys/net/ipv4/ip_unprivileged_port_start");
    int first = 1024;
    if (!(in >> first)) first = 1024;
    return first;
}

std::vector<Request> many(const PogoProcess& server, const std::string& path, int n) {
    std::vector<Request> out;
    for (int i = 0; i < n; ++i) {
        Request r;
        r.url = server.url(path + (path.find('?') == std::string::npos ? "?" : "&") + "n=" + std::to_string(i));
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace

TEST_CASE("a fatal error gives a 500, and the next request is served") {
    auto server = start_php_server(app_root());
    HttpClient client;
    Response fatal = client.get(server->url("/fatal.php"));
    INFO(fatal.describe());
    CHECK(fatal.status == 500);
    Response next = client.get(server->url("/hello.php"));
    INFO(next.describe());
    CHECK(next.status == 200);
    CHECK(next.body == "Hello, World!");
    // The error reached the server log.
    CHECK(server->wait_stderr("pogo_e2e_this_function_does_not_exist"));
}

TEST_CASE("an uncaught exception gives a 500, and the next request is served") {
    auto server = start_php_server(app_root());
    HttpClient client;
    Response r = client.get(server->url("/exception.php"));
    INFO(r.describe());
    CHECK(r.status == 500);
    CHECK(server->wait_stderr("pogo e2e uncaught exception"));
    Response next = client.get(server->url("/hello.php"));
    CHECK(next.body == "Hello, World!");
}

TEST_CASE("exit() ends the script normally with its output kept") {
    auto server = start_php_server(app_root());
    HttpClient client;
    Response r = client.get(server->url("/exit.php"));
    INFO(r.describe());
    CHECK(r.status == 200);
    CHECK(r.body == "before exit\n");
    CHECK(client.get(server->url("/hello.php")).body == "Hello, World!");
}

TEST_CASE("max_execution_time stops a runaway script with a 500") {
    auto server = start_php_server(app_root());
    HttpClient client;
    Response r = client.get(server->url("/timeout.php"));
    INFO(r.describe());
    INFO(server->describe());
    CHECK(r.status == 500);
    CHECK(client.get(server->url("/hello.php")).body == "Hello, World!");
}

TEST_CASE("max_execution_time fires on every PHP thread, request after request") {
    // Each PHP thread keeps its timer from one request to the next (sapi/execution_timer.h): after
    // a round of ordinary requests, and then after the timeouts themselves, the timer still fires.
    auto server = start_php_server(app_root());
    const int n = requests_to_reach_every_thread();
    auto warm = perform_concurrent(many(*server, "/hello.php", n));
    int ok = 0;
    for (auto& r : warm) ok += r.status == 200 && r.body == "Hello, World!";
    CHECK(ok == n);
    auto timeouts = perform_concurrent(many(*server, "/timeout.php", n));
    int stopped = 0;
    for (auto& r : timeouts) stopped += r.status == 500;
    CHECK(stopped == n);
    CHECK(server->wait_stderr("Maximum execution time of 1 second exceeded"));
    HttpClient client;
    CHECK(client.get(server->url("/hello.php")).body == "Hello, World!");
    CHECK(server->stop() == 0);
}

TEST_CASE("every PHP thread survives fatal errors and exceptions") {
    auto server = start_php_server(app_root());
    const int n = requests_to_reach_every_thread();
    for (int round = 0; round < 2; ++round) {
        CAPTURE(round);
        auto bad = many(*server, round == 0 ? "/fatal.php" : "/exception.php", n);
        auto bad_responses = perform_concurrent(bad);
        int errors = 0;
        for (auto& r : bad_responses) errors += r.status == 500;
        CHECK(errors == n);

        auto good = many(*server, "/echo.php", n);
        auto good_responses = perform_concurrent(good);
        int ok = 0;
        for (size_t i = 0; i < good_responses.size(); ++i) {
            json j = json::parse(good_responses[i].body, nullptr, false);
            ok += good_responses[i].status == 200 && !j.is_discarded() && j["get"]["n"] == std::to_string(i);
        }
        CHECK(ok == n);
    }
    int code = server->stop();
    INFO(server->describe());
    CHECK(code == 0);
}

TEST_CASE("error_log() goes to the server log on stderr") {
    auto server = start_php_server(app_root());
    HttpClient client;
    const std::string token = unique_token("errlog");
    Response r = client.get(server->url("/errorlog.php?token=" + token));
    CHECK(r.status == 200);
    CHECK(r.body == "logged");
    INFO(server->describe());
    CHECK(server->wait_stderr("pogo-e2e-error-log " + token));
}

TEST_CASE("--access-log logs each request on stderr") {
    auto server = start_php_server(app_root(), {"--access-log"});
    HttpClient client;
    const std::string token = unique_token("access");
    CHECK(client.get(server->url("/hello.php?" + token)).status == 200);
    CHECK(client.get(server->url("/static.txt?" + token + "-static")).status == 200);
    INFO(server->describe());
    CHECK(server->wait_stderr("/hello.php?" + token));
    CHECK(server->wait_stderr("/static.txt?" + token + "-static"));
}

TEST_CASE("without --access-log, requests are not logged") {
    auto server = start_php_server(app_root());
    HttpClient client;
    const std::string token = unique_token("quiet");
    CHECK(client.get(server->url("/hello.php?" + token)).status == 200);
    // A later, logged marker proves the log was read past the request.
    const std::string marker = unique_token("marker");
    CHECK(client.get(server->url("/errorlog.php?token=" + marker)).status == 200);
    INFO(server->describe());
    REQUIRE(server->wait_stderr("pogo-e2e-error-log " + marker));
    CHECK(server->stderr_text().find(token) == std::string::npos);
}

TEST_CASE("a port below 1024 without the permission: exit 1, and the message names CAP_NET_BIND_SERVICE and setcap") {
    const int first = unprivileged_port_start();
    if (first <= 1) {
        MESSAGE("net.ipv4.ip_unprivileged_port_start is " << first << ": every port is open to everyone here");
        return;
    }
    const int port = std::min(81, first - 1);
    // The tests run as root, who may bind any port: the server runs as nobody (65534) with no
    // capability at all (setpriv, from util-linux, which Debian always has). It must be able to
    // read its Caddyfile, so the directory is opened up.
    TempDir tmp;
    namespace fs = std::filesystem;
    fs::permissions(tmp.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                    fs::perms::others_read | fs::perms::others_exec);
    const fs::path caddyfile = tmp / "Caddyfile";
    write_file(caddyfile, "{\n\tadmin off\n}\nhttp://:" + std::to_string(port) + " {\n\trespond ok\n}\n");
    fs::permissions(caddyfile, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                   fs::perms::others_read);
    const std::string binary = fs::canonical(pogo_binary()).string();
    std::vector<std::string> unprivileged;
    if (::geteuid() == 0)
        unprivileged = {require_tool("setpriv"), "--reuid=65534", "--regid=65534", "--clear-groups",
                        "--inh-caps=-all", "--bounding-set=-all", "--"};

    std::vector<std::string> version = unprivileged;
    version.insert(version.end(), {binary, "version"});
    CommandResult runs = run_command(version);
    INFO(runs.describe());
    REQUIRE_MESSAGE(runs.exit_code == 0, "nobody (uid 65534) cannot run " << binary << " (every directory above it "
                                         "must be searchable by others)");

    std::vector<std::string> run = unprivileged;
    run.insert(run.end(), {binary, "run", "--config", caddyfile.string()});
    CommandResult r = run_command(run);
    INFO(r.describe());
    CHECK(r.exit_code == 1);
    const std::string p = std::to_string(port), f = std::to_string(first);
    CHECK(r.err.find("listen tcp :" + p + ": permission denied: ports below " + f +
                     " need root or the CAP_NET_BIND_SERVICE capability (setcap cap_net_bind_service=+ep " + binary +
                     "), or choose a port from " + f + " up (http_port, https_port, a site address's port)") !=
          std::string::npos);
    CHECK(r.err.find("listening") == std::string::npos);
}

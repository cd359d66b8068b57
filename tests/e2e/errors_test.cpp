// Scripts that fail: fatal errors and uncaught exceptions end their request with a 500 and the
// PHP threads go on serving; exit() ends a script normally; error_log() and the access log reach
// the server's log.
#include "tests/e2e/common.h"

using namespace e2e;

namespace {

// PHP threads default to 2 x CPUs; several times that many concurrent requests reach every one.
int requests_to_reach_every_thread() {
    unsigned cpus = std::thread::hardware_concurrency();
    return static_cast<int>(8 * (cpus ? cpus : 4));
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

// Worker mode through `pogo php-server --worker FILE,N`: the worker boots once and keeps its
// state, per-request state is reset, a failing handler fails only its request, a worker that
// exits is restarted, and other scripts still run classically.
#include "tests/e2e/common.h"

using namespace e2e;

namespace {

std::filesystem::path worker_root() { return std::filesystem::canonical(fixtures_dir() / "worker_app"); }

// One worker thread, so consecutive requests reach the same worker and its counter.
std::unique_ptr<PogoProcess> start_worker_server() {
    return start_php_server(worker_root(), {"--worker", (worker_root() / "index.php").string() + ",1"});
}

}  // namespace

TEST_CASE("worker: boots once with FRANKENPHP_WORKER=1 and keeps its state between requests") {
    auto server = start_worker_server();
    HttpClient client;
    std::string boot;
    for (int i = 1; i <= 4; ++i) {
        CAPTURE(i);
        Response r = client.get(server->url("/?i=" + std::to_string(i)));
        INFO(r.describe());
        INFO(server->describe());
        REQUIRE(r.status == 200);
        json j = body_json(r);
        CHECK(j["count"] == i);
        CHECK(j["boot_env"] == "1");
        CHECK(j["get"]["i"] == std::to_string(i));
        CHECK(j["script_filename"] == (worker_root() / "index.php").string());
        if (i == 1) boot = j["boot"];
        CHECK(j["boot"] == boot);
    }
}

TEST_CASE("worker: superglobals and headers are reset between requests") {
    auto server = start_worker_server();
    HttpClient client;
    Response first = client.post_form(server->url("/?a=1&hdr=1"), {{"field", "value"}});
    INFO(first.describe());
    REQUIRE(first.status == 200);
    json a = body_json(first);
    CHECK(a["get"]["a"] == "1");
    CHECK(a["post"]["field"] == "value");
    CHECK(first.header("X-Worker-Once") == "yes");

    Response second = client.get(server->url("/"));
    INFO(second.describe());
    REQUIRE(second.status == 200);
    json b = body_json(second);
    CHECK(b["get"].empty());
    CHECK(b["post"].empty());
    CHECK_FALSE(second.has_header("X-Worker-Once"));
    CHECK(b["count"] == a["count"].get<int>() + 1);
}

TEST_CASE("worker: an exception in the handler fails that request only") {
    auto server = start_worker_server();
    HttpClient client;
    Response before = client.get(server->url("/"));
    REQUIRE(before.status == 200);
    json b = body_json(before);

    Response failed = client.get(server->url("/?throw=1"));
    INFO(failed.describe());
    CHECK(failed.status == 500);

    Response after = client.get(server->url("/"));
    INFO(after.describe());
    REQUIRE(after.status == 200);
    json a = body_json(after);
    // The same worker goes on: same boot, the counter kept counting (the failed request included).
    CHECK(a["boot"] == b["boot"]);
    CHECK(a["count"] == b["count"].get<int>() + 2);
}

TEST_CASE("worker: a worker script that exits is restarted") {
    auto server = start_worker_server();
    HttpClient client;
    Response first = client.get(server->url("/?exit=1"));
    INFO(first.describe());
    REQUIRE(first.status == 200);
    json f = body_json(first);
    CHECK(f["count"] == 1);

    Response next = client.get(server->url("/"));
    INFO(next.describe());
    INFO(server->describe());
    REQUIRE(next.status == 200);
    json n = body_json(next);
    CHECK(n["boot"] != f["boot"]);
    CHECK(n["count"] == 1);
}

TEST_CASE("worker: other scripts in the root run in classic mode") {
    auto server = start_worker_server();
    HttpClient client;
    Response r = client.get(server->url("/plain.php"));
    INFO(r.describe());
    CHECK(r.status == 200);
    CHECK(r.body == "classic clean");
}

TEST_CASE("worker: SIGTERM stops the workers and exits 0") {
    auto server = start_worker_server();
    HttpClient client;
    REQUIRE(client.get(server->url("/")).status == 200);
    int code = server->stop(SIGTERM);
    INFO(server->describe());
    CHECK(code == 0);
    CHECK_FALSE(server->was_killed_after_deadline());
}

TEST_CASE("worker: max_execution_time counts from each request's start, with requests back to back") {
    // One worker thread and four queued requests of 0.7 s each with max_execution_time 1: every one
    // has its own second, although the thread never waits between them (its timer is restarted, not
    // disarmed: sapi/worker_strategy.cpp). A request of 1.5 s is stopped, and the next one served.
    TempDir tmp;
    write_file(tmp / "www" / "index.php", R"(<?php
$handler = static function (): void {
    $ms = (int) ($_GET['ms'] ?? 0);
    $end = hrtime(true) + $ms * 1000000;
    while (hrtime(true) < $end) {
    }
    echo "done $ms";
};
while (frankenphp_handle_request($handler)) {
}
)");
    int port = free_port();
    write_file(tmp / "Caddyfile", "{\n\tadmin off\n\tfrankenphp {\n\t\tphp_ini max_execution_time 1\n\t}\n}\n\n"
                                  "http://127.0.0.1:" + std::to_string(port) + " {\n\troot * " + (tmp / "www").string() +
                                      "\n\tphp_server {\n\t\tworker " + (tmp / "www" / "index.php").string() + " 1\n\t}\n}\n");
    PogoProcess pogo({"run", "--config", (tmp / "Caddyfile").string()});
    REQUIRE_MESSAGE(pogo.wait_listening(), pogo.describe());
    const std::string base = "http://127.0.0.1:" + std::to_string(port);
    std::vector<Request> queued(4);
    for (auto& q : queued) q.url = base + "/?ms=700";
    auto responses = perform_concurrent(queued);
    for (auto& r : responses) {
        INFO(r.describe());
        CHECK(r.status == 200);
        CHECK(r.body == "done 700");
    }
    HttpClient c;
    Response slow = c.get(base + "/?ms=1500");
    INFO(slow.describe());
    CHECK(slow.status == 500);
    CHECK(pogo.wait_stderr("Maximum execution time of 1 second exceeded"));
    Response next = c.get(base + "/?ms=1");
    INFO(next.describe());
    CHECK(next.body == "done 1");
    CHECK(pogo.stop() == 0);
}

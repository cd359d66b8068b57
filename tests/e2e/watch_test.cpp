// File watching end to end: `pogo php-server --worker FILE --watch=PATTERN` restarts the worker
// when a watched file changes, the new code is served, and the requests sent meanwhile are all
// answered. Every wait polls with a deadline.
#include <atomic>
#include <thread>

#include "tests/e2e/common.h"

using namespace e2e;
namespace fs = std::filesystem;

namespace {

std::string worker_source(const std::string& greeting) {
    return "<?php\n"
           "$boot = bin2hex(random_bytes(6));\n"
           "$greeting = require __DIR__ . '/lib/greeting.php';\n"
           "while (frankenphp_handle_request(function () use ($boot, $greeting) {\n"
           "    echo json_encode(['greeting' => $greeting, 'boot' => $boot, 'marker' => '" + greeting + "']);\n"
           "})) {}\n";
}

void write_greeting(const TempDir& dir, const std::string& text) {
    write_file(dir / "lib/greeting.php", "<?php return '" + text + "';");
}

json get_json(HttpClient& client, const PogoProcess& server) {
    Response r = client.get(server.url("/worker.php"));
    INFO(r.describe());
    REQUIRE(r.status == 200);
    return body_json(r);
}

}  // namespace

TEST_CASE("php-server --watch: editing a watched file restarts the worker and its new output is served") {
    TempDir dir;
    fs::create_directories(dir / "lib");
    write_file(dir / "worker.php", worker_source("m1"));
    write_greeting(dir, "hello");
    auto server = start_php_server(dir.path(), {"--worker", (dir / "worker.php").string() + ",2",
                                                "--watch=" + dir.path().string() + "/**/*.php"});
    HttpClient client;
    json first = get_json(client, *server);
    CHECK(first["greeting"] == "hello");
    REQUIRE(server->wait_stderr("watching files; changes restart the worker"));

    // Requests keep coming while the files change; none may fail.
    std::atomic<bool> stop{false};
    std::atomic<int> ok{0};
    std::vector<std::string> failures;
    std::thread load([&] {
        HttpClient c;
        while (!stop.load()) {
            Response r = c.get(server->url("/worker.php"));
            if (r.status == 200) ok.fetch_add(1);
            else failures.push_back(r.describe());
        }
    });
    REQUIRE(poll_until([&] { return ok.load() > 10; }));

    write_greeting(dir, "bonjour");  // an included file
    CHECK(poll_until([&] { return get_json(client, *server)["greeting"] == "bonjour"; }));
    write_file(dir / "worker.php", worker_source("m2"));  // the worker file itself
    CHECK(poll_until([&] { return get_json(client, *server)["marker"] == "m2"; }));

    int before = ok.load();
    REQUIRE(poll_until([&] { return ok.load() > before + 10; }));
    stop = true;
    load.join();
    INFO((failures.empty() ? std::string() : failures.front()));
    CHECK(failures.empty());

    json last = get_json(client, *server);
    CHECK(last["greeting"] == "bonjour");
    CHECK(last["boot"] != first["boot"]);
    CHECK(server->stderr_text().find("filesystem changes detected") != std::string::npos);
    CHECK(server->stop() == 0);
}

TEST_CASE("php-server --watch: an editor's save (temp file renamed over) and a new directory are seen") {
    TempDir dir;
    fs::create_directories(dir / "lib");
    write_file(dir / "worker.php", worker_source("m1"));
    write_greeting(dir, "one");
    auto server = start_php_server(dir.path(), {"--worker", (dir / "worker.php").string() + ",1", "--watch",
                                                dir.path().string()});
    HttpClient client;
    CHECK(get_json(client, *server)["greeting"] == "one");

    write_file(dir / "lib/.greeting.php.swp", "<?php return 'two';");
    fs::rename(dir / "lib/.greeting.php.swp", dir / "lib/greeting.php");
    CHECK(poll_until([&] { return get_json(client, *server)["greeting"] == "two"; }));

    // A directory created after start-up is watched: its files restart the worker too. The worker
    // learns of it by its boot id changing.
    std::string boot = get_json(client, *server)["boot"];
    fs::create_directories(dir / "src/deep");
    write_file(dir / "src/deep/new.php", "<?php");
    CHECK(poll_until([&] { return get_json(client, *server)["boot"] != boot; }));
    CHECK(server->stop() == 0);
}

TEST_CASE("php-server --watch without --worker says it has no effect, and serves") {
    TempDir dir;
    write_file(dir / "index.php", "<?php echo 'classic';");
    auto server = start_php_server(dir.path(), {"--watch"});
    CHECK(server->stderr_text().find("--watch restarts workers; without --worker it has no effect") != std::string::npos);
    HttpClient client;
    Response r = client.get(server->url("/"));
    CHECK(r.status == 200);
    CHECK(r.body == "classic");
}

TEST_CASE("php-server --watch=: a malformed pattern is a start-up failure naming it") {
    TempDir dir;
    fs::create_directories(dir / "lib");
    write_file(dir / "worker.php", worker_source("m"));
    write_greeting(dir, "hi");
    RunResult r = run_pogo({"php-server", "--listen", "127.0.0.1:0", "--root", dir.path().string(), "--worker",
                            (dir / "worker.php").string() + ",1", "--watch=" + dir.path().string() + "/[x"});
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("watch pattern \"" + dir.path().string() + "/[x\": malformed glob") != std::string::npos);
}

TEST_CASE("Caddyfile worker `watch` (FrankenPHP's default patterns): a changed include restarts that worker only") {
    TempDir dir;
    fs::create_directories(dir / "lib");
    write_file(dir / "worker.php", worker_source("w"));
    write_greeting(dir, "hello");
    // A second worker without `watch`: it must keep its boot.
    write_file(dir / "other.php", "<?php $boot = bin2hex(random_bytes(6));\n"
                                  "while (frankenphp_handle_request(function () use ($boot) { echo $boot; })) {}\n");
    int port = free_port();
    write_file(dir / "Caddyfile", "{\n\tadmin off\n\tfrankenphp {\n\t\tworker {\n\t\t\tfile ./worker.php\n\t\t\tnum 1\n"
                                  "\t\t\twatch\n\t\t}\n\t\tworker {\n\t\t\tfile ./other.php\n\t\t\tnum 1\n\t\t}\n\t}\n}\n\n"
                                  "http://127.0.0.1:" + std::to_string(port) + " {\n\troot * .\n\tphp_server\n}\n");
    fs::current_path(dir.path());
    PogoProcess pogo({"run", "--config", "Caddyfile"});
    REQUIRE_MESSAGE(pogo.wait_listening(), pogo.describe());
    HttpClient client;
    const std::string base = "http://127.0.0.1:" + std::to_string(port);
    auto worker = [&] {
        Response r = client.get(base + "/worker.php");
        INFO(r.describe());
        REQUIRE(r.status == 200);
        return body_json(r);
    };
    CHECK(worker()["greeting"] == "hello");
    std::string other_boot = client.get(base + "/other.php").body;
    REQUIRE(pogo.wait_stderr("watching files; changes restart the worker"));

    write_greeting(dir, "bonjour");  // ./lib/greeting.php matches ./**/*.php
    INFO(pogo.describe());
    CHECK(poll_until([&] { return worker()["greeting"] == "bonjour"; }));
    // A file the default patterns do not cover changes nothing; a .env file does.
    std::string boot = worker()["boot"];
    write_file(dir / "notes.txt", "not watched");
    write_file(dir / ".env", "APP_ENV=prod\n");
    CHECK(poll_until([&] { return worker()["boot"] != boot; }));
    CHECK(client.get(base + "/other.php").body == other_boot);
    CHECK(pogo.stop() == 0);
}

TEST_CASE("pogo run --watch: saving the Caddyfile reloads it; a broken save keeps the last good one serving") {
    TempDir dir;
    int port = free_port();
    auto config = [&](const std::string& text) {
        return "{\n\tadmin off\n}\n\nhttp://127.0.0.1:" + std::to_string(port) + " {\n\trespond \"" + text + "\"\n}\n";
    };
    write_file(dir / "Caddyfile", config("first"));
    fs::current_path(dir.path());
    PogoProcess pogo({"run", "--config", "Caddyfile", "--watch"});
    REQUIRE_MESSAGE(pogo.wait_listening(), pogo.describe());
    REQUIRE(pogo.wait_stderr("watching the configuration file for changes"));
    HttpClient client;
    const std::string base = "http://127.0.0.1:" + std::to_string(port) + "/";
    CHECK(client.get(base).body == "first");

    write_file(dir / "Caddyfile", config("second"));
    INFO(pogo.describe());
    CHECK(poll_until([&] { return client.get(base).body == "second"; }));

    // An editor's save: a temporary file renamed over the Caddyfile.
    write_file(dir / ".Caddyfile.tmp", config("third"));
    fs::rename(dir / ".Caddyfile.tmp", dir / "Caddyfile");
    CHECK(poll_until([&] { return client.get(base).body == "third"; }));

    write_file(dir / "Caddyfile", config("fourth") + "\nhttp://127.0.0.1:1 {\n\tnot_a_directive\n}\n");
    CHECK(pogo.wait_stderr("reload failed; the previous configuration keeps serving"));
    CHECK(client.get(base).body == "third");
    CHECK(pogo.stop() == 0);
}

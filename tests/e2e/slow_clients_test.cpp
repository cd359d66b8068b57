// PHP threads are never held by the network (issue 16): request bodies are received whole before
// a PHP thread is taken, responses a client reads slowly wait in memory and then a spool file
// while the script goes on, a request whose client left while it was queued never runs, and a
// client that leaves during a worker request ends that request without restarting the worker.
// Each case would hang (or find the wrong traces) on a server that let the network hold a thread.
#include <filesystem>
#include <memory>

#include "tests/e2e/common.h"

using namespace e2e;
namespace fs = std::filesystem;

namespace {

// `pogo run` on a free port, serving `root` with php_server and `extra_global` in the global
// options (`admin off` and whatever the case needs).
struct RunServer {
    int port = free_port();
    std::unique_ptr<PogoProcess> pogo;
    RunServer(const TempDir& tmp, const fs::path& root, const std::string& global_options,
              const std::string& site_extra = "") {
        write_file(tmp / "Caddyfile", "{\n\tadmin off\n" + global_options + "\n}\nhttp://127.0.0.1:" +
                                          std::to_string(port) + " {\n\troot * " + root.string() + "\n" +
                                          site_extra + "\n\tphp_server\n}\n");
        pogo = std::make_unique<PogoProcess>(std::vector<std::string>{"run", "--config", (tmp / "Caddyfile").string()});
        REQUIRE_MESSAGE(pogo->wait_listening(), pogo->describe());
    }
    std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port) + path; }
};

size_t count_of(const std::string& text, const std::string& needle) {
    size_t n = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

// A request that must be answered while the slow clients hold their connections. With the
// network holding every PHP thread it would wait for a thread until curl's timeout.
void check_served_now(const RunServer& server) {
    HttpClient client;
    Request r;
    r.url = server.url("/hello.php");
    r.timeout = std::chrono::milliseconds(15000);
    Response resp = client.perform(r);
    INFO(resp.describe());
    INFO(server.pogo->describe());
    CHECK(resp.status == 200);
    CHECK(resp.body == "hello");
}

const char* kHello = "<?php echo 'hello';";

}  // namespace

TEST_CASE("four clients trickling a POST body do not take the four PHP threads") {
    TempDir tmp;
    fs::path root = fs::canonical(tmp.path());
    write_file(root / "hello.php", kHello);
    // PHP reads a form body before the script starts, and what is left of any body when it ends:
    // a thread given this request before its body arrived would wait for the client.
    write_file(root / "form.php", "<?php echo count($_POST);");
    RunServer server(tmp, root, "\tfrankenphp {\n\t\tnum_threads 4\n\t}");
    std::vector<std::unique_ptr<RawConnection>> uploads;
    for (int i = 0; i < 4; ++i) {
        auto c = std::make_unique<RawConnection>(server.port);
        REQUIRE(c->connected());
        REQUIRE(c->send("POST /form.php HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\na=1&b="));
        uploads.push_back(std::move(c));
    }
    for (int round = 0; round < 3; ++round)  // the clients keep trickling
        for (auto& c : uploads) REQUIRE(c->send("xxxx"));
    check_served_now(server);

    // The uploads still complete and run once their bodies are whole.
    for (auto& c : uploads) {
        REQUIRE(c->send(std::string(100000 - 6 - 12, 'y')));
        REQUIRE(c->read_one_response());
        RawResponse r = parse_response(c->received());
        CHECK(r.status == 200);
        CHECK(r.body == "2");
    }
    CHECK(server.pogo->stop() == 0);
}

TEST_CASE("eight clients that do not read a 16 MiB response do not hold PHP threads; the spool delivers it whole") {
    TempDir tmp;
    fs::path root = fs::canonical(tmp.path());
    write_file(root / "hello.php", kHello);
    write_file(root / "big.php", R"(<?php
$chunk = '';
for ($i = 0; $i < 4096; $i++) $chunk .= sprintf('%015d', $i) . "\n";   // 64 KiB
for ($i = 0; $i < 256; $i++) echo $chunk;                                 // 16 MiB
file_put_contents(__DIR__ . '/done-' . $_GET['id'], 'done');
)");
    RunServer server(tmp, root, "\tfrankenphp {\n\t\tnum_threads 4\n\t}");
    std::vector<std::unique_ptr<RawConnection>> readers;
    for (int i = 0; i < 8; ++i) {
        auto c = std::make_unique<RawConnection>(server.port);
        REQUIRE(c->connected());
        REQUIRE(c->send("GET /big.php?id=" + std::to_string(i) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
        readers.push_back(std::move(c));
    }
    // Every script ends although no client has read its response: the rest waits in the spool.
    for (int i = 0; i < 8; ++i) {
        CAPTURE(i);
        CHECK(poll_until([&] { return fs::exists(root / ("done-" + std::to_string(i))); }));
    }
    check_served_now(server);

    std::string expected;
    {
        std::string chunk;
        char line[32];
        for (int i = 0; i < 4096; ++i) {
            std::snprintf(line, sizeof line, "%015d\n", i);
            chunk += line;
        }
        for (int i = 0; i < 256; ++i) expected += chunk;
    }
    for (int i = 0; i < 8; i += 7) {  // the first and the last read theirs now, whole and in order
        CAPTURE(i);
        REQUIRE(readers[i]->read_one_response());
        RawResponse r = parse_response(readers[i]->received());
        CHECK(r.status == 200);
        CHECK(r.body.size() == expected.size());
        CHECK(r.body == expected);
    }
    readers.clear();  // the others leave without reading: their spools are dropped
    check_served_now(server);
    CHECK(server.pogo->stop() == 0);
}

TEST_CASE("a request whose client left while it waited for a PHP thread never runs") {
    TempDir tmp;
    fs::path root = fs::canonical(tmp.path());
    write_file(root / "hello.php", kHello);
    write_file(root / "gate.php", R"(<?php
touch(__DIR__ . '/gate-started');
for ($i = 0; $i < 3000 && !file_exists(__DIR__ . '/gate'); $i++) usleep(10000);
echo 'gated';
)");
    write_file(root / "mark.php", "<?php touch(__DIR__ . '/ran-' . basename($_GET['id'])); echo 'ran';");
    RunServer server(tmp, root, "\tdebug\n\tfrankenphp {\n\t\tnum_threads 1\n\t}");

    RawConnection holder(server.port);  // takes the only PHP thread until the gate opens
    REQUIRE(holder.send("GET /gate.php HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    REQUIRE(poll_until([&] { return fs::exists(root / "gate-started"); }));
    for (int i = 0; i < 5; ++i) {
        RawConnection c(server.port);
        REQUIRE(c.send("GET /mark.php?id=" + std::to_string(i) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    }  // each client hangs up while its request is queued
    INFO(server.pogo->describe());
    REQUIRE(poll_until([&] { return count_of(server.pogo->stderr_text(), "client closed the connection") >= 5; }));
    write_file(root / "gate", "open");
    REQUIRE(holder.read_one_response());
    CHECK(parse_response(holder.received()).body == "gated");

    HttpClient client;
    Response after = client.get(server.url("/mark.php?id=after"));
    CHECK(after.body == "ran");
    CHECK(fs::exists(root / "ran-after"));
    for (int i = 0; i < 5; ++i) {
        CAPTURE(i);
        CHECK_FALSE(fs::exists(root / ("ran-" + std::to_string(i))));
    }
    // The log lines come through a pipe the harness reads on its own: wait for them.
    CHECK(poll_until([&] { return count_of(server.pogo->stderr_text(), "not run") >= 5; }));
    CHECK(count_of(server.pogo->stderr_text(), "not run") == 5);
    CHECK(server.pogo->stop() == 0);
}

namespace {
const char* kStreamingWorker = R"(<?php
file_put_contents(__DIR__ . '/boots', "boot\n", FILE_APPEND);
$n = 0;
while (frankenphp_handle_request(function () use (&$n) {
    $n++;
    if (isset($_GET['ignore'])) ignore_user_abort(true);
    if (isset($_GET['stream'])) {
        touch(__DIR__ . '/streaming-' . $_GET['stream']);
        for ($i = 0; $i < 1500; $i++) { echo str_repeat('x', 1023), "\n"; flush(); usleep(2000); }
        file_put_contents(__DIR__ . '/completed-' . $_GET['stream'], (string) connection_aborted());
        return;
    }
    echo "n=$n";
})) {
}
)";

// Streams from the worker, reads a little, hangs up.
void leave_during_stream(int port, const std::string& query) {
    RawConnection c(port);
    REQUIRE(c.send("GET /worker.php?" + query + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    REQUIRE(c.read_until("xxxxxxxx\n"));
}
}  // namespace

TEST_CASE("worker: a client that leaves mid-request ends that request, not the worker") {
    TempDir tmp;
    fs::path root = fs::canonical(tmp.path());
    write_file(root / "worker.php", kStreamingWorker);
    auto server = start_php_server(root, {"--worker", (root / "worker.php").string() + ",1"});
    leave_during_stream(server->port(), "stream=a");
    HttpClient client;
    // One worker thread: this request runs after the abandoned one has ended.
    Response next = client.get(server->url("/worker.php"));
    INFO(server->describe());
    CHECK(next.body == "n=2");  // same script, state kept
    CHECK(read_file(root / "boots") == "boot\n");
    CHECK(fs::exists(root / "streaming-a"));
    CHECK_FALSE(fs::exists(root / "completed-a"));  // the handler was unwound, not run to its end
    CHECK(server->stderr_text().find("worker script ended") == std::string::npos);
    CHECK(server->stop() == 0);
}

TEST_CASE("worker: with ignore_user_abort the handler finishes, sees the abort, and the worker goes on") {
    TempDir tmp;
    fs::path root = fs::canonical(tmp.path());
    write_file(root / "worker.php", kStreamingWorker);
    auto server = start_php_server(root, {"--worker", (root / "worker.php").string() + ",1"});
    leave_during_stream(server->port(), "stream=b&ignore=1");
    HttpClient client;
    Response next = client.get(server->url("/worker.php"));
    INFO(server->describe());
    CHECK(next.body == "n=2");
    CHECK(read_file(root / "boots") == "boot\n");
    CHECK(read_file(root / "completed-b") == "1");
    CHECK(server->stop() == 0);
}

TEST_CASE("request_body { buffer off }: the script reads the body as it arrives") {
    TempDir tmp;
    fs::path root = fs::canonical(tmp.path());
    write_file(root / "hello.php", kHello);
    write_file(root / "stream.php", R"(<?php
$in = fopen('php://input', 'r');
while (($s = fread($in, 8192)) !== '' && $s !== false) { echo 'got:', $s[0], strlen($s), "\n"; flush(); }
echo "end\n";
)");
    RunServer server(tmp, root, "", "\trequest_body {\n\t\tbuffer off\n\t}");
    RawConnection c(server.port);
    // PHP reads php://input of a PUT as the script asks, in blocks of 8 KiB (a POST body it reads
    // whole before the script starts): the first block is echoed before the second is sent.
    REQUIRE(c.send("PUT /stream.php HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
                   "Content-Length: 16384\r\n\r\n" + std::string(8192, 'a')));
    // The second half is sent only after the script echoed the first: a buffered body would wait.
    INFO(server.pogo->describe());
    REQUIRE(c.read_until("got:a8192\n"));
    REQUIRE(c.send(std::string(8192, 'b')));
    REQUIRE(c.read_until("end\n"));
    CHECK(c.received().find("got:b8192\n") != std::string::npos);
    CHECK(server.pogo->stop() == 0);
}

TEST_CASE("request_body buffer takes on or off; anything else is a file:line error") {
    TempDir tmp;
    write_file(tmp / "Caddyfile", "http://127.0.0.1:8080 {\n\trequest_body {\n\t\tbuffer maybe\n\t}\n}\n");
    RunResult r = run_pogo({"validate", "--config", (tmp / "Caddyfile").string()});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("Caddyfile:3: request_body: buffer must be on or off, got maybe") != std::string::npos);
}

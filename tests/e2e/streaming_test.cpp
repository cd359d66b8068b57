// Connections and streaming: flush() reaching the client at once, keep-alive reuse, pipelining,
// and many concurrent requests.
#include <set>

#include "tests/e2e/common.h"

using namespace e2e;
namespace fs = std::filesystem;

TEST_CASE("flush() sends the first piece before the script goes on (gated by the client)") {
    // The script waits after flush() until the client has seen the first piece and opened the
    // gate. If flush() did not reach the client, the gate would open only at the script's 20 s
    // timeout and the body would say so: order, not timing.
    auto server = start_php_server(app_root());
    TempDir dir;
    const fs::path gate = dir / "gate";
    HttpClient client;
    Request req;
    req.url = server->url("/flush.php?gate=" + url_encode(gate.string()));
    std::string seen;
    req.on_data = [&](std::string_view piece) {
        seen.append(piece);
        if (seen.find("first\n") != std::string::npos && !fs::exists(gate)) write_file(gate, "open");
    };
    Response r = client.perform(req);
    INFO(r.describe());
    REQUIRE(r.status == 200);
    CHECK(r.body == "first\nsecond gate=opened\n");
    REQUIRE(r.chunks.size() >= 2);
    CHECK(r.chunks[0].data == "first\n");
}

TEST_CASE("flush() then sleep: the body arrives in two separate pieces, in order") {
    auto server = start_php_server(app_root());
    HttpClient client;
    Response r = client.get(server->url("/flush.php"));
    INFO(r.describe());
    REQUIRE(r.status == 200);
    CHECK(r.body == "first\nsecond\n");
    REQUIRE(r.chunks.size() >= 2);
    CHECK(r.chunks[0].data == "first\n");
    CHECK(r.chunks[0].at <= r.chunks[1].at);
    // Streamed output has no Content-Length known in advance.
    CHECK(r.header("Transfer-Encoding") == "chunked");
}

TEST_CASE("keep-alive: several requests over one connection") {
    auto server = start_php_server(app_root());
    HttpClient client;
    long connects = 0;
    const char* paths[] = {"/hello.php", "/static.txt", "/echo.php?i=1", "/hello.php", "/no-such-page",
                           "/status.php?code=404", "/hello.php"};
    for (const char* path : paths) {
        CAPTURE(path);
        Response r = client.get(server->url(path));
        INFO(r.describe());
        CHECK(r.status != 0);
        connects += r.new_connections;
    }
    // A POST with a body the script never reads must not break the next request either.
    Response post = client.post_raw(server->url("/hello.php"), std::string(100000, 'x'), "text/plain");
    CHECK(post.status == 200);
    connects += post.new_connections;
    Response after = client.get(server->url("/hello.php"));
    CHECK(after.body == "Hello, World!");
    connects += after.new_connections;
    CHECK(connects == 1);
}

TEST_CASE("pipelined requests are answered in order") {
    auto server = start_php_server(app_root());
    RawConnection c(server->port());
    REQUIRE(c.connected());
    const std::string request =
        "GET /echo.php?i=first HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        "GET /static.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        "GET /echo.php?i=third HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    REQUIRE(c.send(request));
    c.read_until_closed();
    std::string_view rest = c.received();
    INFO(c.received());
    RawResponse a = parse_response(rest);
    REQUIRE(a.complete);
    rest.remove_prefix(a.consumed);
    RawResponse b = parse_response(rest);
    REQUIRE(b.complete);
    rest.remove_prefix(b.consumed);
    RawResponse d = parse_response(rest);
    REQUIRE(d.complete);
    CHECK(a.status == 200);
    CHECK(a.body.find("\"i\":\"first\"") != std::string::npos);
    CHECK(b.status == 200);
    CHECK(b.body == read_file(app_root() / "static.txt"));
    CHECK(d.status == 200);
    CHECK(d.body.find("\"i\":\"third\"") != std::string::npos);
    CHECK(rest.size() == d.consumed);
}

TEST_CASE("200 concurrent requests are all answered correctly") {
    auto server = start_php_server(app_root());
    std::vector<Request> requests;
    for (int i = 0; i < 200; ++i) {
        Request r;
        if (i % 10 == 9) {
            r.url = server->url("/static.txt");
        } else {
            r.url = server->url("/echo.php?i=" + std::to_string(i));
        }
        requests.push_back(std::move(r));
    }
    auto responses = perform_concurrent(requests);
    REQUIRE(responses.size() == 200);
    const std::string static_body = read_file(app_root() / "static.txt");
    int ok = 0;
    std::set<long> ports;
    for (int i = 0; i < 200; ++i) {
        CAPTURE(i);
        const Response& r = responses[i];
        INFO(r.describe());
        CHECK(r.status == 200);
        ports.insert(r.local_port);
        if (i % 10 == 9) {
            CHECK(r.body == static_body);
            ok += r.body == static_body;
        } else {
            json j = json::parse(r.body, nullptr, false);
            bool right = !j.is_discarded() && j["i"] == std::to_string(i);
            CHECK(right);
            ok += right;
        }
    }
    CHECK(ok == 200);
    CHECK(ports.size() == 200);  // really 200 connections
    // And the server is still fine afterwards.
    HttpClient client;
    CHECK(client.get(server->url("/hello.php")).body == "Hello, World!");
}

TEST_CASE("a 5 MiB streamed response arrives whole") {
    auto server = start_php_server(app_root());
    std::string block(8192, '\0');
    for (int i = 0; i < 8192; ++i) block[i] = static_cast<char>((i * 7 + 3) & 0xff);
    std::string expected;
    for (int i = 0; i < 5 * 128; ++i) expected += block;
    HttpClient client;
    Response r = client.get(server->url("/big_output.php?kb=5120"));
    INFO(r.status << " " << r.error);
    REQUIRE(r.status == 200);
    CHECK(r.body.size() == expected.size());
    CHECK(r.body == expected);
    // The connection is reusable afterwards.
    Response next = client.get(server->url("/hello.php"));
    CHECK(next.body == "Hello, World!");
    CHECK(next.new_connections == 0);
}

TEST_CASE("a client that goes away is seen by connection_aborted()") {
    auto server = start_php_server(app_root());
    const std::string token = unique_token("abort");
    {
        RawConnection c(server->port());
        REQUIRE(c.connected());
        REQUIRE(c.send("GET /abort.php?token=" + token + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
        // The script is streaming: its first dots have arrived. Then the client hangs up.
        REQUIRE(c.read_until(".........."));
    }
    INFO(server->describe());
    CHECK(server->wait_stderr("abort-detected " + token));
    CHECK(server->stderr_text().find("abort-missed " + token) == std::string::npos);
    HttpClient client;
    CHECK(client.get(server->url("/hello.php")).body == "Hello, World!");
}

TEST_CASE("HTTP/1.0: a streamed response is delimited by closing the connection") {
    auto server = start_php_server(app_root());
    RawConnection c(server->port());
    REQUIRE(c.connected());
    REQUIRE(c.send("GET /flush.php HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"));
    bool closed = c.read_until_closed();
    INFO(c.received());
    CHECK(closed);
    RawResponse r = parse_response(c.received());
    CHECK(r.status == 200);
    // No chunked framing for an HTTP/1.0 client: the body is the bytes up to the close.
    CHECK(r.header("Transfer-Encoding").empty());
    CHECK(r.body == "first\nsecond\n");
}

TEST_CASE("clients that vanish in the middle of a request body do not hold PHP threads") {
    auto server = start_php_server(app_root());
    // More abandoned uploads than PHP threads (2 x CPUs): if each held its thread waiting for
    // the rest of the body, the requests after them could not be served.
    unsigned cpus = std::thread::hardware_concurrency();
    const int abandoned = static_cast<int>(4 * (cpus ? cpus : 4));
    for (int i = 0; i < abandoned; ++i) {
        RawConnection c(server->port());
        REQUIRE(c.connected());
        c.send("POST /echo.php HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
               "Content-Length: 1000000\r\n\r\n" + std::string(4096, 'x'));
    }  // each connection closes here, its body 995 KB short
    std::vector<Request> good(8);
    for (int i = 0; i < 8; ++i) good[i].url = server->url("/echo.php?i=" + std::to_string(i));
    auto responses = perform_concurrent(good);
    for (int i = 0; i < 8; ++i) {
        CAPTURE(i);
        INFO(responses[i].describe());
        CHECK(responses[i].status == 200);
    }
}

// What must never happen: a byte from outside the document root served or executed (dot
// segments, encoded dots and slashes, backslashes, NUL bytes, symlinks), PHP source served as a
// file; and how malformed or oversized requests are refused (400, 431, connection closed).
// Requests go over raw sockets, because curl would normalize most of them before sending.
#include "tests/e2e/common.h"

using namespace e2e;
using namespace std::string_literals;
namespace fs = std::filesystem;

namespace {

constexpr const char* kSecretMarker = "POGO-SECRET";
constexpr const char* kOutsideMarker = "POGO-OUTSIDE-EXECUTED";

// A copy of tests/fixtures (app/ as the root, secret.txt and outside/ beside it) with symlinks
// inside the root that point out of it, made fresh for each test so the source tree stays clean.
struct EscapeTree {
    TempDir dir;
    fs::path root;
    EscapeTree() {
        fs::copy(fixtures_dir(), dir.path(), fs::copy_options::recursive);
        root = dir / "app";
        fs::create_symlink("../secret.txt", root / "link-secret.txt");
        fs::create_symlink("../outside/outside.php", root / "link-outside.php");
        fs::create_symlink("../outside", root / "linkdir");
        fs::create_symlink(dir / "outside" / "secret.txt", root / "abs-link.txt");
        write_file(root / "shout.PHP", "<?php\n// SOURCE-MARKER-shout\necho 'upper case extension ran';\n");
    }
};

std::string get_request(std::string_view target) {
    return "GET " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
}

}  // namespace

TEST_CASE("path traversal never serves or executes anything outside the root") {
    EscapeTree tree;
    auto server = start_php_server(tree.root);
    const char* targets[] = {
        "/../secret.txt",
        "/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/.%2e/secret.txt",
        "/..%2fsecret.txt",
        "/..%2Fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/a/../../secret.txt",
        "/./../secret.txt",
        "/static.txt/../../secret.txt",
        "/docs/..%2f..%2fsecret.txt",
        "//../secret.txt",
        "/..\\secret.txt",
        "/..%5csecret.txt",
        "/%2e%2e%5csecret.txt",
        "/docs\\..\\..\\secret.txt",
        "/%252e%252e/secret.txt",
        "/..;/secret.txt",
        "/../secret.txt%00",
        "/../secret.txt%00.html",
        "/%00/../secret.txt",
        "/../outside/secret.txt",
        "/../outside/outside.php",
        "/%2e%2e/outside/outside.php",
        "/..%2foutside%2foutside.php",
        "/hello.php/../../outside/outside.php",
        "/link-secret.txt",
        "/abs-link.txt",
        "/linkdir/secret.txt",
        "/linkdir/outside.php",
        "/link-outside.php",
        "/link-outside.php/extra",
        "/linkdir/",
        "http://127.0.0.1/../secret.txt",
    };
    for (const char* target : targets) {
        CAPTURE(target);
        RawResult res = raw_exchange(server->port(), get_request(target));
        INFO(res.received);
        RawResponse r = parse_response(res.received);
        CHECK(r.status >= 200);
        CHECK(res.closed);
        CHECK(res.received.find(kSecretMarker) == std::string::npos);
        CHECK(res.received.find(kOutsideMarker) == std::string::npos);
        // Anything that succeeds came from inside the root: here, only the front controller.
        if (r.status == 200) CHECK(r.body.starts_with("front controller\n"));
        CHECK(r.status < 500);
    }
    // The server is unharmed.
    HttpClient client;
    CHECK(client.get(server->url("/hello.php")).body == "Hello, World!");
}

TEST_CASE("PHP source is never served") {
    EscapeTree tree;
    auto server = start_php_server(tree.root);
    const char* targets[] = {
        "/hello.php",      "/hello.php/",      "/hello.php.",       "/hello.php%20",    "/hello%2ephp",
        "/hello%2Ephp",    "/HELLO.PHP",       "/hello.PhP",        "/hello.php::$DATA", "/hello.php%00",
        "/hello.php%00.txt", "/hello.php~",    "/hello.php.bak",    "/./hello.php",     "//hello.php",
        "/sub/index.php",  "/sub/../hello.php", "/index.php",       "/server.php",      "/shout.PHP",
        "/hello.php?source=1", "/hello.php%3f",
    };
    for (const char* target : targets) {
        CAPTURE(target);
        for (const char* extra : {"", "Range: bytes=0-100\r\n"}) {
            CAPTURE(extra);
            std::string request = "GET " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra +
                                  "Connection: close\r\n\r\n";
            RawResult res = raw_exchange(server->port(), request);
            INFO(res.received);
            CHECK(parse_response(res.received).status >= 200);
            CHECK(res.received.find("SOURCE-MARKER") == std::string::npos);
            CHECK(res.received.find("<?php") == std::string::npos);
        }
    }
    // The upper-case extension is still PHP: it runs.
    HttpClient client;
    Response shout = client.get(server->url("/shout.PHP"));
    INFO(shout.describe());
    CHECK(shout.status == 200);
    CHECK(shout.body == "upper case extension ran");
}

TEST_CASE("malformed requests get a 400 and the connection is closed") {
    auto server = start_php_server(app_root());
    struct Case {
        const char* name;
        std::string bytes;
    };
    const std::vector<Case> cases = {
        {"garbage", "THIS IS NOT HTTP AT ALL\r\n\r\n"},
        {"binary garbage", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"s},
        {"bad request line", "GET\r\nHost: x\r\n\r\n"},
        {"non-numeric Content-Length", "POST /echo.php HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"},
        {"negative Content-Length", "POST /echo.php HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\nhello"},
        {"conflicting Content-Lengths",
         "POST /echo.php HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"},
        {"Content-Length with Transfer-Encoding",
         "POST /echo.php HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
        {"bad chunk size",
         "POST /echo.php HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nhello\r\n0\r\n\r\n"},
        {"header line without colon", "GET /hello.php HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n"},
        {"space in header name", "GET /hello.php HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n"},
        {"NUL in header value", "GET /hello.php HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n"s},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        RawConnection conn(server->port());
        REQUIRE(conn.connected());
        conn.send(c.bytes);
        bool closed = conn.read_until_closed();
        INFO(conn.received());
        RawResponse r = parse_response(conn.received());
        CHECK(r.status == 400);
        CHECK(closed);
    }
    HttpClient client;
    CHECK(client.get(server->url("/hello.php")).body == "Hello, World!");
}

TEST_CASE("headers over 1 MiB get a 431 and the connection is closed") {
    auto server = start_php_server(app_root());
    SUBCASE("one huge header") {
        std::string request = "GET /hello.php HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ";
        request += std::string(1024 * 1024 + 64 * 1024, 'a');
        request += "\r\n\r\n";
        RawConnection conn(server->port());
        REQUIRE(conn.connected());
        conn.send(request);
        bool closed = conn.read_until_closed();
        INFO(conn.received().substr(0, 2000));
        CHECK(parse_response(conn.received()).status == 431);
        CHECK(closed);
    }
    SUBCASE("many headers") {
        std::string request = "GET /hello.php HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        for (int i = 0; request.size() < 1024 * 1024 + 64 * 1024; ++i)
            request += "X-Header-" + std::to_string(i) + ": " + std::string(100, 'v') + "\r\n";
        request += "\r\n";
        RawConnection conn(server->port());
        REQUIRE(conn.connected());
        conn.send(request);
        bool closed = conn.read_until_closed();
        INFO(conn.received().substr(0, 2000));
        CHECK(parse_response(conn.received()).status == 431);
        CHECK(closed);
    }
    HttpClient client;
    CHECK(client.get(server->url("/hello.php")).body == "Hello, World!");
}

TEST_CASE("a large header under the limit is accepted") {
    auto server = start_php_server(app_root());
    HttpClient client;
    const std::string big(64 * 1024, 'b');
    Response r = client.get(server->url("/server.php"), {"X-Big: " + big});
    INFO(r.status);
    REQUIRE(r.status == 200);
    json s = body_json(r);
    CHECK(s["HTTP_X_BIG"] == big);
}

// What a PHP script sees of a request and what it can send back: hello world, $_GET/$_POST,
// JSON and raw bodies, multipart uploads, cookies, headers both ways, status codes, sessions.
#include <zlib.h>

#include <cstdio>
#include <filesystem>

#include "tests/e2e/common.h"

using namespace e2e;
namespace fs = std::filesystem;

namespace {

std::string crc32_hex(std::string_view data) {
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size()));
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08lx", static_cast<unsigned long>(crc));
    return buf;
}

// Deterministic bytes that are not all the same, including NULs and CR/LF.
std::string pattern_bytes(size_t n, unsigned seed) {
    std::string s(n, '\0');
    unsigned x = seed;
    for (size_t i = 0; i < n; ++i) {
        x = x * 1103515245u + 12345u;
        s[i] = static_cast<char>(x >> 16);
    }
    return s;
}

}  // namespace

TEST_CASE("hello world") {
    auto server = start_php_server(app_root());
    HttpClient client;
    Response r = client.get(server->url("/hello.php"));
    INFO(r.describe());
    CHECK(r.status == 200);
    CHECK(r.body == "Hello, World!");
    CHECK(r.http_version == "HTTP/1.1");
    CHECK(r.header("Content-Type").starts_with("text/html"));
}

TEST_CASE("HEAD on a PHP script: the headers, no body, and the connection goes on") {
    auto server = start_php_server(app_root());
    HttpClient client;
    Response r = client.head(server->url("/hello.php"));
    INFO(r.describe());
    CHECK(r.status == 200);
    CHECK(r.body.empty());
    CHECK(r.header("Content-Type").starts_with("text/html"));
    Response next = client.get(server->url("/hello.php"));
    CHECK(next.body == "Hello, World!");
    CHECK(next.new_connections == 0);
}

TEST_CASE("$_GET from the query string") {
    auto server = start_php_server(app_root());
    HttpClient client;
    Response r = client.get(server->url("/echo.php?name=J%C3%BCrgen&list[]=a&list[]=b&map[k]=v&empty="));
    INFO(r.describe());
    REQUIRE(r.status == 200);
    json j = body_json(r);
    CHECK(j["method"] == "GET");
    CHECK(j["get"]["name"] == "J\xC3\xBCrgen");
    CHECK(j["get"]["list"] == json::array({"a", "b"}));
    CHECK(j["get"]["map"]["k"] == "v");
    CHECK(j["get"]["empty"] == "");
    CHECK(j["input_length"] == 0);
}

TEST_CASE("$_POST from an urlencoded body, and $_REQUEST") {
    auto server = start_php_server(app_root());
    HttpClient client;
    Response r = client.post_form(server->url("/echo.php?from=query"),
                                  {{"title", "a & b = c"}, {"tags[]", "x"}, {"tags[]", "y"}, {"utf8", "\xE2\x82\xAC"}});
    INFO(r.describe());
    REQUIRE(r.status == 200);
    json j = body_json(r);
    CHECK(j["method"] == "POST");
    CHECK(j["post"]["title"] == "a & b = c");
    CHECK(j["post"]["tags"] == json::array({"x", "y"}));
    CHECK(j["post"]["utf8"] == "\xE2\x82\xAC");
    CHECK(j["get"]["from"] == "query");
    CHECK(j["request"]["from"] == "query");
    CHECK(j["request"]["title"] == "a & b = c");
}

TEST_CASE("a JSON body reaches php://input") {
    auto server = start_php_server(app_root());
    HttpClient client;
    const std::string body = R"({"user":{"id":42,"name":"Zoë"},"items":[1,2,3],"ok":true})";
    Response r = client.post_json(server->url("/echo.php"), body);
    INFO(r.describe());
    REQUIRE(r.status == 200);
    json j = body_json(r);
    CHECK(j["json"] == json::parse(body));
    CHECK(j["input_length"] == body.size());
    CHECK(j["post"].empty());
}

TEST_CASE("a 6 MB request body arrives whole") {
    auto server = start_php_server(app_root());
    HttpClient client;
    const std::string body = pattern_bytes(6 * 1024 * 1024 + 123, 7);
    Response r = client.post_raw(server->url("/echo.php"), body, "application/octet-stream");
    INFO(r.describe());
    REQUIRE(r.status == 200);
    json j = body_json(r);
    CHECK(j["input_length"] == body.size());
    CHECK(j["input_crc32"] == crc32_hex(body));
}

TEST_CASE("a chunked request body arrives whole") {
    auto server = start_php_server(app_root());
    RawConnection c(server->port());
    REQUIRE(c.connected());
    const std::string request =
        "POST /echo.php HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n";
    c.send(request);
    c.read_until_closed();
    RawResponse r = parse_response(c.received());
    INFO(c.received());
    REQUIRE(r.status == 200);
    json j = json::parse(r.body, nullptr, false);
    REQUIRE(!j.is_discarded());
    CHECK(j["input_length"] == 12);
    CHECK(j["input_crc32"] == crc32_hex("hello, world"));
}

TEST_CASE("multipart upload with two files and a field") {
    auto server = start_php_server(app_root());
    HttpClient client;
    const std::string text = "first file\r\nwith CRLF and --boundary-looking-- lines\n";
    const std::string binary = pattern_bytes(300 * 1024, 3);
    Response r = client.post_multipart(server->url("/upload.php"), {{"note", "two files"}},
                                       {{"doc", "notes.txt", text, "text/plain"},
                                        {"blob", "data.bin", binary, "application/octet-stream"}});
    INFO(r.describe());
    REQUIRE(r.status == 200);
    json j = body_json(r);
    CHECK(j["post"]["note"] == "two files");
    REQUIRE(j["files"].contains("doc"));
    REQUIRE(j["files"].contains("blob"));
    const json& doc = j["files"]["doc"];
    CHECK(doc["name"] == "notes.txt");
    CHECK(doc["type"] == "text/plain");
    CHECK(doc["error"] == 0);
    CHECK(doc["size"] == text.size());
    CHECK(doc["is_uploaded_file"] == true);
    CHECK(doc["crc32"] == crc32_hex(text));
    const json& blob = j["files"]["blob"];
    CHECK(blob["name"] == "data.bin");
    CHECK(blob["error"] == 0);
    CHECK(blob["size"] == binary.size());
    CHECK(blob["crc32"] == crc32_hex(binary));
}

TEST_CASE("cookies in ($_COOKIE, several Cookie headers) and out (two Set-Cookie)") {
    auto server = start_php_server(app_root());
    HttpClient client;
    Response r = client.get(server->url("/cookies.php"), {"Cookie: a=1; b=two%20words", "Cookie: c=3"});
    INFO(r.describe());
    REQUIRE(r.status == 200);
    json j = body_json(r);
    CHECK(j["a"] == "1");
    CHECK(j["b"] == "two words");
    CHECK(j["c"] == "3");
    auto set = r.headers_named("Set-Cookie");
    REQUIRE(set.size() == 2);
    CHECK(set[0].starts_with("first=one"));
    CHECK(set[1].starts_with("second=two"));
    CHECK(set[1].find("HttpOnly") != std::string::npos);
}

TEST_CASE("repeated response headers are kept, replaced ones are not, a line without colon is dropped") {
    auto server = start_php_server(app_root());
    HttpClient client;
    Response r = client.get(server->url("/headers.php"));
    INFO(r.describe());
    REQUIRE(r.status == 200);
    CHECK(r.headers_named("X-Repeated") == std::vector<std::string>{"one", "two"});
    CHECK(r.headers_named("X-Replaced") == std::vector<std::string>{"new"});
    CHECK(r.header("Content-Type").starts_with("text/plain"));
    CHECK(r.body == "headers sent");
    for (auto& [name, value] : r.headers) {
        CHECK(name.find("NoColonHereAtAll") == std::string::npos);
        CHECK(value.find("NoColonHereAtAll") == std::string::npos);
    }
}

TEST_CASE("repeated request headers are joined with \", \" (getallheaders)") {
    auto server = start_php_server(app_root());
    HttpClient client;
    Response r = client.get(server->url("/request_headers.php"), {"X-Multi: a", "X-Multi: b", "X-Multi: c"});
    INFO(r.describe());
    REQUIRE(r.status == 200);
    json j = body_json(r);
    REQUIRE(j.is_object());
    bool found = false;
    for (auto& [k, v] : j.items()) {
        std::string lk = k;
        for (auto& ch : lk) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (lk == "x-multi") {
            found = true;
            CHECK(v == "a, b, c");
        }
    }
    CHECK(found);
}

// The loop parses each request into the buffers of a finished one (a PHP request's head comes back
// from its exchange): nothing of the bigger request before may show through in the next.
TEST_CASE("one keep-alive connection: each script sees its own target, headers and paths, none of the request before") {
    auto server = start_php_server(app_root());
    HttpClient client;
    const std::string long_value(300, 'v');
    for (int round = 0; round < 3; ++round) {
        CAPTURE(round);
        Response big = client.get(server->url("/server.php/extra/info?first=1&pad=" + std::string(100, 'p')),
                                  {"X-First: a", "X-Long: " + long_value, "X-Third: c"});
        INFO(big.describe());
        REQUIRE(big.status == 200);
        json b = body_json(big);
        CHECK(b["PATH_INFO"] == "/extra/info");
        CHECK(b["SCRIPT_NAME"] == "/server.php");
        CHECK(b["QUERY_STRING"] == "first=1&pad=" + std::string(100, 'p'));
        CHECK(b["HTTP_X_FIRST"] == "a");
        CHECK(b["HTTP_X_LONG"] == long_value);

        Response headers = client.get(server->url("/request_headers.php"));
        INFO(headers.describe());
        REQUIRE(headers.status == 200);
        json h = body_json(headers);
        REQUIRE(h.is_object());
        CHECK(h.contains("Host"));
        for (auto& [k, v] : h.items()) {
            CAPTURE(k);
            CHECK(k.find("X-") != 0);
        }

        Response small = client.get(server->url("/server.php"));
        INFO(small.describe());
        REQUIRE(small.status == 200);
        json s = body_json(small);
        CHECK(s.value("PATH_INFO", "") == "");
        CHECK(s["SCRIPT_NAME"] == "/server.php");
        CHECK(s["REQUEST_URI"] == "/server.php");
        CHECK(s["QUERY_STRING"] == "");
        CHECK_FALSE(s.contains("HTTP_X_FIRST"));
        CHECK_FALSE(s.contains("HTTP_X_LONG"));
        CHECK(small.new_connections == 0);
        CHECK(headers.new_connections == 0);
    }
}

TEST_CASE("custom status codes") {
    auto server = start_php_server(app_root());
    HttpClient client;
    for (int code : {201, 202, 404, 418, 503}) {
        CAPTURE(code);
        Response r = client.get(server->url("/status.php?code=" + std::to_string(code)));
        INFO(r.describe());
        CHECK(r.status == code);
        CHECK(r.body == "status body");
    }
    Response line = client.get(server->url("/status.php?line=1"));
    INFO(line.describe());
    CHECK(line.status == 451);
    CHECK(line.body == "status body");
}

TEST_CASE("sessions persist between requests") {
    auto server = start_php_server(app_root());
    HttpClient client;
    Request req;
    req.url = server->url("/session.php");
    req.use_cookie_engine = true;
    Response first = client.perform(req);
    INFO(first.describe());
    REQUIRE(first.status == 200);
    CHECK(first.body.starts_with("count=1 "));
    CHECK(first.header("Set-Cookie").starts_with("PHPSESSID="));
    const std::string id = first.body.substr(first.body.find("id=") + 3);
    for (int i = 2; i <= 4; ++i) {
        Response next = client.perform(req);
        INFO(next.describe());
        CHECK(next.body == "count=" + std::to_string(i) + " id=" + id);
    }
    // Another client (no cookie) gets a new session.
    HttpClient other;
    Response fresh = other.get(server->url("/session.php"));
    CHECK(fresh.body.starts_with("count=1 "));
    CHECK(fresh.body.find(id) == std::string::npos);
}

// The response is finished during PHP's request shutdown, after the shutdown functions, the
// destructors and the output buffers, before the rest of the teardown (sapi/request.h,
// finish_response_early): whatever those produce is still part of the response.
TEST_CASE("shutdown functions, destructors and open output buffers still reach the response") {
    TempDir root;
    write_file(root / "late.php",
               "<?php\n"
               "final class Noisy { public function __destruct() { echo '|destructor'; } }\n"
               "$keep = new Noisy();\n"
               "ob_start();\n"
               "register_shutdown_function(function () {\n"
               "    header('X-Late: shutdown-function');\n"
               "    echo '|shutdown';\n"
               "});\n"
               "echo 'main';\n");
    write_file(root / "empty.php", "<?php\nhttp_response_code(202);\nheader('X-Empty: yes');\n");
    auto server = start_php_server(root.path());
    HttpClient client;
    for (int i = 0; i < 3; ++i) {  // the same PHP thread, request after request
        Response r = client.get(server->url("/late.php"));
        INFO(r.describe());
        CHECK(r.status == 200);
        CHECK(r.body == "main|shutdown|destructor");
        CHECK(r.header("X-Late") == "shutdown-function");
        Response e = client.get(server->url("/empty.php"));
        INFO(e.describe());
        CHECK(e.status == 202);
        CHECK(e.header("X-Empty") == "yes");
        CHECK(e.body.empty());
    }
}

TEST_CASE("Expect: 100-continue gets an interim 100 before the body is sent") {
    auto server = start_php_server(app_root());
    RawConnection c(server->port());
    REQUIRE(c.connected());
    REQUIRE(c.send("POST /echo.php HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                   "Content-Length: 11\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"));
    // Nothing more is sent until the server says to go on.
    bool got_continue = c.read_until("\r\n\r\n");
    INFO(c.received());
    REQUIRE(got_continue);
    CHECK(c.received().starts_with("HTTP/1.1 100 Continue\r\n"));
    const size_t interim = c.received().size();
    REQUIRE(c.send("hello world"));
    c.read_until_closed();
    RawResponse r = parse_response(std::string_view(c.received()).substr(interim));
    CHECK(r.status == 200);
    json j = json::parse(r.body, nullptr, false);
    REQUIRE(!j.is_discarded());
    CHECK(j["input_length"] == 11);
}

TEST_CASE("frankenphp_finish_request() completes the response while the script goes on") {
    auto server = start_php_server(app_root());
    TempDir dir;
    const fs::path gate = dir / "gate";
    const std::string token = unique_token("finish");
    HttpClient client;
    // The script is blocked on the gate until the client has its whole response: order, not time.
    Response r = client.get(server->url("/finish.php?token=" + token + "&gate=" + url_encode(gate.string())));
    const bool log_before_gate = server->stderr_text().find("finish-after " + token) != std::string::npos;
    write_file(gate, "open");
    INFO(r.describe());
    INFO(server->describe());
    CHECK(r.status == 200);
    CHECK(r.body == "response complete");
    CHECK_FALSE(log_before_gate);
    CHECK(server->wait_stderr("finish-after " + token + " gate=opened"));
}

TEST_CASE("putenv() does not leak into later requests") {
    auto server = start_php_server(app_root());
    const int n = 32;  // several per PHP thread
    std::vector<Request> set(n), get(n);
    for (int i = 0; i < n; ++i) {
        set[i].url = server->url("/putenv.php?set=1&i=" + std::to_string(i));
        get[i].url = server->url("/putenv.php?i=" + std::to_string(i));
    }
    for (auto& r : perform_concurrent(set)) {
        CHECK(r.status == 200);
        CHECK(r.body == "leaked");
    }
    for (auto& r : perform_concurrent(get)) {
        CHECK(r.status == 200);
        CHECK(r.body == "unset");
    }
}

// $_SERVER as runtime.md lists it, read back through server.php (which dumps it as JSON).
#include <chrono>
#include <cmath>

#include "tests/e2e/common.h"

using namespace e2e;

namespace {

double wall_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The string value of $_SERVER[key]; fails the check (and returns "") when it is missing.
std::string var(const json& server, const std::string& key) {
    INFO("$_SERVER['" << key << "']");
    CHECK_MESSAGE(server.contains(key), "missing from $_SERVER: " << key);
    if (!server.contains(key)) return {};
    const json& v = server[key];
    return v.is_string() ? v.get<std::string>() : v.dump();
}

}  // namespace

TEST_CASE("$_SERVER for a POST with path info, query, Basic auth and custom headers") {
    const std::string root = app_root().string();
    auto server = start_php_server(app_root(), {}, {"POGO_E2E_FROM_ENV=from-process-env"});
    HttpClient client;

    Request req;
    req.method = "POST";
    req.url = server->url("/server.php/extra/path?x=1&y=two");
    req.body = "a=1&b=2";
    req.has_body = true;
    req.userpwd = "alice:s3cret:with:colons";
    req.headers = {"Content-Type: application/x-www-form-urlencoded", "X-Custom-Header: custom value",
                   "X-Repeated: first", "X-Repeated: second", "User-Agent: pogo-e2e/1.0"};
    const double before = wall_now();
    Response r = client.perform(req);
    const double after = wall_now();
    INFO(r.describe());
    REQUIRE(r.status == 200);
    json s = body_json(r);

    CHECK(var(s, "REMOTE_ADDR") == "127.0.0.1");
    CHECK(var(s, "REMOTE_HOST") == "127.0.0.1");
    CHECK(var(s, "REMOTE_PORT") == std::to_string(r.local_port));
    CHECK(var(s, "DOCUMENT_ROOT") == root);
    CHECK(var(s, "SCRIPT_FILENAME") == root + "/server.php");
    CHECK(var(s, "SCRIPT_NAME") == "/server.php");
    CHECK(var(s, "PATH_INFO") == "/extra/path");
    CHECK(var(s, "PATH_TRANSLATED") == root + "/extra/path");
    CHECK(var(s, "PHP_SELF") == "/server.php/extra/path");
    CHECK(var(s, "DOCUMENT_URI") == "/server.php");  // the script part, not PATH_INFO
    CHECK(var(s, "SERVER_NAME") == "127.0.0.1");
    CHECK(var(s, "SERVER_PORT") == std::to_string(server->port()));
    CHECK(var(s, "SERVER_PROTOCOL") == "HTTP/1.1");
    CHECK(var(s, "SERVER_SOFTWARE").find("Pogo") != std::string::npos);
    CHECK(var(s, "GATEWAY_INTERFACE") == "CGI/1.1");
    CHECK(var(s, "REQUEST_METHOD") == "POST");
    CHECK(var(s, "REQUEST_URI") == "/server.php/extra/path?x=1&y=two");
    CHECK(var(s, "QUERY_STRING") == "x=1&y=two");
    CHECK(var(s, "CONTENT_TYPE") == "application/x-www-form-urlencoded");
    CHECK(var(s, "CONTENT_LENGTH") == "7");
    CHECK(var(s, "REQUEST_SCHEME") == "http");
    // HTTPS is "on" or empty: on plain HTTP it is empty (or absent).
    CHECK((!s.contains("HTTPS") || s["HTTPS"] == ""));
    CHECK(var(s, "HTTP_HOST") == server->address());
    CHECK(var(s, "HTTP_X_CUSTOM_HEADER") == "custom value");
    CHECK(var(s, "HTTP_X_REPEATED") == "first, second");
    CHECK(var(s, "HTTP_USER_AGENT") == "pogo-e2e/1.0");
    CHECK(var(s, "PHP_AUTH_USER") == "alice");
    CHECK(var(s, "PHP_AUTH_PW") == "s3cret:with:colons");
    CHECK(var(s, "REMOTE_USER") == "alice");
    CHECK(var(s, "POGO_E2E_FROM_ENV") == "from-process-env");

    // REQUEST_TIME_FLOAT is a float taken while the request was being handled: between the
    // client's clock before sending and after receiving (same machine, same clock; one second of
    // slack for a server that reads a coarse clock).
    REQUIRE(s.contains("REQUEST_TIME_FLOAT"));
    CHECK(s["REQUEST_TIME_FLOAT"].is_number_float());
    const double rtf = s["REQUEST_TIME_FLOAT"].get<double>();
    CHECK(rtf >= before - 1.0);
    CHECK(rtf <= after + 1.0);
    REQUIRE(s.contains("REQUEST_TIME"));
    CHECK(s["REQUEST_TIME"].is_number_integer());
    CHECK(std::abs(s["REQUEST_TIME"].get<double>() - std::floor(rtf)) <= 1.0);
}

TEST_CASE("$_SERVER for a plain GET: no path info, empty query and content type") {
    auto server = start_php_server(app_root());
    HttpClient client;
    Response r = client.get(server->url("/server.php"));
    INFO(r.describe());
    REQUIRE(r.status == 200);
    json s = body_json(r);

    CHECK(var(s, "REQUEST_METHOD") == "GET");
    CHECK(var(s, "REQUEST_URI") == "/server.php");
    CHECK(var(s, "SCRIPT_NAME") == "/server.php");
    CHECK(var(s, "PHP_SELF") == "/server.php");
    CHECK(var(s, "QUERY_STRING") == "");  // always set
    CHECK(var(s, "CONTENT_TYPE") == "");  // always set
    CHECK(!s.contains("PATH_TRANSLATED"));  // only with path info
    CHECK((!s.contains("PATH_INFO") || s["PATH_INFO"] == ""));
    CHECK(var(s, "AUTH_TYPE") == "");
    CHECK(var(s, "REMOTE_IDENT") == "");
    CHECK(!s.contains("PHP_AUTH_USER"));
    CHECK(!s.contains("HTTP_AUTHORIZATION"));
}

TEST_CASE("SERVER_NAME and SERVER_PORT come from the Host header") {
    auto server = start_php_server(app_root());
    HttpClient client;

    struct Case {
        const char* host;
        const char* name;
        const char* port;
    };
    for (Case c : {Case{"example.test", "example.test", "80"}, Case{"example.test:8123", "example.test", "8123"},
                   Case{"[::1]:9000", "::1", "9000"}}) {
        CAPTURE(c.host);
        Response r = client.get(server->url("/server.php"), {std::string("Host: ") + c.host});
        INFO(r.describe());
        REQUIRE(r.status == 200);
        json s = body_json(r);
        CHECK(var(s, "HTTP_HOST") == c.host);
        CHECK(var(s, "SERVER_PORT") == c.port);
        // IPv6 literals: with or without brackets, the name is the address.
        std::string name = var(s, "SERVER_NAME");
        if (name.size() > 2 && name.front() == '[') name = name.substr(1, name.size() - 2);
        CHECK(name == c.name);
    }
}

TEST_CASE("SERVER_PROTOCOL follows the request's HTTP version") {
    auto server = start_php_server(app_root());
    HttpClient client;
    Request req;
    req.url = server->url("/server.php");
    req.http10 = true;
    Response r = client.perform(req);
    INFO(r.describe());
    REQUIRE(r.status == 200);
    CHECK(var(body_json(r), "SERVER_PROTOCOL") == "HTTP/1.0");
}

TEST_CASE("REQUEST_URI keeps the original, still-encoded URI; PATH_INFO is decoded") {
    auto server = start_php_server(app_root());
    HttpClient client;
    Response r = client.get(server->url("/server.php/caf%C3%A9/a%20b?q=%2Fx%20y"));
    INFO(r.describe());
    REQUIRE(r.status == 200);
    json s = body_json(r);
    CHECK(var(s, "REQUEST_URI") == "/server.php/caf%C3%A9/a%20b?q=%2Fx%20y");
    CHECK(var(s, "QUERY_STRING") == "q=%2Fx%20y");
    CHECK(var(s, "PATH_INFO") == "/caf\xC3\xA9/a b");
    CHECK(var(s, "SCRIPT_NAME") == "/server.php");
}

TEST_CASE("other methods reach PHP as REQUEST_METHOD") {
    auto server = start_php_server(app_root());
    HttpClient client;
    for (const char* method : {"PUT", "DELETE", "PATCH", "OPTIONS"}) {
        CAPTURE(method);
        Request req;
        req.method = method;
        req.url = server->url("/server.php");
        Response r = client.perform(req);
        INFO(r.describe());
        REQUIRE(r.status == 200);
        CHECK(var(body_json(r), "REQUEST_METHOD") == method);
    }
}

TEST_CASE("php_sapi_name() says frankenphp") {
    auto server = start_php_server(app_root());
    HttpClient client;
    Response r = client.get(server->url("/sapi.php"));
    INFO(r.describe());
    CHECK(r.status == 200);
    CHECK(r.body == "frankenphp");
}

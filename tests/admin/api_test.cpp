// The admin endpoints and their checks, through Api::handle with a test Control.
#include <doctest/doctest.h>

#include "admin/api.h"
#include "test_control.h"

using nlohmann::json;
using namespace pogo::admin;
using pogo::server::Header;
using pogo::server::RequestHead;

namespace {

struct Call {
  RequestHead head;
  ApiRequest req;
  Call(std::string method, std::string path, std::vector<Header> headers = {}, std::string body = "") {
    head.method = method;
    head.path = path;
    head.uri = path;
    head.remote_addr = "127.0.0.1";
    head.headers = std::move(headers);
    if (!head.header("Host")) head.headers.push_back({"Host", "localhost:2019"});
    req.method = std::move(method);
    req.path = req.uri = std::move(path);
    req.body = std::move(body);
    req.head = &head;
  }
};

ApiResponse call(Api& api, Call c) { return api.handle(c.req); }

std::string header(const ApiResponse& r, std::string_view name) {
  for (const auto& h : r.headers)
    if (pogo::server::header_name_equals(h.name, name)) return h.value;
  return "";
}

std::string error_of(const ApiResponse& r) { return json::parse(r.body).at("error").get<std::string>(); }

}  // namespace

TEST_CASE("the Host must be one the listen address allows (DNS rebinding)") {
  test::TestControl control;
  Api api(control, "localhost:2019");
  for (const char* host : {"localhost:2019", "127.0.0.1:2019", "[::1]:2019"}) {
    CAPTURE(host);
    CHECK(call(api, Call("GET", "/config/", {{"Host", host}})).status == 200);
  }
  for (const char* host : {"evil.example:2019", "localhost", "localhost:2020", ""}) {
    CAPTURE(host);
    ApiResponse r = call(api, Call("GET", "/config/", {{"Host", host}}));
    CHECK(r.status == 403);
    CHECK(header(r, "Content-Type") == "application/json");
    CHECK(error_of(r) == std::string("host not allowed: ") + host);
  }
  // A wildcard interface or a unix socket has no Host check, as Caddy.
  Api any(control, ":2019");
  CHECK_FALSE(any.enforce_host());
  CHECK(call(any, Call("GET", "/config/", {{"Host", "anything:1"}})).status == 200);
  Api unix_api(control, "unix//run/pogo-admin.sock");
  CHECK(call(unix_api, Call("GET", "/config/", {{"Host", "whatever"}})).status == 200);
  // Another address allows itself.
  Api lan(control, "10.1.2.3:2019");
  CHECK(lan.allowed_hosts() == std::vector<std::string>{"10.1.2.3:2019"});
}

TEST_CASE("browser contexts: Origin, WebSocket, no-cors") {
  test::TestControl control;
  Api api(control, "127.0.0.1:2019");
  ApiResponse ok = call(api, Call("GET", "/config/", {{"Origin", "http://localhost:2019"}}));
  CHECK(ok.status == 200);
  CHECK(header(ok, "Access-Control-Allow-Origin") == "http://localhost:2019");
  ApiResponse foreign = call(api, Call("POST", "/stop", {{"Origin", "https://evil.example"}}));
  CHECK(foreign.status == 403);
  CHECK(error_of(foreign) == "client is not allowed to access from origin 'https://evil.example'");
  CHECK(control.stops == 0);
  CHECK(call(api, Call("GET", "/config/", {{"Origin", "null"}})).status == 400);
  CHECK(call(api, Call("GET", "/config/", {{"Upgrade", "websocket"}})).status == 400);
  CHECK(call(api, Call("GET", "/config/", {{"Sec-Fetch-Mode", "no-cors"}})).status == 400);
}

TEST_CASE("GET /config/[path] with an Etag; edits reload through Control::change") {
  test::TestControl control;
  Api api(control, "localhost:2019");
  ApiResponse r = call(api, Call("GET", "/config/apps/frankenphp"));
  CHECK(r.status == 200);
  CHECK(json::parse(r.body) == json{{"num_threads", 4}});
  CHECK(r.body.back() == '\n');
  std::string etag = header(r, "Etag");
  CHECK(etag.rfind("\"/config/apps/frankenphp ", 0) == 0);

  // Octane: the same document back, forced.
  ApiResponse same = call(api, Call("PATCH", "/config/apps/frankenphp",
                                    {{"Content-Type", "application/json"}, {"Cache-Control", "must-revalidate"}},
                                    r.body));
  CHECK(same.status == 200);
  CHECK(control.last_force);
  CHECK(control.loads == 1);
  // Not forced and unchanged: no reload.
  call(api, Call("PATCH", "/config/apps/frankenphp", {{"Content-Type", "application/json"}}, r.body));
  CHECK(control.loads == 1);
  // A real change, with a matching If-Match.
  ApiResponse patched = call(api, Call("PATCH", "/config/apps/frankenphp/num_threads",
                                       {{"Content-Type", "application/json"}, {"If-Match", etag}}, "8"));
  CHECK(patched.status == 200);
  CHECK(control.doc["apps"]["frankenphp"]["num_threads"] == 8);
  // The old Etag no longer matches.
  ApiResponse stale = call(api, Call("PATCH", "/config/apps/frankenphp/num_threads",
                                     {{"Content-Type", "application/json"}, {"If-Match", etag}}, "9"));
  CHECK(stale.status == 412);
  CHECK(control.doc["apps"]["frankenphp"]["num_threads"] == 8);
  // Content-Type, body and method errors.
  ApiResponse text = call(api, Call("POST", "/config/x", {{"Content-Type", "text/plain"}}, "1"));
  CHECK(text.status == 400);
  CHECK(error_of(text) == "unacceptable content-type: text/plain; 'application/json' required");
  ApiResponse garbage = call(api, Call("POST", "/config/x", {{"Content-Type", "application/json"}}, "{nope"));
  CHECK(garbage.status == 400);
  CHECK(error_of(garbage).rfind("decoding request body: ", 0) == 0);
  CHECK(call(api, Call("OPTIONS", "/config/")).status == 405);
  // What the configuration refuses is the Control's error, as is.
  ApiResponse refused = call(api, Call("PUT", "/config/invalid", {{"Content-Type", "application/json"}}, "1"));
  CHECK(refused.status == 400);
  CHECK(error_of(refused) == "loading new config: the test refuses \"invalid\"");
}

TEST_CASE("POST /load takes JSON or a Caddyfile; POST /adapt") {
  test::TestControl control;
  Api api(control, "localhost:2019");
  CHECK(call(api, Call("POST", "/load", {{"Content-Type", "application/json"}}, R"({"sites": [1]})")).status == 200);
  CHECK(control.doc == json{{"sites", {1}}});
  ApiResponse cf = call(api, Call("POST", "/load", {{"Content-Type", "text/caddyfile"}}, "localhost\n"));
  CHECK(cf.status == 200);
  CHECK(control.doc == json{{"adapted", "localhost\n"}});
  CHECK(json::parse(cf.body) == json::array({"Caddyfile:2: a warning"}));
  ApiResponse bad = call(api, Call("POST", "/load", {{"Content-Type", "text/caddyfile"}}, "bad"));
  CHECK(bad.status == 400);
  CHECK(error_of(bad) == "Caddyfile:1: bad things");
  ApiResponse yaml = call(api, Call("POST", "/load", {{"Content-Type", "application/yaml"}}, "x: 1"));
  CHECK(yaml.status == 400);
  CHECK(error_of(yaml) == "unrecognized config adapter 'yaml'");
  CHECK(call(api, Call("GET", "/load")).status == 405);

  ApiResponse adapted = call(api, Call("POST", "/adapt", {{"Content-Type", "text/caddyfile"}}, "example.com\n"));
  CHECK(adapted.status == 200);
  json a = json::parse(adapted.body);
  CHECK(a["result"] == json{{"adapted", "example.com\n"}});
  CHECK(a["warnings"] == json::array({"Caddyfile:2: a warning"}));
}

TEST_CASE("stop, metrics, workers/restart, threads, and wrong methods") {
  test::TestControl control;
  Api api(control, "localhost:2019");
  ApiResponse stop = call(api, Call("POST", "/stop"));
  CHECK(stop.status == 200);
  CHECK(control.stops == 0);  // only once the response is sent
  REQUIRE(stop.after);
  stop.after();
  CHECK(control.stops == 1);
  CHECK(call(api, Call("GET", "/stop")).status == 405);

  ApiResponse m = call(api, Call("GET", "/metrics"));
  CHECK(m.status == 200);
  CHECK(header(m, "Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(m.body == control.metrics());
  CHECK(call(api, Call("POST", "/metrics")).status == 405);

  ApiResponse restart = call(api, Call("POST", "/frankenphp/workers/restart"));
  CHECK(restart.status == 200);
  CHECK(restart.body == "workers restarted successfully\n");
  CHECK(control.restarts == 1);
  ApiResponse wrong = call(api, Call("GET", "/frankenphp/workers/restart"));
  CHECK(wrong.status == 405);
  CHECK(error_of(wrong) == "method GET not allowed");
  CHECK(control.restarts == 1);

  ApiResponse threads = call(api, Call("GET", "/frankenphp/threads"));
  CHECK(threads.status == 200);
  CHECK(threads.body.find("\n    \"ReservedThreadCount\": 0") != std::string::npos);  // indented as FrankenPHP
  CHECK(json::parse(threads.body)["ThreadDebugStates"][0]["Index"] == 0);
  CHECK(call(api, Call("DELETE", "/frankenphp/threads")).status == 405);

  ApiResponse missing = call(api, Call("GET", "/nothing/here"));
  CHECK(missing.status == 404);
  CHECK(error_of(missing) == "resource not found: /nothing/here");
}

TEST_CASE("GET /ready: 200 while serving, 503 once the shutdown began; the Host check still applies") {
  test::TestControl control;
  Api api(control, "localhost:2019");
  ApiResponse up = call(api, Call("GET", "/ready"));
  CHECK(up.status == 200);
  CHECK(up.body == "ready\n");
  CHECK(header(up, "Cache-Control") == "no-store");
  CHECK(call(api, Call("HEAD", "/ready")).status == 200);

  control.is_ready = false;
  ApiResponse draining = call(api, Call("GET", "/ready"));
  CHECK(draining.status == 503);
  CHECK(draining.body == "shutting down\n");
  // Liveness is another question: the draining process still answers /metrics.
  CHECK(call(api, Call("GET", "/metrics")).status == 200);

  CHECK(call(api, Call("POST", "/ready")).status == 405);
  CHECK(call(api, Call("GET", "/ready", {{"Host", "evil.example:2019"}})).status == 403);
}

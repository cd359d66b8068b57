// Worker mode through PhpBackend: frankenphp_handle_request's lifecycle (state kept, exactly the
// per-request state reset), failures (exception, exit, fatal error, boot failures), max_requests,
// max_wait_time, and the FrankenPHP functions inside and outside a worker.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sapi/worker_threads.h"
#include "server/log.h"
#include "tests/sapi/harness.h"

using namespace pogo::sapi;
using namespace pogo::sapi::test;
using nlohmann::json;
using Kind = pogo::server::Exchange::Event::Kind;

namespace {

std::string worker_file(const std::string& name) { return fixtures_dir() + "/worker/" + name; }

BackendOptions one_worker(const std::string& name, unsigned max_requests = 0) {
  ensure_engine();
  BackendOptions o;
  o.num_threads = 2;
  WorkerConfig w;
  w.file = worker_file(name);
  w.num = 1;
  w.max_requests = max_requests;
  o.workers.push_back(w);
  return o;
}

json get(PhpBackend& b, const std::string& query = "", std::vector<pogo::server::Header> headers = {},
         int* status = nullptr) {
  Response r = run(make_head("GET", "worker/state.php", query, std::move(headers)), "", &b);
  if (status) *status = r.status;
  INFO(r.body);
  return json::parse(r.body);
}

std::string multipart_one_file(const std::string& boundary) {
  return "--" + boundary + "\r\n"
         "Content-Disposition: form-data; name=\"field\"\r\n\r\nposted\r\n"
         "--" + boundary + "\r\n"
         "Content-Disposition: form-data; name=\"up\"; filename=\"a.txt\"\r\n"
         "Content-Type: text/plain\r\n\r\nfile content\r\n"
         "--" + boundary + "--\r\n";
}

}  // namespace

TEST_CASE("worker: boots once with FRANKENPHP_WORKER=1, keeps its state, sees each request") {
  PhpBackend b(one_worker("state.php"));
  json first = get(b, "i=1");
  CHECK(first["count"] == 1);
  CHECK(first["boot_env"] == "1");
  CHECK(first["server_worker"] == "1");
  CHECK(first["get"]["i"] == "1");
  json second = get(b, "i=2", {{"X-Test", "two"}});
  CHECK(second["count"] == 2);
  CHECK(second["boot"] == first["boot"]);
  CHECK(second["get"]["i"] == "2");
  CHECK(second["uri"] == "/worker/state.php?i=2");
  CHECK(second["x_test"] == "two");
  CHECK(second["headers"]["X-Test"] == "two");
  CHECK(get(b, "action=nested")["nested"] == "frankenphp_handle_request() called from its own handler");
  CHECK(get(b)["count"] == 4);
  // A script that is not the worker's runs classically beside it.
  CHECK(run(make_head("GET", "hello.php"), "", &b).body == "Hello, World!");
}

TEST_CASE("worker: a site's worker takes what its php_server assigns it (head.worker), whatever the script") {
  BackendOptions o = one_worker("state.php");
  o.workers[0].scoped = true;  // declared in a php_server block (its `match` is checked there)
  o.workers[0].name = "api";
  PhpBackend b(o);
  auto head = make_head("GET", "hello.php");
  head.path = "/api/users";
  head.worker = "api";
  Response r = run(std::move(head), "", &b);
  INFO(r.body);
  CHECK(json::parse(r.body)["count"] == 1);
  CHECK(run(make_head("GET", "hello.php"), "", &b).body == "Hello, World!");
  // Another block's request for the same file does not reach it (a regular thread runs the file):
  // the worker's next request is still its second.
  head = make_head("GET", "worker/state.php");
  head.worker = "elsewhere";
  run(std::move(head), "", &b);
  head = make_head("GET", "worker/state.php");
  head.worker = "api";
  CHECK(json::parse(run(std::move(head), "", &b).body)["count"] == 2);
}

TEST_CASE("worker: superglobals, headers, status, cookies, files, session, putenv never leak") {
  PhpBackend b(one_worker("state.php"));
  std::string boundary = "----pogoWorker";
  auto head = make_head("POST", "worker/state.php", "action=dirty&q=1",
                        {{"Content-Type", "multipart/form-data; boundary=" + boundary}, {"Cookie", "c=1"}});
  Response dirty = run(std::move(head), multipart_one_file(boundary), &b);
  INFO(dirty.body);
  REQUIRE(dirty.status == 201);
  CHECK(dirty.header("X-Dirty"));
  CHECK(dirty.header_count("Set-Cookie") == 2);  // setcookie + the session cookie
  json d = json::parse(dirty.body);
  CHECK(d["post"]["field"] == "posted");
  CHECK(d["files"]["up"] == "a.txt");
  CHECK(d["cookie"]["c"] == "1");
  CHECK(d["request"]["q"] == "1");
  CHECK(d["request"]["field"] == "posted");

  Response clean = run(make_head("GET", "worker/state.php"), "", &b);
  INFO(clean.body);
  CHECK(clean.status == 200);
  CHECK_FALSE(clean.header("X-Dirty"));
  CHECK(clean.header_count("Set-Cookie") == 0);
  json c = json::parse(clean.body);
  CHECK(c["count"] == 2);
  CHECK(c["get"].empty());
  CHECK(c["post"].empty());
  CHECK(c["cookie"].empty());
  CHECK(c["request"].empty());
  CHECK(c["files"].empty());
  CHECK(c["session"].is_null());
  CHECK(c["session_status"] == 1);  // PHP_SESSION_NONE
  CHECK(c["prev_tmp_exists"] == false);
  CHECK(c["putenv"] == false);
  CHECK(c["ob_level"] == 0);
  CHECK(c["memory_limit"] == d["memory_limit"]);
  CHECK(c["input"] == "");
}

TEST_CASE("worker: php://input is the current request's body") {
  PhpBackend b(one_worker("state.php"));
  Response r1 = run(make_head("POST", "worker/state.php", "", {{"Content-Type", "application/json"}}), "{\"a\":1}", &b);
  CHECK(json::parse(r1.body)["input"] == "{\"a\":1}");
  Response r2 = run(make_head("POST", "worker/state.php", "", {{"Content-Type", "text/plain"}}), "second", &b);
  CHECK(json::parse(r2.body)["input"] == "second");
}

TEST_CASE("worker: an uncaught exception fails that request with a 500, the loop goes on") {
  PhpBackend b(one_worker("state.php"));
  json before = get(b);
  Response failed = run(make_head("GET", "worker/state.php", "action=throw"), "", &b);
  CHECK(failed.status == 500);
  json after = get(b);
  CHECK(after["boot"] == before["boot"]);
  CHECK(after["count"] == 3);
}

TEST_CASE("worker: exit() in the handler ends that request cleanly and the worker restarts") {
  PhpBackend b(one_worker("state.php"));
  json before = get(b);
  Response exited = run(make_head("GET", "worker/state.php", "action=exit"), "", &b);
  CHECK(exited.status == 202);
  CHECK(json::parse(exited.body)["count"] == 2);
  json after = get(b);
  CHECK(after["boot"] != before["boot"]);
  CHECK(after["count"] == 1);
  CHECK(b.worker(worker_file("state.php"))->replaced_threads() == 0);  // same thread, script restarted
}

TEST_CASE("worker: a fatal error fails that request (500) and the worker restarts") {
  PhpBackend b(one_worker("state.php"));
  json before = get(b);
  Response fatal = run(make_head("GET", "worker/state.php", "action=fatal"), "", &b);
  CHECK(fatal.status == 500);
  json after = get(b);
  CHECK(after["boot"] != before["boot"]);
  CHECK(after["count"] == 1);
}

TEST_CASE("worker: a script that returns is restarted with no failed request") {
  PhpBackend b(one_worker("returns.php"));
  std::vector<json> seen;
  for (int i = 0; i < 4; ++i) {
    Response r = run(make_head("GET", "worker/returns.php"), "", &b);
    REQUIRE(r.status == 200);
    seen.push_back(json::parse(r.body));
  }
  CHECK(seen[0]["boot"] == seen[1]["boot"]);
  CHECK(seen[1]["boot"] != seen[2]["boot"]);
  CHECK(seen[2]["boot"] == seen[3]["boot"]);
  CHECK(seen[3]["i"] == 1);
}

TEST_CASE("worker: one that never reaches frankenphp_handle_request fails start-up") {
  BackendOptions o = one_worker("fail_boot.php");
  o.workers[0].max_consecutive_failures = 2;
  try {
    PhpBackend b(o);
    FAIL("the backend started");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()) == "worker " + worker_file("fail_boot.php") +
                                       ": the script ended 2 times in a row before calling frankenphp_handle_request()");
  }
}

TEST_CASE("max_requests: a worker thread is recycled after N requests") {
  PhpBackend b(one_worker("state.php", 2));
  json r1 = get(b), r2 = get(b), r3 = get(b);
  CHECK(r1["boot"] == r2["boot"]);
  CHECK(r2["count"] == 2);
  CHECK(r3["boot"] != r2["boot"]);
  CHECK(r3["count"] == 1);
  CHECK(b.worker(worker_file("state.php"))->replaced_threads() == 1);
}

TEST_CASE("max_requests: a regular thread is recycled after N requests") {
  ensure_engine();
  BackendOptions o;
  o.num_threads = 1;
  o.max_requests = 2;
  PhpBackend b(o);
  for (int i = 0; i < 3; ++i) CHECK(run(make_head("GET", "hello.php"), "", &b).status == 200);
  CHECK(b.replaced_threads() >= 1);
}

TEST_CASE("max_wait_time: a request that waits too long for a thread gets a 503") {
  ensure_engine();
  BackendOptions o;
  o.num_threads = 1;
  o.max_wait_time = std::chrono::milliseconds(20);
  PhpBackend b(o);
  Driver busy(make_head("POST", "worker/read_body.php", "", {{"Content-Type", "text/plain"}}), "", true);
  b.handle(busy.exchange());  // holds the only thread until its body ends
  Driver waiting(make_head("GET", "hello.php"), "");
  b.handle(waiting.exchange());
  Response& w = waiting.wait();
  CHECK(w.status == 503);
  CHECK(w.body == "maximum request handling time exceeded");
  busy.exchange()->push_body("done", 4);
  busy.exchange()->end_body(true);
  CHECK(busy.wait().body == "done");
}

TEST_CASE("frankenphp_finish_request: the client gets End while the script goes on") {
  SUBCASE("worker") {
    PhpBackend b(one_worker("state.php"));
    Driver d(make_head("GET", "worker/state.php", "action=finish"), "", true);
    b.handle(d.exchange());
    Response& r = d.wait();  // the handler is still blocked reading the body
    CHECK(json::parse(r.body)["count"] == 1);
    d.exchange()->push_body("later", 5);
    d.exchange()->end_body(true);
    json next = get(b);
    CHECK(next["after_finish"] == "later");
  }
  SUBCASE("classic") {
    std::string out = "/tmp/pogo-finish-" + std::to_string(::getpid());
    std::remove(out.c_str());
    Driver d(make_head("GET", "worker/finish.php", "out=" + out), "", true);
    shared_backend().handle(d.exchange());
    CHECK(d.wait().body == "finished early");
    d.exchange()->push_body("after", 5);
    d.exchange()->end_body(true);
    bool written = d.wait_until([&](const Response&) {
      std::ifstream f(out);
      std::stringstream s;
      s << f.rdbuf();
      return s.str() == "after";
    });
    CHECK(written);
    std::remove(out.c_str());
  }
}

TEST_CASE("headers_send(103): an Interim response before the final head") {
  PhpBackend b(one_worker("state.php"));
  Response r = run(make_head("GET", "worker/state.php", "action=hints"), "", &b);
  REQUIRE(r.kinds.size() >= 2);
  CHECK(r.kinds[0] == Kind::Interim);
  CHECK(r.kinds[1] == Kind::Head);
  CHECK(r.status == 200);
  CHECK(r.header("X-Final"));
  CHECK(r.header("Link"));
}

TEST_CASE("frankenphp_response_headers and frankenphp_log") {
  PhpBackend b(one_worker("state.php"));
  json h = get(b, "action=response_headers");
  CHECK(h["response_headers"]["X-One"] == "1");
  CHECK(h["response_headers"]["X-Two"] == "2");

  char path[] = "/tmp/pogo-log-XXXXXX";
  int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  pogo::log::set_json(true);
  pogo::log::set_output(fd);
  get(b, "action=log");
  pogo::log::set_output(2);
  pogo::log::set_json(false);
  ::close(fd);
  std::ifstream f(path);
  std::string line, found;
  while (std::getline(f, line))
    if (line.find("hello from the worker") != std::string::npos) found = line;
  ::unlink(path);
  REQUIRE_FALSE(found.empty());
  json j = json::parse(found);
  CHECK(j["level"] == "warn");
  CHECK(j["k"] == "v");
  CHECK(j["n"] == 2);
}

TEST_CASE("classic mode: frankenphp_handle_request throws, getallheaders, putenv reset per request") {
  ensure_engine();
  BackendOptions o;
  o.num_threads = 1;
  PhpBackend b(o);
  for (int i = 0; i < 2; ++i) {
    Response r = run(make_head("GET", "worker/classic.php", "", {{"X-Test", "yes"}}), "", &b);
    INFO(r.body);
    json j = json::parse(r.body);
    CHECK(j["putenv_before"] == false);
    CHECK(j["putenv_after"] == "classic");
    CHECK(j["handle_request"] == "frankenphp_handle_request() called while not in worker mode");
    CHECK(j["headers"]["X-Test"] == "yes");
    CHECK(j["same"] == true);
    CHECK(j["aliases"] == true);
    CHECK(j["levels"] == json::array({-4, 0, 4, 8}));
  }
}

// Pogo pools on real sapi/ worker threads (php_workers()): requests run by the PHP backend
// dispatch jobs to pools whose threads run php/worker/pogo-worker.php in worker mode.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <deque>
#include <stdexcept>
#include <thread>

#include "pogo/module.h"
#include "pogo/php_workers.h"
#include "pogo/runtime.h"
#include "sapi/engine.h"
#include "sapi/php_backend.h"
#include "server/exchange.h"

using namespace std::chrono_literals;
namespace jobs = pogo::jobs;
namespace sapi = pogo::sapi;
namespace server = pogo::server;

namespace {

const std::string kDir = POGO_SOURCE_DIR "/tests/pogo/php";

struct World {
  World() {
    ::setenv("PHPRC", "/nonexistent-pogo-test", 1);
    ::setenv("PHP_INI_SCAN_DIR", "", 1);
    ::setenv("POGO_BOOTSTRAP", (kDir + "/sapi_jobs.php").c_str(), 1);
    sapi::EngineOptions eng;
    eng.ini = {{"log_errors", "0"}};
    eng.extra_modules = {jobs::module_entry()};
    sapi::engine_start(eng);
    const std::string worker = POGO_SOURCE_DIR "/php/worker/pogo-worker.php";
    runtime = std::make_unique<jobs::Runtime>(
        std::vector<jobs::PoolConfig>{{"default", worker, 2, 30s}, {"solo", worker, 1, 30s}, {"envelopes", kDir + "/envelope_worker.php", 1, 30s}}, jobs::php_workers());
    jobs::set_runtime(runtime.get());
    backend = std::make_unique<sapi::PhpBackend>(2);
  }
  ~World() {
    backend->stop();
    backend.reset();
    jobs::set_runtime(nullptr);
    runtime->shutdown();
    runtime.reset();
    sapi::engine_stop();
  }
  std::unique_ptr<jobs::Runtime> runtime;
  std::unique_ptr<sapi::PhpBackend> backend;
};

World& world() {
  static World w;
  return w;
}

// Runs tests/pogo/php/<script>?<query> on the backend and returns the body (polls the exchange
// the way a loop thread would, with a deadline).
std::string request(const std::string& script, const std::string& query) {
  server::RequestHead h;
  h.method = "GET";
  h.path = "/" + script;
  h.query = query;
  h.uri = h.path + "?" + query;
  h.headers = {{"Host", "localhost"}};
  h.remote_addr = "127.0.0.1";
  h.document_root = kDir;
  h.script_filename = kDir + "/" + script;
  h.script_name = "/" + script;
  auto ex = std::make_shared<server::Exchange>(std::move(h), [] {});
  ex->end_body(true);
  world().backend->handle(ex);
  std::string body;
  auto deadline = std::chrono::steady_clock::now() + 30s;
  for (;;) {
    ex->begin_loop_turn();
    server::Exchange::EventQueue events;
    ex->take_events(events);
    size_t n = 0;
    for (auto& e : events) {
      if (e.kind == server::Exchange::Event::Data) {
        n += e.data.size();
        body += e.data;
      }
      if (e.kind == server::Exchange::Event::End) return body;
    }
    if (n) ex->bytes_written(n);
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("no response: " + script);
    if (events.empty()) std::this_thread::sleep_for(1ms);
  }
}

std::string job(const std::string& cls, const std::string& pool = "default", const std::string& args = "{}") {
  return request("request.php", "job=" + cls + "&pool=" + pool + "&args=" + args);
}

}  // namespace

TEST_CASE("a job runs on a PHP worker thread and comes back") {
  CHECK(job("EchoJob", "default", "%7B%22a%22%3A1%7D") == R"({"echo":{"a":1}})");
  CHECK(request("pool_size.php", "pool=default") == "2");
  CHECK(request("pool_size.php", "pool=solo") == "1");
}

TEST_CASE("the worker script stays alive between jobs: statics persist") {
  int a = std::stoi(job("CountingJob", "solo"));
  int b = std::stoi(job("CountingJob", "solo"));
  CHECK(b == a + 1);
}

TEST_CASE("pool threads run their jobs with a 1 us timer slack (timeouts on time)") {
  // Linux's default is 50000 ns; the pool thread asked for 1000 before its first job.
  CHECK(job("TimerSlackJob", "solo") == "1000");
  CHECK(job("TimerSlackJob", "default") == "1000");
}

TEST_CASE("a job that throws fails with its message; the worker goes on") {
  std::string boot = job("BootJob", "solo");
  CHECK(job("ThrowingJob", "solo") == "Pogo\\JobException: price service down: ?");
  CHECK(job("BootJob", "solo") == boot);
}

TEST_CASE("a worker that exits while running a job fails that job and is restarted") {
  std::string boot = job("BootJob", "solo");
  CHECK(job("ExitJob", "solo") == "Pogo\\JobException: Pogo worker script died while running the job");
  std::string after = job("BootJob", "solo");
  CHECK(after != boot);
  CHECK(after.size() == boot.size());
  CHECK(request("pool_size.php", "pool=solo") == "1");
}

TEST_CASE("a fatal error in a job fails that job and the worker is restarted") {
  std::string boot = job("BootJob", "solo");
  CHECK(job("FatalJob", "solo") == "Pogo\\JobException: Pogo worker script died while running the job");
  CHECK(job("BootJob", "solo") != boot);
  CHECK(job("EchoJob", "solo") == R"({"echo":[]})");
}

TEST_CASE("the callback's own outcomes: a JSON envelope, a throw, exit()") {
  auto raw = [](const std::string& cls) { return request("request.php", "raw=1&pool=envelopes&job=" + cls); };
  CHECK(raw("Json") == R"({"from":"json","args":[]})");
  CHECK(raw("Throw") == "Pogo\\JobException: thrown from the callback");
  CHECK(raw("Exit") == "Pogo\\JobException: Pogo worker script died while running the job");
  CHECK(raw("Json") == R"({"from":"json","args":[]})");
}

TEST_CASE("a pool whose worker never reaches frankenphp_handle_request fails to start") {
  world();
  try {
    jobs::Runtime broken({{"broken", kDir + "/never_ready_worker.php", 1, 30s}}, jobs::php_workers(2));
    FAIL("the runtime started");
  } catch (const std::exception& e) {
    CHECK(std::string(e.what()).find("worker pogo pool broken: the script ended 2 times in a row") != std::string::npos);
  }
}

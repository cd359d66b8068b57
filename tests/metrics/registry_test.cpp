// Collectors: registered for the life of their Registration, summed when two are alive, and never
// called once unregistered, even against a concurrent render().
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "metrics/registry.h"

using namespace pogo::metrics;

namespace {
bool contains(const std::string& text, const std::string& line) { return text.find(line) != std::string::npos; }
}  // namespace

TEST_CASE("a collector reports while its Registration lives, not after") {
  {
    Registration r = add_collector([](Writer& w) { w.gauge("test_live", "Live", {}, 7); });
    CHECK(contains(render(), "test_live 7\n"));
  }
  CHECK(!contains(render(), "test_live"));
}

TEST_CASE("two live collectors of the same series are summed; moving a Registration keeps it") {
  Registration a = add_collector([](Writer& w) { w.gauge("test_sum", "S", {{"worker", "w"}}, 2); });
  Registration b = add_collector([](Writer& w) { w.gauge("test_sum", "S", {{"worker", "w"}}, 3); });
  CHECK(contains(render(), "test_sum{worker=\"w\"} 5\n"));
  Registration moved = std::move(b);
  CHECK(contains(render(), "test_sum{worker=\"w\"} 5\n"));
  moved.reset();
  CHECK(contains(render(), "test_sum{worker=\"w\"} 2\n"));
  a = Registration();
  CHECK(!contains(render(), "test_sum"));
}

TEST_CASE("unregistering while another thread renders: the collector is never called afterwards") {
  std::atomic<bool> stop{false};
  std::thread scraper([&] {
    while (!stop.load()) (void)render();
  });
  for (int round = 0; round < 200; ++round) {
    auto state = std::make_unique<int>(round);
    std::atomic<bool> gone{false};
    std::atomic<bool> late_call{false};
    Registration r = add_collector([&, p = state.get()](Writer& w) {
      if (gone.load()) late_call = true;
      w.gauge("test_race", "R", {}, *p);
    });
    r.reset();
    gone = true;
    state.reset();  // freed: a late call would read freed memory (ASan) and set late_call
    CHECK(!late_call.load());
  }
  stop = true;
  scraper.join();
}

TEST_CASE("the reload gauges and the admin counter, labelled as Caddy") {
  config_loaded(false);
  std::string t = render();
  CHECK(contains(t, "# TYPE caddy_config_last_reload_successful gauge\ncaddy_config_last_reload_successful 0\n"));
  config_loaded(true);
  t = render();
  CHECK(contains(t, "caddy_config_last_reload_successful 1\n"));
  CHECK(!contains(t, "caddy_config_last_reload_success_timestamp_seconds 0\n"));
  admin_request("metrics", "/metrics", "get", 0);
  admin_request("metrics", "/metrics", "GET", 200);
  admin_request("load", "/load", "POST", 400);
  t = render();
  CHECK(contains(t, "# HELP caddy_admin_http_requests_total Counter of requests made to the Admin API's HTTP endpoints.\n"));
  CHECK(contains(t, "caddy_admin_http_requests_total{code=\"200\",handler=\"metrics\",method=\"GET\",path=\"/metrics\"} 2\n"));
  CHECK(contains(t, "caddy_admin_http_requests_total{code=\"400\",handler=\"load\",method=\"POST\",path=\"/load\"} 1\n"));
}

TEST_CASE("process_* from /proc") {
  std::string t = render();
  for (const char* name : {"process_cpu_seconds_total", "process_open_fds", "process_max_fds",
                           "process_resident_memory_bytes", "process_virtual_memory_bytes",
                           "process_start_time_seconds"})
    CHECK_MESSAGE(contains(t, std::string("\n") + name + " "), name);
  CHECK(contains(t, "# TYPE process_cpu_seconds_total counter\n"));
}

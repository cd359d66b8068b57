// caddyfile::PogoOptions -> PoolConfig list.
#include <doctest/doctest.h>

#include "pogo/config.h"

using namespace std::chrono_literals;

TEST_CASE("pool configs from the Caddyfile's pogo block") {
  caddyfile::PogoOptions options;
  options.present = true;
  caddyfile::PogoPool a;
  a.name = "default";
  a.worker = "public/pogo-worker.php";
  a.worker_path = "/app/public/pogo-worker.php";
  a.num_threads = 8;
  a.max_wait = 30s;
  caddyfile::PogoPool b;
  b.name = "cpu";
  b.worker = "/abs/w.php";
  b.max_wait = 500us;
  options.pools = {a, b};
  auto pools = pogo::jobs::pool_configs(options, 2);
  REQUIRE(pools.size() == 2);
  CHECK(pools[0].name == "default");
  CHECK(pools[0].worker == "/app/public/pogo-worker.php");
  CHECK(pools[0].num_threads == 8);
  CHECK(pools[0].max_wait == 30000ms);
  CHECK(pools[1].worker == "/abs/w.php");
  CHECK(pools[1].num_threads == 4);  // 2 x CPUs
  CHECK(pools[1].max_wait == 1ms);   // rounded up, never 0
}

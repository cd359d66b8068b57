// A bailout outside the script (here: the memory limit hit while PHP parses a POST body during
// request startup) breaks the thread's request; the backend replaces the thread and goes on.
// Its own process: the engine runs with a small memory_limit.
#include <doctest/doctest.h>

#include "sapi/php_backend.h"
#include "tests/sapi/harness.h"

using namespace pogo::sapi::test;

TEST_CASE("a thread broken during request startup is replaced; the next request is served") {
  configure_engine({{"memory_limit", "4M"}, {"post_max_size", "16M"}});
  ensure_engine();
  pogo::sapi::PhpBackend backend(1);
  std::string body = "big=" + std::string(12 << 20, 'x');
  Response broken = run(make_head("POST", "hello.php", "", {{"Content-Type", "application/x-www-form-urlencoded"}}),
                        body, &backend);
  CHECK(broken.status == 500);
  CHECK(broken.ended);
  Response next = run(make_head("GET", "hello.php"), "", &backend);
  CHECK(next.status == 200);
  CHECK(next.body == "Hello, World!");
  CHECK(backend.replaced_threads() == 1);
  backend.stop();
}

// The pogo_* PHP functions end to end inside one process: a request on the main thread (eval_php)
// dispatches to pools whose threads are PHP worker threads (php_harness.cpp) running
// php/worker/pogo-worker.php (jobs from tests/pogo/php/jobs.php) or envelope_worker.php.
#include <doctest/doctest.h>

#include <cstdlib>
#include <thread>

#include "php_harness.h"
#include "pogo/module.h"
#include "pogo/runtime.h"

using namespace std::chrono_literals;
using pogo::test::eval_php;
namespace jobs = pogo::jobs;

namespace {

const std::string kTests = POGO_SOURCE_DIR "/tests/pogo/php";

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 10s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return pred();
}

// One runtime for the file: default (2 threads), other (1 thread, max_wait 100ms), envelopes,
// closing (shut down by the last test).
jobs::Runtime& runtime() {
  static std::unique_ptr<jobs::Runtime> rt;
  if (!rt) {
    setenv("POGO_BOOTSTRAP", (kTests + "/jobs.php").c_str(), 1);
    pogo::test::php_start();
    const std::string worker = POGO_SOURCE_DIR "/php/worker/pogo-worker.php";
    std::vector<jobs::PoolConfig> pools = {
        {"default", worker, 2, 30s},
        {"other", worker, 1, 100ms},
        {"envelopes", kTests + "/envelope_worker.php", 1, 30s},
        {"closing", worker, 1, 30s},
    };
    // Pools of PHP threads; each pool's launcher runs its own script.
    rt = std::make_unique<jobs::Runtime>(pools, [](const jobs::PoolConfig& c, jobs::JobQueue& q) {
      return pogo::test::php_workers(c.worker)(c, q);
    });
    REQUIRE(pogo::test::exec_php(R"PHP(
      function e(callable $f) {
        try { return var_export($f(), true); }
        catch (Throwable $e) { return get_class($e) . ': ' . $e->getMessage(); }
      }
    )PHP"));
  }
  jobs::set_runtime(rt.get());
  return *rt;
}

}  // namespace

TEST_CASE("without a runtime every function says Pogo is not configured") {
  runtime();
  jobs::set_runtime(nullptr);
  CHECK(eval_php("return e(fn() => pogo_dispatch('X'));") == "Pogo\\PoolException: Pogo is not configured");
  CHECK(eval_php("return e(fn() => pogo_pool_size());") == "Pogo\\PoolException: Pogo is not configured");
  CHECK(eval_php("return e(fn() => pogo_await(1));") == "Pogo\\HandleException: unknown or already awaited Pogo handle 1");
}

TEST_CASE("the exception classes all extend RuntimeException; arginfo matches the spec") {
  runtime();
  for (const char* c : {"PoolException", "ArgumentException", "TimeoutException", "HandleException", "JobException"}) {
    CHECK(eval_php(std::string("return get_parent_class('Pogo\\\\") + c + "');") == "RuntimeException");
  }
  CHECK(eval_php(R"(
    $out = [];
    foreach (['pogo_dispatch', 'pogo_await', 'pogo_await_all', 'pogo_pool_size'] as $f) {
      $r = new ReflectionFunction($f);
      $ps = [];
      foreach ($r->getParameters() as $p)
        $ps[] = $p->getType() . ' $' . $p->getName() . ($p->isOptional() ? ' = ' . $p->getDefaultValueConstantName() . var_export($p->getDefaultValue(), true) : '');
      $out[] = "$f(" . implode(', ', $ps) . '): ' . $r->getReturnType();
    }
    return implode("\n", $out);)") ==
        "pogo_dispatch(string $class, array $args = array (\n), string $pool = 'default'): int\n"
        "pogo_await(int $handle, float $timeout = 5.0): mixed\n"
        "pogo_await_all(array $handles, float $timeout = 5.0): array\n"
        "pogo_pool_size(string $pool = 'default'): int");
}

TEST_CASE("pool sizes") {
  jobs::Runtime& rt = runtime();
  REQUIRE(eventually([&] { return rt.find("default")->size() == 2 && rt.find("other")->size() == 1; }));
  CHECK(eval_php("return pogo_pool_size() . ' ' . pogo_pool_size('other');") == "2 1");
  CHECK(eval_php("return e(fn() => pogo_pool_size('nope'));") == "Pogo\\PoolException: unknown Pogo pool \"nope\"");
}

TEST_CASE("dispatch and await: results, job errors and argument errors") {
  runtime();
  CHECK(eval_php(R"(
    $h = pogo_dispatch('PogoTest\EchoJob', ['sku' => 'A-100', 'o' => (object)['k' => 1.0]]);
    return ($h > 0 ? 'positive ' : 'bad handle ') . json_encode(pogo_await($h, 5.0), JSON_PRESERVE_ZERO_FRACTION);)") ==
        R"(positive {"echo":{"sku":"A-100","o":{"k":1.0}}})");
  CHECK(eval_php("return e(fn() => pogo_await(pogo_dispatch('PogoTest\\ThrowingJob', ['sku' => 'B-7'])));") ==
        "Pogo\\JobException: price service down: B-7");
  CHECK(eval_php("return e(fn() => pogo_await(pogo_dispatch('PogoTest\\Missing')));") ==
        "Pogo\\JobException: Invalid or unknown Pogo job class.");
  CHECK(eval_php("return e(fn() => pogo_dispatch(''));") == "Pogo\\ArgumentException: Pogo job class name must not be empty");
  CHECK(eval_php("return e(fn() => pogo_dispatch('X', [], 'nope'));") == "Pogo\\PoolException: unknown Pogo pool \"nope\"");
  CHECK(eval_php("return e(fn() => pogo_dispatch('X', ['items' => [1, 2, 3, INF]]));") ==
        "Pogo\\ArgumentException: args.items[3]: INF is not JSON-compatible");
  CHECK(eval_php("return e(fn() => pogo_dispatch('X', ['file' => fopen('php://memory', 'r')]));") ==
        "Pogo\\ArgumentException: args.file: resource is not JSON-compatible");
  CHECK(eval_php("return e(fn() => pogo_await(pogo_dispatch('PogoTest\\NestedJob', ['value' => 7])));") ==
        "array (\n  'outer' => \n  array (\n    'echo' => \n    array (\n      'inner' => 7,\n    ),\n  ),\n)");
}

TEST_CASE("handles: awaited once, unknown ones, negative timeout keeps them") {
  runtime();
  CHECK(eval_php(R"(
    $h = pogo_dispatch('PogoTest\NoopJob');
    pogo_await($h);
    return e(fn() => pogo_await($h)) === "Pogo\\HandleException: unknown or already awaited Pogo handle $h" ? 'ok' : 'bad';)") == "ok");
  CHECK(eval_php("return e(fn() => pogo_await(987654321));") == "Pogo\\HandleException: unknown or already awaited Pogo handle 987654321");
  CHECK(eval_php("return e(fn() => pogo_await(-3));") == "Pogo\\HandleException: unknown or already awaited Pogo handle -3");
  CHECK(eval_php(R"(
    $h = pogo_dispatch('PogoTest\EchoJob', ['x' => 1]);
    $first = e(fn() => pogo_await($h, -1.5));
    return $first . ' | ' . e(fn() => pogo_await($h));)") ==
        "Pogo\\ArgumentException: Pogo await timeout must be >= 0, got -1.5s | array (\n  'echo' => \n  array (\n    'x' => 1,\n  ),\n)");
}

TEST_CASE("await timeouts, including timeout 0") {
  runtime();
  CHECK(eval_php(R"(
    $h = pogo_dispatch('PogoTest\SleepJob', ['ms' => 300]);
    $r = e(fn() => pogo_await($h, 0.05));
    return $r . ' | ' . str_replace($h, 'H', e(fn() => pogo_await($h)));)") ==
        "Pogo\\TimeoutException: Pogo await timed out after 0.05s | Pogo\\HandleException: unknown or already awaited Pogo handle H");
  CHECK(eval_php("return e(fn() => pogo_await(pogo_dispatch('PogoTest\\SleepJob', ['ms' => 200]), 0));") ==
        "Pogo\\TimeoutException: Pogo await timed out after 0s");
  jobs::on_request_end();
}

TEST_CASE("pogo_await_all: one deadline, keys preserved, a bad list leaves handles awaitable") {
  runtime();
  CHECK(eval_php(R"(
    $hs = ['a' => pogo_dispatch('PogoTest\EchoJob', ['n' => 1]), 7 => pogo_dispatch('PogoTest\EchoJob', ['n' => 2])];
    return json_encode(pogo_await_all($hs, 5.0));)") == R"({"a":{"echo":{"n":1}},"7":{"echo":{"n":2}}})");
  CHECK(eval_php(R"(
    $h = pogo_dispatch('PogoTest\EchoJob', ['n' => 3]);
    $r1 = e(fn() => pogo_await_all([$h, 'x']));
    $r2 = e(fn() => pogo_await_all([$h, $h]));
    $r3 = e(fn() => pogo_await_all([$h, 424242]));
    $r2 = str_replace($h, 'H', $r2);
    return "$r1 | $r2 | $r3 | " . json_encode(pogo_await($h));)") ==
        "Pogo\\ArgumentException: Pogo handles must be ints, got string | "
        "Pogo\\HandleException: unknown or already awaited Pogo handle H"
        " | Pogo\\HandleException: unknown or already awaited Pogo handle 424242 | {\"echo\":{\"n\":3}}");
  CHECK(eval_php(R"(
    $a = pogo_dispatch('PogoTest\EchoJob', ['n' => 1]);
    $b = pogo_dispatch('PogoTest\ThrowingJob', ['sku' => 'Z']);
    $r = e(fn() => pogo_await_all([$a, $b]));
    return $r . ' | ' . str_replace($a, 'A', e(fn() => pogo_await($a)));)") ==
        "Pogo\\JobException: price service down: Z | Pogo\\HandleException: unknown or already awaited Pogo handle A");
  CHECK(eval_php("return json_encode(pogo_await_all([]));") == "[]");
  jobs::on_request_end();
}

TEST_CASE("max_wait: a job no worker takes in time fails at await and never runs") {
  jobs::Runtime& rt = runtime();
  // "other" may still be busy with an earlier test's job: wait until it runs one within max_wait.
  REQUIRE(eval_php(R"(
    for ($i = 0; $i < 100; $i++) { try { pogo_await(pogo_dispatch('PogoTest\NoopJob', [], 'other')); return 'idle'; } catch (Pogo\TimeoutException) {} }
    return 'busy';)") == "idle");
  CHECK(eval_php(R"(
    $busy = pogo_dispatch('PogoTest\SleepJob', ['ms' => 400], 'other');
    $late = pogo_dispatch('PogoTest\EchoJob', [], 'other');
    $r = e(fn() => pogo_await($late, 5.0));
    pogo_await($busy);
    return $r;)") == "Pogo\\TimeoutException: Pogo job waited longer than max_wait (100ms) for a free worker in pool \"other\"");
  CHECK(rt.find("other")->queue().size() == 0);
}

TEST_CASE("a pool that waits on itself fails with max_wait instead of deadlocking") {
  runtime();
  REQUIRE(eval_php(R"(
    for ($i = 0; $i < 100; $i++) { try { pogo_await(pogo_dispatch('PogoTest\NoopJob', [], 'other')); return 'idle'; } catch (Pogo\TimeoutException) {} }
    return 'busy';)") == "idle");
  // NestedJob runs on the only thread of "other" and awaits a job queued behind itself.
  CHECK(eval_php("return e(fn() => pogo_await(pogo_dispatch('PogoTest\\NestedJob', ['value' => 1, 'pool' => 'other'], 'other')));") ==
        "Pogo\\JobException: Pogo job waited longer than max_wait (100ms) for a free worker in pool \"other\"");
}

TEST_CASE("request end cancels unawaited jobs; a job's own unawaited jobs end with it") {
  jobs::Runtime& rt = runtime();
  CHECK(eval_php(R"(
    pogo_dispatch('PogoTest\SleepJob', ['ms' => 200], 'other');
    for ($i = 0; $i < 5; $i++) pogo_dispatch('PogoTest\NoopJob', [], 'other');
    return 'ok';)") == "ok");
  CHECK(rt.find("other")->queue().size() >= 4);
  jobs::on_request_end();
  CHECK(rt.find("other")->queue().size() == 0);
  // LeakyJob (on default) dispatches to "other" and returns without awaiting.
  CHECK(eval_php("return e(fn() => is_int(pogo_await(pogo_dispatch('PogoTest\\LeakyJob', ['pool' => 'other']))));") == "true");
  CHECK(eventually([&] { return rt.find("other")->queue().size() == 0; }));
}

TEST_CASE("envelopes: arrays, JSON strings, and every invalid shape") {
  runtime();
  struct Case {
    const char* cls;
    std::string expected;
  } cases[] = {
      {"Json", "{\"from\":\"json\",\"args\":{\"a\":1}}"},
      {"JsonError", "Pogo\\JobException: json said no"},
      {"BadJson", "Pogo\\JobException: Invalid Pogo envelope: the worker returned a string that is not valid JSON"},
      {"NotArray", "Pogo\\JobException: Invalid Pogo envelope: expected an array with \"ok\", got int"},
      {"NoOk", "Pogo\\JobException: Invalid Pogo envelope: expected an array with \"ok\", got array"},
      {"OkString", "Pogo\\JobException: Invalid Pogo envelope: \"ok\" must be true or false"},
      {"NoError", "Pogo\\JobException: Pogo worker returned an error"},
      {"EmptyError", "Pogo\\JobException: Pogo worker returned an error"},
      {"NullResult", "NULL"},
      {"InfResult", "Pogo\\JobException: Invalid Pogo envelope: result.x[0]: INF is not JSON-compatible"},
      {"Object", "{\"a\":{\"b\":1}}"},
      {"Throw", "Pogo\\JobException: thrown from the callback"},
      {"Exit", "Pogo\\JobException: Pogo worker script died while running the job"},
      {"UndefinedFunction", "Pogo\\JobException: Call to undefined function undefined_function_xyz()"},
      {"Fatal", "Pogo\\JobException: Pogo worker script died while running the job"},
      {"Json", "{\"from\":\"json\",\"args\":{\"a\":1}}"},  // the worker was restarted
  };
  for (const auto& c : cases) {
    CAPTURE(std::string(c.cls));
    std::string body = std::string("return e(function () { $r = pogo_await(pogo_dispatch('") + c.cls +
                       "', ['a' => 1], 'envelopes')); return is_array($r) ? json_encode($r) : $r; });";
    std::string got = eval_php(body);
    if (got.size() > 1 && got.front() == '\'') got = got.substr(1, got.size() - 2);  // var_export of a string
    CHECK(got == c.expected);
  }
}

TEST_CASE("many jobs from one request, in parallel, all come back") {
  runtime();
  CHECK(eval_php(R"(
    $hs = [];
    for ($i = 0; $i < 200; $i++) $hs[$i] = pogo_dispatch('PogoTest\EchoJob', ['i' => $i]);
    $r = pogo_await_all($hs, 30.0);
    foreach ($r as $i => $v) if ($v['echo']['i'] !== $i) return "wrong $i";
    return count($r);)") == "200");
}

TEST_CASE("shutdown fails queued jobs and later dispatches") {
  jobs::Runtime& rt = runtime();
  jobs::Pool& pool = *rt.find("closing");
  CHECK(eval_php(R"(
    $GLOBALS['busy'] = pogo_dispatch('PogoTest\SleepJob', ['ms' => 300], 'closing');
    $GLOBALS['queued'] = pogo_dispatch('PogoTest\NoopJob', [], 'closing');
    return 'ok';)") == "ok");
  REQUIRE(eventually([&] { return pool.queue().size() == 1; }));  // busy is running, queued waits
  std::thread stopper([&] { pool.shutdown(); });
  REQUIRE(eventually([&] { return pool.queue().closed(); }));
  CHECK(eval_php("return e(fn() => pogo_await($GLOBALS['queued']));") == "Pogo\\PoolException: Pogo pool \"closing\" is shutting down");
  CHECK(eval_php("return e(fn() => pogo_dispatch('X', [], 'closing'));") == "Pogo\\PoolException: Pogo pool \"closing\" is shutting down");
  CHECK(eval_php("return e(fn() => pogo_await($GLOBALS['busy']));") == "'slept'");
  stopper.join();
  CHECK(pool.size() == 0);
}

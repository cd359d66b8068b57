// A Pogo job's round trip as PHP sees it: pogo_await(pogo_dispatch(NoopJob)) in a request, with the
// pool's worker a PHP thread running php/worker/pogo-worker.php (tests/pogo/php/jobs.php as
// bootstrap), timed with hrtime() in PHP. Then the fan-out goal: 8 jobs of 50 ms on an 8-thread pool
// with pogo_await_all. Budget (spec/pogo.md): median <= 20 us; 8 x 50 ms <= 55 ms at p99.
//
//   cmake --build build --target pogo_roundtrip_bench && ./build/tests/pogo/pogo_roundtrip_bench [iterations]
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "bench/pogo_bench_util.h"
#include "pogo/runtime.h"
#include "tests/pogo/php_harness.h"

using namespace std::chrono;
namespace jobs = pogo::jobs;

namespace {

const char* kRoundTrip = R"PHP(
  $n = %d;
  for ($i = 0; $i < 500; $i++) pogo_await(pogo_dispatch('PogoTest\NoopJob'));  // warm-up
  $t = [];
  for ($i = 0; $i < $n; $i++) {
    $t0 = hrtime(true);
    pogo_await(pogo_dispatch('PogoTest\NoopJob', ['i' => $i]));
    $t[] = (hrtime(true) - $t0) / 1000;
  }
  sort($t);
  return sprintf("median %%8.2f us   p99 %%8.2f us", $t[intdiv($n, 2)], $t[intdiv($n * 99, 100)]);
)PHP";

const char* kFanOut = R"PHP(
  $t = [];
  for ($r = 0; $r < 40; $r++) {
    $t0 = hrtime(true);
    $hs = [];
    for ($j = 0; $j < 8; $j++) $hs[] = pogo_dispatch('PogoTest\SleepJob', ['ms' => 50], 'fanout');
    pogo_await_all($hs, 5.0);
    $t[] = (hrtime(true) - $t0) / 1e6;
  }
  sort($t);
  return sprintf("median %%6.2f ms   p99 %%6.2f ms   max %%6.2f ms", $t[20], $t[intdiv(40 * 99, 100)], $t[39]);
)PHP";

std::string run(const char* code, int n) {
  char buf[2048];
  std::snprintf(buf, sizeof buf, code, n);
  return pogo::test::eval_php(buf);
}

void bench(const char* name, jobs::SpinPolicy spin, int n, bool hogs) {
  const std::string worker = POGO_SOURCE_DIR "/php/worker/pogo-worker.php";
  jobs::Runtime rt({{"default", worker, 1, seconds(30)}, {"fanout", worker, 8, seconds(30)}},
                   pogo::test::php_workers(worker), spin);
  jobs::set_runtime(&rt);
  std::unique_ptr<pogo::bench::Hogs> h;
  if (hogs) h = std::make_unique<pogo::bench::Hogs>(2);
  std::printf("%-44s round trip: %s\n", name, run(kRoundTrip, n).c_str());
  std::printf("%-44s 8 x 50 ms:  %s\n", name, run(kFanOut, 0).c_str());
  h.reset();
  jobs::set_runtime(nullptr);
  rt.shutdown();
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 20000;
  setenv("POGO_BOOTSTRAP", POGO_SOURCE_DIR "/tests/pogo/php/jobs.php", 1);
  pogo::test::php_start();
  auto spin = [](int pause_us, int yield_us) { return jobs::SpinPolicy{microseconds(pause_us), microseconds(yield_us)}; };
  bench("never spins (park at once)", spin(0, 0), n, false);
  bench("spin 5us then park", spin(5, 0), n, false);
  bench("spin 20us then park (default)", jobs::SpinPolicy{}, n, false);
  bench("spin 50us then park", spin(50, 0), n, false);
  std::printf("-- with 2 CPU-bound threads competing for the 2 cores --\n");
  bench("never spins (park at once)", spin(0, 0), n / 10, true);
  bench("spin 20us then park (default)", jobs::SpinPolicy{}, n / 10, true);
  return 0;
}

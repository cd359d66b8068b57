// The machine's floor for a fan-out: what N threads that each sleep T ms cost on this machine when
// one thread hands them their work one by one and waits for the last, with nothing of Pogo or PHP
// in between. bench/run's fanout section prints it beside Pogo's figures, so "ideal 10 ms" is read
// against what the kernel's timers and wake-ups give here (a virtual machine with 2 cores wakes 8
// sleepers noticeably late).
//
// The shape follows a Pogo fan-out: parked threads (one futex each, as a pool's idle workers), the
// caller wakes them in turn, each sleeps with clock_nanosleep at 1 us timer slack (what Pogo's pool
// threads ask for), the last to finish wakes the caller. Rounds are spaced like sequential requests.
//
//   pogo_fanout_floor N T_MS ROUNDS   ->   one line: "p50_ms p99_ms"
//
// Threads: main hands out rounds; N sleeper threads. Not part of the server: a bench tool only.
#include <linux/futex.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

void futex_wait(std::atomic<int>& word, int expected) {
  syscall(SYS_futex, reinterpret_cast<int*>(&word), FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
}

void futex_wake(std::atomic<int>& word) {
  syscall(SYS_futex, reinterpret_cast<int*>(&word), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

struct Sleeper {
  std::atomic<int> go{0};  // 1: run a round, -1: exit
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s N T_MS ROUNDS\n", argv[0]);
    return 2;
  }
  const int n = std::atoi(argv[1]);
  const long t_ms = std::atol(argv[2]);
  const int rounds = std::atoi(argv[3]);
  if (n < 1 || t_ms < 0 || rounds < 1) {
    std::fprintf(stderr, "N >= 1, T_MS >= 0, ROUNDS >= 1\n");
    return 2;
  }

  std::vector<std::unique_ptr<Sleeper>> sleepers;
  for (int i = 0; i < n; ++i) sleepers.push_back(std::make_unique<Sleeper>());
  std::atomic<int> left{0};
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, s = sleepers[i].get()] {
      ::prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
      for (;;) {
        int v;
        while ((v = s->go.load()) == 0) futex_wait(s->go, 0);
        if (v < 0) return;
        s->go.store(0);
        timespec ts{t_ms / 1000, (t_ms % 1000) * 1000000L};
        while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) != 0) {
        }
        if (left.fetch_sub(1) == 1) {
          done.store(1);
          futex_wake(done);
        }
      }
    });
  }

  std::vector<double> ms;
  for (int r = 0; r < rounds + 2; ++r) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // the client's turn between requests
    const auto start = Clock::now();
    left.store(n);
    done.store(0);
    for (auto& s : sleepers) {
      s->go.store(1);
      futex_wake(s->go);
    }
    while (done.load() == 0) futex_wait(done, 0);
    if (r >= 2) ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  for (auto& s : sleepers) {
    s->go.store(-1);
    futex_wake(s->go);
  }
  for (auto& t : threads) t.join();

  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) { return ms[std::min(ms.size() - 1, size_t(p / 100.0 * double(ms.size())))]; };
  std::printf("%.3f %.3f\n", pct(50), pct(99));
  return 0;
}

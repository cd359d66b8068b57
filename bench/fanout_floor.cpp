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
// The HTTP floor: the same fan-out behind the smallest HTTP/1.1 server that can answer it, so that
// the bench's own client (Python's http.client, wrk) measures it exactly as it measures Pogo. One
// thread per connection reads a request head (any method and path, no body), runs one round with
// that connection's own N sleepers, and writes a fixed keep-alive answer "ok N". What Pogo adds
// beyond this is Pogo's; what this adds beyond the plain floor is the client's and the kernel's
// (loopback, the client's parsing, waking threads on an idle virtual CPU).
//
//   pogo_fanout_floor --http N T_MS   ->   prints the port it listens on (127.0.0.1), serves until
//                                          killed or stdin closes
//
// With N = 0 it answers at once: the smallest server there is, which the latency section measures
// beside Pogo and nginx at the same fixed rates (what this machine's own hiccups cost a p99).
//
// Threads: main hands out rounds (plain mode) or accepts (HTTP mode: one thread per connection,
// each with its N sleeper threads). Not part of the server: a bench tool only.
#include <linux/futex.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
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

// N parked sleeper threads; round() wakes them one by one and returns when the last one is done.
// Threads: round() and the destructor from the one thread that owns the group.
class SleeperGroup {
 public:
  SleeperGroup(int n, long t_ms) : slots_(size_t(n)) {
    for (auto& slot : slots_) {
      threads_.emplace_back([this, &slot, t_ms] {
        ::prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
        for (;;) {
          int v;
          while ((v = slot.go.load()) == 0) futex_wait(slot.go, 0);
          if (v < 0) return;
          slot.go.store(0);
          timespec ts{t_ms / 1000, (t_ms % 1000) * 1000000L};
          while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) != 0) {
          }
          if (left_.fetch_sub(1) == 1) {
            done_.store(1);
            futex_wake(done_);
          }
        }
      });
    }
  }
  SleeperGroup(const SleeperGroup&) = delete;
  SleeperGroup& operator=(const SleeperGroup&) = delete;
  ~SleeperGroup() {
    for (auto& slot : slots_) {
      slot.go.store(-1);
      futex_wake(slot.go);
    }
    for (auto& t : threads_) t.join();
  }

  void round() {
    left_.store(int(slots_.size()));
    done_.store(0);
    for (auto& slot : slots_) {
      slot.go.store(1);
      futex_wake(slot.go);
    }
    while (done_.load() == 0) futex_wait(done_, 0);
  }

 private:
  struct Slot {
    std::atomic<int> go{0};  // 1: run a round, -1: exit
  };
  std::vector<Slot> slots_;
  std::vector<std::thread> threads_;
  std::atomic<int> left_{0};
  std::atomic<int> done_{0};
};

int plain_floor(int n, long t_ms, int rounds) {
  SleeperGroup group(n, t_ms);
  std::vector<double> ms;
  for (int r = 0; r < rounds + 2; ++r) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // the client's turn between requests
    const auto start = Clock::now();
    group.round();
    if (r >= 2) ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) { return ms[std::min(ms.size() - 1, size_t(p / 100.0 * double(ms.size())))]; };
  std::printf("%.3f %.3f\n", pct(50), pct(99));
  return 0;
}

bool write_all(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t w = ::write(fd, data.data() + off, data.size() - off);
    if (w <= 0) return false;
    off += size_t(w);
  }
  return true;
}

// One keep-alive connection: a round per request head; ends when the client closes.
void serve_connection(int fd, int n, long t_ms) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const std::string body = "ok " + std::to_string(n);
  const std::string response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                               std::to_string(body.size()) + "\r\n\r\n" + body;
  SleeperGroup group(n, t_ms);
  std::string pending;
  char buf[4096];
  for (;;) {
    size_t end;
    while ((end = pending.find("\r\n\r\n")) == std::string::npos) {
      ssize_t r = ::read(fd, buf, sizeof buf);
      if (r <= 0) {
        ::close(fd);
        return;
      }
      pending.append(buf, size_t(r));
    }
    pending.erase(0, end + 4);
    if (n > 0) group.round();
    if (!write_all(fd, response)) break;
  }
  ::close(fd);
}

int http_floor(int n, long t_ms) {
  int ls = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (ls < 0 || ::bind(ls, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(ls, 128) != 0 ||
      ::getsockname(ls, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::fprintf(stderr, "listen on 127.0.0.1: %s\n", std::strerror(errno));
    return 1;
  }
  std::printf("%d\n", ntohs(addr.sin_port));
  std::fflush(stdout);
  // The bench closes our stdin (or dies): stop then, so no server outlives it.
  std::thread([] {
    char c;
    while (::read(0, &c, 1) > 0) {
    }
    std::_Exit(0);
  }).detach();
  for (;;) {
    int fd = ::accept4(ls, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      std::fprintf(stderr, "accept: %s\n", std::strerror(errno));
      return 1;
    }
    std::thread(serve_connection, fd, n, t_ms).detach();
  }
}

}  // namespace

int main(int argc, char** argv) {
  const bool http = argc == 4 && std::strcmp(argv[1], "--http") == 0;
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s N T_MS ROUNDS\n       %s --http N T_MS\n", argv[0], argv[0]);
    return 2;
  }
  const int n = std::atoi(argv[http ? 2 : 1]);
  const long t_ms = std::atol(argv[http ? 3 : 2]);
  const int rounds = http ? 1 : std::atoi(argv[3]);
  if (n < (http ? 0 : 1) || t_ms < 0 || rounds < 1) {
    std::fprintf(stderr, "N >= 1 (--http: N >= 0), T_MS >= 0, ROUNDS >= 1\n");
    return 2;
  }
  return http ? http_floor(n, t_ms) : plain_floor(n, t_ms, rounds);
}

// The Mercure section's client (bench/run --section mercure): N idle subscribers on one pogo,
// what they cost in memory, and how long an update published by PHP takes to reach all of them.
//
// It starts `pogo run` itself on a loopback port with a Caddyfile whose site has a `mercure` block
// and a publish.php that calls mercure_publish() with hrtime(true) (CLOCK_MONOTONIC, the clock
// this program reads) as the data. Then:
//   1. memory: the server's RSS (VmRSS) with one warm subscriber, then with N more, all
//      connected over HTTP/1.1 and past their first byte: (after - before) / N;
//   2. latency: K updates, one at a time, each published by a GET /publish.php on a separate
//      connection; for each, the time from mercure_publish() to each subscriber's receiving it
//      (read from the socket by an epoll loop): the per-update "last subscriber" time and every
//      subscriber's time, their p50 and p99.
// Prints one JSON object. Nothing of Pogo's code: a plain client, sockets and epoll.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "pogo_mercure_bench: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}

long rss_kib(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

int connect_to(int port, bool nonblocking) {
  int fd = socket(AF_INET, SOCK_STREAM | (nonblocking ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) die("socket");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(uint16_t(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 && errno != EINPROGRESS) die("connect");
  return fd;
}

// A blocking GET with Connection: close; the body.
std::string get(int port, const std::string& path) {
  int fd = connect_to(port, false);
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (write(fd, req.data(), req.size()) != ssize_t(req.size())) die("write");
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, size_t(n));
  close(fd);
  size_t body = out.find("\r\n\r\n");
  return body == std::string::npos ? "" : out.substr(body + 4);
}

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) die("bind");
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  size_t i = size_t(p * double(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

struct Sub {
  int fd = -1;
  bool ready = false;  // past the head and the first comment
  std::string buf;
  int64_t last_seen = 0;  // the newest update's timestamp received
};

}  // namespace

int main(int argc, char** argv) {
  std::string pogo, dir;
  int n = 10000, k = 50;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--pogo") pogo = argv[i + 1];
    else if (a == "--dir") dir = argv[i + 1];
    else if (a == "--subscribers") n = std::atoi(argv[i + 1]);
    else if (a == "--publishes") k = std::atoi(argv[i + 1]);
  }
  if (pogo.empty() || dir.empty()) {
    std::fprintf(stderr, "usage: pogo_mercure_bench --pogo PATH --dir TMPDIR [--subscribers N] [--publishes K]\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  rlimit rl{size_t(n) + 4096, size_t(n) + 4096};
  if (setrlimit(RLIMIT_NOFILE, &rl) < 0) die("setrlimit RLIMIT_NOFILE");

  const int port = free_port();
  std::system(("mkdir -p " + dir + "/public").c_str());
  std::ofstream(dir + "/public/publish.php") << "<?php echo mercure_publish('https://bench.test/t', (string) hrtime(true));\n";
  std::ofstream(dir + "/Caddyfile") << "{\n\tadmin off\n\tauto_https off\n}\nhttp://127.0.0.1:" << port
                                    << " {\n\troot * " << dir << "/public\n\tmercure {\n\t\tpublisher_jwt bench-key-bench-key-bench-key-bench-key\n"
                                    << "\t\tanonymous\n\t}\n\tphp_server\n}\n";
  pid_t pid = fork();
  if (pid == 0) {
    int out = open((dir + "/pogo.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(out, 2);
    execl(pogo.c_str(), pogo.c_str(), "run", "--config", (dir + "/Caddyfile").c_str(), nullptr);
    _exit(127);
  }
  for (int i = 0;; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(uint16_t(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(fd);
    if (ok) break;
    if (i > 300) die("pogo did not start (see " + dir + "/pogo.log)");
    usleep(50000);
  }

  int ep = epoll_create1(0);
  std::vector<Sub> subs(size_t(n) + 1);
  const std::string request =
      "GET /.well-known/mercure?topic=https%3A%2F%2Fbench.test%2Ft HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
  std::vector<double> all_ms;
  auto open_sub = [&](size_t i) {
    Sub& s = subs[i];
    s.fd = connect_to(port, false);
    if (write(s.fd, request.data(), request.size()) != ssize_t(request.size())) die("write subscribe");
    fcntl(s.fd, F_SETFL, O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    epoll_ctl(ep, EPOLL_CTL_ADD, s.fd, &ev);
  };
  int ready = 0;
  int64_t current = 0;    // the update in flight: PHP's timestamp, 0 until a subscriber shows it
  int64_t previous = 0;   // the update before it
  int64_t last_recv = 0;  // when the last subscriber received it
  int got = 0;            // subscribers that received it
  auto pump = [&](int timeout_ms) {
    epoll_event evs[512];
    int m = epoll_wait(ep, evs, 512, timeout_ms);
    int64_t t = now_ns();
    for (int e = 0; e < m; ++e) {
      Sub& s = subs[evs[e].data.u64];
      char buf[8192];
      ssize_t r;
      while ((r = read(s.fd, buf, sizeof buf)) > 0) s.buf.append(buf, size_t(r));
      if (r == 0) {
        std::fprintf(stderr, "pogo_mercure_bench: a subscriber's stream ended\n");
        epoll_ctl(ep, EPOLL_CTL_DEL, s.fd, nullptr);
      }
      if (!s.ready && s.buf.find("\r\n\r\n") != std::string::npos && s.buf.find("\n:\n") != std::string::npos) {
        s.ready = true;
        ++ready;
        s.buf.clear();
        continue;
      }
      size_t pos;
      while ((pos = s.buf.find("data: ")) != std::string::npos) {
        size_t end = s.buf.find('\n', pos);
        if (end == std::string::npos) break;
        int64_t ts = std::atoll(s.buf.c_str() + pos + 6);
        s.buf.erase(0, end + 1);
        if (ts <= s.last_seen) continue;
        s.last_seen = ts;
        if (current == 0 && ts > previous) current = ts;
        if (ts == current) {
          ++got;
          last_recv = t;
          all_ms.push_back(double(t - ts) / 1e6);
        }
      }
      if (s.buf.size() > 65536) s.buf.erase(0, s.buf.size() - 1024);
    }
    return m;
  };

  // The warm baseline: one subscriber and one update through PHP.
  open_sub(size_t(n));
  while (ready < 1) pump(100);
  get(port, "/publish.php");
  usleep(200000);
  pump(0);
  const long before = rss_kib(pid);
  int64_t t_open = now_ns();
  for (size_t i = 0; i < size_t(n); ++i) {
    open_sub(i);
    if (i % 64 == 63) pump(0);
  }
  int64_t deadline = now_ns() + 60'000'000'000;
  while (ready < n + 1 && now_ns() < deadline) pump(100);
  double connect_s = double(now_ns() - t_open) / 1e9;
  usleep(500000);
  pump(0);
  const long after = rss_kib(pid);

  std::vector<double> last_ms;
  all_ms.clear();
  int incomplete = 0;
  // The warm-up update is behind us: only newer timestamps count.
  for (const Sub& s : subs) previous = std::max(previous, s.last_seen);
  for (int i = 0; i < k; ++i) {
    previous = std::max(previous, current);
    current = 0;
    got = 0;
    std::thread publisher([&] { get(port, "/publish.php"); });
    int64_t start = now_ns();
    while (got < n + 1 && now_ns() - start < 10'000'000'000) pump(100);
    publisher.join();
    if (got < n + 1) ++incomplete;
    if (current) last_ms.push_back(double(last_recv - current) / 1e6);
    usleep(50000);
    pump(0);
  }
  std::printf(
      "{\"subscribers\": %d, \"connect_seconds\": %.2f, \"rss_before_kib\": %ld, \"rss_after_kib\": %ld, "
      "\"kib_per_subscriber\": %.2f, \"publishes\": %d, \"incomplete\": %d, \"last_p50_ms\": %.2f, "
      "\"last_p99_ms\": %.2f, \"last_max_ms\": %.2f, \"each_p50_ms\": %.2f, \"each_p99_ms\": %.2f}\n",
      n, connect_s, before, after, double(after - before) / n, k, incomplete, percentile(last_ms, 0.5),
      percentile(last_ms, 0.99), percentile(last_ms, 1.0), percentile(all_ms, 0.5), percentile(all_ms, 0.99));
  kill(pid, SIGTERM);
  int status;
  waitpid(pid, &status, 0);
  return 0;
}

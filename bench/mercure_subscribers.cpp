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
//      subscriber's time, their p50 and p99;
//   3. the floor (unless --no-floor): the same client and the same measure against no server at
//      all. A child process accepts the N connections and, for each update, writes an event of the
//      same shape to every socket from as many threads as pogo runs loops (one per core), with
//      plain write(2). That is what this machine's loopback TCP costs for N writes and N reads
//      on these cores: no hub can deliver faster here, so pogo's figures are read beside it.
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

// N subscribers on one epoll, and the measure of K updates reaching them. The same code reads
// from pogo and from the floor's plain writer.
class Client {
 public:
  Client(int port, size_t n) : port_(port), subs_(n + 1), ep_(epoll_create1(0)) {}
  ~Client() {
    for (const Sub& s : subs_)
      if (s.fd >= 0) close(s.fd);
    close(ep_);
  }

  void open(size_t i, const std::string& request) {
    Sub& s = subs_[i];
    s.fd = connect_to(port_, false);
    if (!request.empty() && write(s.fd, request.data(), request.size()) != ssize_t(request.size()))
      die("write subscribe");
    fcntl(s.fd, F_SETFL, O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    epoll_ctl(ep_, EPOLL_CTL_ADD, s.fd, &ev);
  }
  int ready() const { return ready_; }

  // One epoll round: each ready socket is read once (level-triggered: what is left comes back in
  // the next round), so a delivery costs the client one read.
  int pump(int timeout_ms) {
    epoll_event evs[512];
    int m = epoll_wait(ep_, evs, 512, timeout_ms);
    int64_t t = now_ns();
    for (int e = 0; e < m; ++e) {
      Sub& s = subs_[evs[e].data.u64];
      char buf[8192];
      ssize_t r = read(s.fd, buf, sizeof buf);
      if (r > 0) s.buf.append(buf, size_t(r));
      if (r == 0) {
        std::fprintf(stderr, "pogo_mercure_bench: a subscriber's stream ended\n");
        epoll_ctl(ep_, EPOLL_CTL_DEL, s.fd, nullptr);
      }
      if (!s.ready) {
        if (s.buf.find("\r\n\r\n") != std::string::npos && s.buf.find("\n:\n") != std::string::npos) {
          s.ready = true;
          ++ready_;
          s.buf.clear();
        }
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
        if (current_ == 0 && ts > previous_) current_ = ts;
        if (ts == current_) {
          ++got_;
          last_recv_ = t;
          all_ms_.push_back(double(t - ts) / 1e6);
        }
      }
      if (s.buf.size() > 65536) s.buf.erase(0, s.buf.size() - 1024);
    }
    return m;
  }

  void wait_ready(int n, int64_t timeout_ns) {
    int64_t deadline = now_ns() + timeout_ns;
    while (ready_ < n && now_ns() < deadline) pump(100);
  }

  struct Result {
    std::vector<double> last_ms, all_ms;
    int incomplete = 0;
  };
  // K updates, each sent by `publish` (which stamps it with CLOCK_MONOTONIC), one at a time.
  template <class Publish>
  Result measure(int k, Publish publish) {
    Result res;
    all_ms_.clear();
    // Updates before these (warm-ups) do not count: only newer timestamps.
    for (const Sub& s : subs_) previous_ = std::max(previous_, s.last_seen);
    const int want = ready_;
    for (int i = 0; i < k; ++i) {
      previous_ = std::max(previous_, current_);
      current_ = 0;
      got_ = 0;
      std::thread publisher(publish);
      int64_t start = now_ns();
      while (got_ < want && now_ns() - start < 10'000'000'000) pump(100);
      publisher.join();
      if (got_ < want) ++res.incomplete;
      if (current_) res.last_ms.push_back(double(last_recv_ - current_) / 1e6);
      usleep(50000);
      pump(0);
    }
    res.all_ms = std::move(all_ms_);
    return res;
  }

 private:
  int port_;
  std::vector<Sub> subs_;
  int ep_;
  int ready_ = 0;
  int64_t current_ = 0;    // the update in flight: its timestamp, 0 until a subscriber shows it
  int64_t previous_ = 0;   // the update before it
  int64_t last_recv_ = 0;  // when the last subscriber received it
  int got_ = 0;            // subscribers that received it
  std::vector<double> all_ms_;
};

// The floor's server, in a child process (its own descriptor limit): accepts n connections,
// answers each with a head and a comment, then for every byte read from `cmd` writes one event
// with the current CLOCK_MONOTONIC to every connection, from `threads` threads, each its share.
[[noreturn]] void floor_writer(int listen_fd, size_t n, unsigned threads, int cmd) {
  std::vector<int> fds;
  fds.reserve(n);
  const std::string hello = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n:\n";
  while (fds.size() < n) {
    int fd = accept(listen_fd, nullptr, nullptr);
    if (fd < 0) die("floor accept");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (write(fd, hello.data(), hello.size()) != ssize_t(hello.size())) die("floor write");
    fds.push_back(fd);
  }
  char c;
  while (read(cmd, &c, 1) == 1) {
    // The shape of a hub's event: an id like the hub's urn:uuid and the data.
    const std::string event =
        "id: urn:uuid:00000000-0000-4000-8000-000000000000\ndata: " + std::to_string(now_ns()) + "\n\n";
    std::vector<std::thread> ts;
    for (unsigned t = 0; t < threads; ++t)
      ts.emplace_back([&, t] {
        for (size_t i = t; i < fds.size(); i += threads)
          if (write(fds[i], event.data(), event.size()) != ssize_t(event.size())) die("floor write");
      });
    for (auto& t : ts) t.join();
  }
  _exit(0);
}

struct Floor {
  Client::Result result;
  bool ok = false;
};

Floor measure_floor(size_t n, int k) {
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 || listen(lfd, 4096) < 0) die("floor listen");
  socklen_t len = sizeof a;
  getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len);
  int cmd[2];
  if (pipe(cmd) < 0) die("pipe");
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  pid_t child = fork();
  if (child == 0) {
    close(cmd[1]);
    floor_writer(lfd, n, threads, cmd[0]);
  }
  close(cmd[0]);
  close(lfd);
  Floor f;
  {
    Client c(ntohs(a.sin_port), n);
    for (size_t i = 0; i < n; ++i) {
      c.open(i, "");
      if (i % 64 == 63) c.pump(0);
    }
    c.wait_ready(int(n), 60'000'000'000);
    if (c.ready() == int(n)) {
      auto send = [&] {
        if (write(cmd[1], "u", 1) != 1) die("floor command");
      };
      c.measure(1, send);  // warm-up
      f.result = c.measure(k, send);
      f.ok = f.result.incomplete == 0;
    }
  }
  close(cmd[1]);
  int status;
  waitpid(child, &status, 0);
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  std::string pogo, dir;
  int n = 10000, k = 50;
  bool floor = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--no-floor") floor = false;
    else if (i + 1 >= argc) break;
    else if (a == "--pogo") pogo = argv[++i];
    else if (a == "--dir") dir = argv[++i];
    else if (a == "--subscribers") n = std::atoi(argv[++i]);
    else if (a == "--publishes") k = std::atoi(argv[++i]);
  }
  if (pogo.empty() || dir.empty()) {
    std::fprintf(stderr,
                 "usage: pogo_mercure_bench --pogo PATH --dir TMPDIR [--subscribers N] [--publishes K] [--no-floor]\n");
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
    int out = ::open((dir + "/pogo.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
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

  const std::string request =
      "GET /.well-known/mercure?topic=https%3A%2F%2Fbench.test%2Ft HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
  long before = 0, after = 0;
  double connect_s = 0;
  Client::Result r;
  {
    Client c(port, size_t(n));
    // The warm baseline: one subscriber and one update through PHP.
    c.open(size_t(n), request);
    c.wait_ready(1, 60'000'000'000);
    get(port, "/publish.php");
    usleep(200000);
    c.pump(0);
    before = rss_kib(pid);
    int64_t t_open = now_ns();
    for (size_t i = 0; i < size_t(n); ++i) {
      c.open(i, request);
      if (i % 64 == 63) c.pump(0);
    }
    c.wait_ready(n + 1, 60'000'000'000);
    connect_s = double(now_ns() - t_open) / 1e9;
    usleep(500000);
    c.pump(0);
    after = rss_kib(pid);
    r = c.measure(k, [&] { get(port, "/publish.php"); });
  }
  kill(pid, SIGTERM);
  int status;
  waitpid(pid, &status, 0);

  Floor f;
  if (floor) f = measure_floor(size_t(n), k);
  std::printf(
      "{\"subscribers\": %d, \"connect_seconds\": %.2f, \"rss_before_kib\": %ld, \"rss_after_kib\": %ld, "
      "\"kib_per_subscriber\": %.2f, \"publishes\": %d, \"incomplete\": %d, \"last_p50_ms\": %.2f, "
      "\"last_p99_ms\": %.2f, \"last_max_ms\": %.2f, \"each_p50_ms\": %.2f, \"each_p99_ms\": %.2f",
      n, connect_s, before, after, double(after - before) / n, k, r.incomplete, percentile(r.last_ms, 0.5),
      percentile(r.last_ms, 0.99), percentile(r.last_ms, 1.0), percentile(r.all_ms, 0.5), percentile(r.all_ms, 0.99));
  if (f.ok)
    std::printf(
        ", \"floor_writer_threads\": %u, \"floor_last_p50_ms\": %.2f, \"floor_last_p99_ms\": %.2f, "
        "\"floor_each_p50_ms\": %.2f, \"floor_each_p99_ms\": %.2f",
        std::max(1u, std::thread::hardware_concurrency()), percentile(f.result.last_ms, 0.5),
        percentile(f.result.last_ms, 0.99), percentile(f.result.all_ms, 0.5), percentile(f.result.all_ms, 0.99));
  else if (floor)
    std::printf(", \"floor_error\": \"the floor's %d subscribers did not all receive every update\"", n);
  std::printf("}\n");
  return 0;
}

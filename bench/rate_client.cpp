// An open-loop HTTP/1.1 load generator: requests leave at a fixed rate whatever the server does,
// and each one's latency runs from the moment it was due, not from when a connection was free to
// send it (so a server that stalls is charged for every request that queued behind the stall).
//
// Why bench/ has one: wrk is closed-loop. At saturation on this 2-core machine wrk's threads share
// the cores with the server, and a server faster than wrk can drive it leaves its answers waiting
// in wrk's sockets until a wrk thread gets a CPU; wrk counts that wait as the server's latency.
// Measured at the same fixed rate, below both peers' saturation, the p99 is the server's own tail.
// (wrk2 does this; Debian does not ship it.)
//
//   pogo_rate_client URL RATE SECONDS [CONNECTIONS]
//     URL          http://127.0.0.1:PORT/path (plain HTTP, loopback or any IPv4 address)
//     RATE         requests per second, spread evenly
//     CONNECTIONS  keep-alive connections (default 32); a request that is due while every
//                  connection is busy waits for the first one free, and its wait counts
//   -> one JSON line: {"rate": R, "sent": N, "completed": N, "errors": N, "non_2xx": N,
//                      "p50_ms": .., "p90_ms": .., "p99_ms": .., "p999_ms": .., "max_ms": ..,
//                      "backlog_max": N}
//   The first second is a warm-up, not counted. Exit status 0 when every request was answered.
//
// Responses are read with Content-Length or chunked framing; a connection the server closes is
// reopened (its request counts as an error). Threads: one (the caller's). A bench tool only.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Conn {
  int fd = -1;
  bool busy = false;
  Clock::time_point due;  // the request in flight: when it was due
  bool counted = false;   // its latency goes into the figures (after the warm-up)
  std::string in;         // bytes received for the response in flight
};

// What a response in `in` looks like so far. Complete: `size` bytes make it whole.
struct Parsed {
  enum { Incomplete, Complete, Bad } state = Incomplete;
  size_t size = 0;
  int status = 0;
};

bool iequals_prefix(const char* p, const char* end, const char* name) {
  size_t n = std::strlen(name);
  if (size_t(end - p) < n) return false;
  for (size_t i = 0; i < n; ++i)
    if ((p[i] | 0x20) != (name[i] | 0x20)) return false;
  return true;
}

Parsed parse(const std::string& in) {
  Parsed r;
  size_t head_end = in.find("\r\n\r\n");
  if (head_end == std::string::npos) return r;
  if (in.compare(0, 9, "HTTP/1.1 ") != 0 && in.compare(0, 9, "HTTP/1.0 ") != 0) {
    r.state = Parsed::Bad;
    return r;
  }
  r.status = std::atoi(in.c_str() + 9);
  long long length = -1;
  bool chunked = false;
  for (size_t line = in.find("\r\n") + 2; line < head_end;) {
    size_t next = in.find("\r\n", line);
    const char* p = in.data() + line;
    const char* e = in.data() + next;
    if (iequals_prefix(p, e, "content-length:")) length = std::atoll(p + 15);
    else if (iequals_prefix(p, e, "transfer-encoding:") && std::string(p, e).find("chunked") != std::string::npos)
      chunked = true;
    line = next + 2;
  }
  size_t body = head_end + 4;
  if (!chunked) {
    if (length < 0) length = 0;  // no framing: only bodiless answers are expected here
    if (in.size() < body + size_t(length)) return r;
    r.state = Parsed::Complete;
    r.size = body + size_t(length);
    return r;
  }
  for (size_t pos = body;;) {
    size_t eol = in.find("\r\n", pos);
    if (eol == std::string::npos) return r;
    unsigned long size = std::strtoul(in.c_str() + pos, nullptr, 16);
    if (size == 0) {  // last chunk; no trailers expected
      if (in.size() < eol + 4) return r;
      r.state = Parsed::Complete;
      r.size = eol + 4;
      return r;
    }
    pos = eol + 2 + size + 2;
    if (in.size() < pos) return r;
  }
}

int connect_to(const sockaddr_in& addr, int ep, Conn* conn) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = conn;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || argc > 5) {
    std::fprintf(stderr, "usage: %s URL RATE SECONDS [CONNECTIONS]\n", argv[0]);
    return 2;
  }
  std::string url = argv[1];
  const double rate = std::atof(argv[2]);
  const double seconds = std::atof(argv[3]);
  const int nconn = argc == 5 ? std::atoi(argv[4]) : 32;
  if (url.rfind("http://", 0) != 0 || rate <= 0 || seconds <= 0 || nconn < 1) {
    std::fprintf(stderr, "URL must be http://HOST:PORT/PATH; RATE, SECONDS, CONNECTIONS > 0\n");
    return 2;
  }
  std::string rest = url.substr(7);
  size_t slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  std::string path = slash == std::string::npos ? "/" : rest.substr(slash);
  size_t colon = hostport.rfind(':');
  std::string host = hostport.substr(0, colon);
  int port = colon == std::string::npos ? 80 : std::atoi(hostport.c_str() + colon + 1);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(port));
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    std::fprintf(stderr, "%s: an IPv4 address is expected\n", host.c_str());
    return 2;
  }
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + hostport + "\r\n\r\n";

  ::prctl(PR_SET_TIMERSLACK, 5000UL, 0, 0, 0);  // wake when a request is due, not up to 50 us (the default) late
  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  std::vector<Conn> conns(static_cast<size_t>(nconn));
  for (auto& c : conns) {
    c.fd = connect_to(addr, ep, &c);
    if (c.fd < 0) {
      std::fprintf(stderr, "connect to %s: %s\n", hostport.c_str(), std::strerror(errno));
      return 1;
    }
  }

  const auto interval = std::chrono::duration<double>(1.0 / rate);
  const auto start = Clock::now();
  const auto warm_end = start + std::chrono::seconds(1);
  const auto end = warm_end + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::vector<Conn*> idle;
  for (auto& c : conns) idle.push_back(&c);
  std::deque<Clock::time_point> backlog;  // due, not yet sent: every connection was busy
  std::vector<double> ms;
  ms.reserve(size_t(rate * seconds) + 16);
  long long sent = 0, completed = 0, errors = 0, non_2xx = 0, scheduled = 0;
  size_t backlog_max = 0;
  int in_flight = 0;
  char buf[65536];

  auto send_on = [&](Conn* c, Clock::time_point due) {
    c->busy = true;
    c->due = due;
    c->counted = due >= warm_end;
    c->in.clear();
    ++in_flight;
    ++sent;
    // A failed send surfaces as a closed connection on the next read.
    ssize_t w = ::write(c->fd, request.data(), request.size());
    (void)w;
  };
  // The server closed the connection (or answered garbage): a new one takes its place. An idle
  // connection is already in `idle`; a busy one's request is lost (an error) and it joins it.
  auto reopen = [&](Conn* c) {
    ::epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, nullptr);
    ::close(c->fd);
    c->fd = connect_to(addr, ep, c);
    if (c->busy) {
      c->busy = false;
      --in_flight;
      ++errors;
      idle.push_back(c);
    }
  };

  for (;;) {
    auto now = Clock::now();
    // Everything due by now leaves, on a free connection if there is one.
    while (now < end) {
      auto due = start + std::chrono::duration_cast<Clock::duration>(interval * double(scheduled));
      if (due > now) break;
      ++scheduled;
      backlog.push_back(due);
    }
    while (!backlog.empty() && !idle.empty()) {
      Conn* c = idle.back();
      idle.pop_back();
      if (c->fd < 0) continue;  // could not be reopened: one connection fewer
      send_on(c, backlog.front());
      backlog.pop_front();
    }
    backlog_max = std::max(backlog_max, backlog.size());
    if (now >= end && backlog.empty() && in_flight == 0) break;
    if (now >= end + std::chrono::seconds(10)) break;  // answers that never come

    auto next_due = start + std::chrono::duration_cast<Clock::duration>(interval * double(scheduled));
    // Sleep until the next request is due or an answer arrives; never spin, the server needs the
    // cores. Wake-ups are at least kTick apart: at tens of thousands of requests per second, one
    // wake-up per request would cost the machine more than the requests (a request due inside the
    // tick leaves at its end, and its latency counts from when it was due).
    constexpr long long kTick = 50'000;
    long long wait_ns = 10'000'000;
    if (now < end && backlog.empty())
      wait_ns = std::clamp<long long>(std::chrono::duration_cast<std::chrono::nanoseconds>(next_due - now).count(),
                                      kTick, wait_ns);
    timespec timeout{wait_ns / 1'000'000'000, wait_ns % 1'000'000'000};
    epoll_event events[64];
    int n = ::epoll_pwait2(ep, events, 64, &timeout, nullptr);
    for (int i = 0; i < n; ++i) {
      Conn* c = static_cast<Conn*>(events[i].data.ptr);
      ssize_t r = ::read(c->fd, buf, sizeof buf);
      if (r <= 0) {
        if (r < 0 && errno == EAGAIN) continue;
        reopen(c);
        continue;
      }
      if (!c->busy) continue;  // nothing asked: ignore
      c->in.append(buf, size_t(r));
      Parsed p = parse(c->in);
      if (p.state == Parsed::Incomplete) continue;
      if (p.state == Parsed::Bad) {
        reopen(c);
        continue;
      }
      auto done = Clock::now();
      ++completed;
      if (p.status < 200 || p.status > 299) ++non_2xx;
      if (c->counted) ms.push_back(std::chrono::duration<double, std::milli>(done - c->due).count());
      c->busy = false;
      --in_flight;
      idle.push_back(c);
    }
  }
  errors += in_flight + (long long)backlog.size();

  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) { return ms.empty() ? 0.0 : ms[std::min(ms.size() - 1, size_t(p / 100.0 * double(ms.size())))]; };
  std::printf("{\"rate\": %.0f, \"sent\": %lld, \"completed\": %lld, \"counted\": %zu, \"errors\": %lld, "
              "\"non_2xx\": %lld, \"p50_ms\": %.3f, \"p90_ms\": %.3f, \"p99_ms\": %.3f, \"p999_ms\": %.3f, "
              "\"max_ms\": %.3f, \"backlog_max\": %zu}\n",
              rate, sent, completed, ms.size(), errors, non_2xx, pct(50), pct(90), pct(99), pct(99.9),
              ms.empty() ? 0.0 : ms.back(), backlog_max);
  return errors == 0 ? 0 : 1;
}

#include "server/upstream_health.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "server/log.h"
#include "tls/session.h"

namespace pogo::server {

namespace {

using Clock = std::chrono::steady_clock;

// Waits for `events` on `fd` until `deadline`, in slices that notice `stop`.
bool wait_for(int fd, short events, Clock::time_point deadline, const std::atomic<bool>& stop) {
  while (!stop.load(std::memory_order_relaxed)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, int(std::min<long long>(left, 100)));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
  return false;
}

}  // namespace

HealthChecker::HealthChecker(const ProxySettings& s) : s_(s), thread_([this] { run(); }) {}

HealthChecker::~HealthChecker() {
  {
    std::lock_guard lk(mu_);
    stop_.store(true);
  }
  cv_.notify_all();
  thread_.join();
}

void HealthChecker::run() {
  std::vector<bool> was(s_.upstreams.size(), true);
  std::unique_lock lk(mu_);
  while (!stop_.load()) {
    lk.unlock();
    for (size_t i = 0; i < s_.upstreams.size() && !stop_.load(); ++i) {
      if (s_.upstreams[i].dynamic) continue;  // no fixed address to check
      bool ok = check(s_.upstreams[i]);
      if (stop_.load()) break;
      s_.health[i].check_failed.store(!ok, std::memory_order_relaxed);
      if (ok != was[i])
        log::info("http.handlers.reverse_proxy.health_checker.active",
                  ok ? "upstream is healthy again" : "unhealthy upstream",
                  {{"host", s_.upstreams[i].hostport}, {"health_uri", s_.health_uri}});
      was[i] = ok;
    }
    lk.lock();
    cv_.wait_for(lk, s_.health_interval, [this] { return stop_.load(); });
  }
}

bool HealthChecker::check(const UpstreamAddress& u) const {
  const auto deadline = Clock::now() + s_.health_timeout;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(u.host.c_str(), std::to_string(u.port).c_str(), &hints, &res) != 0 || !res) return false;
  int fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  bool ok = false;
  if (fd >= 0) {
    int rc = ::connect(fd, res->ai_addr, res->ai_addrlen);
    bool connected = rc == 0;
    if (rc < 0 && errno == EINPROGRESS && wait_for(fd, POLLOUT, deadline, stop_)) {
      int err = 0;
      socklen_t len = sizeof err;
      connected = ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
    }
    // Bytes to the socket, and from it, each wait bounded by the deadline.
    auto send_all = [&](std::string_view b) {
      size_t sent = 0;
      while (sent < b.size() && wait_for(fd, POLLOUT, deadline, stop_)) {
        ssize_t n = ::send(fd, b.data() + sent, b.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return false;
        sent += size_t(n);
      }
      return sent == b.size();
    };
    auto recv_some = [&](std::string& out) {
      if (!wait_for(fd, POLLIN, deadline, stop_)) return false;
      char buf[4096];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return false;
      out.append(buf, size_t(n));
      return true;
    };
    std::unique_ptr<tls::Session> tls;
    if (connected && s_.tls) {  // an HTTPS upstream: the handshake first, as a proxied request's
      try {
        tls = std::make_unique<tls::Session>(tls::Session::Client{}, s_.tls.get(),
                                             s_.tls_server_name.empty() ? u.host : s_.tls_server_name);
        bool up = tls->start() == tls::Session::Result::Ok;
        std::string plain, in;
        while (up && !tls->handshake_done()) {
          up = send_all(tls->output());
          tls->output().clear();
          in.clear();
          up = up && recv_some(in) && tls->receive(in.data(), in.size(), plain) == tls::Session::Result::Ok;
        }
        connected = up && send_all(tls->output());
        tls->output().clear();
      } catch (const std::exception&) {
        connected = false;
      }
    }
    if (connected) {
      std::string req = "GET " + s_.health_uri + " HTTP/1.1\r\nHost: " + u.hostport +
                        "\r\nUser-Agent: pogo-health-check\r\nConnection: close\r\n\r\n";
      bool sent = true;
      if (tls) {
        sent = tls->send(req.data(), req.size()) == tls::Session::Result::Ok && send_all(tls->output());
        tls->output().clear();
      } else {
        sent = send_all(req);
      }
      std::string got, in;
      while (sent && got.find("\r\n") == std::string::npos && got.size() < 4096) {
        in.clear();
        if (!recv_some(in)) break;
        if (!tls) {
          got += in;
        } else if (tls->receive(in.data(), in.size(), got) == tls::Session::Result::Error) {
          break;
        }
      }
      // "HTTP/1.x NNN ..."
      if (got.size() >= 12 && got.starts_with("HTTP/1.")) {
        int status = std::atoi(got.c_str() + 9);
        ok = status_matches(status, s_.health_status);
      }
    }
    ::close(fd);
  }
  ::freeaddrinfo(res);
  return ok;
}

}  // namespace pogo::server

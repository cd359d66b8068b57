// Test helper: a loopback TCP port that nothing listens on now and that this test process has not
// handed out before. Any thread may call it.
//
// Why "not handed out before": a test reserves several ports first and starts their servers later
// (replicas, then HAProxy in front of them). Between the reservation and the server's bind the port
// is free again, and the kernel may give the same number to the next reservation. Two servers that
// both set SO_REUSEPORT (Pogo and HAProxy do) then share the port without an error, and requests
// meant for one reach the other.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <set>
#include <stdexcept>

namespace pogo::test {

// `udp_too`: the same port number is also free for UDP (a server that listens on both, like an
// HTTP/3-capable ACME test CA).
inline int fresh_loopback_port(bool udp_too = false) {
  static std::mutex mutex;
  static std::set<int> handed_out;
  std::lock_guard lock(mutex);
  for (int attempt = 0; attempt < 200; ++attempt) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) break;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
              ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
    if (ok && udp_too) {
      int u = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      ok = u >= 0 && ::bind(u, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
      if (u >= 0) ::close(u);
    }
    ::close(fd);
    if (ok && handed_out.insert(ntohs(a.sin_port)).second) return ntohs(a.sin_port);
  }
  throw std::runtime_error("no free loopback port that this test has not used already");
}

}  // namespace pogo::test

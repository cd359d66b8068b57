#include "server/listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>

#include "server/startup_error.h"

namespace pogo::server {

namespace {

constexpr int kBacklog = 1024;

// The first port an unprivileged process may bind (net.ipv4.ip_unprivileged_port_start; 1024
// unless an administrator or a container runtime changed it).
unsigned unprivileged_port_start() {
  unsigned start = 1024;
  if (FILE* f = std::fopen("/proc/sys/net/ipv4/ip_unprivileged_port_start", "re")) {
    if (std::fscanf(f, "%u", &start) != 1) start = 1024;
    std::fclose(f);
  }
  return start;
}

// Where this binary is, for the setcap command line the message suggests.
std::string own_executable() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, size_t(n)) : std::string("/path/to/pogo");
}

[[noreturn]] void fail(const ListenAddress& addr, uint16_t port, int err) {
  std::string message = "listen tcp " + addr.text + ": " + uv_strerror(uv_translate_sys_error(err));
  // A privileged port is the one "permission denied" a user can fix from here, and the kernel's
  // word alone does not say how.
  if (unsigned first = unprivileged_port_start(); (err == EACCES || err == EPERM) && port != 0 && port < first)
    message += ": ports below " + std::to_string(first) +
               " need root or the CAP_NET_BIND_SERVICE capability (setcap cap_net_bind_service=+ep " +
               own_executable() + "), or choose a port from " + std::to_string(first) +
               " up (http_port, https_port, a site address's port)";
  throw StartupError(message);
}

int open_bound(int family, const sockaddr* sa, socklen_t len, bool dual_stack, bool probe_first, int& err) {
  int one = 1, zero = 0;
  if (probe_first) {
    // SO_REUSEPORT would let us join another process's listener of the same user on this port;
    // a probe bind without it fails as "address already in use" when anyone listens there.
    int probe = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe >= 0) {
      ::setsockopt(probe, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (family == AF_INET6) ::setsockopt(probe, IPPROTO_IPV6, IPV6_V6ONLY, dual_stack ? &zero : &one, sizeof one);
      int rc = ::bind(probe, sa, len);
      int probe_err = errno;
      ::close(probe);
      if (rc != 0 && probe_err == EADDRINUSE) {
        err = probe_err;
        return -1;
      }
    }
  }
  int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    err = errno;
    return -1;
  }
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  if (family == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, dual_stack ? &zero : &one, sizeof one);
  if (::bind(fd, sa, len) != 0 || ::listen(fd, kBacklog) != 0) {
    err = errno;
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

ListenAddress parse_listen_address(std::string_view text) {
  ListenAddress out;
  out.text = std::string(text);
  std::string_view s = text;
  if (s.starts_with("unix/")) {
    out.unix_path = std::string(s.substr(5));
    if (out.unix_path.empty() || out.unix_path.size() >= sizeof(sockaddr_un::sun_path))
      throw StartupError("listen unix " + out.text + ": invalid socket path");
    return out;
  }
  if (s.starts_with("http://")) s.remove_prefix(7);
  std::string_view port_text;
  if (s.starts_with("[")) {
    auto close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':')
      throw StartupError("listen tcp " + out.text + ": invalid address");
    out.host = std::string(s.substr(1, close - 1));
    port_text = s.substr(close + 2);
  } else {
    auto colon = s.rfind(':');
    if (colon == std::string_view::npos) throw StartupError("listen tcp " + out.text + ": missing port in address");
    out.host = std::string(s.substr(0, colon));
    port_text = s.substr(colon + 1);
    if (out.host.find(':') != std::string::npos)
      throw StartupError("listen tcp " + out.text + ": too many colons in address");
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535)
    throw StartupError("listen tcp " + out.text + ": invalid port");
  out.port = uint16_t(port);
  return out;
}

namespace {

int bind_unix_socket(const ListenAddress& addr) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, addr.unix_path.data(), addr.unix_path.size());
  auto fail_unix = [&](int err) -> int {
    throw StartupError("listen unix " + addr.unix_path + ": " + uv_strerror(uv_translate_sys_error(err)));
  };
  struct stat st{};
  if (::lstat(addr.unix_path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) {
    // A socket file left by a process that ended: remove it; one somebody accepts on: in use.
    int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool live = probe >= 0 && ::connect(probe, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
    if (probe >= 0) ::close(probe);
    if (live) return fail_unix(EADDRINUSE);
    ::unlink(addr.unix_path.c_str());
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail_unix(errno);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd, kBacklog) != 0) {
    int err = errno;
    ::close(fd);
    return fail_unix(err);
  }
  return fd;
}

}  // namespace

int bind_listen_socket(const ListenAddress& addr, uint16_t port, bool first, sockaddr_storage& bound) {
  int err = 0;
  int fd = -1;
  if (!addr.unix_path.empty()) {
    fd = bind_unix_socket(addr);
  } else if (addr.host.empty()) {
    // All interfaces: one dual-stack IPv6 socket when the host has IPv6, else IPv4.
    sockaddr_in6 a6{};
    a6.sin6_family = AF_INET6;
    a6.sin6_addr = in6addr_any;
    a6.sin6_port = htons(port);
    fd = open_bound(AF_INET6, reinterpret_cast<sockaddr*>(&a6), sizeof a6, true, first && port != 0, err);
    if (fd < 0 && (err == EAFNOSUPPORT || err == EADDRNOTAVAIL)) {
      sockaddr_in a4{};
      a4.sin_family = AF_INET;
      a4.sin_addr.s_addr = htonl(INADDR_ANY);
      a4.sin_port = htons(port);
      fd = open_bound(AF_INET, reinterpret_cast<sockaddr*>(&a4), sizeof a4, false, first && port != 0, err);
    }
  } else {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    addrinfo* res = nullptr;
    std::string service = std::to_string(port);
    if (int rc = ::getaddrinfo(addr.host.c_str(), service.c_str(), &hints, &res); rc != 0 || !res)
      throw StartupError("listen tcp " + addr.text + ": lookup " + addr.host + ": " + gai_strerror(rc));
    // Like Go's net.Listen: the first IPv4 address when there is one.
    const addrinfo* pick = res;
    for (const addrinfo* ai = res; ai; ai = ai->ai_next)
      if (ai->ai_family == AF_INET) {
        pick = ai;
        break;
      }
    fd = open_bound(pick->ai_family, pick->ai_addr, pick->ai_addrlen, false, first && port != 0, err);
    ::freeaddrinfo(res);
  }
  if (fd < 0) fail(addr, port, err);
  socklen_t len = sizeof bound;
  std::memset(&bound, 0, sizeof bound);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  return fd;
}

std::string socket_ip(const sockaddr_storage& sa) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (sa.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(sa).sin_addr, buf, sizeof buf);
  } else if (sa.ss_family == AF_INET6) {
    const auto& a6 = reinterpret_cast<const sockaddr_in6&>(sa);
    if (IN6_IS_ADDR_V4MAPPED(&a6.sin6_addr))
      ::inet_ntop(AF_INET, &a6.sin6_addr.s6_addr[12], buf, sizeof buf);
    else
      ::inet_ntop(AF_INET6, &a6.sin6_addr, buf, sizeof buf);
  }
  return buf;
}

uint16_t socket_port(const sockaddr_storage& sa) {
  if (sa.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(sa).sin_port);
  if (sa.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(sa).sin6_port);
  return 0;
}

std::string format_socket_address(const sockaddr_storage& sa) {
  if (sa.ss_family == AF_UNIX) return std::string("unix/") + reinterpret_cast<const sockaddr_un&>(sa).sun_path;
  std::string ip = socket_ip(sa);
  bool v6 = ip.find(':') != std::string::npos;
  return (v6 ? "[" + ip + "]" : ip) + ":" + std::to_string(socket_port(sa));
}

}  // namespace pogo::server

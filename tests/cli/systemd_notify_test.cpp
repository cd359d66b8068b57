// sd_notify without libsystemd: the test plays systemd, listening on a unixgram socket.
#include <doctest/doctest.h>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include "cli/systemd_notify.h"

using namespace pogo::cli;

namespace {

unsigned long long monotonic_usec() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000ULL;
}

// A bound unixgram socket; `abstract` puts it in the abstract namespace (NOTIFY_SOCKET=@name).
struct FakeSystemd {
  int fd = -1;
  std::string env;   // what NOTIFY_SOCKET is set to
  std::string path;  // the file to unlink, if any

  explicit FakeSystemd(bool abstract) {
    fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::string name = "pogo-notify-test-" + std::to_string(::getpid());
    socklen_t len;
    if (abstract) {
      env = "@" + name;
      std::memcpy(addr.sun_path + 1, name.data(), name.size());
      len = socklen_t(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    } else {
      path = "/tmp/" + name + ".sock";
      ::unlink(path.c_str());
      env = path;
      std::memcpy(addr.sun_path, path.data(), path.size());
      len = socklen_t(offsetof(sockaddr_un, sun_path) + path.size() + 1);
    }
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0);
    ::setenv("NOTIFY_SOCKET", env.c_str(), 1);
  }
  ~FakeSystemd() {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(fd);
    if (!path.empty()) ::unlink(path.c_str());
  }
  // The next datagram (waits up to 10 s); "" if none came.
  std::string receive() {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10000) != 1) return {};
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, size_t(n)) : std::string();
  }
};

}  // namespace

TEST_CASE("sd_notify: READY, STOPPING and STATUS reach a socket named by a path") {
  FakeSystemd systemd(false);
  sd_notify_ready();
  CHECK(systemd.receive() == "READY=1");
  sd_notify_status("serving 2 sites\non :443");
  CHECK(systemd.receive() == "STATUS=serving 2 sites on :443");
  sd_notify_stopping();
  CHECK(systemd.receive() == "STOPPING=1");
}

TEST_CASE("sd_notify: RELOADING carries MONOTONIC_USEC, on an abstract socket (@name)") {
  FakeSystemd systemd(true);
  unsigned long long before = monotonic_usec();
  sd_notify_reloading();
  unsigned long long after = monotonic_usec();
  std::string got = systemd.receive();
  const std::string prefix = "RELOADING=1\nMONOTONIC_USEC=";
  REQUIRE(got.compare(0, prefix.size(), prefix) == 0);
  std::string digits = got.substr(prefix.size());
  REQUIRE(!digits.empty());
  CHECK(digits.find_first_not_of("0123456789") == std::string::npos);
  unsigned long long usec = std::stoull(digits);
  CHECK(usec >= before);
  CHECK(usec <= after);
  sd_notify_ready();
  CHECK(systemd.receive() == "READY=1");
}

TEST_CASE("sd_notify: nothing to do without NOTIFY_SOCKET, or with one that is not a unix socket") {
  ::unsetenv("NOTIFY_SOCKET");
  CHECK_FALSE(sd_notify("READY=1"));
  ::setenv("NOTIFY_SOCKET", "vsock:2:1234", 1);
  CHECK_FALSE(sd_notify("READY=1"));
  ::setenv("NOTIFY_SOCKET", "/nonexistent/dir/notify.sock", 1);
  CHECK_FALSE(sd_notify("READY=1"));
  ::unsetenv("NOTIFY_SOCKET");
  sd_notify_ready();  // and the helpers do not crash
  sd_notify_stopping();
}

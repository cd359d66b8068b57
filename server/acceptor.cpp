#include "server/acceptor.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "server/log.h"
#include "server/startup_error.h"

namespace pogo::server {

namespace {

// Accepts per readiness callback: the rest wait for the next loop iteration (epoll is level
// triggered), so a connection flood on one listener does not starve the loop's other handles.
constexpr int kBatch = 64;
// accept-and-close rounds when shedding: a full backlog, with room for what arrives meanwhile.
constexpr int kMaxShed = 4096;

int open_reserve() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

// Errors of one connection (accept(2) passes pending network errors on), not of the listener.
bool transient(int err) {
  switch (err) {
    case EINTR: case ECONNABORTED: case EPROTO: case EPERM: case ENETDOWN: case ENOPROTOOPT:
    case EHOSTDOWN: case ENONET: case EHOSTUNREACH: case EOPNOTSUPP: case ENETUNREACH:
      return true;
    default:
      return false;
  }
}

bool descriptor_shortage(int err) { return err == EMFILE || err == ENFILE; }

}  // namespace

Acceptor::Acceptor(uv_loop_t* loop, int listen_fd, OnAccept on_accept)
    : fd_(listen_fd), reserve_(open_reserve()), on_accept_(std::move(on_accept)) {
  int rc = poll_.init(loop, uv_poll_init_socket, listen_fd);
  if (rc == 0) rc = timer_.init(loop, uv_timer_init);
  if (rc == 0) {
    poll_.get()->data = this;
    timer_.get()->data = this;
    rc = uv_poll_start(poll_.get(), UV_READABLE, &Acceptor::on_readable);
  }
  if (rc != 0) {
    close();
    throw StartupError(std::string("listen: ") + uv_strerror(rc));
  }
}

Acceptor::~Acceptor() { close(); }

void Acceptor::close() {
  // uv_close() of a poll handle takes it out of epoll at once, so the descriptor may go now.
  poll_.close();
  timer_.close();
  if (fd_ >= 0) ::close(fd_);
  if (reserve_ >= 0) ::close(reserve_);
  fd_ = reserve_ = -1;
}

void Acceptor::on_readable(uv_poll_t* poll, int status, int /*events*/) {
  auto* self = static_cast<Acceptor*>(poll->data);
  if (status < 0) {
    self->pause(-status);  // a libuv code is a negated errno on unix
    return;
  }
  self->accept_ready();
}

void Acceptor::on_backoff(uv_timer_t* timer) { static_cast<Acceptor*>(timer->data)->resume(); }

void Acceptor::accept_ready() {
  for (int i = 0; i < kBatch && fd_ >= 0 && !paused_; ++i) {
    int fd = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      if (short_) recovered();
      on_accept_(fd);
      continue;
    }
    int err = errno;
    if (err == EAGAIN || err == EWOULDBLOCK) return;
    if (transient(err)) continue;
    exhausted(err);
    return;
  }
}

void Acceptor::exhausted(int err) {
  if (descriptor_shortage(err)) {
    refused_unlogged_ += shed_pending();
    short_ = true;
    last_short_ = std::chrono::steady_clock::now();
  }
  pause(err);
}

size_t Acceptor::shed_pending() {
  if (reserve_ < 0) reserve_ = open_reserve();
  if (reserve_ < 0) return 0;  // nothing to make room with: they wait in the backlog
  ::close(reserve_);
  reserve_ = -1;
  size_t shed = 0;
  for (int i = 0; i < kMaxShed; ++i) {
    int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) {
      ::close(fd);
      ++shed;
    } else if (!transient(errno)) {
      break;  // EAGAIN: none left; EMFILE: another thread took the slot first
    }
  }
  reserve_ = open_reserve();  // may fail for the same reason; resume() tries again
  return shed;
}

void Acceptor::pause(int err) {
  if (!poll_ || paused_) return;
  paused_ = true;
  uv_poll_stop(poll_.get());
  const auto interval = backoff_;
  schedule_backoff();
  auto now = std::chrono::steady_clock::now();
  if (!logged_ || now - last_log_ >= kLogInterval) {
    logged_ = true;
    last_log_ = now;
    if (descriptor_shortage(err)) {
      log::warn("http", "accept failed: too many open files; refusing connections",
                {{"error", std::strerror(err)}, {"refused", refused_unlogged_}, {"interval_ms", interval.count()}});
    } else {
      log::warn("http", "accept failed; pausing", {{"error", std::strerror(err)}, {"interval_ms", interval.count()}});
    }
    refused_unlogged_ = 0;
  }
}

void Acceptor::schedule_backoff() {
  uv_timer_start(timer_.get(), &Acceptor::on_backoff, uint64_t(backoff_.count()), 0);
  backoff_ = std::min(backoff_ * 2, kMaxBackoff);
}

void Acceptor::resume() {
  if (!poll_) return;
  if (reserve_ < 0) reserve_ = open_reserve();
  if (reserve_ < 0 && descriptor_shortage(errno)) {
    // Still no descriptor to spare: polling would only find EMFILE again.
    schedule_backoff();
    return;
  }
  paused_ = false;
  uv_poll_start(poll_.get(), UV_READABLE, &Acceptor::on_readable);
}

void Acceptor::recovered() {
  // One accept works; the shortage counts as over once a log interval passed without one, so a
  // server hovering at its limit neither logs twice a second nor drops back to the shortest pause.
  auto now = std::chrono::steady_clock::now();
  if (now - last_short_ < kLogInterval) return;
  short_ = false;
  backoff_ = kFirstBackoff;
  logged_ = true;
  last_log_ = now;
  log::info("http", "accepting connections again", {{"refused", refused_unlogged_}});
  refused_unlogged_ = 0;
}

}  // namespace pogo::server

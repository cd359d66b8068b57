// An Acceptor takes the connections of one listening socket for one loop, and keeps the loop alive
// when the process runs out of descriptors.
//
// It accepts with accept4() from a uv_poll_t instead of uv_listen(): libuv's own answer to EMFILE
// (uv__emfile_trick: close a reserve descriptor, accept-and-close what is pending, reopen it) is
// sound while the reserve can be reopened, but when another thread takes the freed slot first the
// reserve is gone for good, and libuv's accept loop then calls back with EMFILE and retries at
// once, forever, inside one loop iteration: the loop never gets back to its other handles (clients
// that left stay in CLOSE_WAIT, the shutdown task posted by SIGTERM never runs). There is no way to
// pause a uv_listen() socket from its callback, so the accepting is ours:
//
//  - on EMFILE/ENFILE, the Acceptor closes its own reserve descriptor, accepts and closes what is
//    pending (those clients get a prompt close rather than a hang), reopens the reserve, then stops
//    polling the socket for a back-off (100 ms, doubling to 1 s while the shortage lasts; further
//    connections wait in the kernel's backlog), and tries again when the timer fires;
//  - the shortage is logged at most once a second, with the number of connections refused since the
//    previous line, and once more when accepting works again;
//  - any other accept error pauses the same way rather than spinning.
//
// Threads: the owning loop's thread (or the owner's thread before the loop thread starts).
#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <functional>

#include "server/loop.h"

namespace pogo::server {

class Acceptor {
 public:
  static constexpr std::chrono::milliseconds kFirstBackoff{100};
  static constexpr std::chrono::milliseconds kMaxBackoff{1000};
  static constexpr std::chrono::milliseconds kLogInterval{1000};

  // Called with each accepted socket (non-blocking, close-on-exec); the callee owns it.
  using OnAccept = std::function<void(int fd)>;

  // Takes ownership of `listen_fd` (closed by close() or the destructor, also on failure).
  // Throws StartupError when libuv refuses the descriptor.
  Acceptor(uv_loop_t* loop, int listen_fd, OnAccept on_accept);
  ~Acceptor();
  Acceptor(const Acceptor&) = delete;
  Acceptor& operator=(const Acceptor&) = delete;

  // Stops accepting for good: closes the handles, the listening socket and the reserve.
  void close();

 private:
  static void on_readable(uv_poll_t* poll, int status, int events);
  static void on_backoff(uv_timer_t* timer);
  void accept_ready();
  // accept4() failed with `err` (an errno): shed what is pending if it is a descriptor shortage,
  // then pause.
  void exhausted(int err);
  size_t shed_pending();
  void pause(int err);
  // Starts the back-off timer at the current interval and doubles the next one (up to the maximum).
  void schedule_backoff();
  void resume();
  void recovered();

  int fd_ = -1;
  int reserve_ = -1;  // /dev/null, closed to make room for the accept-and-close of excess clients
  OnAccept on_accept_;
  UvHandle<uv_poll_t> poll_;
  UvHandle<uv_timer_t> timer_;
  bool paused_ = false;
  bool short_ = false;  // in a descriptor shortage (not yet over: see recovered())
  std::chrono::steady_clock::time_point last_short_{};
  std::chrono::milliseconds backoff_ = kFirstBackoff;
  uint64_t refused_unlogged_ = 0;  // refused since the last log line
  std::chrono::steady_clock::time_point last_log_{};
  bool logged_ = false;
};

}  // namespace pogo::server

// An HttpLoop is one event loop serving HTTP: its listening sockets (one SO_REUSEPORT socket per
// listen address), the connections it accepted, and the shared read buffer they parse from.
// The server runs one per CPU; they share nothing but the immutable options and sites.
//
// Threads: constructor, add_listener(), start(), stop() on the main thread; drain(), kill() and
// open_connections() from any thread (they post); everything else on the loop thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "server/acceptor.h"
#include "server/loop.h"
#include "server/server_options.h"
#include "server/upstream_pool.h"

namespace pogo::server {

class Backend;
class Connection;
class Exchange;
class ProxyCall;
struct ListenerSites;

class HttpLoop {
 public:
  static constexpr size_t kReadBufferSize = 64 << 10;
  // A connection peak worth giving memory back to the system after (about 10 MB of buffers).
  static constexpr size_t kTrimPeak = 1000;

  explicit HttpLoop(const ServerOptions& options);
  ~HttpLoop();

  // Takes the fd; connections it accepts are served as `listener` says (which must outlive
  // the loop). Throws StartupError.
  void add_listener(int fd, const ListenerSites& listener);
  // The server's loops (this one among them, all outliving each other's use), set before start():
  // a connection accepted here while another loop serves at least two fewer is handed to that
  // one. The kernel spreads SO_REUSEPORT connections by a hash, unevenly (64 connections often
  // split 37/27), and a loop with more connections than its share answers each of them later.
  void set_siblings(std::vector<HttpLoop*> loops) { siblings_ = std::move(loops); }
  void start();
  // Stop accepting; close idle connections; the others close after their current response.
  // `last_call` (a reload hands the listening sockets to a new server): an HTTP/1 connection
  // that is idle, or whose current response already promised keep-alive, may still bring one
  // request within kLastCall (answered with "Connection: close") before it is closed, so a client
  // that sends its next request at the moment of the hand-over is served, not reset.
  void drain(bool last_call = false);
  static constexpr std::chrono::milliseconds kLastCall{1000};
  // Closes the listening handles on the loop thread and returns once they are closed: from then on
  // this loop accepts nothing (a reload's new server takes every new connection). Connections
  // already accepted go on. No-op when the loop is not running.
  void stop_accepting();
  // Abort every connection now (grace period over).
  void kill();
  size_t open_connections() const { return open_.load(std::memory_order_acquire); }
  // Closes listeners and remaining connections, joins the thread. True when no handle leaked.
  bool stop();

  // ---- loop thread ----
  Loop& loop() { return loop_; }
  const ServerOptions& options() const { return options_; }
  bool draining() const { return draining_; }
  bool last_call() const { return last_call_; }
  Connection* find(uint64_t id);
  void remove(uint64_t id);  // from the connection's final close callback
  char* read_buffer() { return read_buffer_.get(); }
  // Hands an exchange to a backend (handle_in_turn) and calls its end_of_turn() at the end of
  // this loop turn: after the turn's I/O callbacks (uv_check), or before the loop blocks
  // (uv_prepare) for what timers and write callbacks handed over.
  void hand_to(Backend* backend, std::shared_ptr<Exchange> exchange);
  // This loop's idle keep-alive connections to reverse_proxy upstreams.
  UpstreamPool& upstream_pool() { return upstreams_; }
  // A finished proxy call that may still be on the stack (its callback ended the response): freed
  // at the end of this loop turn, with no mailbox round trip (no wake-up, no system call).
  void retire(std::unique_ptr<ProxyCall> call);

 private:
  void accepted(int fd, const ListenerSites& listener);
  // Serves a connection accepted by this loop or handed over by a sibling (already counted in
  // open_).
  void serve(int fd, const ListenerSites& listener);
  void close_listeners();
  void end_turn();
  void close_turn_handles();

  const ServerOptions& options_;
  Loop loop_;
  std::vector<std::unique_ptr<Acceptor>> listeners_;
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> connections_;
  uint64_t next_id_ = 1;
  bool draining_ = false;
  bool last_call_ = false;
  std::atomic<size_t> open_{0};
  size_t peak_open_ = 0;  // since the last malloc_trim (see remove())
  std::unique_ptr<char[]> read_buffer_;
  std::vector<Backend*> turn_backends_;  // handed an exchange this turn
  std::vector<std::unique_ptr<ProxyCall>> retired_;  // freed by end_turn()
  UvHandle<uv_prepare_t> before_poll_;
  UvHandle<uv_check_t> after_poll_;
  UpstreamPool upstreams_;
  std::vector<HttpLoop*> siblings_;
};

}  // namespace pogo::server

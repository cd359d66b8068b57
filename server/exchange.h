// An Exchange is one HTTP request travelling between a loop thread and the thread that produces
// its response (a PHP thread): the immutable request head, a bounded request-body pipe, a bounded
// response pipe and an abort flag. It is the only object the two sides share.
//
// Threads:
//  - "loop side" methods: only the loop thread that owns the connection.
//  - "producer side" methods: only the one thread currently producing the response.
//  - aborted(), head(): any thread.
// The network never holds a producer: by default the loop receives the whole request body
// (buffer_body(): memory, then a temporary file) before the exchange is handed over, and response
// bytes the socket cannot take yet go to memory up to kResponseCapacity, then to a temporary file
// (a Spooled event the loop reads back as the client catches up). Memory stays bounded per
// exchange and in total (kResponseMemoryTotal for every exchange of the process); the producer
// blocks only when the spool file is at its own limits (kSpoolLimit, kSpoolTotal) or cannot be
// written. In streaming-body mode (no buffer_body()) the loop stops reading the socket while
// kBodyMemory bytes wait for the producer.
// Wake-ups: waking the loop costs a cross-thread hand-off, so the producer queues the head and
// small writes without waking it, and wakes it when the response ends (finish), on flush(), for an
// interim response, once kWakeThreshold bytes are waiting, and before it blocks (on body or on
// response space) — the same "buffered until flushed" contract PHP has with any web server.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/spool.h"

namespace pogo::server {

struct Header {
  std::string name;
  std::string value;
};

// Case-insensitive ASCII comparison of header names. Inline: every request compares its fields
// against several names, and most comparisons end at the lengths.
inline bool header_name_equals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x == y) continue;
    unsigned char lx = x | 0x20;  // equal apart from case only when both are letters
    if (lx != (y | 0x20) || lx < 'a' || lx > 'z') return false;
  }
  return true;
}

// What the loop thread knows about a request once its head is parsed and routing is done.
// Built on the loop thread, immutable after the hand-off.
struct RequestHead {
  std::string method;             // "GET"
  std::string uri;                // request-target as received, with query (REQUEST_URI)
  std::string path;               // decoded path after rewrites, always starts with '/'
  std::string query;              // raw query string without '?', possibly empty
  int http_major = 1;
  int http_minor = 1;
  std::vector<Header> headers;    // in arrival order, names as received
  std::string remote_addr;        // "127.0.0.1" or "::1": the connection's peer
  std::string client_ip;          // the client behind trusted proxies; "" = the peer (client_ip.h)
  uint16_t remote_port = 0;
  std::string local_addr;
  uint16_t local_port = 0;
  std::string scheme = "http";
  // TLS: the connection's mod_ssl-style variables (SSL_PROTOCOL, SSL_CIPHER, client certificate).
  std::vector<std::pair<std::string, std::string>> tls_env;
  std::optional<uint64_t> content_length;  // absent for chunked or no body
  bool has_body = false;                   // Content-Length > 0 or chunked
  double request_time = 0;                 // seconds since the epoch, when the head was complete

  // The CGI target chosen by routing (php_server path resolution). Absolute paths.
  std::string document_root;
  std::string script_filename;
  std::string script_name;
  std::string path_info;
  std::vector<std::pair<std::string, std::string>> env;  // extra variables from the config
  // The worker of the php_server/php block that routed here (its key: the worker's name, or its
  // file when unnamed); empty: a global worker whose file is script_filename, or a regular thread.
  std::string worker;

  // The client: client_ip when trusted proxies named one, else the peer.
  const std::string& client() const { return client_ip.empty() ? remote_addr : client_ip; }
  // First header with this name (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
  // All values of a header joined with ", " (the CGI convention); empty if absent.
  std::string joined_header(std::string_view name) const;
  // Empties the head for the next request of its connection, keeping the buffers every request
  // fills (target, path, query, addresses, the header list's capacity): a warm keep-alive request
  // allocates nothing for them. Everything else is back to its default.
  void clear_for_reuse();
};

struct ResponseHead {
  int status = 200;
  std::vector<Header> headers;
  // Set by a producer whose response is an error rather than the application's answer (a request
  // that waited too long for a PHP thread, a script that died before its first output): the site's
  // handle_errors routes may answer it instead (Caddy's handler error). A script's own 404 or 500
  // is not an error.
  bool error = false;
  std::string error_message;  // {err.message}
  std::string error_trace;    // {err.trace}: where it happened, when known
};

class Exchange {
 public:
  static constexpr size_t kBodyMemory = 128 << 10;        // request body bytes in memory (then a file)
  static constexpr size_t kResponseCapacity = 256 << 10;  // response bytes in memory before spooling
  static constexpr size_t kWakeThreshold = 16 << 10;      // response bytes queued before waking the loop
  static constexpr uint64_t kSpoolLimit = 256ull << 20;    // response bytes in one exchange's spool file
  static constexpr uint64_t kSpoolTotal = 4ull << 30;      // response bytes in every spool file together
  static constexpr uint64_t kResponseMemoryTotal = 128ull << 20;  // response bytes in memory, all exchanges

  // `wake_loop` is called from the producer thread whenever the loop has something to do
  // (response data, resume reading); calls are coalesced until the loop calls begin_loop_turn().
  // `spool_limit`: response bytes this exchange may put in its spool file (0: none, the producer
  // blocks once kResponseCapacity bytes wait for the socket).
  Exchange(RequestHead head, std::function<void()> wake_loop, uint64_t spool_limit = kSpoolLimit);
  // The same with the wake-up as a plain function called with `wake_ctx`, which the exchange keeps
  // alive (and the function may copy, to keep it alive in a posted task): copying a shared_ptr
  // allocates nothing, where a std::function holding one would.
  using WakeFn = void (*)(const std::shared_ptr<void>& ctx);
  Exchange(RequestHead head, WakeFn wake_fn, std::shared_ptr<void> wake_ctx, uint64_t spool_limit = kSpoolLimit);
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  const RequestHead& head() const { return head_; }
  // ---- loop side, when the caller holds the only reference left ----
  // Moves the head's buffers out, for the loop's next request; the exchange keeps an empty head.
  RequestHead reclaim_head() { return std::move(head_); }

  // ---- any thread ----
  bool aborted() const { return aborted_.load(std::memory_order_acquire); }
  bool discarded() const { return discarded_.load(std::memory_order_acquire); }

  // ---- loop side ----
  // Before the first push_body(): the body is received whole before the exchange is handed over,
  // so push_body() never asks the loop to pause.
  void buffer_body() { body_buffered_ = true; }
  bool body_buffered() const { return body_buffered_; }
  enum class Push { More, Full, Failed };
  // Appends request body bytes. Full: stop reading the socket until body_wants_more() says
  // otherwise (streaming mode only). Failed: the bytes could not be kept (the temporary file
  // could not be written); body_error() says why.
  Push push_body(const char* data, size_t n);
  std::string body_error() const;
  // End of the request body: `complete` false means it was cut short (timeout, disconnect, error).
  void end_body(bool complete);
  // True when reading was paused and the producer has drained enough to resume.
  bool body_wants_more();
  // The client went away or the connection failed: wakes every blocked producer call.
  void abort();
  // Another answer took the response's place (intercept): the producer goes on as if it were
  // heard (not aborted), its output is dropped and never waits for room.
  void discard();
  // Call at the start of each loop turn triggered by wake_loop (re-arms the coalesced wake-up).
  void begin_loop_turn() { wake_pending_.store(false, std::memory_order_release); }

  // One event of the response, in production order.
  struct Event {
    enum Kind { Interim, Head, Data, Spooled, End, Failed } kind;
    ResponseHead head;    // Interim, Head
    std::string data;     // Data
    uint64_t spooled = 0; // Spooled: this many bytes wait in the spool, read them with read_spooled()
  };
  // A FIFO of events that keeps its capacity (a vector and a read position), so a warm one costs
  // no allocation per request. Threads: whoever owns it (the exchange's under its lock; the loop's).
  class EventQueue {
   public:
    bool empty() const { return head_ == items_.size(); }
    size_t size() const { return items_.size() - head_; }
    Event& operator[](size_t i) { return items_[head_ + i]; }
    Event& front() { return items_[head_]; }
    Event& back() { return items_.back(); }
    void pop_front() {
      items_[head_] = Event{};
      if (++head_ == items_.size()) clear();
    }
    void push_back(Event&& e) {
      if (items_.capacity() == 0) items_.reserve(4);  // head, data, end: one allocation
      items_.push_back(std::move(e));
    }
    void clear() {
      items_.clear();
      head_ = 0;
    }
    auto begin() { return items_.begin() + std::ptrdiff_t(head_); }
    auto end() { return items_.end(); }

   private:
    std::vector<Event> items_;
    size_t head_ = 0;
  };
  // Moves every queued event into `out`. Data bytes stay counted against kResponseCapacity until
  // the loop reports them written with bytes_written().
  void take_events(EventQueue& out);
  void bytes_written(size_t n);
  // The next spooled response bytes (the oldest first). 0 means the spool failed: give up.
  size_t read_spooled(char* buf, size_t n);

  // ---- producer side ----
  // Reads up to n body bytes; blocks until some arrive. Returns 0 at the end of the body (or when
  // it was cut short / aborted; see body_complete()).
  size_t read_body(char* buf, size_t n);
  bool body_complete() const;
  // Sends a 1xx interim response (e.g. 103 Early Hints). Ignored after the head was sent.
  void send_interim(ResponseHead head);
  // Sends the final status and headers. Only the first call counts.
  void send_head(ResponseHead head);
  bool head_sent() const { return head_sent_; }
  // Queues body bytes, sending a default head (200) first if none was sent. Blocks while the
  // response pipe is over capacity. Returns false (dropping the bytes) once aborted.
  bool write(std::string_view data);
  // For producers that must never wait (a hub writing to many subscribers): queues the bytes and
  // wakes the loop, unless more than `limit` bytes already wait for the client (Full: nothing was
  // queued, try again later) or the exchange was aborted. Never spools, never blocks.
  enum class TryWrite { Written, Full, Aborted };
  TryWrite try_write(std::string_view data, size_t limit);
  // Ends the response abruptly, the body incomplete (the connection is closed): for a producer
  // giving up on a client that does not read. Later writes are dropped.
  void fail();
  // Wakes the loop for what was queued since the last wake-up (PHP's flush()).
  void flush();
  // Completes the response (idempotent). Later writes are dropped and return true: the script may
  // go on after frankenphp_finish_request().
  void finish();
  bool finished() const { return finished_; }

 private:
  void wake();

  RequestHead head_;  // immutable while another thread may hold the exchange (see reclaim_head)
  const std::function<void()> wake_loop_;
  const WakeFn wake_fn_ = nullptr;
  const std::shared_ptr<void> wake_ctx_;
  const uint64_t spool_limit_;
  std::atomic<bool> wake_pending_{false};
  std::atomic<bool> aborted_{false};
  std::atomic<bool> discarded_{false};

  mutable std::mutex mu_;
  std::condition_variable cv_;  // producer waits here (body data, response space)

  // request body
  Spool body_{kBodyMemory};  // unread bytes
  bool body_buffered_ = false;  // loop thread, before the hand-off
  bool body_ended_ = false;
  bool body_complete_ = false;
  bool body_paused_ = false;

  // response
  EventQueue events_;
  size_t response_in_flight_ = 0;  // Data bytes in events_ or written to the socket not yet
  Spool spool_{0};                 // response bytes past the memory budget
  bool spool_failed_ = false;      // the spool could not be written: back to blocking
  bool head_sent_ = false;  // producer thread only
  bool finished_ = false;   // producer thread only
  size_t quiet_bytes_ = 0;  // producer thread only: written since the last wake-up
  bool quiet_ = false;      // producer thread only: events queued since the last wake-up
};

}  // namespace pogo::server

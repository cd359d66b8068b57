// The Mercure hub: subscribers are server Exchanges held open as text/event-stream responses on
// the loop threads, and an update (from the publish POST or from PHP's mercure_publish()) is
// kept in the history and written to every subscriber allowed to receive it.
//
// Dispatch never waits for a client. Writes go through Exchange::try_write(): a subscriber whose
// connection is behind keeps its events in a small pending buffer, retried on every tick; one
// that stays behind for dispatch_timeout, or whose pending events would pass kPendingLimit, is
// dropped (its connection closed) and the others never notice. A subscription ends at
// write_timeout or when its token expires, as in the reference hub (the client reconnects with
// Last-Event-ID and misses nothing the history holds).
//
// Updates are dispatched on the hub's own thread, in publication order: publish() validates,
// assigns the id, appends to the history and queues, then returns — a PHP script or a loop thread
// never pays for ten thousand subscribers.
//
// A Hub outlives configurations: a reload with the same `mercure` options keeps the same hub (and
// its history, and its history file open once); each running configuration reaches it through its
// own HubEndpoint (endpoint.h), whose subscribers are closed when that configuration stops.
//
// Threads: publish(), close(), stats() from any thread; serve() on the loop thread that owns the
// exchange. Internally locked; the dispatcher thread is the hub's own.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "mercure/history.h"
#include "mercure/jwt.h"
#include "mercure/topic_selector.h"
#include "mercure/update.h"
#include "metrics/registry.h"
#include "server/exchange.h"

namespace pogo::mercure {

struct HubOptions {
  std::shared_ptr<const JwtVerifier> publisher;   // required
  std::shared_ptr<const JwtVerifier> subscriber;  // null: only anonymous subscribers
  bool anonymous = false;
  bool subscriptions = false;                     // the subscriptions API and subscription events
  std::vector<std::string> publish_origins;       // for cookie-authorized publishers; "*" any
  std::vector<std::string> cors_origins;          // "*" any
  std::chrono::milliseconds heartbeat{40000};     // 0: none
  std::chrono::milliseconds write_timeout{600000};  // 0: subscriptions never end on their own
  std::chrono::milliseconds dispatch_timeout{5000}; // 0: only kPendingLimit drops a subscriber
  std::string history_path;                       // "": in memory only
  size_t history_count = 0;                       // updates kept at most (0: the byte budget)
  size_t history_bytes = 16u << 20;
};

class Hub {
 public:
  // Bytes a subscriber may have waiting for its client before its events wait in `pending`, and
  // the most it may have pending before it is dropped.
  static constexpr size_t kInFlightLimit = 256 << 10;
  static constexpr size_t kPendingLimit = 1 << 20;

  // nullptr and `*error` when the history file cannot be opened.
  static std::shared_ptr<Hub> create(HubOptions options, std::string* error);
  ~Hub();  // stops the dispatcher; subscribers still open are failed
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  // Validates `u`, gives it an id when it has none, keeps it and queues its dispatch. The id, or
  // nullopt and `*error` (what validate_update() refused).
  std::optional<std::string> publish(Update u, std::string* error);

  // The request (GET subscribe, POST publish, OPTIONS preflight, the subscriptions API) answered
  // through its exchange. `owner` tags subscribers for close().
  void serve(std::shared_ptr<server::Exchange> ex, const void* owner);

  // Ends the subscriptions of `owner` (all when null): a `retry:` first, so EventSource clients
  // come back soon, then the end of the response.
  void close(const void* owner);

  struct Stats {
    size_t subscribers = 0;
    uint64_t subscribed = 0;  // subscriptions ever accepted
    uint64_t published = 0;   // updates accepted
    uint64_t dispatched = 0;  // events written to subscribers (replays included)
    uint64_t dropped = 0;     // subscribers dropped for not reading
  };
  Stats stats() const;
  const HubOptions& options() const { return options_; }

 private:
  struct Subscriber;
  struct Queued {
    uint64_t seq;
    std::shared_ptr<const Update> update;
  };
  explicit Hub(HubOptions options);

  void subscribe(const std::shared_ptr<server::Exchange>& ex, const void* owner);
  void publish_request(const std::shared_ptr<server::Exchange>& ex);
  void subscriptions_api(const std::shared_ptr<server::Exchange>& ex);
  std::optional<std::string> publish_internal(Update u, std::string* error);
  void subscription_event(const Subscriber& s, bool active);
  nlohmann::json subscription_json(const Subscriber& s, const std::string& topic, bool active) const;

  void run();  // the dispatcher thread
  void dispatch(const Queued& q, const std::vector<std::shared_ptr<Subscriber>>& subs);
  void tick(std::chrono::steady_clock::time_point now, std::vector<std::shared_ptr<Subscriber>>& subs);
  // Writes `bytes` to `s` or keeps them pending; false once `s` is gone. s.mu held.
  bool deliver(Subscriber& s, std::string_view bytes, std::chrono::steady_clock::time_point now);
  void drop(Subscriber& s, const char* why);                                    // s.mu held
  void end(Subscriber& s, bool reconnect_soon);                                 // s.mu held
  void forget(const std::shared_ptr<Subscriber>& s);                            // after it ended

  const HubOptions options_;
  std::unique_ptr<History> history_;
  TemplateCache templates_;

  std::mutex publish_mu_;  // one publication at a time between the history and the queue
  mutable std::mutex mu_;  // subscribers_, queue_, stopping_
  std::condition_variable cv_;
  std::vector<std::shared_ptr<Subscriber>> subscribers_;
  std::deque<Queued> queue_;
  bool stopping_ = false;

  std::atomic<uint64_t> published_{0};
  std::atomic<uint64_t> dispatched_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> subscribed_{0};
  metrics::Registration metrics_;  // mercure_* in the admin API's /metrics
  std::thread dispatcher_;  // last: started once the rest is built
};

}  // namespace pogo::mercure

// Where the hub meets a running configuration: a `mercure` block becomes a HubEndpoint, the
// server Backend its route hands /.well-known/mercure requests to. Hubs are kept in a process-wide
// registry keyed by their options, so a reload that keeps a `mercure` block keeps its hub (its
// history, its file); the endpoint of the configuration being replaced closes only its own
// subscribers, who reconnect to the new one. mercure_publish() publishes to the current hub.
//
// Threads: hub_options(), acquire_hub(), set_publish_hub() and HubEndpoint's constructor and
// close() on the thread starting or stopping a configuration; publish_hub() from any thread;
// handle() on loop threads.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "caddyfile/config.h"
#include "mercure/hub.h"
#include "server/backend.h"

namespace pogo::mercure {

// The options of a `mercure` block: {env.*} placeholders in keys and algorithms resolved now, an
// empty algorithm meaning HS256, the keys parsed. Throws std::runtime_error saying what is wrong.
HubOptions hub_options(const caddyfile::MercureSpec& spec);

// The hub for these options: the running one when its options are the same, else a new one.
// Throws std::runtime_error (a key that does not parse, a history file that cannot be opened).
std::shared_ptr<Hub> acquire_hub(const caddyfile::MercureSpec& spec);

class HubEndpoint final : public server::Backend {
 public:
  explicit HubEndpoint(std::shared_ptr<Hub> hub) : hub_(std::move(hub)) {}
  ~HubEndpoint() override { close(); }
  // Loop thread. Once closed, a subscription is answered at once with a reconnect hint and a
  // publication with a 503, each on a connection that closes (a subscription would outlive the
  // server).
  void handle(std::shared_ptr<server::Exchange> exchange) override;
  // Ends this endpoint's subscriptions (with a retry hint) and refuses new ones. Idempotent.
  void close() {
    closed_.store(true, std::memory_order_release);
    hub_->close(this);
  }
  const std::shared_ptr<Hub>& hub() const { return hub_; }

 private:
  std::shared_ptr<Hub> hub_;
  std::atomic<bool> closed_{false};
};

// The hub mercure_publish() reaches (null: none configured).
void set_publish_hub(std::shared_ptr<Hub> hub);
std::shared_ptr<Hub> publish_hub();

}  // namespace pogo::mercure

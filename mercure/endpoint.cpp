#include "mercure/endpoint.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <stdexcept>

#include "mercure/hub_http.h"
#include "server/log.h"

namespace pogo::mercure {

namespace {

// `{env.NAME}` anywhere in `text` replaced by the variable's value ("" when unset), as Caddy's
// replacer does when the mercure module starts.
std::string resolve_env(const std::string& text) {
  std::string out;
  size_t pos = 0;
  for (;;) {
    size_t open = text.find("{env.", pos);
    size_t close = open == std::string::npos ? std::string::npos : text.find('}', open);
    if (close == std::string::npos) {
      out.append(text, pos, std::string::npos);
      return out;
    }
    out.append(text, pos, open - pos);
    const char* v = std::getenv(text.substr(open + 5, close - open - 5).c_str());
    if (v) out += v;
    pos = close + 1;
  }
}

std::shared_ptr<const JwtVerifier> verifier(const std::string& key_text, const std::string& alg_text, const char* what) {
  std::string key = resolve_env(key_text);
  std::string alg_name = resolve_env(alg_text);
  if (alg_name.empty()) alg_name = "HS256";
  std::optional<JwtAlg> alg = parse_jwt_alg(alg_name);
  if (!alg) throw std::runtime_error(std::string("mercure ") + what + ": unsupported algorithm \"" + alg_name + "\"");
  std::string error;
  auto v = JwtVerifier::create(key, *alg, &error);
  if (!v) throw std::runtime_error(std::string("mercure ") + what + ": " + error);
  return v;
}

std::string key_of(const caddyfile::MercureSpec& s) {
  std::string k;
  auto add = [&](const std::string& v) { k += std::to_string(v.size()) + ":" + v + ";"; };
  add(resolve_env(s.publisher_key));
  add(resolve_env(s.publisher_alg));
  add(resolve_env(s.subscriber_key));
  add(resolve_env(s.subscriber_alg));
  add(s.anonymous ? "a" : "-");
  add(s.subscriptions ? "s" : "-");
  for (auto& o : s.publish_origins) add("p" + o);
  for (auto& o : s.cors_origins) add("c" + o);
  add(std::to_string(s.heartbeat.count()) + "/" + std::to_string(s.write_timeout.count()) + "/" +
      std::to_string(s.dispatch_timeout.count()));
  add(s.transport);
  add(s.transport_path);
  add(std::to_string(s.history_size) + "/" + std::to_string(s.cache_size_approx));
  return k;
}

std::mutex g_mu;
std::map<std::string, std::weak_ptr<Hub>> g_hubs;
// Weak: the running configuration's endpoints own the hub; the process's last one ends with them,
// before static destruction (its dispatcher thread and metrics must not outlive main()).
std::weak_ptr<Hub> g_publish_hub;

}  // namespace

HubOptions hub_options(const caddyfile::MercureSpec& spec) {
  HubOptions o;
  if (resolve_env(spec.publisher_key).empty())
    throw std::runtime_error("mercure: publisher_jwt needs a key (is its environment variable set?)");
  o.publisher = verifier(spec.publisher_key, spec.publisher_alg, "publisher_jwt");
  if (!resolve_env(spec.subscriber_key).empty()) o.subscriber = verifier(spec.subscriber_key, spec.subscriber_alg, "subscriber_jwt");
  o.anonymous = spec.anonymous;
  o.subscriptions = spec.subscriptions;
  o.publish_origins = spec.publish_origins;
  o.cors_origins = spec.cors_origins;
  using std::chrono::duration_cast;
  using ms = std::chrono::milliseconds;
  o.heartbeat = duration_cast<ms>(spec.heartbeat);
  o.write_timeout = duration_cast<ms>(spec.write_timeout);
  o.dispatch_timeout = duration_cast<ms>(spec.dispatch_timeout);
  if (spec.transport == "bolt") o.history_path = spec.transport_path.empty() ? "mercure.db" : spec.transport_path;
  o.history_count = spec.history_size;
  return o;
}

std::shared_ptr<Hub> acquire_hub(const caddyfile::MercureSpec& spec) {
  std::string key = key_of(spec);
  std::lock_guard lk(g_mu);
  if (auto it = g_hubs.find(key); it != g_hubs.end())
    if (auto hub = it->second.lock()) return hub;
  HubOptions options = hub_options(spec);
  std::string error;
  auto hub = Hub::create(std::move(options), &error);
  if (!hub) throw std::runtime_error("mercure: " + error);
  if (spec.demo) log::warn("mercure", "demo: Pogo's hub serves no demo pages; the option is ignored");
  g_hubs[key] = hub;
  return hub;
}

void HubEndpoint::handle(std::shared_ptr<server::Exchange> exchange) {
  if (closed_.load(std::memory_order_acquire)) {
    // This configuration is stopping (a reload or a shutdown): the connection is closed after the
    // answer, so the client's next try reaches whatever serves now. A subscriber (an EventSource
    // gives up on anything but a 200) is told to reconnect after the usual delay; a publisher, or
    // a reader of the subscriptions API, gets a 503 to retry.
    const server::RequestHead& h = exchange->head();
    if (h.method == "GET" && h.path.find("/subscriptions") == std::string::npos)
      respond(*exchange, 200, "retry: 1000\n\n",
              {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}, {"Connection", "close"}});
    else
      respond(*exchange, 503, "Service Unavailable: the server is stopping\n",
              {{"Retry-After", "1"}, {"Connection", "close"}});
    return;
  }
  hub_->serve(std::move(exchange), this);
}

void set_publish_hub(std::shared_ptr<Hub> hub) {
  std::lock_guard lk(g_mu);
  g_publish_hub = std::move(hub);
}

std::shared_ptr<Hub> publish_hub() {
  std::lock_guard lk(g_mu);
  return g_publish_hub.lock();
}

}  // namespace pogo::mercure

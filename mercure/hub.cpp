#include "mercure/hub.h"

#include <algorithm>

#include "mercure/history_file.h"
#include "mercure/hub_http.h"
#include "mercure/publish_form.h"
#include "mercure/sse.h"
#include "server/log.h"

namespace pogo::mercure {


using Clock = std::chrono::steady_clock;

namespace {

// How often the dispatcher looks at every subscriber: pending writes, heartbeats, deadlines,
// clients that went away.
constexpr auto kTick = std::chrono::milliseconds(100);
// The reconnection delay sent to subscribers closed by a shutdown or reload.
constexpr uint64_t kReconnectMs = 1000;

}  // namespace

struct Hub::Subscriber {
  std::shared_ptr<server::Exchange> ex;
  const void* owner = nullptr;
  std::string id;                   // urn:uuid:..., the subscriptions API's subscriber
  std::vector<std::string> topics;  // as requested
  SubscriberSelectors selectors;
  nlohmann::json payload;           // the token's mercure.payload
  Clock::time_point ends_at = Clock::time_point::max();
  uint64_t live_after = 0;          // updates up to this sequence number predate it or were replayed

  std::mutex mu;  // the exchange's producer side and what follows
  std::string pending;
  Clock::time_point last_write{}, full_since{};
  bool gone = false;
};

Hub::Hub(HubOptions options) : options_(std::move(options)) {}

std::shared_ptr<Hub> Hub::create(HubOptions options, std::string* error) {
  std::shared_ptr<Hub> hub(new Hub(std::move(options)));
  const HubOptions& o = hub->options_;
  if (o.history_path.empty()) {
    hub->history_ = std::make_unique<History>(o.history_bytes, o.history_count);
  } else {
    FileHistory::Options fo;
    fo.path = o.history_path;
    fo.budget_bytes = o.history_bytes;
    fo.max_count = o.history_count;
    fo.max_file_bytes = std::max<size_t>(2 * o.history_bytes, 1 << 20);
    FileHistory::LoadStats stats;
    auto fh = FileHistory::open(fo, error, &stats);
    if (!fh) return nullptr;
    if (stats.dropped_bytes)
      log::warn("mercure", "history file had a torn tail; it was cut off",
                {{"path", o.history_path}, {"dropped_bytes", stats.dropped_bytes}});
    log::info("mercure", "history loaded", {{"path", o.history_path}, {"updates", fh->size()}});
    hub->history_ = std::move(fh);
  }
  hub->metrics_ = metrics::add_collector([h = hub.get()](metrics::Writer& w) {
    Stats st = h->stats();
    // The reference hub's names, then Pogo's own.
    w.counter("mercure_subscribers_total", "Total number of handled subscribers", {}, double(st.subscribed));
    w.gauge("mercure_subscribers_connected", "The current number of running subscribers", {}, double(st.subscribers));
    w.counter("mercure_updates_total", "Total number of handled updates", {}, double(st.published));
    w.counter("pogo_mercure_events_dispatched_total", "Events written to subscribers, replays included", {},
              double(st.dispatched));
    w.counter("pogo_mercure_subscribers_dropped_total", "Subscribers disconnected for not reading their events", {},
              double(st.dropped));
  });
  hub->dispatcher_ = std::thread([h = hub.get()] { h->run(); });
  return hub;
}

Hub::~Hub() {
  metrics_.reset();
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (dispatcher_.joinable()) dispatcher_.join();
  for (auto& s : subscribers_) {
    std::lock_guard sl(s->mu);
    if (!s->gone) end(*s, true);
  }
}

// ---- publishing ----

std::optional<std::string> Hub::publish(Update u, std::string* error) { return publish_internal(std::move(u), error); }

std::optional<std::string> Hub::publish_internal(Update u, std::string* error) {
  if (u.id.empty()) u.id = generate_update_id();
  if (auto why = validate_update(u)) {
    *error = *why;
    return std::nullopt;
  }
  auto update = std::make_shared<const Update>(std::move(u));
  std::string persist_error;
  {
    // The sequence number and the queue agree: updates are dispatched in the order they were kept.
    std::lock_guard pl(publish_mu_);
    uint64_t seq = history_->append(update, &persist_error);
    std::lock_guard lk(mu_);
    queue_.push_back(Queued{seq, update});
  }
  cv_.notify_one();
  if (!persist_error.empty())
    log::error("mercure", "history file write failed; the update is dispatched and kept in memory",
               {{"error", persist_error}});
  published_.fetch_add(1, std::memory_order_relaxed);
  return update->id;
}

// ---- serving ----

void Hub::serve(std::shared_ptr<server::Exchange> ex, const void* owner) {
  try {
    const server::RequestHead& h = ex->head();
    std::string_view rest = raw_path(h.uri);
    if (rest.size() >= kHubPath.size()) rest.remove_prefix(kHubPath.size());
    if (h.method == "OPTIONS") return preflight(*ex, options_.cors_origins);
    if (rest == "/subscriptions" || rest.rfind("/subscriptions/", 0) == 0) {
      if (h.method != "GET" && h.method != "HEAD") return respond(*ex, 405, "Method Not Allowed\n", {{"Allow", "GET"}});
      return subscriptions_api(ex);
    }
    if (!rest.empty() && rest != "/") return respond(*ex, 404, "Not Found\n");
    if (h.method == "GET" || h.method == "HEAD") return subscribe(ex, owner);
    if (h.method == "POST") return publish_request(ex);
    respond(*ex, 405, "Method Not Allowed\n", {{"Allow", "GET, POST, OPTIONS"}});
  } catch (const std::exception& e) {
    log::error("mercure", "request failed", {{"error", e.what()}});
    if (!ex->head_sent()) respond(*ex, 500, "Internal Server Error\n");
    else ex->fail();
  }
}

void Hub::subscribe(const std::shared_ptr<server::Exchange>& ex, const void* owner) {
  const server::RequestHead& h = ex->head();
  Query q = parse_query(h.query);
  if (q.topics.empty()) return respond(*ex, 400, "Missing \"topic\" parameter.\n", cors_headers(h, options_.cors_origins));
  std::optional<std::string> last_event_id;
  if (const std::string* hdr = h.header("Last-Event-ID")) last_event_id = *hdr;
  else if (q.last_event_id) last_event_id = q.last_event_id;

  auto s = std::make_shared<Subscriber>();
  Clock::time_point now = Clock::now();
  Token token = find_token(h, q);
  if (!token.value.empty()) {
    if (!options_.subscriber) {
      log::warn("mercure", "subscriber token refused: no subscriber_jwt key is configured", {{"remote_ip", h.client()}});
      return respond(*ex, 401, "Unauthorized\n", cors_headers(h, options_.cors_origins));
    }
    JwtResult r = options_.subscriber->verify(token.value, std::chrono::system_clock::now());
    if (!r.ok()) {
      log::warn("mercure", "subscriber token refused",
                {{"remote_ip", h.client()}, {"reason", std::string(jwt_error_name(r.error))}, {"detail", r.detail}});
      return respond(*ex, 401, "Unauthorized\n", cors_headers(h, options_.cors_origins));
    }
    s->selectors.authorized = SelectorSet(r.claim.subscribe, &templates_);
    s->payload = r.claim.payload;
    if (r.expires) s->ends_at = now + std::chrono::duration_cast<Clock::duration>(*r.expires - std::chrono::system_clock::now());
  } else if (!options_.anonymous) {
    return respond(*ex, 401, "Unauthorized\n", cors_headers(h, options_.cors_origins));
  }
  if (options_.write_timeout.count() > 0) s->ends_at = std::min(s->ends_at, now + options_.write_timeout);
  s->ex = ex;
  s->owner = owner;
  s->id = generate_update_id();
  s->topics = q.topics;
  s->selectors.requested = SelectorSet(q.topics, &templates_);

  std::lock_guard sl(s->mu);  // the dispatcher writes to it only once the replay is out
  {
    std::lock_guard lk(mu_);
    if (stopping_) return respond(*ex, 503, "Service Unavailable\n");
    subscribers_.push_back(s);
    s->live_after = history_->last_seq();
  }
  server::ResponseHead head;
  head.status = 200;
  head.headers = {{"Content-Type", "text/event-stream"},
                  {"Cache-Control", "private, no-cache, no-store, must-revalidate, max-age=0"},
                  {"Pragma", "no-cache"},
                  {"X-Accel-Buffering", "no"}};
  for (auto& c : cors_headers(h, options_.cors_origins)) head.headers.push_back(std::move(c));
  std::string out = ":\n";  // the head and a first line at once: the client knows it is subscribed
  if (last_event_id) {
    History::Replay r = history_->after(
        *last_event_id, [&](const Update& u) { return s->selectors.may_receive(u.topics, u.is_private); },
        s->live_after);
    head.headers.push_back({"Mercure-Last-Event-ID", r.cursor});
    head.headers.push_back({"Last-Event-ID", r.cursor});  // the header older clients read
    for (const auto& u : r.updates) append_sse_event(&out, *u);
    dispatched_.fetch_add(r.updates.size(), std::memory_order_relaxed);
  }
  ex->send_head(std::move(head));
  if (h.method == "HEAD") {
    ex->finish();
    s->gone = true;
    return;
  }
  deliver(*s, out, now);
  subscribed_.fetch_add(1, std::memory_order_relaxed);
  if (options_.subscriptions) subscription_event(*s, true);
}

void Hub::publish_request(const std::shared_ptr<server::Exchange>& ex) {
  const server::RequestHead& h = ex->head();
  auto cors = cors_headers(h, options_.cors_origins);
  Query q = parse_query(h.query);
  Token token = find_token(h, q);
  if (token.value.empty()) {
    log::warn("mercure", "publish refused: no token", {{"remote_ip", h.client()}});
    return respond(*ex, 401, "Unauthorized\n", cors);
  }
  if (token.from_cookie) {
    // A cookie travels with any request the browser makes: only pages from the publish origins
    // may use it (the CSRF rule of the reference hub).
    std::string origin = request_origin(h);
    if (origin.empty() || !origin_allowed(origin, options_.publish_origins)) {
      log::warn("mercure", "publish refused: cookie authorization from an origin not in publish_origins",
                {{"remote_ip", h.client()}, {"origin", origin}});
      return respond(*ex, 403, "Forbidden\n", cors);
    }
  }
  JwtResult r = options_.publisher->verify(token.value, std::chrono::system_clock::now());
  if (!r.ok()) {
    log::warn("mercure", "publisher token refused",
              {{"remote_ip", h.client()}, {"reason", std::string(jwt_error_name(r.error))}, {"detail", r.detail}});
    return respond(*ex, 401, "Unauthorized\n", cors);
  }
  const std::string* ct = h.header("Content-Type");
  if (!ct || !starts_with_nocase(*ct, "application/x-www-form-urlencoded"))
    return respond(*ex, 400, "the publish request must be application/x-www-form-urlencoded\n", cors);
  std::string body;
  if (!read_whole_body(*ex, &body, kMaxPublishBody)) return respond(*ex, 413, "Payload Too Large\n", cors);
  std::string error;
  std::optional<Update> u = parse_publish_form(body, &error);
  if (!u) return respond(*ex, 400, error + "\n", cors);
  SelectorSet allowed(r.claim.publish, &templates_);
  if (!allowed.matches_all(u->topics)) {
    log::warn("mercure", "publish refused: the token does not allow these topics",
              {{"remote_ip", h.client()}, {"topic", u->topics.front()}});
    return respond(*ex, 403, "Forbidden\n", cors);
  }
  std::optional<std::string> id = publish_internal(std::move(*u), &error);
  if (!id) return respond(*ex, 400, error + "\n", cors);
  cors.push_back({"Content-Type", "text/plain; charset=utf-8"});
  respond(*ex, 200, *id, cors);
}

// ---- subscriptions API and events ----

nlohmann::json Hub::subscription_json(const Subscriber& s, const std::string& topic, bool active) const {
  nlohmann::json j = {{"id", subscription_path(topic, s.id)},
                      {"type", "Subscription"},
                      {"subscriber", s.id},
                      {"topic", topic},
                      {"active", active}};
  if (!s.payload.is_null()) j["payload"] = s.payload;
  return j;
}

void Hub::subscription_event(const Subscriber& s, bool active) {
  for (const std::string& topic : s.topics) {
    nlohmann::json j = subscription_json(s, topic, active);
    j["@context"] = "https://mercure.rocks/";
    Update u;
    u.topics = {j["id"].get<std::string>()};
    u.data = j.dump();
    u.is_private = true;
    std::string error;
    if (!publish_internal(std::move(u), &error))
      log::warn("mercure", "subscription event not published", {{"error", error}});
  }
}

void Hub::subscriptions_api(const std::shared_ptr<server::Exchange>& ex) {
  const server::RequestHead& h = ex->head();
  auto cors = cors_headers(h, options_.cors_origins);
  if (!options_.subscriptions) return respond(*ex, 404, "Not Found\n", cors);
  Query q = parse_query(h.query);
  Token token = find_token(h, q);
  if (token.value.empty() || !options_.subscriber) return respond(*ex, 401, "Unauthorized\n", cors);
  JwtResult r = options_.subscriber->verify(token.value, std::chrono::system_clock::now());
  if (!r.ok()) {
    log::warn("mercure", "subscriptions API token refused",
              {{"remote_ip", h.client()}, {"reason", std::string(jwt_error_name(r.error))}, {"detail", r.detail}});
    return respond(*ex, 401, "Unauthorized\n", cors);
  }
  std::string path(raw_path(h.uri));
  if (!SelectorSet(r.claim.subscribe, &templates_).matches(path)) return respond(*ex, 403, "Forbidden\n", cors);

  // /subscriptions[/{topic}[/{subscriber}]], each segment percent-encoded.
  std::vector<std::string> segments = path_segments(std::string_view(path).substr(kHubPath.size() + 14));
  if (segments.size() > 2) return respond(*ex, 404, "Not Found\n", cors);
  nlohmann::json list = nlohmann::json::array();
  {
    std::lock_guard lk(mu_);
    for (const auto& s : subscribers_)
      for (const std::string& topic : s->topics) {
        if (!segments.empty() && topic != segments[0]) continue;
        if (segments.size() == 2 && s->id != segments[1]) continue;
        list.push_back(subscription_json(*s, topic, true));
      }
  }
  nlohmann::json doc;
  if (segments.size() == 2) {
    if (list.empty()) return respond(*ex, 404, "Not Found\n", cors);
    doc = list[0];
    doc["@context"] = "https://mercure.rocks/";
    doc["lastEventID"] = history_->last_event_id();
  } else {
    doc = {{"@context", "https://mercure.rocks/"},
           {"id", path},
           {"type", "Subscriptions"},
           {"lastEventID", history_->last_event_id()},
           {"subscriptions", list}};
  }
  cors.push_back({"Content-Type", "application/ld+json"});
  respond(*ex, 200, doc.dump(), cors);
}

// ---- dispatching ----

void Hub::run() {
  std::vector<std::shared_ptr<Subscriber>> subs;
  std::deque<Queued> batch;
  Clock::time_point next_tick = Clock::now() + kTick;
  std::unique_lock lk(mu_);
  while (!stopping_) {
    if (queue_.empty()) cv_.wait_until(lk, next_tick, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) break;
    batch.swap(queue_);
    subs = subscribers_;
    lk.unlock();
    try {
      for (const Queued& q : batch) dispatch(q, subs);
      batch.clear();
      Clock::time_point now = Clock::now();
      if (now >= next_tick) {
        tick(now, subs);
        next_tick = now + kTick;
      }
    } catch (const std::exception& e) {
      log::error("mercure", "dispatch failed", {{"error", e.what()}});
      batch.clear();
    }
    subs.clear();
    lk.lock();
  }
}

void Hub::dispatch(const Queued& q, const std::vector<std::shared_ptr<Subscriber>>& subs) {
  std::string event = sse_event(*q.update);
  Clock::time_point now = Clock::now();
  uint64_t n = 0;
  for (const auto& s : subs) {
    if (q.seq <= s->live_after || !s->selectors.may_receive(q.update->topics, q.update->is_private)) continue;
    std::lock_guard sl(s->mu);
    if (deliver(*s, event, now)) ++n;
  }
  dispatched_.fetch_add(n, std::memory_order_relaxed);
}

void Hub::tick(Clock::time_point now, std::vector<std::shared_ptr<Subscriber>>& subs) {
  std::vector<std::shared_ptr<Subscriber>> ended;
  for (const auto& s : subs) {
    std::lock_guard sl(s->mu);
    if (!s->gone && s->ex->aborted()) s->gone = true;
    if (!s->gone && now >= s->ends_at) end(*s, false);
    if (!s->gone && !s->pending.empty()) {
      deliver(*s, {}, now);
      if (!s->gone && !s->pending.empty() && options_.dispatch_timeout.count() > 0 &&
          now - s->full_since >= options_.dispatch_timeout)
        drop(*s, "did not read its events within dispatch_timeout");
    }
    if (!s->gone && s->pending.empty() && options_.heartbeat.count() > 0 && now - s->last_write >= options_.heartbeat)
      deliver(*s, kSseHeartbeat, now);
    if (s->gone) ended.push_back(s);
  }
  for (const auto& s : ended) forget(s);
}

bool Hub::deliver(Subscriber& s, std::string_view bytes, Clock::time_point now) {
  if (s.gone) return false;
  if (!s.pending.empty()) {
    if (s.pending.size() + bytes.size() > kPendingLimit) {
      drop(s, "fell too far behind");
      return false;
    }
    s.pending.append(bytes);
    bytes = s.pending;
  }
  if (bytes.empty()) return true;
  switch (s.ex->try_write(bytes, kInFlightLimit)) {
    case server::Exchange::TryWrite::Written:
      s.pending.clear();
      s.last_write = now;
      return true;
    case server::Exchange::TryWrite::Full:
      if (s.pending.empty()) {
        s.pending.assign(bytes);
        s.full_since = now;
      }
      return true;
    case server::Exchange::TryWrite::Aborted:
      s.gone = true;
      return false;
  }
  return false;
}

void Hub::drop(Subscriber& s, const char* why) {
  log::warn("mercure", "slow subscriber dropped",
            {{"reason", why}, {"remote_ip", s.ex->head().client()}, {"pending_bytes", s.pending.size()}});
  s.pending.clear();
  s.pending.shrink_to_fit();
  s.ex->fail();
  s.gone = true;
  dropped_.fetch_add(1, std::memory_order_relaxed);
}

void Hub::end(Subscriber& s, bool reconnect_soon) {
  if (reconnect_soon) s.ex->try_write(sse_retry(kReconnectMs), kInFlightLimit + kPendingLimit);
  s.ex->finish();
  s.gone = true;
}

void Hub::forget(const std::shared_ptr<Subscriber>& s) {
  {
    std::lock_guard lk(mu_);
    auto it = std::find(subscribers_.begin(), subscribers_.end(), s);
    if (it == subscribers_.end()) return;  // already forgotten
    *it = std::move(subscribers_.back());
    subscribers_.pop_back();
  }
  if (options_.subscriptions) subscription_event(*s, false);
}

void Hub::close(const void* owner) {
  std::vector<std::shared_ptr<Subscriber>> mine;
  {
    std::lock_guard lk(mu_);
    for (const auto& s : subscribers_)
      if (!owner || s->owner == owner) mine.push_back(s);
  }
  for (const auto& s : mine) {
    std::lock_guard sl(s->mu);
    if (!s->gone) end(*s, true);
  }
  for (const auto& s : mine) forget(s);
}

Hub::Stats Hub::stats() const {
  Stats st;
  {
    std::lock_guard lk(mu_);
    st.subscribers = subscribers_.size();
  }
  st.published = published_.load(std::memory_order_relaxed);
  st.dispatched = dispatched_.load(std::memory_order_relaxed);
  st.dropped = dropped_.load(std::memory_order_relaxed);
  st.subscribed = subscribed_.load(std::memory_order_relaxed);
  return st;
}

}  // namespace pogo::mercure

#include "server/exchange.h"

#include <algorithm>
#include <cstring>

#include "server/log.h"

namespace pogo::server {

const std::string* RequestHead::header(std::string_view name) const {
  for (const auto& h : headers)
    if (header_name_equals(h.name, name)) return &h.value;
  return nullptr;
}

std::string RequestHead::joined_header(std::string_view name) const {
  std::string out;
  for (const auto& h : headers) {
    if (!header_name_equals(h.name, name)) continue;
    if (!out.empty()) out += ", ";
    out += h.value;
  }
  return out;
}

void RequestHead::clear_for_reuse() {
  // Field by field, in place (a fresh head and a move cost ten times more, for every request).
  // The size check below fails when a field is added: add it here too.
  static_assert(sizeof(void*) != 8 || sizeof(RequestHead) == 544, "RequestHead changed: update clear_for_reuse()");
  method.clear();
  uri.clear();
  path.clear();
  query.clear();
  http_major = 1;
  http_minor = 1;
  headers.clear();
  remote_addr.clear();
  client_ip.clear();
  remote_port = 0;
  local_addr.clear();
  local_port = 0;
  scheme.assign("http", 4);
  tls_env.clear();
  content_length.reset();
  has_body = false;
  request_time = 0;
  document_root.clear();
  script_filename.clear();
  script_name.clear();
  path_info.clear();
  env.clear();
  worker.clear();
}

namespace {
// Every exchange's response bytes held in memory, and in spool files: the totals the per-exchange
// limits are checked against.
std::atomic<uint64_t> g_response_memory{0};
std::atomic<uint64_t> g_spooled{0};
}  // namespace

Exchange::Exchange(RequestHead head, std::function<void()> wake_loop, uint64_t spool_limit)
    : head_(std::move(head)), wake_loop_(std::move(wake_loop)), spool_limit_(spool_limit) {}

Exchange::Exchange(RequestHead head, WakeFn wake_fn, std::shared_ptr<void> wake_ctx, uint64_t spool_limit)
    : head_(std::move(head)), wake_fn_(wake_fn), wake_ctx_(std::move(wake_ctx)), spool_limit_(spool_limit) {}

Exchange::~Exchange() {
  if (response_in_flight_) g_response_memory.fetch_sub(response_in_flight_, std::memory_order_relaxed);
  if (uint64_t s = spool_.size()) g_spooled.fetch_sub(s, std::memory_order_relaxed);
}

void Exchange::wake() {
  quiet_ = false;
  quiet_bytes_ = 0;
  if (wake_pending_.exchange(true, std::memory_order_acq_rel)) return;
  if (wake_fn_) wake_fn_(wake_ctx_);
  else if (wake_loop_) wake_loop_();
}

void Exchange::flush() {
  if (quiet_) wake();
}

// ---- loop side ----

Exchange::Push Exchange::push_body(const char* data, size_t n) {
  std::lock_guard lk(mu_);
  if (!body_.append(std::string_view(data, n))) return Push::Failed;
  cv_.notify_all();
  if (body_buffered_ || body_.size() < kBodyMemory) return Push::More;
  body_paused_ = true;
  return Push::Full;
}

std::string Exchange::body_error() const {
  std::lock_guard lk(mu_);
  return body_.error();
}

void Exchange::end_body(bool complete) {
  std::lock_guard lk(mu_);
  if (body_ended_) return;
  body_ended_ = true;
  body_complete_ = complete;
  body_paused_ = false;
  cv_.notify_all();
}

bool Exchange::body_wants_more() {
  std::lock_guard lk(mu_);
  if (!body_paused_) return false;
  if (body_.size() >= kBodyMemory / 2) return false;
  body_paused_ = false;
  return true;
}

void Exchange::abort() {
  aborted_.store(true, std::memory_order_release);
  std::lock_guard lk(mu_);
  cv_.notify_all();
}

void Exchange::discard() {
  discarded_.store(true, std::memory_order_release);
  std::lock_guard lk(mu_);
  cv_.notify_all();  // a producer waiting for room goes on, its bytes dropped
}

void Exchange::take_events(EventQueue& out) {
  std::lock_guard lk(mu_);
  for (auto& e : events_) out.push_back(std::move(e));
  events_.clear();
}

void Exchange::bytes_written(size_t n) {
  std::lock_guard lk(mu_);
  n = std::min(n, response_in_flight_);
  response_in_flight_ -= n;
  g_response_memory.fetch_sub(n, std::memory_order_relaxed);
  cv_.notify_all();
}

size_t Exchange::read_spooled(char* buf, size_t n) {
  std::lock_guard lk(mu_);
  size_t got = spool_.read(buf, n);
  g_spooled.fetch_sub(got, std::memory_order_relaxed);
  cv_.notify_all();
  return got;
}

// ---- producer side ----

size_t Exchange::read_body(char* buf, size_t n) {
  if (n == 0) return 0;
  bool resume = false;
  size_t got = 0;
  flush();  // what the script said so far goes out while it waits for the body
  {
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return !body_.empty() || body_ended_ || aborted(); });
    got = body_.read(buf, n);
    if (got == 0) return 0;  // the end, or the spool file failed (the body is then incomplete)
    resume = body_paused_ && body_.size() < kBodyMemory / 2;
  }
  if (resume) wake();
  return got;
}

bool Exchange::body_complete() const {
  std::lock_guard lk(mu_);
  return body_ended_ && body_complete_ && body_.error().empty();
}

void Exchange::send_interim(ResponseHead head) {
  if (head_sent_ || finished_ || aborted()) return;
  {
    std::lock_guard lk(mu_);
    events_.push_back(Event{Event::Interim, std::move(head), {}});
  }
  wake();
}

void Exchange::send_head(ResponseHead head) {
  if (head_sent_ || finished_) return;
  head_sent_ = true;
  {
    std::lock_guard lk(mu_);
    events_.push_back(Event{Event::Head, std::move(head), {}});
  }
  quiet_ = true;  // goes out with the first flush, the body or the end
}

bool Exchange::write(std::string_view data) {
  if (finished_ || discarded()) return true;
  if (!head_sent_) send_head(ResponseHead{});
  if (data.empty()) return !aborted();
  {
    std::unique_lock lk(mu_);
    for (;;) {
      if (aborted()) return false;
      if (discarded()) return true;
      // Memory first, while this exchange and the process are under their budgets and nothing
      // waits in the spool (bytes must leave in the order they came).
      if (spool_.empty() && response_in_flight_ < kResponseCapacity &&
          g_response_memory.load(std::memory_order_relaxed) < kResponseMemoryTotal) {
        response_in_flight_ += data.size();
        g_response_memory.fetch_add(data.size(), std::memory_order_relaxed);
        if (!events_.empty() && events_.back().kind == Event::Data && events_.back().data.size() < 16384)
          events_.back().data.append(data);
        else
          events_.push_back(Event{Event::Data, {}, std::string(data)});
        break;
      }
      // Then the spool file: the client is slower than the script, which goes on.
      if (!spool_failed_ && spool_.size() + data.size() <= spool_limit_ &&
          g_spooled.load(std::memory_order_relaxed) + data.size() <= kSpoolTotal) {
        if (spool_.append(data, true)) {
          g_spooled.fetch_add(data.size(), std::memory_order_relaxed);
          if (!events_.empty() && events_.back().kind == Event::Spooled)
            events_.back().spooled += data.size();
          else
            events_.push_back(Event{Event::Spooled, {}, {}, data.size()});
          break;
        }
        spool_failed_ = true;
        log::warn("http", "response spool failed; the script waits for the client instead",
                  {{"error", spool_.error()}, {"uri", head_.uri}});
      }
      // Over every budget: wait for the client (backpressure). Never wait for room the loop was
      // not told to make.
      if (quiet_) {
        lk.unlock();
        wake();
        lk.lock();
        continue;
      }
      cv_.wait(lk);
    }
  }
  quiet_ = true;
  quiet_bytes_ += data.size();
  if (quiet_bytes_ >= kWakeThreshold) wake();
  return true;
}

Exchange::TryWrite Exchange::try_write(std::string_view data, size_t limit) {
  if (finished_ || discarded()) return TryWrite::Aborted;
  if (!head_sent_) send_head(ResponseHead{});
  {
    std::lock_guard lk(mu_);
    if (aborted()) return TryWrite::Aborted;
    if (response_in_flight_ > limit || !spool_.empty() ||
        g_response_memory.load(std::memory_order_relaxed) >= kResponseMemoryTotal)
      return TryWrite::Full;
    response_in_flight_ += data.size();
    g_response_memory.fetch_add(data.size(), std::memory_order_relaxed);
    if (!events_.empty() && events_.back().kind == Event::Data && events_.back().data.size() < 16384)
      events_.back().data.append(data);
    else
      events_.push_back(Event{Event::Data, {}, std::string(data)});
  }
  quiet_ = true;
  wake();
  return TryWrite::Written;
}

void Exchange::fail() {
  if (finished_) return;
  if (!head_sent_) send_head(ResponseHead{});
  finished_ = true;
  {
    std::lock_guard lk(mu_);
    events_.push_back(Event{Event::Failed, {}, {}});
  }
  wake();
}

void Exchange::finish() {
  if (finished_) return;
  if (!head_sent_) send_head(ResponseHead{});
  finished_ = true;
  {
    std::lock_guard lk(mu_);
    events_.push_back(Event{Event::End, {}, {}});
  }
  wake();
}

}  // namespace pogo::server

#include "server/exchange.h"

#include <algorithm>
#include <cstring>

namespace pogo::server {

namespace {
char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }
}  // namespace

bool header_name_equals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

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

Exchange::Exchange(RequestHead head, std::function<void()> wake_loop)
    : head_(std::move(head)), wake_loop_(std::move(wake_loop)) {}

void Exchange::wake() {
  quiet_ = false;
  quiet_bytes_ = 0;
  if (!wake_pending_.exchange(true, std::memory_order_acq_rel) && wake_loop_) wake_loop_();
}

void Exchange::flush() {
  if (quiet_) wake();
}

// ---- loop side ----

bool Exchange::push_body(const char* data, size_t n) {
  std::lock_guard lk(mu_);
  if (body_read_pos_ > 0 && body_read_pos_ == body_.size()) {
    body_.clear();
    body_read_pos_ = 0;
  }
  body_.append(data, n);
  cv_.notify_all();
  bool full = body_.size() - body_read_pos_ >= kBodyCapacity;
  if (full) body_paused_ = true;
  return !full;
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
  if (body_.size() - body_read_pos_ >= kBodyCapacity / 2) return false;
  body_paused_ = false;
  return true;
}

void Exchange::abort() {
  aborted_.store(true, std::memory_order_release);
  std::lock_guard lk(mu_);
  cv_.notify_all();
}

void Exchange::take_events(std::deque<Event>& out) {
  std::lock_guard lk(mu_);
  for (auto& e : events_) out.push_back(std::move(e));
  events_.clear();
}

void Exchange::bytes_written(size_t n) {
  std::lock_guard lk(mu_);
  response_in_flight_ -= std::min(n, response_in_flight_);
  cv_.notify_all();
}

// ---- producer side ----

size_t Exchange::read_body(char* buf, size_t n) {
  if (n == 0) return 0;
  bool resume = false;
  size_t got = 0;
  flush();  // what the script said so far goes out while it waits for the body
  {
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return body_read_pos_ < body_.size() || body_ended_ || aborted(); });
    size_t avail = body_.size() - body_read_pos_;
    if (avail == 0) return 0;
    got = std::min(n, avail);
    std::memcpy(buf, body_.data() + body_read_pos_, got);
    body_read_pos_ += got;
    if (body_read_pos_ == body_.size()) {
      body_.clear();
      body_read_pos_ = 0;
    } else if (body_read_pos_ > kBodyCapacity) {
      body_.erase(0, body_read_pos_);
      body_read_pos_ = 0;
    }
    resume = body_paused_ && body_.size() - body_read_pos_ < kBodyCapacity / 2;
  }
  if (resume) wake();
  return got;
}

bool Exchange::body_complete() const {
  std::lock_guard lk(mu_);
  return body_ended_ && body_complete_;
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
  if (finished_) return true;
  if (!head_sent_) send_head(ResponseHead{});
  if (data.empty()) return !aborted();
  {
    std::unique_lock lk(mu_);
    if (response_in_flight_ >= kResponseCapacity && quiet_) {
      lk.unlock();
      wake();  // never wait for room the loop was not told to make
      lk.lock();
    }
    cv_.wait(lk, [&] { return response_in_flight_ < kResponseCapacity || aborted(); });
    if (aborted()) return false;
    response_in_flight_ += data.size();
    if (!events_.empty() && events_.back().kind == Event::Data && events_.back().data.size() < 16384)
      events_.back().data.append(data);
    else
      events_.push_back(Event{Event::Data, {}, std::string(data)});
  }
  quiet_ = true;
  quiet_bytes_ += data.size();
  if (quiet_bytes_ >= kWakeThreshold) wake();
  return true;
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

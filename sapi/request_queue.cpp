#include "sapi/request_queue.h"

#include <vector>

#include "server/log.h"

namespace pogo::sapi {

bool RequestQueue::push(std::shared_ptr<server::Exchange> exchange) {
  {
    std::lock_guard lk(mu_);
    if (closed_) return false;
    queue_.push_back(Entry{std::move(exchange), Clock::now()});
  }
  cv_.notify_one();
  return true;
}

std::shared_ptr<server::Exchange> RequestQueue::pop() { return pop(std::chrono::milliseconds(0), nullptr); }

std::shared_ptr<server::Exchange> RequestQueue::pop(std::chrono::milliseconds idle_limit, bool* idle) {
  if (idle) *idle = false;
  for (;;) {
    std::shared_ptr<server::Exchange> overdue;
    {
      std::unique_lock lk(mu_);
      auto ready = [&] { return !queue_.empty() || closed_; };
      ++waiting_;
      bool woke = true;
      if (idle_limit.count() > 0) woke = cv_.wait_for(lk, idle_limit, ready);
      else cv_.wait(lk, ready);
      --waiting_;
      if (!woke) {
        if (idle) *idle = true;
        return nullptr;
      }
      if (queue_.empty()) return nullptr;
      Entry e = std::move(queue_.front());
      queue_.pop_front();
      if (!max_wait_.count() || Clock::now() - e.queued <= max_wait_) return std::move(e.exchange);
      overdue = std::move(e.exchange);
    }
    reject_overdue(*overdue);
  }
}

size_t RequestQueue::expire() {
  if (!max_wait_.count()) return 0;
  std::vector<std::shared_ptr<server::Exchange>> overdue;
  {
    std::lock_guard lk(mu_);
    auto limit = Clock::now() - max_wait_;
    while (!queue_.empty() && queue_.front().queued < limit) {
      overdue.push_back(std::move(queue_.front().exchange));
      queue_.pop_front();
    }
  }
  for (auto& ex : overdue) reject_overdue(*ex);
  return overdue.size();
}

bool RequestQueue::stalled(std::chrono::milliseconds threshold) const {
  std::lock_guard lk(mu_);
  return !queue_.empty() && waiting_ == 0 && Clock::now() - queue_.front().queued >= threshold;
}

unsigned RequestQueue::idle_threads() const {
  std::lock_guard lk(mu_);
  return waiting_;
}

void RequestQueue::reject_overdue(server::Exchange& ex) {
  log::warn("php", "request waited too long for a PHP thread", {{"uri", ex.head().uri}});
  try {
    ex.send_head(server::ResponseHead{503, {{"Content-Type", "text/plain; charset=utf-8"}}});
    ex.write("maximum request handling time exceeded");
    ex.finish();
  } catch (const std::exception& e) {
    log::error("php", "answering an overdue request failed", {{"error", e.what()}});
  }
}

void RequestQueue::close() {
  {
    std::lock_guard lk(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

bool RequestQueue::closed() const {
  std::lock_guard lk(mu_);
  return closed_;
}

size_t RequestQueue::size() const {
  std::lock_guard lk(mu_);
  return queue_.size();
}

}  // namespace pogo::sapi

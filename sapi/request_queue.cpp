#include "sapi/request_queue.h"

#include <algorithm>
#include <vector>

#include "server/log.h"

namespace pogo::sapi {

bool RequestQueue::push(std::shared_ptr<server::Exchange> exchange, bool wake_now) {
  Signal* wake = nullptr;
  {
    std::lock_guard lk(mu_);
    if (closed_) return false;
    queue_.push_back(Entry{std::move(exchange), Clock::now()});
    if (!wake_now) {
      unannounced_.store(true, std::memory_order_relaxed);
      return true;
    }
    wake = take_idle();
  }
  // Outside the lock (a parked thread costs a futex wake). The thread cannot leave pop() before
  // this set(): one that times out and finds itself gone from idle_ waits for it.
  if (wake) wake->set();
  return true;
}

void RequestQueue::wake_idle() {
  if (!unannounced_.exchange(false, std::memory_order_relaxed)) return;
  Signal* wake[8];
  for (size_t n = std::size(wake); n == std::size(wake);) {
    n = 0;
    {
      std::lock_guard lk(mu_);
      for (size_t queued = queue_.size(); n < queued && n < std::size(wake); ++n) {
        wake[n] = take_idle();
        if (!wake[n]) break;
      }
    }
    for (size_t i = 0; i < n; ++i) wake[i]->set();
  }
}

Signal* RequestQueue::take_idle() {
  if (idle_.empty()) return nullptr;
  // The spinning thread if there is one (no syscall on either side), else the last to park.
  Signal* wake = spinner_ ? spinner_ : idle_.back();
  idle_.erase(std::find(idle_.begin(), idle_.end(), wake));
  if (wake == spinner_) spinner_ = nullptr;
  return wake;
}

std::shared_ptr<server::Exchange> RequestQueue::pop() { return pop(std::chrono::milliseconds(0), nullptr); }

std::shared_ptr<server::Exchange> RequestQueue::pop(std::chrono::milliseconds idle_limit, bool* idle, uint64_t epoch) {
  thread_local Signal wake;  // a thread waits in one pop() at a time
  thread_local SpinState spin;
  if (idle) *idle = false;
  const auto deadline = idle_limit.count() > 0 ? Clock::now() + idle_limit : Clock::time_point::max();
  for (;;) {
    std::shared_ptr<server::Exchange> overdue;
    {
      std::unique_lock lk(mu_);
      if (epoch != kAnyEpoch && epoch != epoch_.load(std::memory_order_relaxed)) return nullptr;
      if (queue_.empty()) {
        if (closed_) return nullptr;
        wake.reset();
        idle_.push_back(&wake);
        ++waiting_;
        // One thread spins at a time: more spinners would only take the cores from the loops.
        const bool spinning = spinner_ == nullptr;
        if (spinning) spinner_ = &wake;
        lk.unlock();
        bool woken = wake.wait_until(deadline, spinning ? spin_ : SpinPolicy{{}, {}}, spin);
        lk.lock();
        --waiting_;
        if (spinner_ == &wake) spinner_ = nullptr;
        if (!woken) {
          auto self = std::find(idle_.begin(), idle_.end(), &wake);
          if (self != idle_.end()) {  // nobody picked us: idle for idle_limit
            idle_.erase(self);
            if (idle) *idle = true;
            return nullptr;
          }
          // A push picked us just now: its set() is on its way; let it land before going on.
          lk.unlock();
          wake.wait_until(Clock::time_point::max(), spin_, spin);
          lk.lock();
        }
        continue;  // look again (another thread may have taken it first)
      }
      Entry e = std::move(queue_.front());
      queue_.pop_front();
      if (e.exchange->aborted()) {  // its client went away while it waited: no PHP for nobody
        lk.unlock();
        drop_abandoned(*e.exchange);
        continue;
      }
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

void RequestQueue::drop_abandoned(server::Exchange& ex) {
  log::debug("php", "client gone before a PHP thread took its request; not run", {{"uri", ex.head().uri}});
  ex.finish();
}

void RequestQueue::reject_overdue(server::Exchange& ex) {
  log::warn("php", "request waited too long for a PHP thread", {{"uri", ex.head().uri}});
  try {
    ex.send_head(server::ResponseHead{
        503, {{"Content-Type", "text/plain; charset=utf-8"}}, true, "maximum request handling time exceeded", {}});
    ex.write("maximum request handling time exceeded");
    ex.finish();
  } catch (const std::exception& e) {
    log::error("php", "answering an overdue request failed", {{"error", e.what()}});
  }
}

void RequestQueue::close() {
  std::vector<Signal*> idle;
  {
    std::lock_guard lk(mu_);
    closed_ = true;
    idle.swap(idle_);
    spinner_ = nullptr;
  }
  for (Signal* s : idle) s->set();
}

void RequestQueue::release_waiters() {
  std::vector<Signal*> idle;
  {
    std::lock_guard lk(mu_);
    epoch_.fetch_add(1, std::memory_order_release);
    idle.swap(idle_);
    spinner_ = nullptr;
  }
  for (Signal* s : idle) s->set();
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

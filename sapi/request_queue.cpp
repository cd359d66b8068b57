#include "sapi/request_queue.h"

#include <vector>

#include "server/log.h"

namespace pogo::sapi {

using Queue = sync::HandoffQueue<std::shared_ptr<server::Exchange>>;
static_assert(RequestQueue::kAnyEpoch == Queue::kAnyEpoch);

bool RequestQueue::push(std::shared_ptr<server::Exchange> exchange, bool wake) {
  return queue_.push(std::move(exchange), wake);
}

void RequestQueue::wake_idle() { queue_.wake_idle(); }

std::shared_ptr<server::Exchange> RequestQueue::pop() { return pop(std::chrono::milliseconds(0), nullptr); }

std::shared_ptr<server::Exchange> RequestQueue::pop(std::chrono::milliseconds idle_limit, bool* idle, uint64_t epoch,
                                                    void (*before_wait)(void*), void* ctx) {
  if (idle) *idle = false;
  const auto deadline = idle_limit.count() > 0 ? Clock::now() + idle_limit : Clock::time_point::max();
  for (;;) {
    // Each wait, not only the first pop's: a pop that found an abandoned exchange did not wait.
    Queue::Popped p = queue_.pop(deadline, epoch, before_wait, ctx);
    switch (p.status) {
      case Queue::Status::Item: break;
      case Queue::Status::TimedOut:  // idle for idle_limit
        if (idle) *idle = true;
        return nullptr;
      case Queue::Status::Closed:
      case Queue::Status::Released: return nullptr;
    }
    if (p.item->aborted()) {  // its client went away while it waited: no PHP for nobody
      drop_abandoned(*p.item);
      continue;
    }
    if (!max_wait_.count() || Clock::now() - p.queued <= max_wait_) return std::move(p.item);
    reject_overdue(*p.item);
  }
}

size_t RequestQueue::expire() {
  if (!max_wait_.count()) return 0;
  std::vector<std::shared_ptr<server::Exchange>> overdue = queue_.take_queued_before(Clock::now() - max_wait_);
  for (auto& ex : overdue) reject_overdue(*ex);
  return overdue.size();
}

bool RequestQueue::stalled(std::chrono::milliseconds threshold) const {
  Queue::Snapshot s = queue_.snapshot();
  return s.size > 0 && s.waiting == 0 && Clock::now() - s.oldest >= threshold;
}

unsigned RequestQueue::idle_threads() const { return queue_.waiting(); }

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

void RequestQueue::close() { queue_.close(); }

void RequestQueue::release_waiters() { queue_.release_waiters(); }

bool RequestQueue::closed() const { return queue_.closed(); }

size_t RequestQueue::size() const { return queue_.size(); }

}  // namespace pogo::sapi

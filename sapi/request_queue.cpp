#include "sapi/request_queue.h"

namespace pogo::sapi {

bool RequestQueue::push(std::shared_ptr<server::Exchange> exchange) {
  {
    std::lock_guard lk(mu_);
    if (closed_) return false;
    queue_.push_back(std::move(exchange));
  }
  cv_.notify_one();
  return true;
}

std::shared_ptr<server::Exchange> RequestQueue::pop() {
  std::unique_lock lk(mu_);
  cv_.wait(lk, [&] { return !queue_.empty() || closed_; });
  if (queue_.empty()) return nullptr;
  auto ex = std::move(queue_.front());
  queue_.pop_front();
  return ex;
}

void RequestQueue::close() {
  {
    std::lock_guard lk(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

size_t RequestQueue::size() const {
  std::lock_guard lk(mu_);
  return queue_.size();
}

}  // namespace pogo::sapi

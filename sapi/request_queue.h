// The exchanges waiting for a regular PHP thread: a FIFO the loop threads push into without
// blocking (a short mutex hold) and PHP threads pop from, blocking while it is empty.
//
// Threads: push() any thread (the loop threads); pop() PHP threads; close() the main thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>

#include "server/exchange.h"

namespace pogo::sapi {

class RequestQueue {
 public:
  // false once closed: the caller answers the exchange itself.
  bool push(std::shared_ptr<server::Exchange> exchange);
  // The oldest exchange; blocks while the queue is empty and open. nullptr once closed and drained.
  std::shared_ptr<server::Exchange> pop();
  // No more pushes; pop() hands out what is left, then returns nullptr.
  void close();
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<server::Exchange>> queue_;
  bool closed_ = false;
};

}  // namespace pogo::sapi

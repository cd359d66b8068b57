// The classic-mode strategy: each script run is one request taken from the backend's queue; the
// script is the one routing resolved (head().script_filename). Stops once the queue is closed and
// drained, or after max_requests requests (the thread is then replaced by a fresh one).
//
// Threads: its PhpThread only.
#pragma once

#include "sapi/request_queue.h"
#include "sapi/thread_strategy.h"

namespace pogo::sapi {

class RegularStrategy : public ThreadStrategy {
 public:
  explicit RegularStrategy(RequestQueue& queue, unsigned max_requests = 0)
      : queue_(queue), max_requests_(max_requests) {}
  const char* name() const override { return "regular"; }
  bool next(RequestContext& ctx) override;
  bool wants_replacement() const override { return recycle_; }

 private:
  RequestQueue& queue_;
  const unsigned max_requests_;
  unsigned served_ = 0;
  bool recycle_ = false;
};

}  // namespace pogo::sapi

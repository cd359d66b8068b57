// The classic-mode strategy: each script run is one request taken from the backend's queue; the
// script is the one routing resolved (head().script_filename). Stops once the queue is closed and
// drained.
//
// Threads: its PhpThread only.
#pragma once

#include "sapi/request_queue.h"
#include "sapi/thread_strategy.h"

namespace pogo::sapi {

class RegularStrategy : public ThreadStrategy {
 public:
  explicit RegularStrategy(RequestQueue& queue) : queue_(queue) {}
  const char* name() const override { return "regular"; }
  bool next(RequestContext& ctx) override;

 private:
  RequestQueue& queue_;
};

}  // namespace pogo::sapi

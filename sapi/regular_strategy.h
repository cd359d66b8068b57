// The classic-mode strategy: each script run is one request taken from the backend's queue; the
// script is the one routing resolved (head().script_filename). Stops once the queue is closed and
// drained, or after max_requests requests (the thread is then replaced by a fresh one), or — for a
// thread added by scaling (idle_limit > 0) — after idle_limit without a request (the thread is
// then removed).
//
// Threads: its PhpThread only (the StartGate it releases is shared with the backend's checker).
#pragma once

#include <chrono>

#include "sapi/request_queue.h"
#include "sapi/thread_scaling.h"
#include "sapi/thread_strategy.h"

namespace pogo::sapi {

class RegularStrategy : public ThreadStrategy {
 public:
  explicit RegularStrategy(RequestQueue& queue, unsigned max_requests = 0,
                           std::chrono::milliseconds idle_limit = std::chrono::milliseconds(0),
                           StartGate::Ticket start = {})
      : queue_(queue), max_requests_(max_requests), idle_limit_(idle_limit), start_(std::move(start)) {}
  const char* name() const override { return "regular"; }
  bool next(RequestContext& ctx) override;
  bool wants_replacement() const override { return recycle_; }
  bool ended_idle() const override { return idle_; }

 private:
  RequestQueue& queue_;
  const unsigned max_requests_;
  const std::chrono::milliseconds idle_limit_;
  StartGate::Ticket start_;
  unsigned served_ = 0;
  bool recycle_ = false;
  bool idle_ = false;
};

}  // namespace pogo::sapi

#include "sapi/php_backend.h"

#include <stdexcept>

#include "sapi/engine.h"
#include "sapi/php_thread.h"
#include "sapi/regular_strategy.h"
#include "server/log.h"

namespace pogo::sapi {

PhpBackend::PhpBackend(unsigned num_threads)
    : num_threads_(num_threads ? num_threads : default_num_threads()) {
  if (!engine_running()) throw std::runtime_error("PhpBackend needs a started PHP engine (engine_start)");
  std::lock_guard lk(mu_);
  threads_.reserve(num_threads_);
  for (unsigned i = 0; i < num_threads_; ++i) threads_.push_back(spawn(i));
}

PhpBackend::~PhpBackend() { stop(); }

std::unique_ptr<PhpThread> PhpBackend::spawn(unsigned index) {
  return std::make_unique<PhpThread>(index, std::make_unique<RegularStrategy>(queue_),
                                     [this](PhpThread* t) { replace(t); });
}

void PhpBackend::handle(std::shared_ptr<server::Exchange> exchange) {
  if (queue_.push(exchange)) return;
  // Shutting down: nobody will run it. Answer here (a few bytes: write() does not block).
  exchange->send_head(server::ResponseHead{503, {{"Content-Type", "text/plain; charset=utf-8"}}});
  exchange->write("server is shutting down\n");
  exchange->finish();
}

void PhpBackend::replace(PhpThread* broken) {
  std::lock_guard lk(mu_);
  for (auto& t : threads_) {
    if (t.get() != broken) continue;
    unsigned index = broken->index();
    retired_.push_back(std::move(t));  // joined by stop(): a thread cannot join itself
    if (!stopping_) {
      t = spawn(index);
      ++replaced_;
    }
    return;
  }
}

void PhpBackend::stop() {
  std::vector<std::unique_ptr<PhpThread>> threads;
  {
    std::lock_guard lk(mu_);
    if (stopping_ && threads_.empty() && retired_.empty()) return;
    stopping_ = true;
  }
  queue_.close();
  // A thread ending now may still replace itself (it sees stopping_ and does not), so join under
  // no lock, then collect whatever moved to retired_ meanwhile.
  for (;;) {
    {
      std::lock_guard lk(mu_);
      for (auto& t : threads_)
        if (t) threads.push_back(std::move(t));
      threads_.clear();
      for (auto& t : retired_) threads.push_back(std::move(t));
      retired_.clear();
    }
    if (threads.empty()) break;
    for (auto& t : threads)
      if (t) t->join();
    threads.clear();
  }
}

std::vector<ThreadState> PhpBackend::thread_states() const {
  std::lock_guard lk(mu_);
  std::vector<ThreadState> out;
  for (const auto& t : threads_)
    if (t) out.push_back(t->state());
  return out;
}

size_t PhpBackend::replaced_threads() const {
  std::lock_guard lk(mu_);
  return replaced_;
}

}  // namespace pogo::sapi

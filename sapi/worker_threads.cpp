#include "sapi/worker_threads.h"

#include "sapi/engine.h"
#include "sapi/php_thread.h"
#include "sapi/worker_strategy.h"
#include "server/log.h"

namespace pogo::sapi {

void WorkerShared::report_ready() {
  {
    std::lock_guard lk(mu);
    ++ready;
  }
  cv.notify_all();
}

void WorkerShared::report_failed(std::string message) {
  {
    std::lock_guard lk(mu);
    if (!failed) error = std::move(message);
    failed = true;
  }
  cv.notify_all();
}

bool WorkerShared::wait_stop(std::chrono::milliseconds d) {
  std::unique_lock lk(mu);
  return cv.wait_for(lk, d, [&] { return stopping; });
}

bool WorkerShared::is_stopping() {
  std::lock_guard lk(mu);
  return stopping;
}

namespace {
std::unique_ptr<WorkerShared> make_shared_state(WorkerConfig config) {
  auto s = std::make_unique<WorkerShared>();
  if (!config.num) config.num = default_num_threads();
  s->env = config.env;
  s->env.emplace_back("FRANKENPHP_WORKER", "1");
  s->config = std::move(config);
  return s;
}
}  // namespace

WorkerThreads::WorkerThreads(WorkerConfig config, RequestQueue& queue, unsigned first_index,
                             std::chrono::milliseconds idle_limit)
    : shared_(make_shared_state(std::move(config))) {
  shared_->queue = &queue;
  shared_->idle_limit = idle_limit;
  shared_->counters = &metrics::worker_counters(worker_display_name(shared_->config));
  start(first_index);
}

WorkerThreads::WorkerThreads(WorkerConfig config, SourceFactory factory, unsigned first_index)
    : shared_(make_shared_state(std::move(config))) {
  shared_->make_source = std::move(factory);
  start(first_index);
}

WorkerThreads::~WorkerThreads() {
  stop();
  join();
}

void WorkerThreads::start(unsigned first_index) {
  std::lock_guard lk(mu_);
  threads_.reserve(shared_->config.num);
  for (unsigned i = 0; i < shared_->config.num; ++i) threads_.push_back(spawn(first_index + i, false));
}

std::unique_ptr<PhpThread> WorkerThreads::spawn(unsigned index, bool scaled, StartGate::Ticket start) {
  std::unique_ptr<MessageSource> source;
  if (shared_->make_source) source = shared_->make_source();
  return std::make_unique<PhpThread>(
      index, std::make_unique<WorkerStrategy>(*shared_, std::move(source), scaled, std::move(start)),
      [this](PhpThread* t) { ended(t); }, scaled, shared_->config.interrupt_group);
}

bool WorkerThreads::grow(unsigned index) {
  if (!shared_->queue || !shared_->starting.open()) return false;
  std::lock_guard lk(mu_);
  if (joining_ || shared_->is_stopping()) return false;
  const unsigned count = count_threads(threads_);
  const unsigned cap = shared_->config.max_threads;
  if (cap && count >= cap) return false;
  threads_.push_back(spawn(index, true, shared_->starting.issue()));
  log::info("php", "PHP thread added", {{"worker", worker_display_name(shared_->config)}, {"threads", count + 1}});
  return true;
}

void WorkerThreads::debug_states(const std::string& name, std::vector<ThreadDebugState>& out) const {
  std::lock_guard lk(mu_);
  for (const auto& t : threads_)
    if (t) out.push_back(t->debug_state(name));
}

void WorkerThreads::ended(PhpThread* old) {
  std::vector<std::unique_ptr<PhpThread>> earlier;  // ended before: joined below, outside the lock
  {
    std::lock_guard lk(mu_);
    auto respawn = [&] { return spawn(old->index(), old->scaled()); };
    switch (retire_ended(old, threads_, retired_, earlier, joining_ || shared_->is_stopping(), respawn)) {
      case Retired::Removed:
        log::info("php", "PHP thread removed",
                  {{"worker", worker_display_name(shared_->config)}, {"threads", count_threads(threads_)}});
        break;
      case Retired::Replaced: ++replaced_; break;
      case Retired::Kept: break;
    }
  }
  for (auto& t : earlier) t->join();
}

bool WorkerThreads::restart(const std::vector<std::string>& changed) {
  if (!shared_->queue) return false;
  {
    std::lock_guard lk(shared_->refresh_mu);
    shared_->changed.insert(shared_->changed.end(), changed.begin(), changed.end());
  }
  shared_->queue->release_waiters();
  log::info("php", "restarting worker", {{"worker", worker_display_name(shared_->config)}});
  return true;
}

bool WorkerThreads::wait_started(std::string& error) {
  std::unique_lock lk(shared_->mu);
  shared_->cv.wait(lk, [&] { return shared_->failed || shared_->ready >= shared_->config.num; });
  if (!shared_->failed) return true;
  error = shared_->error;
  return false;
}

void WorkerThreads::stop() {
  {
    std::lock_guard lk(shared_->mu);
    shared_->stopping = true;
  }
  shared_->cv.notify_all();
}

void WorkerThreads::join() {
  {
    std::lock_guard lk(mu_);
    joining_ = true;
  }
  join_all(mu_, threads_, retired_);
}

unsigned WorkerThreads::live_threads() const {
  std::lock_guard lk(mu_);
  unsigned n = 0;
  for (const auto& t : threads_) {
    if (!t) continue;
    ThreadState s = t->state();
    n += s != ThreadState::Done && s != ThreadState::Broken && s != ThreadState::Stopping;
  }
  return n;
}

unsigned WorkerThreads::thread_count() const {
  std::lock_guard lk(mu_);
  return count_threads(threads_);
}

size_t WorkerThreads::replaced_threads() const {
  std::lock_guard lk(mu_);
  return replaced_;
}

}  // namespace pogo::sapi

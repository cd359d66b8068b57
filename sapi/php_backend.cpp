#include "sapi/php_backend.h"

#include <algorithm>
#include <stdexcept>

#include "sapi/engine.h"
#include "sapi/php_includes.h"
#include "sapi/php_thread.h"
#include "sapi/regular_strategy.h"
#include "sapi/worker_threads.h"
#include "server/file_watcher.h"
#include "server/log.h"

namespace pogo::sapi {

struct PhpBackend::Worker {
  RequestQueue queue;
  std::unique_ptr<WorkerThreads> threads;
  std::unique_ptr<server::FileWatcher> watcher;  // when the worker has `watch` patterns
};

namespace {

unsigned worker_threads_total(const BackendOptions& o) {
  unsigned n = 0;
  for (const auto& w : o.workers) n += w.num ? w.num : default_num_threads();
  return n;
}

unsigned start_regular_threads(const BackendOptions& o) {
  unsigned total = o.num_threads ? o.num_threads : default_num_threads();
  unsigned workers = worker_threads_total(o);
  return total > workers ? total - workers : 1;
}

// The ceiling of the total (no growth when it is not above `start_total`). Main thread, with the
// engine started (memory_limit is read from the main thread's PHP globals).
unsigned resolve_max_threads(const BackendOptions& o, unsigned start_total) {
  if (o.max_threads == BackendOptions::kAutoMaxThreads) {
    unsigned cpus = std::thread::hardware_concurrency();
    return auto_max_threads(mem_available_bytes(), int64_t(PG(memory_limit)), cpus ? cpus : 1, start_total);
  }
  return std::max(o.max_threads, start_total);
}

const char* const kRegular = "regular";

BackendOptions with_threads(unsigned n) {
  BackendOptions o;
  o.num_threads = n;
  return o;
}

}  // namespace

PhpBackend::PhpBackend(unsigned num_threads) : PhpBackend(with_threads(num_threads)) {}

PhpBackend::PhpBackend(BackendOptions options)
    : options_(std::move(options)), num_threads_(start_regular_threads(options_)) {
  if (!engine_running()) throw std::runtime_error("PhpBackend needs a started PHP engine (engine_start)");
  queue_.set_max_wait(options_.max_wait_time);
  {
    std::lock_guard lk(mu_);
    threads_.reserve(num_threads_);
    for (unsigned i = 0; i < num_threads_; ++i) threads_.push_back(spawn(i, false));
  }
  unsigned index = num_threads_;
  std::string error;
  for (WorkerConfig config : options_.workers) {
    auto w = std::make_unique<Worker>();
    w->queue.set_max_wait(options_.max_wait_time);
    config.interrupt_group = options_.interrupt_group;
    w->threads = std::make_unique<WorkerThreads>(std::move(config), w->queue, index, options_.max_idle_time);
    index += w->threads->config().num;
    workers_.push_back(std::move(w));
  }
  next_index_ = index;
  max_threads_ = resolve_max_threads(options_, index);
  for (auto& w : workers_) {
    if (!w->threads->wait_started(error)) break;
  }
  if (error.empty()) error = start_watchers();
  if (!error.empty()) {
    stop();
    throw std::runtime_error(error);
  }
  if (max_threads_ > index)
    log::info("php", "PHP threads grow under load",
              {{"num_threads", index}, {"max_threads", max_threads_}, {"max_idle_time_ms", options_.max_idle_time.count()}});
  if (options_.max_wait_time.count() || max_threads_ > index) checker_ = std::thread([this] { check_loop(); });
  metrics_ = metrics::add_collector([this](metrics::Writer& w) { collect(w); });
}

PhpBackend::~PhpBackend() { stop(); }

std::string PhpBackend::start_watchers() {
  for (auto& w : workers_) {
    const WorkerConfig& c = w->threads->config();
    if (c.watch.empty()) continue;
    WorkerThreads* threads = w->threads.get();
    try {
      w->watcher = std::make_unique<server::FileWatcher>(
          c.watch, [threads](const std::vector<std::string>& changed) { threads->restart(changed); }, c.watch_base_dir);
    } catch (const std::exception& e) {
      return "worker " + worker_display_name(c) + ": " + e.what();
    }
    log::info("php", "watching files; changes restart the worker",
              {{"worker", worker_display_name(c)}, {"patterns", c.watch}, {"dirs", w->watcher->watched_dirs()}});
  }
  return {};
}

unsigned PhpBackend::restart_workers() {
  unsigned n = 0;
  for (auto& w : workers_) n += w->threads->restart();
  return n;
}

std::unique_ptr<PhpThread> PhpBackend::spawn(unsigned index, bool scaled, StartGate::Ticket start) {
  auto idle = scaled ? options_.max_idle_time : std::chrono::milliseconds(0);
  return std::make_unique<PhpThread>(
      index, std::make_unique<RegularStrategy>(queue_, options_.max_requests, idle, std::move(start)),
      [this](PhpThread* t) { ended(t); }, scaled, options_.interrupt_group);
}

// The worker the php_server/php block chose (head.worker), else a global worker by its file (as
// FrankenPHP: a site's workers are reached only from their own block), else a regular thread.
RequestQueue* PhpBackend::route(const server::RequestHead& head) {
  if (!head.worker.empty()) {
    for (auto& w : workers_)
      if (w->threads->config().scoped && worker_display_name(w->threads->config()) == head.worker) return &w->queue;
  }
  for (auto& w : workers_)
    if (!w->threads->config().scoped && w->threads->config().file == head.script_filename) return &w->queue;
  return &queue_;
}

void PhpBackend::handle(std::shared_ptr<server::Exchange> exchange) { enqueue(std::move(exchange), true); }

void PhpBackend::handle_in_turn(std::shared_ptr<server::Exchange> exchange) { enqueue(std::move(exchange), false); }

void PhpBackend::end_of_turn() {
  queue_.wake_idle();
  for (auto& w : workers_) w->queue.wake_idle();
}

void PhpBackend::enqueue(std::shared_ptr<server::Exchange> exchange, bool wake) {
  RequestQueue* q = workers_.empty() ? &queue_ : route(exchange->head());
  if (q->push(exchange, wake)) return;
  // Shutting down: nobody will run it. Answer here (a few bytes: write() does not block).
  exchange->send_head(server::ResponseHead{503, {{"Content-Type", "text/plain; charset=utf-8"}}});
  exchange->write("server is shutting down\n");
  exchange->finish();
}

void PhpBackend::check_loop() {
  using std::chrono::milliseconds;
  const bool expiring = options_.max_wait_time.count() > 0;
  const bool growing = max_threads_ > next_index_;
  milliseconds tick = growing ? kCheckInterval : milliseconds(50);
  if (expiring) tick = std::min(tick, std::clamp(options_.max_wait_time / 4, milliseconds(1), milliseconds(50)));
  std::unique_lock lk(mu_);
  while (!stopping_) {
    check_cv_.wait_for(lk, tick, [&] { return stopping_; });
    if (stopping_) break;
    lk.unlock();
    if (expiring) {
      queue_.expire();
      for (auto& w : workers_) w->queue.expire();
    }
    if (growing) grow();
    lk.lock();
  }
}

void PhpBackend::grow() {
  unsigned total = total_threads();
  if (total >= max_threads_) return;
  if (starting_.open() && queue_.stalled(kStallThreshold)) {
    std::lock_guard lk(mu_);
    if (stopping_) return;
    threads_.push_back(spawn(next_index_++, true, starting_.issue()));
    ++total;
    log::info("php", "PHP thread added", {{"queue", kRegular}, {"threads", threads_.size()}, {"total", total}});
  }
  for (auto& w : workers_) {
    if (total >= max_threads_) return;
    if (!w->queue.stalled(kStallThreshold) || !w->threads->grow(next_index_)) continue;
    ++next_index_;
    ++total;
  }
}

void PhpBackend::ended(PhpThread* thread) {
  std::vector<std::unique_ptr<PhpThread>> earlier;  // ended before: joined below, outside the lock
  {
    std::lock_guard lk(mu_);
    auto respawn = [&] { return spawn(thread->index(), thread->scaled()); };
    switch (retire_ended(thread, threads_, retired_, earlier, stopping_, respawn)) {
      case Retired::Removed:
        log::info("php", "PHP thread removed", {{"queue", kRegular}, {"threads", count_threads(threads_)}});
        break;
      case Retired::Replaced: ++replaced_; break;
      case Retired::Kept: break;
    }
  }
  for (auto& t : earlier) t->join();
}

void PhpBackend::stop() {
  {
    std::lock_guard lk(mu_);
    if (stopping_ && threads_.empty() && retired_.empty()) return;
    stopping_ = true;
  }
  check_cv_.notify_all();
  for (auto& w : workers_) w->watcher.reset();  // no restart may start while the threads stop
  if (checker_.joinable()) checker_.join();
  queue_.close();
  for (auto& w : workers_) {
    w->queue.close();
    w->threads->stop();
  }
  for (auto& w : workers_) w->threads->join();  // kept: handle() may still route to their closed queues
  // A thread ending now sees stopping_ and does not replace itself.
  join_all(mu_, threads_, retired_);
}

std::vector<ThreadState> PhpBackend::thread_states() const {
  std::lock_guard lk(mu_);
  std::vector<ThreadState> out;
  for (const auto& t : threads_)
    if (t) out.push_back(t->state());
  return out;
}

std::vector<ThreadDebugState> PhpBackend::debug_states() const {
  std::vector<ThreadDebugState> out;
  {
    std::lock_guard lk(mu_);
    for (const auto& t : threads_)
      if (t) out.push_back(t->debug_state("Regular PHP Thread"));
  }
  for (const auto& w : workers_) w->threads->debug_states("Worker PHP Thread - " + w->threads->config().file, out);
  return out;
}

unsigned PhpBackend::reserved_threads() const {
  unsigned total = total_threads();
  return max_threads_ > total ? max_threads_ - total : 0;
}

unsigned PhpBackend::regular_threads() const {
  std::lock_guard lk(mu_);
  return count_threads(threads_);
}

unsigned PhpBackend::total_threads() const {
  unsigned n = regular_threads();
  for (const auto& w : workers_) n += w->threads->thread_count();
  return n;
}

size_t PhpBackend::replaced_threads() const {
  std::lock_guard lk(mu_);
  return replaced_;
}

std::vector<const WorkerThreads*> PhpBackend::workers() const {
  std::vector<const WorkerThreads*> out;
  for (const auto& w : workers_) out.push_back(w->threads.get());
  return out;
}

const WorkerThreads* PhpBackend::worker(const std::string& file) const {
  for (const auto& w : workers_)
    if (w->threads->config().file == file) return w->threads.get();
  return nullptr;
}

// As FrankenPHP counts them: every worker thread is a busy PHP thread (a running worker always
// holds its thread), a regular one only while it runs a script.
void PhpBackend::collect(metrics::Writer& w) const {
  namespace fp = metrics::frankenphp;
  unsigned busy = 0;
  for (ThreadState s : thread_states()) busy += s == ThreadState::Busy;
  for (const auto& wk : workers_) busy += wk->threads->thread_count();
  w.gauge(fp::kTotalThreads, fp::kTotalThreadsHelp, {}, total_threads());
  w.gauge(fp::kBusyThreads, fp::kBusyThreadsHelp, {}, busy);
  w.gauge(fp::kQueueDepth, fp::kQueueDepthHelp, {}, double(queue_.size()));
  for (const auto& wk : workers_) {
    const std::string& label = worker_display_name(wk->threads->config());
    metrics::Labels l{{"worker", label}};
    w.gauge(fp::kTotalWorkers, fp::kTotalWorkersHelp, l, wk->threads->thread_count());
    w.gauge(fp::kReadyWorkers, fp::kReadyWorkersHelp, l, wk->threads->ready_threads());
    w.gauge(fp::kBusyWorkers, fp::kBusyWorkersHelp, l, double(wk->threads->busy_threads()));
    w.gauge(fp::kWorkerQueueDepth, fp::kWorkerQueueDepthHelp, l, double(wk->queue.size()));
  }
}

}  // namespace pogo::sapi

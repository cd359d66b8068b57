#include "sapi/php_backend.h"

#include <algorithm>
#include <stdexcept>

#include "sapi/engine.h"
#include "sapi/php_thread.h"
#include "sapi/regular_strategy.h"
#include "sapi/worker_threads.h"
#include "server/log.h"

namespace pogo::sapi {

struct PhpBackend::Worker {
  RequestQueue queue;
  std::unique_ptr<WorkerThreads> threads;
};

namespace {

unsigned worker_threads_total(const BackendOptions& o) {
  unsigned n = 0;
  for (const auto& w : o.workers) n += w.num ? w.num : default_num_threads();
  return n;
}

unsigned regular_threads(const BackendOptions& o) {
  unsigned total = o.num_threads ? o.num_threads : default_num_threads();
  unsigned workers = worker_threads_total(o);
  return total > workers ? total - workers : 1;
}

BackendOptions with_threads(unsigned n) {
  BackendOptions o;
  o.num_threads = n;
  return o;
}

// A `match` pattern: "/exact", "/prefix/*" or "*".
bool path_matches(const std::string& pattern, const std::string& path) {
  if (pattern == "*") return true;
  if (!pattern.empty() && pattern.back() == '*')
    return path.compare(0, pattern.size() - 1, pattern, 0, pattern.size() - 1) == 0;
  return pattern == path;
}

}  // namespace

PhpBackend::PhpBackend(unsigned num_threads) : PhpBackend(with_threads(num_threads)) {}

PhpBackend::PhpBackend(BackendOptions options)
    : options_(std::move(options)), num_threads_(regular_threads(options_)) {
  if (!engine_running()) throw std::runtime_error("PhpBackend needs a started PHP engine (engine_start)");
  queue_.set_max_wait(options_.max_wait_time);
  if (options_.max_threads > num_threads_ + worker_threads_total(options_))
    log::debug("php", "max_threads: the PHP thread count does not grow yet", {{"max_threads", options_.max_threads}});
  {
    std::lock_guard lk(mu_);
    threads_.reserve(num_threads_);
    for (unsigned i = 0; i < num_threads_; ++i) threads_.push_back(spawn(i));
  }
  unsigned index = num_threads_;
  std::string error;
  for (const WorkerConfig& config : options_.workers) {
    auto w = std::make_unique<Worker>();
    w->queue.set_max_wait(options_.max_wait_time);
    w->threads = std::make_unique<WorkerThreads>(config, w->queue, index);
    index += w->threads->config().num;
    workers_.push_back(std::move(w));
  }
  for (auto& w : workers_) {
    if (!w->threads->wait_started(error)) break;
  }
  if (!error.empty()) {
    stop();
    throw std::runtime_error(error);
  }
  if (options_.max_wait_time.count()) expirer_ = std::thread([this] { expire_loop(); });
}

PhpBackend::~PhpBackend() { stop(); }

std::unique_ptr<PhpThread> PhpBackend::spawn(unsigned index) {
  return std::make_unique<PhpThread>(index, std::make_unique<RegularStrategy>(queue_, options_.max_requests),
                                     [this](PhpThread* t) { replace(t); });
}

RequestQueue* PhpBackend::route(const server::RequestHead& head) {
  for (auto& w : workers_)
    if (w->threads->config().file == head.script_filename) return &w->queue;
  for (auto& w : workers_)
    for (const auto& pattern : w->threads->config().match)
      if (path_matches(pattern, head.path)) return &w->queue;
  return &queue_;
}

void PhpBackend::handle(std::shared_ptr<server::Exchange> exchange) {
  RequestQueue* q = workers_.empty() ? &queue_ : route(exchange->head());
  if (q->push(exchange)) return;
  // Shutting down: nobody will run it. Answer here (a few bytes: write() does not block).
  exchange->send_head(server::ResponseHead{503, {{"Content-Type", "text/plain; charset=utf-8"}}});
  exchange->write("server is shutting down\n");
  exchange->finish();
}

void PhpBackend::expire_loop() {
  auto tick = std::clamp(options_.max_wait_time / 4, std::chrono::milliseconds(1), std::chrono::milliseconds(50));
  std::unique_lock lk(mu_);
  while (!stopping_) {
    expire_cv_.wait_for(lk, tick, [&] { return stopping_; });
    if (stopping_) break;
    lk.unlock();
    queue_.expire();
    for (auto& w : workers_) w->queue.expire();
    lk.lock();
  }
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
  {
    std::lock_guard lk(mu_);
    if (stopping_ && threads_.empty() && retired_.empty()) return;
    stopping_ = true;
  }
  expire_cv_.notify_all();
  if (expirer_.joinable()) expirer_.join();
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

size_t PhpBackend::replaced_threads() const {
  std::lock_guard lk(mu_);
  return replaced_;
}

const WorkerThreads* PhpBackend::worker(const std::string& file) const {
  for (const auto& w : workers_)
    if (w->threads->config().file == file) return w->threads.get();
  return nullptr;
}

}  // namespace pogo::sapi

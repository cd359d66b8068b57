#include "server/loop.h"

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "server/log.h"

namespace pogo::server {

bool Mailbox::post(std::function<void()> fn) { return push(Task{std::move(fn), nullptr, nullptr}); }

bool Mailbox::post(void (*call)(void*), std::shared_ptr<void> ctx) {
  return push(Task{nullptr, call, std::move(ctx)});
}

bool Mailbox::push(Task&& task) {
  std::lock_guard lk(mu_);
  if (!async_) return false;
  bool was_empty = queue_.empty();
  queue_.push_back(std::move(task));
  // uv_async_send is thread-safe; holding the lock keeps the handle from closing under us.
  if (was_empty) uv_async_send(async_);
  return true;
}

Loop::Loop() : mailbox_(std::make_shared<Mailbox>()) {
  if (int rc = uv_loop_init(&loop_); rc != 0) {
    std::fprintf(stderr, "uv_loop_init: %s\n", uv_strerror(rc));
    std::abort();
  }
  loop_.data = this;
  async_.init(&loop_, uv_async_init, &Loop::on_async);
  async_.get()->data = this;
  mailbox_->async_ = async_.get();
}

Loop::~Loop() {
  if (state_.load() == 1) stop();
  if (state_.load() == 0) {
    // Never started: close what we opened, run the loop until the close callbacks ran.
    {
      std::lock_guard lk(mailbox_->mu_);
      mailbox_->async_ = nullptr;
      mailbox_->queue_.clear();
    }
    async_.close();
    uv_run(&loop_, UV_RUN_DEFAULT);
  }
  if (uv_loop_close(&loop_) != 0) {
    log::error("http", "event loop closed with handles still open");
  }
}

void Loop::start() {
  state_.store(1);
  thread_ = std::thread([this] {
    thread_id_.store(std::this_thread::get_id());
    uv_run(&loop_, UV_RUN_DEFAULT);
  });
}

bool Loop::stop(std::function<void()> before_close) {
  if (state_.load() != 1) return clean_;
  post([this, before_close = std::move(before_close)] {
    if (before_close) before_close();
    std::vector<Mailbox::Task> dropped;
    {
      std::lock_guard lk(mailbox_->mu_);
      mailbox_->async_ = nullptr;
      dropped.swap(mailbox_->queue_);
    }
    async_.close();
  });
  thread_.join();
  state_.store(2);
  // Count handles that are still alive: each is a leak (a close that was never issued).
  int open = 0;
  uv_walk(&loop_, [](uv_handle_t*, void* arg) { ++*static_cast<int*>(arg); }, &open);
  clean_ = open == 0;
  if (!clean_) {
    log::error("http", "event loop stopped with open handles", {{"handles", open}});
    uv_walk(&loop_, [](uv_handle_t* h, void*) {
      if (!uv_is_closing(h)) uv_close(h, nullptr);
    }, nullptr);
    uv_run(&loop_, UV_RUN_DEFAULT);
  }
  return clean_;
}

bool Loop::on_loop_thread() const {
  // Before start() the owning thread plays the loop thread (set-up without concurrency).
  int state = state_.load();
  if (state == 0) return true;
  if (state == 2) return false;
  return std::this_thread::get_id() == thread_id_.load();
}

void Loop::assert_on_loop_thread() const {
  if (!on_loop_thread()) {
    std::fprintf(stderr, "pogo: loop-thread-only code called from another thread\n");
    std::abort();
  }
}

void Loop::on_async(uv_async_t* async) {
  auto* self = static_cast<Loop*>(async->data);
  auto& batch = self->batch_;
  {
    std::lock_guard lk(self->mailbox_->mu_);
    batch.swap(self->mailbox_->queue_);
  }
  for (auto& task : batch) {
    try {
      task.run();
    } catch (const std::exception& e) {
      log::error("http", "loop task failed", {{"error", e.what()}});
    } catch (...) {
      log::error("http", "loop task failed");
    }
  }
  batch.clear();
}

}  // namespace pogo::server

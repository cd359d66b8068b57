// A Loop is one libuv event loop running on its own thread. The only way into it from another
// thread is post(): a mutex-protected queue plus one uv_async_t whose callback drains the whole
// queue (wake-ups coalesce). UvHandle<T> ties a libuv handle's memory to its close callback.
//
// Threads: construct, start(), stop() and the destructor on the owning (main) thread; post() and
// on_loop_thread() from any thread; uv() and everything that touches handles on the loop thread
// (or on the owning thread before start(), when no loop thread exists yet).
#pragma once

#include <uv.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace pogo::server {

// Owns one libuv handle of type T. The memory lives until libuv's close callback, so callbacks
// already queued for the handle never see freed memory. `on_closed` runs in that callback.
template <class T>
class UvHandle {
 public:
  UvHandle() = default;
  UvHandle(const UvHandle&) = delete;
  UvHandle& operator=(const UvHandle&) = delete;
  UvHandle(UvHandle&& o) noexcept : box_(o.box_) { o.box_ = nullptr; }
  ~UvHandle() { close(); }

  // Allocates and initializes the handle with `init(loop, handle, args...)`; returns libuv's code.
  template <class Init, class... Args>
  int init(uv_loop_t* loop, Init init_fn, Args... args) {
    close();
    auto* box = new Box{};
    int rc = init_fn(loop, &box->handle, args...);
    if (rc != 0) {
      delete box;
      return rc;
    }
    box_ = box;
    return 0;
  }

  T* get() const { return box_ ? &box_->handle : nullptr; }
  explicit operator bool() const { return box_ != nullptr; }
  uv_handle_t* base() const { return reinterpret_cast<uv_handle_t*>(get()); }

  // Starts closing (idempotent). The handle is unusable from here on; `on_closed` runs later on
  // the loop thread, after libuv is done with it.
  void close(std::function<void()> on_closed = nullptr) {
    if (!box_) return;
    Box* box = box_;
    box_ = nullptr;
    box->on_closed = std::move(on_closed);
    uv_close(reinterpret_cast<uv_handle_t*>(&box->handle), [](uv_handle_t* h) {
      Box* b = reinterpret_cast<Box*>(h);  // handle is the first member
      auto done = std::move(b->on_closed);
      delete b;
      if (done) done();
    });
  }

 private:
  struct Box {
    T handle;  // must stay first: the close callback casts back from it
    std::function<void()> on_closed;
  };
  Box* box_ = nullptr;
};

// The cross-thread entry of a loop. Shared with anything that may outlive the loop (a producer
// thread's wake function): once the loop stops, post() returns false and drops the task.
class Mailbox {
 public:
  bool post(std::function<void()> fn);
  // `call(ctx.get())` on the loop thread, with `ctx` kept alive until then. Allocates nothing (a
  // std::function holding a shared_ptr would: it is not stored in place), for the wake-ups every
  // response makes.
  bool post(void (*call)(void*), std::shared_ptr<void> ctx);

  struct Task {
    std::function<void()> fn;
    void (*call)(void*) = nullptr;
    std::shared_ptr<void> ctx;
    void run() {
      if (call) call(ctx.get());
      else fn();
    }
  };

 private:
  friend class Loop;
  bool push(Task&& task);
  std::mutex mu_;
  std::vector<Task> queue_;
  uv_async_t* async_ = nullptr;  // null once closed
};

class Loop {
 public:
  Loop();
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  uv_loop_t* uv() { return &loop_; }
  const std::shared_ptr<Mailbox>& mailbox() const { return mailbox_; }

  // Runs the loop on a new thread until stop().
  void start();
  // Runs `before_close` on the loop thread (it must close every handle it owns), closes the
  // mailbox, waits for the thread. Returns true when the loop ended with no handle left.
  bool stop(std::function<void()> before_close = nullptr);

  bool post(std::function<void()> fn) { return mailbox_->post(std::move(fn)); }
  bool on_loop_thread() const;
  void assert_on_loop_thread() const;

 private:
  static void on_async(uv_async_t* async);

  uv_loop_t loop_{};
  std::shared_ptr<Mailbox> mailbox_;
  UvHandle<uv_async_t> async_;
  std::vector<Mailbox::Task> batch_;  // drained tasks; capacity reused
  std::thread thread_;
  std::atomic<std::thread::id> thread_id_{};
  std::atomic<int> state_{0};  // 0 not started, 1 running, 2 stopped
  bool clean_ = true;
};

}  // namespace pogo::server

#include "sapi/script_interrupt.h"

#include <pthread.h>

#include <atomic>
#include <csignal>
#include <mutex>
#include <vector>

#include "sapi/client_abort.h"
#include "sapi/php_includes.h"

namespace pogo::sapi {

namespace {

struct ThreadSlot {
  pthread_t thread;
  zend_atomic_bool* vm_interrupt;  // this thread's EG(vm_interrupt)
  uint64_t group;
  std::atomic<bool> waiting{true};
  std::atomic<bool> interrupted{false};
};

std::mutex g_mu;
std::vector<ThreadSlot*> g_threads;  // registered slots; each lives until its thread leaves
thread_local ThreadSlot* t_slot = nullptr;
void (*g_next_interrupt)(zend_execute_data*) = nullptr;
bool g_installed = false;

int wake_signal() { return SIGRTMIN + 2; }

// Its only job is to exist: a signal with a handler makes a blocking call return with EINTR.
void on_wake(int) {}

// zend_interrupt_function: called by the VM (and by zend_call_function after an internal call)
// once EG(vm_interrupt) is set, with the opline saved. C-like: it bails out.
void on_vm_interrupt(zend_execute_data* execute_data) {
  if (t_slot && t_slot->interrupted.load(std::memory_order_acquire)) {
    zend_error_noreturn(E_ERROR, "Script interrupted: the server is shutting down and its grace period is over");
  }
  if (take_unwind_request()) {  // a worker request's client went away (client_abort.h)
    zend_throw_unwind_exit();
    return;
  }
  if (g_next_interrupt) g_next_interrupt(execute_data);
}

}  // namespace

void install_script_interrupt() {
  if (g_installed) return;
  g_installed = true;
  g_next_interrupt = zend_interrupt_function;
  zend_interrupt_function = on_vm_interrupt;
  struct sigaction sa {};
  sa.sa_handler = on_wake;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_ONSTACK;  // no SA_RESTART: interrupting the call is the point
  sigaction(wake_signal(), &sa, nullptr);
}

void remove_script_interrupt() {
  // Hooks installed after ours still call it through their own saved pointer: leave it then.
  if (!g_installed || zend_interrupt_function != on_vm_interrupt) return;
  g_installed = false;
  zend_interrupt_function = g_next_interrupt;
  g_next_interrupt = nullptr;
  // The handler stays: a wake signal still in flight must not take the default action (exit).
}

void script_interrupt_enter_thread(uint64_t group) {
  auto* slot = new ThreadSlot{pthread_self(), &EG(vm_interrupt), group};
  std::lock_guard lk(g_mu);
  g_threads.push_back(slot);
  t_slot = slot;
}

void script_interrupt_leave_thread() {
  ThreadSlot* slot = t_slot;
  if (!slot) return;
  {
    std::lock_guard lk(g_mu);
    std::erase(g_threads, slot);
  }
  t_slot = nullptr;
  delete slot;
}

void script_interrupt_set_waiting(bool waiting) {
  if (!t_slot) return;
  if (!waiting) t_slot->interrupted.store(false, std::memory_order_release);
  t_slot->waiting.store(waiting, std::memory_order_release);
}

uint64_t new_interrupt_group() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

unsigned interrupt_running_scripts(uint64_t group) {
  unsigned n = 0;
  std::lock_guard lk(g_mu);  // held: a registered thread has not left, so its slot and EG live
  for (ThreadSlot* slot : g_threads) {
    if (group && slot->group != group) continue;
    if (slot->waiting.load(std::memory_order_acquire)) continue;
    slot->interrupted.store(true, std::memory_order_release);
    zend_atomic_bool_store(slot->vm_interrupt, true);
    pthread_kill(slot->thread, wake_signal());
    ++n;
  }
  return n;
}

}  // namespace pogo::sapi

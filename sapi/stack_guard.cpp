#include "sapi/stack_guard.h"

#include <pthread.h>

#include <algorithm>

#include "sapi/php_includes.h"

namespace pogo::sapi {

namespace {

constexpr size_t kMinMargin = size_t(256) << 10;

// The lowest stack address a PHP thread may call an internal function at; 0 = unchecked.
thread_local uintptr_t t_limit = 0;
thread_local size_t t_size = 0;  // the usable part, for the message

#if PHP_VERSION_ID < 80300
void (*g_next_execute_internal)(zend_execute_data*, zval*) = nullptr;
bool g_installed = false;

// zend_execute_internal. C-like: PHP may bail out through it.
void guarded_execute_internal(zend_execute_data* execute_data, zval* return_value) {
  if (UNEXPECTED(reinterpret_cast<uintptr_t>(__builtin_frame_address(0)) < t_limit)) {
    // Not calling the function is safe: the caller set return_value to null and frees the
    // arguments itself; the VM then handles the exception like any thrown by the function.
    zend_throw_error(nullptr, "Maximum call stack size of %zu bytes reached. Infinite recursion?", t_size);
    return;
  }
  if (g_next_execute_internal)
    g_next_execute_internal(execute_data, return_value);
  else
    execute_internal(execute_data, return_value);
}
#endif

}  // namespace

bool current_thread_stack(ThreadStack& out) {
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return false;
  void* addr = nullptr;
  size_t size = 0, guard = 0;
  bool ok = pthread_attr_getstack(&attr, &addr, &size) == 0;
  pthread_attr_getguardsize(&attr, &guard);
  pthread_attr_destroy(&attr);
  if (!ok || !addr || !size) return false;
  out.low = reinterpret_cast<uintptr_t>(addr);
  out.high = out.low + size;
  out.guard = guard;
  return true;
}

void install_stack_guard() {
#if PHP_VERSION_ID < 80300
  if (g_installed) return;
  g_installed = true;
  g_next_execute_internal = zend_execute_internal;
  zend_execute_internal = guarded_execute_internal;
#endif
}

void remove_stack_guard() {
#if PHP_VERSION_ID < 80300
  if (!g_installed || zend_execute_internal != guarded_execute_internal) return;
  g_installed = false;
  zend_execute_internal = g_next_execute_internal;
  g_next_execute_internal = nullptr;
#endif
}

void stack_guard_enter_thread(const ThreadStack& stack) {
  if (!stack.size()) return;
  t_limit = stack.low + std::max(kMinMargin, stack.size() / 8);
  t_size = stack.high - t_limit;  // what a script may use, as PHP 8.3 reports it
}

}  // namespace pogo::sapi

// The C stack of a PHP thread, and the guard that keeps PHP code from running it out.
//
// PHP code recursing through internal functions (array_map('f', ...) in f, usort callbacks,
// preg_replace_callback...) nests C frames — zend_call_function, execute_ex, the internal function
// — on the thread's stack; without a check it overflows, and the SIGSEGV takes the whole server.
// PHP 8.3 checks on its own (zend.max_allowed_stack_size, which detects our threads' stacks through
// pthread_getattr_np). For PHP 8.2 we install zend_execute_internal, which every internal function
// call then goes through — the compiler emits DO_FCALL instead of DO_ICALL once it is set, and
// zend_call_function calls it too — and refuse the call with PHP 8.3's Error ("Maximum call stack
// size of N bytes reached. Infinite recursion?") when the stack pointer is within a safety margin
// of the end of the stack: the request ends as an uncaught Error (a 500 and a log line naming the
// script) and the thread goes on serving. The margin (1/8 of the stack, at least 256 KiB) is what
// one internal call may use before the next check. Recursion that never passes through an
// internal function call (chains of magic methods, deeply nested arrays compared in C) is not
// caught here: stack_overflow.h is the fallback.
//
// Threads: install/remove on the main thread around the engine's life; enter_thread on each PHP
// thread, first thing; the hook runs on PHP threads.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pogo::sapi {

// The stack PHP threads are created with (explicit, so it does not depend on RLIMIT_STACK or the C
// library's default), and the guard pages below it.
inline constexpr size_t kPhpThreadStackSize = size_t(8) << 20;
inline constexpr size_t kPhpThreadGuardSize = size_t(64) << 10;

// The calling thread's stack: [low, high), and its guard area's size just below `low`.
struct ThreadStack {
  uintptr_t low = 0, high = 0;
  size_t guard = 0;
  size_t size() const { return high - low; }
};
// False when the C library cannot tell.
bool current_thread_stack(ThreadStack& out);

void install_stack_guard();  // main thread, after php_module_startup
void remove_stack_guard();
// Arms the guard for the calling thread (a thread that never called it is not checked).
void stack_guard_enter_thread(const ThreadStack& stack);

}  // namespace pogo::sapi

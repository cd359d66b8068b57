// The last resort when a PHP thread overflows its C stack anyway (stack_guard.h catches recursion
// through internal function calls only; deep recursion inside C code — comparing or serializing
// deeply nested arrays, a runaway regex in an extension — is not caught). Such a fault cannot be
// recovered from: the thread was stopped at an arbitrary instruction, possibly holding the
// allocator's or a PHP lock, with its request half done. So the process ends at once, with one
// line on stderr that says which thread and script, and exit status 70 (EX_SOFTWARE), for its
// supervisor to restart it — instead of a bare "Segmentation fault" with no hint.
//
// The SIGSEGV/SIGBUS handler runs on an alternate signal stack that each PHP thread sets up (the
// thread's own stack is exhausted). A fault whose address is in or next to a PHP thread's stack
// guard is this case; any other fault is given back to the handler that was there before (the
// default action, or a sanitizer's report) by reinstalling it and letting the instruction fault
// again.
//
// Threads: install on the main thread before PHP threads start; enter/leave and note_script on the
// PHP thread they describe; the handler on the faulting thread.
#pragma once

#include "sapi/stack_guard.h"

namespace pogo::sapi {

void install_stack_overflow_handler();

// Sets up the calling PHP thread's alternate signal stack and remembers its stack guard area.
void stack_overflow_enter_thread(unsigned index, const ThreadStack& stack);
void stack_overflow_leave_thread();
// The script the calling thread is about to run, for the message (copied; truncated if long).
void stack_overflow_note_script(const char* script);

}  // namespace pogo::sapi

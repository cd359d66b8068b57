// Stopping the PHP scripts that still run when the server's grace period is over, from another
// thread, the way max_execution_time stops a script: the target thread's EG(vm_interrupt) is set,
// so its VM calls zend_interrupt_function at the next jump or call, and ours raises a fatal error
// there ("the server is shutting down...") — the script ends, its shutdown functions and request
// shutdown run, the thread goes on to its end. A thread blocked in sleep() or another system call
// never reaches that check, so it is also sent kWakeSignal (a real-time signal with an empty
// handler, installed without SA_RESTART): the call returns early with EINTR and the VM sees the
// flag. PHP's own timer signal (SIGRTMIN) is not used: its handler passes any signal that is not
// its own timer's to the handler it found when the thread's timer was created — PHP's own, for
// every thread after the first — and would recurse forever.
//
// EG(timed_out) is not used either: it would make the message "Maximum execution time of N
// seconds exceeded", which names a limit the script did not reach.
//
// The same hook serves the other reason to stop a script early: a worker request whose client went
// away is unwound there (sapi/client_abort.h).
//
// A thread waiting for work (between requests, or a worker inside frankenphp_handle_request()
// waiting for the next one) is not interrupted: it is not running a script, and setting the flag
// there would kill a worker script on its way out of its loop.
//
// Threads: install/remove on the main thread around the engine's life; the thread_* functions on
// the PHP thread they describe; interrupt_running_scripts() from any thread.
#pragma once

#include <cstdint>

namespace pogo::sapi {

// Main thread, after php_module_startup (zend_interrupt_function is reset by zend_startup).
void install_script_interrupt();
void remove_script_interrupt();

// A PHP thread registers once it has its TSRM context, and leaves before freeing it. `group` names
// the threads of one running configuration (cli/instance.h), so a reload can interrupt the scripts
// of the configuration it retires and only those; 0 = no group.
void script_interrupt_enter_thread(uint64_t group = 0);
void script_interrupt_leave_thread();
// The thread runs a script or a request (false), or waits for work (true). Starting a script also
// clears an earlier interruption, so a script started after one is not hit by it.
void script_interrupt_set_waiting(bool waiting);

// Interrupts every registered thread that is not waiting for work (of `group` only, unless it is
// 0); returns how many. Repeat it (a thread can enter a blocking call just after the signal
// arrived): a script already interrupted is interrupted again, which also stops a shutdown
// function that blocks.
unsigned interrupt_running_scripts(uint64_t group = 0);
// A group number never handed out before (any thread).
uint64_t new_interrupt_group();

}  // namespace pogo::sapi

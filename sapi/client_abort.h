// A client that goes away during a worker request ends that request, not the worker. In classic
// mode PHP ends the script with a bailout (php_handle_aborted_connection), which is fine: the next
// request starts a fresh one. A worker's script lives across requests, and a bailout would end it
// (and restart it, losing its booted state). So for a worker request the abort is deferred to the
// next point where the VM checks for interrupts, and delivered there as an exit() unwinding the
// handler only; frankenphp_handle_request() then takes it back (take_pending_unwind()) and the
// loop goes on. With ignore_user_abort(true) nothing is unwound: the handler runs to its end, its
// output discarded, as PHP does everywhere.
//
// The interrupt check is script_interrupt's zend_interrupt_function (one hook for both reasons to
// stop a script early), which asks take_unwind_request().
//
// Threads: every function, the calling PHP thread (the state is per thread).
#pragma once

namespace pogo::sapi {

// The client of the current worker request went away: mark the connection aborted, stop output,
// and unless ignore_user_abort is on, unwind the handler at its next interrupt check.
void abort_worker_request();
// Around the call of a worker's handler: only there is an abort unwound. end_handler() is true
// when the unwinding now under way in the handler was ours, not the script's exit().
void begin_handler();
bool end_handler();

// At an interrupt check: true (once) when this thread's handler is to be unwound now; the caller
// throws, and end_handler() then recognises the unwinding as ours.
bool take_unwind_request();

}  // namespace pogo::sapi

// A client that goes away during a worker request ends that request, not the worker. In classic
// mode PHP ends the script with a bailout (php_handle_aborted_connection), which is fine: the next
// request starts a fresh one. A worker's script lives across requests, and a bailout would end it
// (and restart it, losing its booted state). So for a worker request the abort is deferred to the
// next point where the VM checks for interrupts, and delivered there as an exit() unwinding the
// handler only; frankenphp_handle_request() then takes it back (take_pending_unwind()) and the
// loop goes on. With ignore_user_abort(true) nothing is unwound: the handler runs to its end, its
// output discarded, as PHP does everywhere.
//
// Threads: abort_worker_request()/begin_handler()/end_handler() the calling PHP thread (state is per thread);
// install/remove the main thread, at engine start/stop.
#pragma once

namespace pogo::sapi {

// The client of the current worker request went away: mark the connection aborted, stop output,
// and unless ignore_user_abort is on, unwind the handler at its next interrupt check.
void abort_worker_request();
// Around the call of a worker's handler: only there is an abort unwound. end_handler() is true
// when the unwinding now under way in the handler was ours, not the script's exit().
void begin_handler();
bool end_handler();

void install_abort_interrupt();
void remove_abort_interrupt();

}  // namespace pogo::sapi

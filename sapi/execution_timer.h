// max_execution_time's timer, kept by the PHP thread from one request to the next.
//
// PHP 8.2 built thread-safe on Linux (ZEND_MAX_EXECUTION_TIMERS) gives every request a POSIX timer
// of its own: request startup calls getpid twice, gettid, timer_create and sigaction, and request
// shutdown getpid and timer_delete. The timer itself is per thread and disarmed when the request
// ends, so one timer per thread serves every request; that saves five of those seven system calls
// per classic request. PHP decides with EG(pid): its shutdown deletes the timer only when EG(pid) is
// the process's pid, and its startup creates one only when it is not.
//
// Threads: each function on the PHP thread whose request it concerns.
#pragma once

namespace pogo::sapi {

// Around php_request_shutdown(): `before` makes PHP's shutdown leave the timer (already disarmed
// by then), `after` lets the next startup reuse it. `before` returns what `after` needs.
int execution_timer_before_shutdown();
void execution_timer_after_shutdown(int kept);
// At the end of the thread, before ts_free_thread(): deletes the timer PHP no longer will.
void execution_timer_release();

}  // namespace pogo::sapi

// What a PHP thread does with its life: a PhpThread loops asking its strategy "next script, or
// stop?", runs what it gets, and reports how it went. The regular strategy takes exchanges from the
// backend's queue and runs each one's script; worker mode is another strategy (it hands out the
// worker script once, and frankenphp_handle_request() asks it for requests), pool threads a third.
//
// Threads: a strategy belongs to one PhpThread and is called only on that thread.
#pragma once

#include "sapi/request.h"

namespace pogo::sapi {

enum class ThreadState {
  Booting,   // creating its TSRM context
  Ready,     // waiting in next() for work
  Busy,      // running a script
  Stopping,  // next() said stop; releasing its TSRM context
  Done,      // ended normally
  Broken,    // ended after a bailout outside the script; the backend replaces it
  // (A thread that ended to be recycled, or idle, is Done; its owner then replaces or removes it.)
};

const char* to_string(ThreadState state);

class ThreadStrategy {
 public:
  virtual ~ThreadStrategy() = default;
  virtual const char* name() const = 0;
  // Blocks until there is a script to run and fills ctx (script, exchange). false: stop the thread.
  virtual bool next(RequestContext& ctx) = 0;
  // Runs the script next() chose; by default the classic lifecycle (run_request). Worker mode
  // runs its script without an exchange and binds requests to it as they come.
  virtual RequestOutcome run(RequestContext& ctx) { return run_request(ctx); }
  // The script of the last next() has ended and its exchange is finished.
  virtual void done(RequestOutcome outcome) { (void)outcome; }
  // Asked once next() returned false: true when the thread ended to be replaced by a fresh one
  // (max_requests reached), not because the backend stops.
  virtual bool wants_replacement() const { return false; }
  // Asked once next() returned false: true when a thread added by scaling stopped because it had
  // no work for its idle limit; its owner removes it (no replacement).
  virtual bool ended_idle() const { return false; }
};

}  // namespace pogo::sapi

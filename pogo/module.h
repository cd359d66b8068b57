// The `pogo` PHP module: the functions pogo_dispatch, pogo_await, pogo_await_all, pogo_pool_size
// (functions.cpp) and the Pogo\*Exception classes (exceptions.h). The engine is given
// module_entry() at start-up (sapi::EngineOptions::extra_modules); the functions find their pools
// through the installed Runtime (runtime.h).
//
// Per-request state: the handles a request dispatched. RSHUTDOWN ends it for every SAPI request
// (on_request_end()); worker mode must also call on_request_end() after each request it serves
// inside one long-running script (PhpJobSource does it after each job).
//
// Threads: module_entry() on the main thread before the engine starts; on_request_end() on the
// PHP thread whose request ends.
#pragma once

struct _zend_module_entry;
typedef struct _zend_module_entry zend_module_entry;

namespace pogo::jobs {

zend_module_entry* module_entry();

// Cancels every job this thread's request dispatched and did not await (queued: removed and
// never run; running: result discarded).
void on_request_end();

}  // namespace pogo::jobs

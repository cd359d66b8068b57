// The PHP state of one request served inside a running worker script. A worker script is one PHP
// request (php_request_startup ... php_request_shutdown) that lives as long as the worker; inside
// it, frankenphp_handle_request() switches between two scopes:
//
//   idle scope     output layer and SAPI active, no request: output is dropped, the superglobals
//                  are the boot's. The worker's boot runs in it, and the code between two calls.
//   request scope  after bind_request(): output layer and SAPI activated for that request (body,
//                  cookies, headers list), superglobals rebuilt, php.ini output buffering.
//
// end_request_scope() resets exactly the per-request state: output flushed and the headers sent,
// the session written and closed (with filter and the extra modules: their RSHUTDOWN + RINIT),
// $_FILES's temp files deleted, php://input's buffer freed, SAPI state freed, memory_limit back to
// the boot's value. Globals, statics, classes and functions persist.
//
// Threads: a worker thread, inside its script. C-like: each may bail out (a fatal error in an
// output handler, the memory limit); a bailout reaches php_execute_script, which ends the script,
// and the worker strategy finishes whatever request is still bound.
#pragma once

namespace pogo::sapi {

void begin_request_scope();
void end_request_scope();
void begin_idle_scope();
void end_idle_scope();

// Remembers the current memory_limit as the one every request starts with (the boot's).
void remember_boot_memory_limit();

}  // namespace pogo::sapi

// One PHP request on a PHP thread: the Exchange it answers, and the per-request data the SAPI
// callbacks hand to PHP. run_request() is the classic lifecycle — fill SG(request_info),
// php_request_startup, execute the script, php_request_shutdown — and finishes the exchange.
//
// Threads: a PHP thread (one with a TSRM context), for the request it is running. The context is
// reached by the SAPI callbacks through current_request(), a thread-local pointer.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "server/exchange.h"

namespace pogo::sapi {

struct RequestContext {
  std::shared_ptr<server::Exchange> exchange;  // null while a script runs without a request
  const server::RequestHead* head = nullptr;   // exchange->head(), cached
  std::string script;                          // absolute path of the script to execute
  // Variables a worker adds to getenv() and $_SERVER (its `env`, FRANKENPHP_WORKER=1), or null.
  const std::vector<std::pair<std::string, std::string>>* worker_env = nullptr;

  // Buffers kept across requests (capacity reused): SG(request_info).cookie_data, and scratch for
  // building $_SERVER names and values. Their bytes are owned here, never by PHP.
  std::string cookies;
  std::string name_buf;
  std::string value_buf;

  // A fatal error turned the unsent head into a 500 (error_status_cb): the head goes out marked as
  // an error (server::ResponseHead::error) with PHP's message and "file:line" as its trace.
  bool fatal_error = false;
  std::string fatal_message;
  std::string fatal_trace;

  // run_request() (a classic request, not a worker's): finish_response_early() may finish the
  // exchange during PHP's request shutdown.
  bool finish_early = false;

  void reset() {
    exchange.reset();
    head = nullptr;
    fatal_error = false;
    finish_early = false;
  }
};

// The request the calling PHP thread is running, or nullptr.
RequestContext* current_request();

enum class RequestOutcome {
  Done,    // the script ran (or failed inside PHP's own error handling); the thread is fine
  Broken,  // a bailout escaped request startup or shutdown: the thread's PHP state is suspect
};

// A fatal error or uncaught exception before the head was sent turns the response into a 500 (the
// output so far kept as its body). Main thread: after php_module_startup / before shutdown.
void install_error_status_hook();
void remove_error_status_hook();

// Runs ctx.script for ctx.exchange and finishes the exchange, whatever happens: bind_request,
// PHP's request startup / script / shutdown, unbind_request.
RequestOutcome run_request(RequestContext& ctx);

// The two halves around PHP's request state, also for worker mode (frankenphp_handle_request
// binds each exchange it takes to the worker's running script):
// makes ctx (with its exchange set) the thread's current request and fills SG(request_info);
void bind_request(RequestContext& ctx);
// finishes the exchange (a 500 head first when `broken` and nothing was sent), clears the binding.
void unbind_request(RequestContext& ctx, bool broken);
// Worker mode, between requests: ctx (no exchange) is the thread's current context and
// SG(request_info) describes only the script (no method, body, cookies or auth).
void bind_script(RequestContext& ctx);
void unbind_script(RequestContext& ctx);

// The frankenphp module's RSHUTDOWN, on a classic request: PHP has by then run the shutdown
// functions and destructors and flushed every output buffer, so the response is complete; the head
// (if nothing was written) and the end go out now, and the client no longer waits for the rest of
// the teardown (the other extensions' RSHUTDOWN, the executor, the request's memory) — about a
// tenth of a millisecond per request. Not while a PHP session is open: the session extension
// writes it in its own RSHUTDOWN, after ours, and a client's next request must see it. Output
// after this point (a warning from a later RSHUTDOWN) is dropped, as after fastcgi_finish_request().
void finish_response_early();

// PHP's request startup, the script, request shutdown (the middle of run_request). C-like: call
// it with no C++ object alive that a bailout must not skip. true: the thread's PHP state is intact.
bool execute_script(const char* script);

}  // namespace pogo::sapi

#include "sapi/request.h"

#include "sapi/php_includes.h"
#if HAVE_PHP_SESSION
#include <ext/session/php_session.h>
#endif
#include "sapi/execution_timer.h"
#include "sapi/php_thread.h"
#include "server/log.h"

namespace pogo::sapi {

namespace {

thread_local RequestContext* t_current = nullptr;

// SG(request_info).cookie_data: every Cookie header (HTTP/2 splits them) joined with "; ", NUL
// bytes removed.
void join_cookies(RequestContext& ctx) {
  ctx.cookies.clear();
  for (const auto& h : ctx.head->headers) {
    if (!server::header_name_equals(h.name, "cookie")) continue;
    if (!ctx.cookies.empty()) ctx.cookies += "; ";
    for (char c : h.value)
      if (c != '\0') ctx.cookies += c;
  }
}

// Every pointer given to PHP points into the RequestHead (immutable, alive as long as the exchange)
// or into ctx; PHP copies what it keeps and frees only what it allocated itself (auth_*).
void fill_request_info(RequestContext& ctx) {
  const server::RequestHead& h = *ctx.head;
  sapi_request_info& ri = SG(request_info);
  ri.request_method = h.method.c_str();
  ri.query_string = const_cast<char*>(h.query.c_str());
  ri.request_uri = const_cast<char*>(h.uri.c_str());
  ri.path_translated = const_cast<char*>(ctx.script.c_str());
  const std::string* ct = h.header("Content-Type");
  ri.content_type = ct ? ct->c_str() : nullptr;
  ri.content_length = h.content_length ? zend_long(*h.content_length) : (h.has_body ? -1 : 0);
  ri.cookie_data = nullptr;
  ri.argc = 0;
  ri.argv = nullptr;
  const std::string* auth = h.header("Authorization");
  php_handle_auth_data(auth ? auth->c_str() : nullptr);  // PHP_AUTH_USER / PHP_AUTH_PW
  SG(sapi_headers).http_response_code = 200;
  SG(server_context) = &ctx;
}

void (*g_next_error_cb)(int, zend_string*, uint32_t, zend_string*) = nullptr;

void note_fatal(RequestContext& ctx, zend_string* message, zend_string* file, uint32_t line) noexcept {
  try {
    ctx.fatal_error = true;
    ctx.fatal_message.assign(message ? ZSTR_VAL(message) : "", message ? ZSTR_LEN(message) : 0);
    ctx.fatal_trace.assign(file ? ZSTR_VAL(file) : "", file ? ZSTR_LEN(file) : 0);
    ctx.fatal_trace += ":" + std::to_string(line);
  } catch (...) {  // out of memory: the 500 still goes out, unmarked
    ctx.fatal_error = false;
  }
}

// zend_error_cb, in front of PHP's: a fatal error (uncaught exceptions included) while the head
// is still unsent makes the response a 500, before PHP displays the error — so the status holds
// with display_errors on too (PHP's own rule only covers display_errors off). exit() never comes
// here and keeps the status the script chose. C-like: PHP's handler bails out from below.
// The message is kept for handle_errors (RequestContext::fatal_error); nothing with a destructor
// is alive in this frame when PHP's handler bails out.
void error_status_cb(int type, zend_string* file, const uint32_t line, zend_string* message) {
  constexpr int kFatal = E_ERROR | E_CORE_ERROR | E_COMPILE_ERROR | E_USER_ERROR | E_RECOVERABLE_ERROR | E_PARSE;
  if ((type & kFatal) && t_current && !SG(headers_sent) && SG(sapi_headers).http_response_code == 200) {
    SG(sapi_headers).http_response_code = 500;
    note_fatal(*t_current, message, file, line);
  }
  g_next_error_cb(type, file, line, message);
}

// C-like on purpose: the bailouts caught here unwind only trivially destructible locals.
// php_execute_script catches the script's own bailouts (fatal errors, exit(), timeouts); a bailout
// reaching these zend_try blocks came from request startup or shutdown. Returns true when the
// thread's PHP state is intact.
bool execute(const char* script) {
  volatile bool ok = false;
  zend_try {
    if (php_request_startup() == SUCCESS) {
      EG(exit_status) = 0;  // PHP resets it per process, not per request
      zend_file_handle fh;
      zend_stream_init_filename(&fh, script);
      php_execute_script(&fh);
      zend_destroy_file_handle(&fh);
      if (PhpThread* thread = PhpThread::current()) thread->activity().note_memory(zend_memory_usage(false));
      ok = true;
    }
  } zend_end_try();
  if (!ok && !PG(modules_activated)) {
    // Startup bailed out before the extensions' RINIT (e.g. the memory limit hit while parsing
    // the body). Request shutdown calls every extension's post-deactivate hook regardless, and
    // those expect RINIT to have run (ext/date reads its per-request state): run RINIT now.
    zend_try {
      zend_activate_modules();
      PG(modules_activated) = 1;
    } zend_end_try();
  }
  const int timer = execution_timer_before_shutdown();  // the thread keeps its timer
  zend_try {
    php_request_shutdown(nullptr);
  } zend_catch {
    ok = false;
  } zend_end_try();
  execution_timer_after_shutdown(timer);
  return ok;
}

}  // namespace

RequestContext* current_request() { return t_current; }

void finish_response_early() {
  RequestContext* ctx = t_current;
  if (!ctx || !ctx->finish_early || !ctx->exchange || ctx->exchange->finished()) return;
#if HAVE_PHP_SESSION
  if (PS(session_status) == php_session_active) return;
#endif
  if (!SG(headers_sent)) sapi_send_headers();
  try {
    ctx->exchange->finish();
  } catch (const std::exception& e) {
    log::error("php", "finishing the response failed", {{"error", e.what()}});
  }
}

void install_error_status_hook() {
  if (g_next_error_cb) return;
  g_next_error_cb = zend_error_cb;
  zend_error_cb = error_status_cb;
}

void remove_error_status_hook() {
  if (!g_next_error_cb) return;
  zend_error_cb = g_next_error_cb;
  g_next_error_cb = nullptr;
}

void bind_request(RequestContext& ctx) {
  ctx.head = &ctx.exchange->head();
  ctx.fatal_error = false;
  t_current = &ctx;
  if (PhpThread* thread = PhpThread::current()) thread->activity().begin(ctx.head->method, ctx.head->uri);
  join_cookies(ctx);
  fill_request_info(ctx);
}

void unbind_request(RequestContext& ctx, bool broken) {
  SG(server_context) = nullptr;
  SG(request_info).cookie_data = nullptr;
  t_current = nullptr;
  if (PhpThread* thread = PhpThread::current()) thread->activity().end();
  server::Exchange& ex = *ctx.exchange;
  try {
    if (broken) {
      log::error("php", "request failed outside the script; replacing the thread",
                 {{"uri", ctx.head->uri}, {"script", ctx.script}});
      if (!ex.head_sent()) ex.send_head(server::ResponseHead{500, {}});
    }
    ex.finish();
  } catch (const std::exception& e) {
    log::error("php", "finishing the response failed", {{"error", e.what()}});
  }
  ctx.reset();
}

void bind_script(RequestContext& ctx) {
  ctx.head = nullptr;
  t_current = &ctx;
  ctx.cookies.clear();
  sapi_request_info& ri = SG(request_info);
  ri.request_method = nullptr;
  ri.query_string = nullptr;
  ri.request_uri = nullptr;
  ri.path_translated = const_cast<char*>(ctx.script.c_str());
  ri.content_type = nullptr;
  ri.content_length = 0;
  ri.cookie_data = nullptr;
  ri.argc = 0;
  ri.argv = nullptr;
  ri.auth_user = ri.auth_password = ri.auth_digest = nullptr;
  SG(sapi_headers).http_response_code = 200;
  SG(server_context) = nullptr;  // SAPI: no body to read, no cookies
}

void unbind_script(RequestContext& ctx) {
  (void)ctx;
  SG(request_info).path_translated = nullptr;
  t_current = nullptr;
}

bool execute_script(const char* script) { return execute(script); }

RequestOutcome run_request(RequestContext& ctx) {
  bind_request(ctx);
  ctx.finish_early = true;
  bool ok = execute(ctx.script.c_str());
  unbind_request(ctx, !ok);
  return ok ? RequestOutcome::Done : RequestOutcome::Broken;
}

}  // namespace pogo::sapi

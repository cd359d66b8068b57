#include "sapi/sapi_module.h"

#include <syslog.h>

#include <string_view>

#include "sapi/php_includes.h"
#include "sapi/client_abort.h"
#include "sapi/ini_config.h"
#include "sapi/request.h"
#include "sapi/worker_strategy.h"
#include "sapi/server_variables.h"
#include "server/log.h"

namespace pogo::sapi {

namespace {

server::Exchange* current_exchange() {
  RequestContext* ctx = current_request();
  return ctx ? ctx->exchange.get() : nullptr;
}

int startup(sapi_module_struct* module) { return php_module_startup(module, nullptr); }

// sapi_activate() resets proto_num to HTTP/1.0; header('Location: ...') needs the real one.
int activate() {
  if (RequestContext* ctx = current_request(); ctx && ctx->head)
    SG(request_info).proto_num = ctx->head->http_major * 1000 + ctx->head->http_minor;
  return SUCCESS;
}

// Output goes straight into the response pipe (blocking while it is full). A failed write means
// the client went away: PHP marks the connection aborted, and ends the script unless
// ignore_user_abort is set — the bailout happens after this frame has nothing left to destroy.
size_t ub_write(const char* str, size_t len) {
  server::Exchange* ex = current_exchange();
  if (!ex) return len;  // no request (a worker booting): nowhere to send it
  bool ok;
  try {
    ok = ex->write(std::string_view(str, len));
  } catch (...) {
    ok = false;
  }
  if (!ok) {
    if (WorkerStrategy::current())
      abort_worker_request();  // ends the handler, not the worker script (sapi/client_abort.h)
    else
      php_handle_aborted_connection();
    return 0;
  }
  return len;
}

// PHP's flush(): the head (if nothing was written yet) and everything written so far go out now.
void flush(void* server_context) {
  if (!server_context) return;
  if (!SG(headers_sent)) sapi_send_headers();
  if (server::Exchange* ex = current_exchange()) ex->flush();
}

// Per-request environment (the Caddyfile's `env`), consulted by getenv() before the process's.
char* getenv(const char* name, size_t name_len) {
  RequestContext* ctx = current_request();
  if (!ctx || !ctx->head) return nullptr;
  std::string_view key(name, name_len);
  for (const auto& [k, v] : ctx->head->env)
    if (k == key) return const_cast<char*>(v.c_str());
  return nullptr;
}

// Status and every header line PHP collected, repeated ones (Set-Cookie) included. A line without
// a colon is dropped. "HTTP/1.1 418 ..." lines were already turned into http_response_code by PHP.
int send_headers(sapi_headers_struct* headers) {
  server::Exchange* ex = current_exchange();
  if (!ex) return SAPI_HEADER_SENT_SUCCESSFULLY;
  try {
    server::ResponseHead head;
    head.status = headers->http_response_code ? headers->http_response_code : 200;
    head.headers.reserve(zend_llist_count(&headers->headers));
    zend_llist_position pos;
    for (auto* h = static_cast<sapi_header_struct*>(zend_llist_get_first_ex(&headers->headers, &pos)); h;
         h = static_cast<sapi_header_struct*>(zend_llist_get_next_ex(&headers->headers, &pos))) {
      std::string_view line(h->header, h->header_len);
      size_t colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0) continue;
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
      head.headers.push_back({std::string(line.substr(0, colon)), std::string(value)});
    }
    if (RequestContext* ctx = current_request(); ctx && ctx->fatal_error && head.status == 500) {
      head.error = true;
      head.error_message = ctx->fatal_message;
      head.error_trace = ctx->fatal_trace;
    }
    ex->send_head(std::move(head));
  } catch (const std::exception& e) {
    log::error("php", "sending response headers failed", {{"error", e.what()}});
    return SAPI_HEADER_SEND_FAILED;
  }
  return SAPI_HEADER_SENT_SUCCESSFULLY;
}

// PHP treats a short read as the end of the body, so fill the buffer unless the body ended.
size_t read_post(char* buffer, size_t count) {
  RequestContext* ctx = current_request();
  if (!ctx || !ctx->exchange || !ctx->head->has_body) return 0;
  size_t got = 0;
  while (got < count) {
    size_t n = ctx->exchange->read_body(buffer + got, count - got);
    if (n == 0) break;
    got += n;
  }
  return got;
}

char* read_cookies() {
  RequestContext* ctx = current_request();
  if (!ctx || ctx->cookies.empty()) return nullptr;
  return ctx->cookies.data();
}

// PHP's own log (log_errors, error_log() without a file): the server log, with the request's URI.
void log_message(const char* message, int syslog_type) {
  log::Level level = syslog_type <= LOG_ERR       ? log::Level::Error
                     : syslog_type == LOG_WARNING ? log::Level::Warn
                     : syslog_type == LOG_DEBUG   ? log::Level::Debug
                                                  : log::Level::Info;
  if (!log::enabled(level)) return;
  try {
    RequestContext* ctx = current_request();
    nlohmann::json fields = nlohmann::json::object();
    if (ctx && ctx->head) fields["uri"] = ctx->head->uri;
    log::write(level, "php", message, fields);
  } catch (...) {
  }
}

zend_result get_request_time(double* request_time) {
  RequestContext* ctx = current_request();
  if (!ctx || !ctx->head || ctx->head->request_time <= 0) return FAILURE;
  *request_time = ctx->head->request_time;
  return SUCCESS;
}

// Pogo's defaults, below every ini file: errors go to the server log, not to clients (PHP's
// built-in defaults do the opposite, and the build installs no php.ini), and never as HTML; and
// the defaults of Debian's own PHP build (ini_config.h).
void ini_defaults(HashTable* configuration) {
  for (const auto& [name, value] : debian_ini_defaults()) add_ini_default(configuration, name, value);
  add_ini_default(configuration, "display_errors", "0");
  add_ini_default(configuration, "log_errors", "1");
  add_ini_default(configuration, "html_errors", "0");
}

sapi_module_struct g_module = {
    .name = const_cast<char*>(kSapiName),                      // php_sapi_name()
    .pretty_name = const_cast<char*>("Pogo (FrankenPHP-compatible)"),  // phpinfo()'s "Server API"
    .startup = startup,                                        // MINIT of PHP and every extension
    .shutdown = php_module_shutdown_wrapper,                   // MSHUTDOWN
    .activate = activate,                                      // start of each request
    .deactivate = nullptr,                                     // nothing buffered to drop
    .ub_write = ub_write,                                      // output -> response pipe
    .flush = flush,                                            // flush(): head out if not yet
    .get_stat = nullptr,                                       // PHP stats the script itself
    .getenv = getenv,                                          // per-request env first
    .sapi_error = php_error,                                   // errors raised by SAPI.c
    .header_handler = nullptr,                                 // PHP keeps the header list
    .send_headers = send_headers,                              // status + headers -> Exchange
    .send_header = nullptr,                                    // unused: send_headers does all
    .read_post = read_post,                                    // request body, blocking
    .read_cookies = read_cookies,                              // joined Cookie headers
    .register_server_variables = register_server_variables,    // $_SERVER
    .log_message = log_message,                                // PHP's log -> server log
    .get_request_time = get_request_time,                      // REQUEST_TIME(_FLOAT)
    .terminate_process = nullptr,                              // never kill the server
    .php_ini_path_override = nullptr,                          // set by engine_start (-c)
    .default_post_reader = nullptr,                            // PHP's
    .treat_data = nullptr,                                     // PHP's
    .executable_location = nullptr,                            // no php binary beside us
    .php_ini_ignore = 0,                                       // read php.ini
    .php_ini_ignore_cwd = 1,                                   // ... but never from the cwd
    .get_fd = nullptr,                                         // no raw socket for PHP
    .force_http_10 = nullptr,                                  // the server speaks HTTP
    .get_target_uid = nullptr,                                 // no suexec-style checks
    .get_target_gid = nullptr,
    .input_filter = nullptr,                                   // PHP's (ext/filter's if loaded)
    .ini_defaults = ini_defaults,                              // Pogo's defaults, lowest rank
    .phpinfo_as_text = 0,                                      // phpinfo() as HTML
    .ini_entries = nullptr,                                    // set by engine_start (overrides)
    .additional_functions = nullptr,                           // frankenphp_* functions: next
    .input_filter_init = nullptr,
};

}  // namespace

_sapi_module_struct& server_sapi_module() { return g_module; }

}  // namespace pogo::sapi

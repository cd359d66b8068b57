#include "sapi/php_functions.h"

#include <string_view>

#include "sapi/php_includes.h"
#include "sapi/client_abort.h"
#include "sapi/request.h"
#include "sapi/thread_env.h"
#include "sapi/worker_strategy.h"
#include "server/log.h"
#include <ext/spl/spl_exceptions.h>

// PHP_FUNCTION bodies stay C-like (a bailout may unwind them): whatever needs C++ objects lives
// in the helpers of this anonymous namespace, which return before PHP code can run again.

namespace pogo::sapi {
namespace {

using Work = WorkerStrategy::Work;
using Ending = WorkerStrategy::Ending;

server::Exchange* current_exchange() {
  RequestContext* ctx = current_request();
  return ctx ? ctx->exchange.get() : nullptr;
}

// "Name: value" lines PHP collected -> headers (a line without a colon is dropped).
std::vector<server::Header> collected_headers() {
  std::vector<server::Header> out;
  zend_llist_position pos;
  for (auto* h = static_cast<sapi_header_struct*>(zend_llist_get_first_ex(&SG(sapi_headers).headers, &pos)); h;
       h = static_cast<sapi_header_struct*>(zend_llist_get_next_ex(&SG(sapi_headers).headers, &pos))) {
    std::string_view line(h->header, h->header_len);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    out.push_back({std::string(line.substr(0, colon)), std::string(value)});
  }
  return out;
}

bool send_interim(int status) {
  server::Exchange* ex = current_exchange();
  if (!ex || ex->head_sent()) return false;
  try {
    ex->send_interim(server::ResponseHead{status, collected_headers()});
    return true;
  } catch (const std::exception& e) {
    log::error("php", "sending an interim response failed", {{"error", e.what()}});
    return false;
  }
}

void finish_exchange(server::Exchange& ex) {
  try {
    ex.finish();
  } catch (const std::exception& e) {
    log::error("php", "finishing the response failed", {{"error", e.what()}});
  }
}

void fail_message(MessageSource& source, zend_object* ex) {
  zval rv;
  zval* m = zend_read_property_ex(zend_get_exception_base(ex), ex, ZSTR_KNOWN(ZEND_STR_MESSAGE), 1, &rv);
  if (m && Z_TYPE_P(m) == IS_STRING) source.fail(std::string_view(Z_STRVAL_P(m), Z_STRLEN_P(m)));
  else source.fail("the handler threw");
}

// frankenphp_log's context: scalars and arrays as JSON, anything else by its type (no PHP code
// runs: no __toString, no jsonSerialize).
nlohmann::json to_json(zval* v, int depth) {
  ZVAL_DEREF(v);
  switch (Z_TYPE_P(v)) {
    case IS_NULL: return nullptr;
    case IS_FALSE: return false;
    case IS_TRUE: return true;
    case IS_LONG: return Z_LVAL_P(v);
    case IS_DOUBLE: return Z_DVAL_P(v);
    case IS_STRING: return std::string(Z_STRVAL_P(v), Z_STRLEN_P(v));
    case IS_ARRAY: {
      if (depth > 32) return "array";
      HashTable* ht = Z_ARRVAL_P(v);
      bool list = zend_array_is_list(ht);
      nlohmann::json out = list ? nlohmann::json::array() : nlohmann::json::object();
      zend_string* key;
      zend_ulong idx;
      zval* item;
      ZEND_HASH_FOREACH_KEY_VAL(ht, idx, key, item) {
        if (list) out.push_back(to_json(item, depth + 1));
        else if (key) out[std::string(ZSTR_VAL(key), ZSTR_LEN(key))] = to_json(item, depth + 1);
        else out[std::to_string(idx)] = to_json(item, depth + 1);
      }
      ZEND_HASH_FOREACH_END();
      return out;
    }
    case IS_OBJECT: return std::string(ZSTR_VAL(Z_OBJCE_P(v)->name), ZSTR_LEN(Z_OBJCE_P(v)->name));
    default: return zend_zval_type_name(v);
  }
}

void write_log(zend_string* message, zend_long level, HashTable* context) {
  log::Level l = level < 0 ? log::Level::Debug : level < 4 ? log::Level::Info : level < 8 ? log::Level::Warn : log::Level::Error;
  if (!log::enabled(l)) return;
  try {
    nlohmann::json fields = nlohmann::json::object();
    if (context) {
      zval arr;
      ZVAL_ARR(&arr, context);
      nlohmann::json c = to_json(&arr, 0);
      if (c.is_object()) fields = std::move(c);
      else if (!c.empty()) fields["context"] = std::move(c);
    }
    log::write(l, "php", std::string_view(ZSTR_VAL(message), ZSTR_LEN(message)), fields);
  } catch (...) {
  }
}

void put_env(const char* setting, size_t len) {
  std::string_view s(setting, len);
  size_t eq = s.find('=');
  try {
    if (eq == std::string_view::npos) thread_env::put(s, nullptr, 0);
    else thread_env::put(s.substr(0, eq), setting + eq + 1, len - eq - 1);
  } catch (...) {
  }
}

// The variables a request or worker adds, after the process's: worker env, then request env.
const std::string* context_env(std::string_view name) {
  RequestContext* ctx = current_request();
  if (!ctx) return nullptr;
  if (ctx->head)
    for (const auto& [k, v] : ctx->head->env)
      if (k == name) return &v;
  if (ctx->worker_env)
    for (const auto& [k, v] : *ctx->worker_env)
      if (k == name) return &v;
  return nullptr;
}

void add_env(zval* arr, std::string_view name, const std::string* value) {
  if (value) add_assoc_stringl_ex(arr, name.data(), name.size(), value->data(), value->size());
  else zend_hash_str_del(Z_ARRVAL_P(arr), name.data(), name.size());
}

void all_env(zval* arr) {
  RequestContext* ctx = current_request();
  if (ctx && ctx->worker_env)
    for (const auto& [k, v] : *ctx->worker_env) add_env(arr, k, &v);
  if (ctx && ctx->head)
    for (const auto& [k, v] : ctx->head->env) add_env(arr, k, &v);
  thread_env::for_each([&](std::string_view name, const std::string* value) { add_env(arr, name, value); });
}

}  // namespace
}  // namespace pogo::sapi

using namespace pogo::sapi;
namespace server = pogo::server;

PHP_FUNCTION(frankenphp_handle_request) {
  zend_fcall_info fci;
  zend_fcall_info_cache fcc;
  ZEND_PARSE_PARAMETERS_START(1, 1)
    Z_PARAM_FUNC(fci, fcc)
  ZEND_PARSE_PARAMETERS_END();

  WorkerStrategy* worker = WorkerStrategy::current();
  if (!worker) {
    zend_throw_exception(spl_ce_RuntimeException, "frankenphp_handle_request() called while not in worker mode", 0);
    RETURN_THROWS();
  }
  if (worker->busy()) {
    zend_throw_exception(spl_ce_RuntimeException, "frankenphp_handle_request() called from its own handler", 0);
    RETURN_THROWS();
  }
  zval payload, result;
  ZVAL_UNDEF(&payload);
  ZVAL_UNDEF(&result);
  Work work = worker->take(&payload);
  if (work == Work::Stop) RETURN_FALSE;

  fci.retval = &result;
  fci.params = work == Work::Message ? &payload : nullptr;
  fci.param_count = work == Work::Message ? 1 : 0;
  fci.named_params = nullptr;
  if (work == Work::Request) begin_handler();
  zend_call_function(&fci, &fcc);
  bool client_left = work == Work::Request && end_handler();

  Ending ending = Ending::Returned;
  zend_object* ex = EG(exception);
  if (client_left && ex && zend_is_unwind_exit(ex)) {
    // The client went away: that request is over, the worker goes on (sapi/client_abort.h).
    zend_clear_exception();
    ex = nullptr;
  } else if (ex && (zend_is_unwind_exit(ex) || zend_is_graceful_exit(ex))) {
    // exit(): the request completes with what it sent, then the unwinding resumes and ends the
    // script (the worker is restarted).
    ending = Ending::Exited;
    EG(exception) = nullptr;
  } else if (ex) {
    ending = Ending::Threw;
    if (work == Work::Message) {
      fail_message(*worker->source(), ex);
      zend_clear_exception();
    } else {
      zend_exception_error(ex, E_ERROR);  // logged as uncaught; a 500 unless something was sent
    }
  }
  worker->finish(work, ending, &result);
  zval_ptr_dtor(&payload);
  zval_ptr_dtor(&result);
  if (ending == Ending::Exited) {
    EG(exception) = ex;
    RETURN_FALSE;
  }
  RETURN_TRUE;
}

PHP_FUNCTION(frankenphp_finish_request) {
  ZEND_PARSE_PARAMETERS_NONE();
  server::Exchange* ex = current_exchange();
  if (!ex || ex->finished()) RETURN_FALSE;
  php_output_end_all();
  if (!SG(headers_sent)) sapi_send_headers();
  finish_exchange(*ex);
  RETURN_TRUE;
}

PHP_FUNCTION(headers_send) {
  zend_long status = 200;
  ZEND_PARSE_PARAMETERS_START(0, 1)
    Z_PARAM_OPTIONAL
    Z_PARAM_LONG(status)
  ZEND_PARSE_PARAMETERS_END();
  if (status >= 100 && status < 200) RETURN_LONG(send_interim(int(status)) ? status : 0);
  if (!current_exchange() || SG(headers_sent)) RETURN_LONG(0);
  SG(sapi_headers).http_response_code = int(status);
  RETURN_LONG(sapi_send_headers() == SUCCESS ? status : 0);
}

PHP_FUNCTION(frankenphp_request_headers) {
  ZEND_PARSE_PARAMETERS_NONE();
  array_init(return_value);
  RequestContext* ctx = current_request();
  if (!ctx || !ctx->head) return;
  for (const auto& h : ctx->head->headers) {
    zval* existing = zend_hash_str_find(Z_ARRVAL_P(return_value), h.name.data(), h.name.size());
    if (existing && Z_TYPE_P(existing) == IS_STRING) {
      zend_string* joined = zend_string_concat3(Z_STRVAL_P(existing), Z_STRLEN_P(existing), ", ", 2, h.value.data(), h.value.size());
      zval_ptr_dtor(existing);
      ZVAL_STR(existing, joined);
    } else {
      add_assoc_stringl_ex(return_value, h.name.data(), h.name.size(), h.value.data(), h.value.size());
    }
  }
}

PHP_FUNCTION(frankenphp_response_headers) {
  ZEND_PARSE_PARAMETERS_NONE();
  array_init(return_value);
  zend_llist_position pos;
  for (auto* h = static_cast<sapi_header_struct*>(zend_llist_get_first_ex(&SG(sapi_headers).headers, &pos)); h;
       h = static_cast<sapi_header_struct*>(zend_llist_get_next_ex(&SG(sapi_headers).headers, &pos))) {
    const char* colon = static_cast<const char*>(memchr(h->header, ':', h->header_len));
    if (!colon || colon == h->header) continue;
    const char* value = colon + 1;
    const char* end = h->header + h->header_len;
    while (value < end && (*value == ' ' || *value == '\t')) ++value;
    add_assoc_stringl_ex(return_value, h->header, size_t(colon - h->header), value, size_t(end - value));
  }
}

PHP_FUNCTION(frankenphp_log) {
  zend_string* message;
  zend_long level = 0;
  HashTable* context = nullptr;
  ZEND_PARSE_PARAMETERS_START(1, 3)
    Z_PARAM_STR(message)
    Z_PARAM_OPTIONAL
    Z_PARAM_LONG(level)
    Z_PARAM_ARRAY_HT(context)
  ZEND_PARSE_PARAMETERS_END();
  write_log(message, level, context);
}

// putenv(): this thread's environment only (thread_env.h).
ZEND_NAMED_FUNCTION(pogo_putenv) {
  char* setting;
  size_t setting_len;
  ZEND_PARSE_PARAMETERS_START(1, 1)
    Z_PARAM_STRING(setting, setting_len)
  ZEND_PARSE_PARAMETERS_END();
  if (setting_len == 0 || setting[0] == '=') {
    zend_argument_value_error(1, "must have a valid syntax");
    RETURN_THROWS();
  }
  put_env(setting, setting_len);
  RETURN_TRUE;
}

// getenv(): this thread's putenv() first, then the request's and the worker's `env`, then the
// process environment.
ZEND_NAMED_FUNCTION(pogo_getenv) {
  char* name = nullptr;
  size_t name_len = 0;
  bool local_only = false;
  ZEND_PARSE_PARAMETERS_START(0, 2)
    Z_PARAM_OPTIONAL
    Z_PARAM_STRING_OR_NULL(name, name_len)
    Z_PARAM_BOOL(local_only)
  ZEND_PARSE_PARAMETERS_END();
  if (!name) {
    array_init(return_value);
    php_import_environment_variables(return_value);
    all_env(return_value);
    return;
  }
  std::string_view value;
  switch (thread_env::find(std::string_view(name, name_len), value)) {
    case 1: RETURN_STRINGL(value.data(), value.size());
    case 0: RETURN_FALSE;
    default: break;
  }
  if (!local_only) {
    if (const std::string* v = context_env(std::string_view(name, name_len))) RETURN_STRINGL(v->data(), v->size());
  }
  // The process environment, read under PHP's lock (name is NUL-terminated by the parser).
  tsrm_env_lock();
  const char* v = ::getenv(name);
  if (v) RETVAL_STRING(v);
  else RETVAL_FALSE;
  tsrm_env_unlock();
}

namespace {

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_handle_request, 0, 1, _IS_BOOL, 0)
  ZEND_ARG_TYPE_INFO(0, callback, IS_CALLABLE, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_finish_request, 0, 0, _IS_BOOL, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_headers_send, 0, 0, IS_LONG, 0)
  ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, status, IS_LONG, 0, "200")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_headers_array, 0, 0, IS_ARRAY, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_log, 0, 1, IS_VOID, 0)
  ZEND_ARG_TYPE_INFO(0, message, IS_STRING, 0)
  ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, level, IS_LONG, 0, "0")
  ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, context, IS_ARRAY, 0, "[]")
ZEND_END_ARG_INFO()

const zend_function_entry g_functions[] = {
    ZEND_FE(frankenphp_handle_request, arginfo_handle_request)
    ZEND_FE(frankenphp_finish_request, arginfo_finish_request)
    ZEND_FALIAS(fastcgi_finish_request, frankenphp_finish_request, arginfo_finish_request)
    ZEND_FE(headers_send, arginfo_headers_send)
    ZEND_FE(frankenphp_request_headers, arginfo_headers_array)
    ZEND_FALIAS(apache_request_headers, frankenphp_request_headers, arginfo_headers_array)
    ZEND_FALIAS(getallheaders, frankenphp_request_headers, arginfo_headers_array)
    ZEND_FE(frankenphp_response_headers, arginfo_headers_array)
    ZEND_FALIAS(apache_response_headers, frankenphp_response_headers, arginfo_headers_array)
    ZEND_FE(frankenphp_log, arginfo_log)
    ZEND_FE_END
};

void replace_handler(const char* name, zif_handler handler) {
  auto* f = static_cast<zend_function*>(zend_hash_str_find_ptr(CG(function_table), name, std::strlen(name)));
  if (f && f->type == ZEND_INTERNAL_FUNCTION) f->internal_function.handler = handler;
}

PHP_MINIT_FUNCTION(frankenphp) {
  REGISTER_LONG_CONSTANT("FRANKENPHP_LOG_LEVEL_DEBUG", -4, CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("FRANKENPHP_LOG_LEVEL_INFO", 0, CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("FRANKENPHP_LOG_LEVEL_WARN", 4, CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("FRANKENPHP_LOG_LEVEL_ERROR", 8, CONST_CS | CONST_PERSISTENT);
  // Before any PHP thread exists: every thread's function table is copied from this one.
  replace_handler("putenv", pogo_putenv);
  replace_handler("getenv", pogo_getenv);
  return SUCCESS;
}

PHP_RSHUTDOWN_FUNCTION(frankenphp) {
  thread_env::clear();  // putenv() does not outlive the PHP request (a worker: its script)
  finish_response_early();
  return SUCCESS;
}

const zend_module_dep g_deps[] = {
    ZEND_MOD_REQUIRED("standard")
    ZEND_MOD_REQUIRED("spl")
    ZEND_MOD_END
};

zend_module_entry g_module = {
    STANDARD_MODULE_HEADER_EX,
    nullptr,                      // ini entries
    g_deps,                       // putenv/getenv are standard's; RuntimeException is SPL's
    "frankenphp",                 // name
    g_functions,                  // functions
    PHP_MINIT(frankenphp),        // module start-up: constants, putenv/getenv
    nullptr,                      // module shutdown
    nullptr,                      // request start-up
    PHP_RSHUTDOWN(frankenphp),    // request shutdown: per-thread putenv dropped
    nullptr,                      // phpinfo()
    "0.1.0",                      // version
    STANDARD_MODULE_PROPERTIES
};

}  // namespace

_zend_module_entry* pogo::sapi::frankenphp_module_entry() { return &g_module; }

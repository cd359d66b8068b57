#include "sapi/worker_scope.h"

#include <cstring>

#include "sapi/engine.h"
#include "sapi/php_includes.h"
#include "sapi/request.h"

namespace pogo::sapi {

namespace {

// The modules whose per-request state must not cross requests inside one worker script: their
// RSHUTDOWN then RINIT run after each request (session writes and closes the session; filter
// drops its copies of the raw input; the extra modules, such as pogo, end the request's jobs).
// Resolved once: the module registry does not change after start-up.
struct ResetModules {
  zend_module_entry* list[16];
  unsigned count = 0;
  ResetModules() {
    auto add = [&](const char* name) {
      if (count == sizeof list / sizeof list[0]) return;
      auto* m = static_cast<zend_module_entry*>(zend_hash_str_find_ptr(&module_registry, name, std::strlen(name)));
      if (m && (m->request_shutdown_func || m->request_startup_func)) list[count++] = m;
    };
    add("session");
    add("filter");
    for (const auto& name : extra_module_names()) add(name.c_str());
  }
};

const ResetModules& reset_modules() {
  static const ResetModules modules;
  return modules;
}

thread_local char t_boot_memory_limit[32] = "";

void reset_memory_limit() {
  if (!t_boot_memory_limit[0]) return;
  const char* now = zend_ini_string_ex("memory_limit", sizeof("memory_limit") - 1, 0, nullptr);
  if (now && std::strcmp(now, t_boot_memory_limit) == 0) return;
  zend_string* key = zend_string_init("memory_limit", sizeof("memory_limit") - 1, 0);
  zend_alter_ini_entry_chars(key, t_boot_memory_limit, std::strlen(t_boot_memory_limit), PHP_INI_USER,
                             PHP_INI_STAGE_RUNTIME);
  zend_string_release(key);
}

// The superglobals of the bound request. $_GET, $_POST, $_COOKIE, $_FILES (and $_SERVER,
// $_REQUEST once the script has used them) are rebuilt now: the worker's code was compiled
// long ago, so the compiler's just-in-time creation would never run again for it. $_ENV is the
// process's and stays. $_SESSION goes: session_start() makes a new one.
void rebuild_superglobals() {
  zval* files = &PG(http_globals)[TRACK_VARS_FILES];
  zval_ptr_dtor_nogc(files);
  ZVAL_UNDEF(files);  // POST parsing (rfc1867) fills a new one
  zend_hash_str_del(&EG(symbol_table), "_SESSION", sizeof("_SESSION") - 1);

  zend_string* env = ZSTR_KNOWN(ZEND_STR_AUTOGLOBAL_ENV);
  zval* entry;
  ZEND_HASH_MAP_FOREACH_VAL(CG(auto_globals), entry) {
    auto* ag = static_cast<zend_auto_global*>(Z_PTR_P(entry));
    if (ag->name == env) continue;
    if (!ag->auto_global_callback) {
      ag->armed = 0;
    } else if (!ag->jit || zend_hash_exists(&EG(symbol_table), ag->name)) {
      ag->armed = ag->auto_global_callback(ag->name);
    } else {
      ag->armed = 1;  // not used yet: created fresh when code using it is compiled
    }
  }
  ZEND_HASH_FOREACH_END();
}

// The output buffering php.ini asks for, as php_request_startup starts it.
void start_ini_output_buffering() {
  if (PG(output_handler) && PG(output_handler)[0]) {
    zval oh;
    ZVAL_STRING(&oh, PG(output_handler));
    php_output_start_user(&oh, 0, PHP_OUTPUT_HANDLER_STDFLAGS);
    zval_ptr_dtor(&oh);
  } else if (PG(output_buffering)) {
    php_output_start_user(nullptr, PG(output_buffering) > 1 ? PG(output_buffering) : 0, PHP_OUTPUT_HANDLER_STDFLAGS);
  } else if (PG(implicit_flush)) {
    php_output_set_implicit_flush(1);
  }
}

void activate() {
  php_output_activate();
  PG(header_is_being_sent) = 0;
  PG(connection_status) = PHP_CONNECTION_NORMAL;
  sapi_activate();  // with a bound request: reads a form body, takes the cookies
}

void deactivate() {
  php_output_deactivate();  // sends the headers if nothing did yet
  if (SG(request_info).request_body) {
    // The php://input buffer is a resource of the script's request: free it now, not when the
    // worker ends.
    php_stream_close(SG(request_info).request_body);
    SG(request_info).request_body = nullptr;
  }
  sapi_deactivate();  // headers list, auth, unread body; $_FILES temp files deleted
  // Freed above but left dangling by PHP: the next deactivation must not free them again.
  SG(request_info).content_type_dup = nullptr;
  SG(request_info).current_user = nullptr;
}

}  // namespace

void begin_request_scope() {
  activate();
  if (PG(expose_php)) sapi_add_header(SAPI_PHP_VERSION_HEADER, sizeof(SAPI_PHP_VERSION_HEADER) - 1, 1);
  start_ini_output_buffering();
  rebuild_superglobals();
}

void end_request_scope() {
  php_output_end_all();
  const ResetModules& m = reset_modules();
  for (unsigned i = 0; i < m.count; ++i)
    if (m.list[i]->request_shutdown_func) m.list[i]->request_shutdown_func(m.list[i]->type, m.list[i]->module_number);
  for (unsigned i = 0; i < m.count; ++i)
    if (m.list[i]->request_startup_func) m.list[i]->request_startup_func(m.list[i]->type, m.list[i]->module_number);
  deactivate();
  reset_memory_limit();
}

void begin_idle_scope() { activate(); }

void end_idle_scope() {
  php_output_end_all();
  SG(headers_sent) = 1;  // no response to send headers to: skip building them
  deactivate();
}

void remember_boot_memory_limit() {
  const char* v = zend_ini_string_ex("memory_limit", sizeof("memory_limit") - 1, 0, nullptr);
  if (!v || std::strlen(v) >= sizeof t_boot_memory_limit) return;
  std::strcpy(t_boot_memory_limit, v);
}

}  // namespace pogo::sapi

#include "php_harness.h"

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include <sapi/embed/php_embed.h>
#include <zend_exceptions.h>
#undef snprintf
#undef vsnprintf

#include "pogo/exceptions.h"
#include "pogo/module.h"
#include "pogo/value_php.h"
#include "pogo/php_job_source.h"

namespace pogo::test {
namespace {

thread_local jobs::PhpJobSource* t_source = nullptr;

// Out of the PHP_FUNCTION frame: holds a std::string.
void fail_with_exception(jobs::PhpJobSource& source) {
  zval rv;
  zend_object* ex = EG(exception);
  zval* m = zend_read_property_ex(zend_get_exception_base(ex), ex, ZSTR_KNOWN(ZEND_STR_MESSAGE), 1, &rv);
  std::string message = (m && Z_TYPE_P(m) == IS_STRING) ? std::string(Z_STRVAL_P(m), Z_STRLEN_P(m)) : "exception";
  zend_clear_exception();
  source.fail(message);
}

PHP_FUNCTION(frankenphp_handle_request) {
  zend_fcall_info fci;
  zend_fcall_info_cache fcc;
  ZEND_PARSE_PARAMETERS_START(1, 1)
    Z_PARAM_FUNC(fci, fcc)
  ZEND_PARSE_PARAMETERS_END();
  jobs::PhpJobSource* source = t_source;
  if (!source) RETURN_FALSE;
  zval payload, retval;
  if (!source->next(&payload)) RETURN_FALSE;
  ZVAL_UNDEF(&retval);
  fci.retval = &retval;
  fci.params = &payload;
  fci.param_count = 1;
  zend_call_function(&fci, &fcc);
  if (EG(exception) && zend_is_unwind_exit(EG(exception))) {
    // exit() in the callback: the script ends (the unwind goes on); the job fails, the worker restarts.
    source->fail(jobs::kWorkerDied);
    zval_ptr_dtor(&payload);
    zval_ptr_dtor(&retval);
    RETURN_FALSE;
  }
  if (EG(exception)) fail_with_exception(*source);
  else source->reply(&retval);
  if (EG(exception)) zend_clear_exception();
  zval_ptr_dtor(&payload);
  zval_ptr_dtor(&retval);
  RETURN_TRUE;
}

// pogo_test_roundtrip(mixed $value, string $root = 'args'): mixed — zval -> Value -> zval, or throws
// Pogo\ArgumentException with the conversion error.
bool roundtrip(zval* value, zend_string* root, zval* out) {
  jobs::ValueWriter w;
  std::string error;
  switch (jobs::to_value(value, ZSTR_VAL(root), w, error)) {
    case jobs::Convert::Ok: break;
    case jobs::Convert::Invalid: jobs::throw_error(jobs::ErrorKind::Argument, error); return true;
    case jobs::Convert::Exception: return true;
    case jobs::Convert::Bailout: return false;
  }
  jobs::Value v = w.finish();
  return jobs::to_zval(v.view(), out);
}

PHP_FUNCTION(pogo_test_roundtrip) {
  zval* value;
  zend_string* root = nullptr;
  ZEND_PARSE_PARAMETERS_START(1, 2)
    Z_PARAM_ZVAL(value)
    Z_PARAM_OPTIONAL
    Z_PARAM_STR(root)
  ZEND_PARSE_PARAMETERS_END();
  zend_string* r = root ? root : zend_string_init_interned("args", 4, 0);
  if (!roundtrip(value, r, return_value)) zend_bailout();
}

// pogo_test_encode(mixed $value): string — the Value's bytes; pogo_test_decode(string $bytes): mixed.
// For the benchmark: each direction alone.
PHP_FUNCTION(pogo_test_encode) {
  zval* value;
  ZEND_PARSE_PARAMETERS_START(1, 1)
    Z_PARAM_ZVAL(value)
  ZEND_PARSE_PARAMETERS_END();
  jobs::ValueWriter w;
  std::string error;
  if (jobs::to_value(value, "args", w, error) != jobs::Convert::Ok) RETURN_NULL();
  jobs::Value v = w.finish();
  RETVAL_STRINGL(v.bytes().data(), v.bytes().size());
}

PHP_FUNCTION(pogo_test_decode) {
  zend_string* bytes;
  ZEND_PARSE_PARAMETERS_START(1, 1)
    Z_PARAM_STR(bytes)
  ZEND_PARSE_PARAMETERS_END();
  jobs::to_zval(jobs::ValueView(ZSTR_VAL(bytes)), return_value);
}

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_encode, 0, 1, IS_MIXED, 0)
  ZEND_ARG_TYPE_INFO(0, value, IS_MIXED, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_roundtrip, 0, 1, IS_MIXED, 0)
  ZEND_ARG_TYPE_INFO(0, value, IS_MIXED, 0)
  ZEND_ARG_TYPE_INFO(0, root, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_handle_request, 0, 1, _IS_BOOL, 0)
  ZEND_ARG_TYPE_INFO(0, callback, IS_CALLABLE, 0)
ZEND_END_ARG_INFO()

const zend_function_entry g_test_functions[] = {
    ZEND_FE(frankenphp_handle_request, arginfo_handle_request)
    ZEND_FE(pogo_test_roundtrip, arginfo_roundtrip)
    ZEND_FE(pogo_test_encode, arginfo_encode)
    ZEND_FE(pogo_test_decode, arginfo_encode)
    ZEND_FE_END
};

int startup(sapi_module_struct* sf) {
  sf->additional_functions = g_test_functions;
  return php_module_startup(sf, jobs::module_entry());
}

// Runs the worker script until the pool closes; a script that returns is started again.
void worker_thread(const std::string script, jobs::JobQueue& queue, std::atomic<unsigned>& live) {
  ts_resource(0);
  live++;
  while (!queue.closed()) {
    jobs::PhpJobSource source(queue);
    t_source = &source;
    if (php_request_startup() == SUCCESS) {
      zend_first_try {
        zend_file_handle fh;
        zend_stream_init_filename(&fh, script.c_str());
        php_execute_script(&fh);
        zend_destroy_file_handle(&fh);
      }
      zend_end_try();
    }
    if (source.has_open_job()) source.fail(jobs::kWorkerDied);
    t_source = nullptr;
    php_request_shutdown(nullptr);
  }
  live--;
  ts_free_thread();
}

class PhpWorkers final : public jobs::WorkerGroup {
 public:
  PhpWorkers(std::string script, unsigned n, jobs::JobQueue& queue) {
    for (unsigned i = 0; i < n; ++i) threads_.emplace_back(worker_thread, script, std::ref(queue), std::ref(live_));
  }
  ~PhpWorkers() override { join(); }
  unsigned live_threads() const override { return live_; }
  void join() override {
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

 private:
  std::atomic<unsigned> live_{0};
  std::vector<std::thread> threads_;
};

}  // namespace

void php_start() {
  static bool started = false;
  if (started) return;
  started = true;
  php_embed_module.startup = startup;
  if (php_embed_init(0, nullptr) != SUCCESS) throw std::runtime_error("php_embed_init failed");
  // Uncaught things in eval must not hide: show errors on stderr.
  zend_alter_ini_entry_chars(zend_string_init_interned("display_errors", 14, 1), "stderr", 6, PHP_INI_SYSTEM,
                             PHP_INI_STAGE_RUNTIME);
}

std::string eval_php(const std::string& body) {
  std::string code = "(function () {" + body + "\n})()";
  zval rv;
  ZVAL_UNDEF(&rv);
  volatile bool ok = true;
  zend_try {
    if (zend_eval_stringl(code.data(), code.size(), &rv, "test") == FAILURE) ok = false;
  }
  zend_catch { ok = false; }
  zend_end_try();
  if (EG(exception)) {
    zend_clear_exception();
    ok = false;
  }
  if (!ok) return "<php failed>";
  zend_string* s = zval_get_string(&rv);
  std::string out(ZSTR_VAL(s), ZSTR_LEN(s));
  zend_string_release(s);
  zval_ptr_dtor(&rv);
  return out;
}

bool exec_php(const std::string& code) {
  volatile bool ok = true;
  zend_try {
    if (zend_eval_stringl(code.data(), code.size(), nullptr, "test") == FAILURE) ok = false;
  }
  zend_catch { ok = false; }
  zend_end_try();
  if (EG(exception)) {
    zend_clear_exception();
    ok = false;
  }
  return ok;
}

jobs::WorkerLauncher php_workers(std::string script) {
  return [script](const jobs::PoolConfig& config, jobs::JobQueue& queue) {
    return std::make_unique<PhpWorkers>(script, config.num_threads, queue);
  };
}

}  // namespace pogo::test

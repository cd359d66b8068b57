#include "pogo/functions.h"

#include <set>
#include <string>
#include <vector>

#include "pogo/exceptions.h"
#include "pogo/php_includes.h"
#include "pogo/runtime.h"
#include "pogo/value_php.h"

namespace pogo::jobs {

HandleTable& request_handles() {
  thread_local HandleTable table;
  return table;
}

namespace {

// How an implementation function ended. The PHP_FUNCTIONs below hold no C++ object, so they are
// where a bailout is re-raised (zend_bailout is a longjmp) and where the exception is thrown.
enum class Step { Ok, Thrown, Bailout };

struct Failure {
  ErrorKind kind = ErrorKind::Pool;
  std::string message;
};

Pool& find_pool(std::string_view name) {
  Runtime* rt = runtime();
  if (!rt) throw Error(ErrorKind::Pool, "Pogo is not configured");
  Pool* pool = rt->find(name);
  if (!pool) throw Error(ErrorKind::Pool, "unknown Pogo pool \"" + std::string(name) + "\"");
  return *pool;
}

SpinPolicy spin_policy() {
  Runtime* rt = runtime();
  return rt ? rt->spin() : SpinPolicy{};
}

// Runs `body`, turning C++ errors into a pending PHP exception.
template <class F>
Step guarded(F&& body) {
  Failure failure;
  try {
    return body();
  } catch (const Error& e) {
    failure = {e.kind(), e.what()};
  } catch (const std::exception& e) {
    failure = {ErrorKind::Pool, std::string("Pogo internal error: ") + e.what()};
  }
  throw_error(failure.kind, failure.message);
  return Step::Thrown;
}

Step dispatch(zend_string* cls, zval* args, zend_string* pool_name, zend_long* handle) {
  return guarded([&] {
    if (ZSTR_LEN(cls) == 0) throw Error(ErrorKind::Argument, "Pogo job class name must not be empty");
    Pool& pool = find_pool({ZSTR_VAL(pool_name), ZSTR_LEN(pool_name)});
    ValueWriter w;
    std::string error;
    switch (to_value(args, "args", w, error)) {
      case Convert::Ok: break;
      case Convert::Invalid: throw Error(ErrorKind::Argument, error);
      case Convert::Exception: return Step::Thrown;
      case Convert::Bailout: return Step::Bailout;
    }
    auto job = pool.dispatch(std::string(ZSTR_VAL(cls), ZSTR_LEN(cls)), w.finish());
    *handle = static_cast<zend_long>(job->id);
    request_handles().add(std::move(job));
    return Step::Ok;
  });
}

std::shared_ptr<Job> take_handle(zend_long handle) {
  auto job = handle > 0 ? request_handles().take(static_cast<uint64_t>(handle)) : nullptr;
  if (!job) throw Error(ErrorKind::Handle, unknown_handle_message(handle));
  return job;
}

// Waits for one taken job; on timeout or failure it has been abandoned and Error is thrown.
const Value& wait_result(Job& job, Clock::time_point deadline, double timeout, const SpinPolicy& spin,
                         SpinState& state) {
  if (!wait_for(job, deadline, spin, state)) {
    job.timed_out();
    abandon(job);
    throw Error(ErrorKind::Timeout, timeout_message(timeout));
  }
  return result_of(job);
}

Step await(zend_long handle, double timeout, zval* return_value) {
  return guarded([&] {
    Clock::time_point deadline = await_deadline(timeout, Clock::now());
    std::shared_ptr<Job> job = take_handle(handle);
    thread_local SpinState state;  // this thread's pogo_await() calls learn together
    const Value& result = wait_result(*job, deadline, timeout, spin_policy(), state);
    return to_zval(result.view(), return_value) ? Step::Ok : Step::Bailout;
  });
}

Step await_all(HashTable* handles, double timeout, zval* return_value) {
  return guarded([&] {
    Clock::time_point deadline = await_deadline(timeout, Clock::now());
    // Check every handle before taking any: a bad list leaves all handles awaitable.
    struct Entry {
      zend_string* key;
      zend_ulong index;
      zend_long handle;
      std::shared_ptr<Job> job;
    };
    std::vector<Entry> entries;
    std::set<zend_long> seen;
    zend_string* key;
    zend_ulong index;
    zval* v;
    ZEND_HASH_FOREACH_KEY_VAL_IND(handles, index, key, v) {
      ZVAL_DEREF(v);
      if (Z_TYPE_P(v) != IS_LONG)
        throw Error(ErrorKind::Argument, std::string("Pogo handles must be ints, got ") + zend_zval_type_name(v));
      zend_long h = Z_LVAL_P(v);
      if (h <= 0 || !request_handles().contains(static_cast<uint64_t>(h)) || !seen.insert(h).second)
        throw Error(ErrorKind::Handle, unknown_handle_message(h));
      entries.push_back({key, index, h, nullptr});
    }
    ZEND_HASH_FOREACH_END();
    for (auto& e : entries) e.job = request_handles().take(static_cast<uint64_t>(e.handle));

    // One deadline for all. The first failure abandons the rest and is thrown.
    // Two spin sites: the wait for the first job is the wait for the fan-out's work (10 ms jobs
    // never end within a spin: it learns to park at once, and the workers starting their jobs
    // get both cores), while the jobs after it mostly end within microseconds of the first.
    thread_local SpinState first_state, rest_state;
    SpinPolicy spin = spin_policy();
    std::vector<const Value*> results;
    try {
      for (auto& e : entries)
        results.push_back(&wait_result(*e.job, deadline, timeout, spin, results.empty() ? first_state : rest_state));
    } catch (...) {
      for (auto& e : entries) abandon(*e.job);
      throw;
    }
    array_init_size(return_value, static_cast<uint32_t>(entries.size()));
    for (size_t i = 0; i < entries.size(); ++i) {
      zval item;
      if (!to_zval(results[i]->view(), &item)) return Step::Bailout;
      if (entries[i].key) zend_hash_update(Z_ARRVAL_P(return_value), entries[i].key, &item);
      else zend_hash_index_update(Z_ARRVAL_P(return_value), entries[i].index, &item);
    }
    return Step::Ok;
  });
}

Step pool_size(zend_string* name, zend_long* size) {
  return guarded([&] {
    *size = find_pool({ZSTR_VAL(name), ZSTR_LEN(name)}).size();
    return Step::Ok;
  });
}

zend_string* default_pool_name() { return zend_string_init_interned("default", 7, 0); }

}  // namespace

}  // namespace pogo::jobs

using pogo::jobs::Step;

PHP_FUNCTION(pogo_dispatch) {
  zend_string* cls;
  zval* args = nullptr;
  zend_string* pool = nullptr;
  ZEND_PARSE_PARAMETERS_START(1, 3)
    Z_PARAM_STR(cls)
    Z_PARAM_OPTIONAL
    Z_PARAM_ARRAY(args)
    Z_PARAM_STR(pool)
  ZEND_PARSE_PARAMETERS_END();
  zval empty;
  ZVAL_EMPTY_ARRAY(&empty);
  if (!pool) pool = pogo::jobs::default_pool_name();
  zend_long handle = 0;
  Step step = pogo::jobs::dispatch(cls, args ? args : &empty, pool, &handle);
  if (step == Step::Bailout) zend_bailout();
  if (step == Step::Ok) RETURN_LONG(handle);
}

PHP_FUNCTION(pogo_await) {
  zend_long handle;
  double timeout = 5.0;
  ZEND_PARSE_PARAMETERS_START(1, 2)
    Z_PARAM_LONG(handle)
    Z_PARAM_OPTIONAL
    Z_PARAM_DOUBLE(timeout)
  ZEND_PARSE_PARAMETERS_END();
  if (pogo::jobs::await(handle, timeout, return_value) == Step::Bailout) zend_bailout();
}

PHP_FUNCTION(pogo_await_all) {
  HashTable* handles;
  double timeout = 5.0;
  ZEND_PARSE_PARAMETERS_START(1, 2)
    Z_PARAM_ARRAY_HT(handles)
    Z_PARAM_OPTIONAL
    Z_PARAM_DOUBLE(timeout)
  ZEND_PARSE_PARAMETERS_END();
  if (pogo::jobs::await_all(handles, timeout, return_value) == Step::Bailout) zend_bailout();
}

PHP_FUNCTION(pogo_pool_size) {
  zend_string* pool = nullptr;
  ZEND_PARSE_PARAMETERS_START(0, 1)
    Z_PARAM_OPTIONAL
    Z_PARAM_STR(pool)
  ZEND_PARSE_PARAMETERS_END();
  if (!pool) pool = pogo::jobs::default_pool_name();
  zend_long size = 0;
  if (pogo::jobs::pool_size(pool, &size) == Step::Ok) RETURN_LONG(size);
}

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_pogo_dispatch, 0, 1, IS_LONG, 0)
  ZEND_ARG_TYPE_INFO(0, class, IS_STRING, 0)
  ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, args, IS_ARRAY, 0, "[]")
  ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, pool, IS_STRING, 0, "\'default\'")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_pogo_await, 0, 1, IS_MIXED, 0)
  ZEND_ARG_TYPE_INFO(0, handle, IS_LONG, 0)
  ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, timeout, IS_DOUBLE, 0, "5.0")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_pogo_await_all, 0, 1, IS_ARRAY, 0)
  ZEND_ARG_TYPE_INFO(0, handles, IS_ARRAY, 0)
  ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, timeout, IS_DOUBLE, 0, "5.0")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_pogo_pool_size, 0, 0, IS_LONG, 0)
  ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, pool, IS_STRING, 0, "\'default\'")
ZEND_END_ARG_INFO()

namespace {
const zend_function_entry g_functions[] = {
    ZEND_FE(pogo_dispatch, arginfo_pogo_dispatch)
    ZEND_FE(pogo_await, arginfo_pogo_await)
    ZEND_FE(pogo_await_all, arginfo_pogo_await_all)
    ZEND_FE(pogo_pool_size, arginfo_pogo_pool_size)
    ZEND_FE_END
};
}  // namespace

const zend_function_entry* pogo::jobs::function_entries() { return g_functions; }

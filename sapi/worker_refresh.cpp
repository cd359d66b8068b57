#include "sapi/worker_refresh.h"

#include "sapi/php_includes.h"

namespace pogo::sapi {

namespace {

zend_function* find_function(const char* name, size_t len) {
  return static_cast<zend_function*>(zend_hash_str_find_ptr(CG(function_table), name, len));
}

void invalidate(zend_function* fn, zend_string* path, bool force) {
  zval args[2], ret;
  ZVAL_STR_COPY(&args[0], path);
  ZVAL_BOOL(&args[1], force);
  ZVAL_UNDEF(&ret);
  zend_call_known_function(fn, nullptr, nullptr, &ret, 2, args, nullptr);
  zval_ptr_dtor(&args[0]);
  zval_ptr_dtor(&ret);
}

}  // namespace

// clearstatcache(true) empties this thread's realpath cache (realpath_cache_clean() itself is
// declared without C linkage in PHP's headers, so C++ cannot link to it).
void forget_realpath_cache() {
  zend_function* fn = find_function("clearstatcache", sizeof("clearstatcache") - 1);
  if (!fn) return;
  zval arg, ret;
  ZVAL_TRUE(&arg);
  ZVAL_UNDEF(&ret);
  zend_try {
    zend_call_known_function(fn, nullptr, nullptr, &ret, 1, &arg, nullptr);
  } zend_end_try();
  zval_ptr_dtor(&ret);
}

void invalidate_changed_scripts(const std::vector<std::string>& changed) {
  zend_function* fn = find_function("opcache_invalidate", sizeof("opcache_invalidate") - 1);
  if (!fn) return;
  // A bailout here (it would take an extension's bug) must not unwind the caller's frames.
  zend_try {
    zend_string* key;
    ZEND_HASH_FOREACH_STR_KEY(&EG(included_files), key) {
      if (key) invalidate(fn, key, false);
    }
    ZEND_HASH_FOREACH_END();
    for (const std::string& path : changed) {
      zend_string* s = zend_string_init(path.data(), path.size(), 0);
      invalidate(fn, s, true);
      zend_string_release(s);
    }
  } zend_end_try();
}

}  // namespace pogo::sapi

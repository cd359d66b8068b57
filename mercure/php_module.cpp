#include "mercure/php_module.h"

#include <string>

#include "mercure/endpoint.h"

#include <php.h>
#include <zend_API.h>
#include <zend_exceptions.h>
extern "C" {
#include <ext/spl/spl_exceptions.h>
}
#include <ext/standard/info.h>
#undef snprintf
#undef vsnprintf

namespace {

// Reads the topics argument into `out`; false (an exception thrown) when it is unusable.
bool read_topics(zend_string* one, HashTable* many, std::vector<std::string>& out) {
  if (one) {
    out.emplace_back(ZSTR_VAL(one), ZSTR_LEN(one));
  } else {
    zval* v;
    ZEND_HASH_FOREACH_VAL(many, v) {
      ZVAL_DEREF(v);
      if (Z_TYPE_P(v) != IS_STRING) {
        zend_argument_type_error(1, "must contain only strings, %s given", zend_zval_type_name(v));
        return false;
      }
      out.emplace_back(Z_STRVAL_P(v), Z_STRLEN_P(v));
    }
    ZEND_HASH_FOREACH_END();
  }
  if (out.empty()) {
    zend_argument_value_error(1, "must name at least one topic");
    return false;
  }
  return true;
}

}  // namespace

PHP_FUNCTION(mercure_publish) {
  zend_string* topic = nullptr;
  HashTable* topics = nullptr;
  zend_string* data = nullptr;
  bool is_private = false;
  zend_string* id = nullptr;
  zend_string* type = nullptr;
  zend_long retry = 0;
  bool retry_null = true;
  ZEND_PARSE_PARAMETERS_START(1, 6)
    Z_PARAM_ARRAY_HT_OR_STR(topics, topic)
    Z_PARAM_OPTIONAL
    Z_PARAM_STR(data)
    Z_PARAM_BOOL(is_private)
    Z_PARAM_STR_OR_NULL(id)
    Z_PARAM_STR_OR_NULL(type)
    Z_PARAM_LONG_OR_NULL(retry, retry_null)
  ZEND_PARSE_PARAMETERS_END();

  if (!retry_null && retry < 0) {
    zend_argument_value_error(6, "must be greater than or equal to 0");
    RETURN_THROWS();
  }
  std::string message;
  {
    pogo::mercure::Update u;
    if (!read_topics(topic, topics, u.topics)) RETURN_THROWS();
    if (data) u.data.assign(ZSTR_VAL(data), ZSTR_LEN(data));
    u.is_private = is_private;
    if (id) u.id.assign(ZSTR_VAL(id), ZSTR_LEN(id));
    if (type) u.type.assign(ZSTR_VAL(type), ZSTR_LEN(type));
    if (!retry_null) u.retry = uint64_t(retry);
    std::shared_ptr<pogo::mercure::Hub> hub = pogo::mercure::publish_hub();
    if (!hub) {
      message = "mercure_publish(): no Mercure hub is configured (add a mercure block to the site, or run php-server --mercure)";
    } else {
      std::optional<std::string> published = hub->publish(std::move(u), &message);
      if (published) {
        RETVAL_STRINGL(published->data(), published->size());
        return;
      }
      message = "mercure_publish(): " + message;
    }
  }
  zend_throw_exception(spl_ce_RuntimeException, message.c_str(), 0);
}

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_mercure_publish, 0, 1, IS_STRING, 0)
  ZEND_ARG_TYPE_MASK(0, topics, MAY_BE_STRING | MAY_BE_ARRAY, nullptr)
  ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, data, IS_STRING, 0, "\'\'")
  ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, private, _IS_BOOL, 0, "false")
  ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, id, IS_STRING, 1, "null")
  ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, type, IS_STRING, 1, "null")
  ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, retry, IS_LONG, 1, "null")
ZEND_END_ARG_INFO()

namespace {

const zend_function_entry g_functions[] = {
    ZEND_FE(mercure_publish, arginfo_mercure_publish)
    ZEND_FE_END
};

PHP_MINFO_FUNCTION(pogo_mercure) {
  php_info_print_table_start();
  php_info_print_table_row(2, "Mercure hub", pogo::mercure::publish_hub() ? "enabled" : "not configured");
  php_info_print_table_end();
}

const zend_module_dep g_deps[] = {
    ZEND_MOD_REQUIRED("spl")
    ZEND_MOD_END
};

zend_module_entry g_module = {
    STANDARD_MODULE_HEADER_EX,
    nullptr,                    // ini entries
    g_deps,                     // dependencies: RuntimeException is SPL's
    "pogo_mercure",             // name
    g_functions,                // functions: mercure_publish
    nullptr,                    // module start-up
    nullptr,                    // module shutdown
    nullptr,                    // request start-up
    nullptr,                    // request shutdown
    PHP_MINFO(pogo_mercure),    // phpinfo()
    "0.1.0",                    // version
    STANDARD_MODULE_PROPERTIES
};

}  // namespace

zend_module_entry* pogo::mercure::module_entry() { return &g_module; }

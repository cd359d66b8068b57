#include "pogo/module.h"

#include "pogo/exceptions.h"
#include "pogo/functions.h"
#include "pogo/php_includes.h"

namespace pogo::jobs {

void on_request_end() { request_handles().cancel_all(); }

}  // namespace pogo::jobs

namespace {

PHP_MINIT_FUNCTION(pogo) {
  pogo::jobs::register_exception_classes();
  return SUCCESS;
}

PHP_RSHUTDOWN_FUNCTION(pogo) {
  pogo::jobs::on_request_end();
  return SUCCESS;
}

PHP_MINFO_FUNCTION(pogo) {
  php_info_print_table_start();
  php_info_print_table_row(2, "Pogo jobs", "enabled");
  php_info_print_table_end();
}

const zend_module_dep g_deps[] = {
    ZEND_MOD_REQUIRED("spl")
    ZEND_MOD_REQUIRED("json")
    ZEND_MOD_END
};

zend_module_entry g_module = {
    STANDARD_MODULE_HEADER_EX,
    nullptr,                             // ini entries
    g_deps,                              // dependencies: the exceptions extend SPL's RuntimeException
    "pogo",                              // name
    nullptr,                             // functions: set in module_entry() (defined in functions.cpp)
    PHP_MINIT(pogo),                     // module start-up: exception classes
    nullptr,                             // module shutdown
    nullptr,                             // request start-up
    PHP_RSHUTDOWN(pogo),                 // request shutdown: cancel unawaited jobs
    PHP_MINFO(pogo),                     // phpinfo()
    "0.1.0",                             // version
    STANDARD_MODULE_PROPERTIES
};

}  // namespace

zend_module_entry* pogo::jobs::module_entry() {
  g_module.functions = function_entries();
  return &g_module;
}

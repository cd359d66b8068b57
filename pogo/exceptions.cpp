#include "pogo/exceptions.h"

#include <string>

#include "pogo/php_includes.h"

namespace pogo::jobs {
namespace {

zend_class_entry* g_classes[5];

zend_class_entry* register_class(const char* name) {
  zend_class_entry ce;
  INIT_CLASS_ENTRY_EX(ce, name, strlen(name), nullptr);
  return zend_register_internal_class_ex(&ce, spl_ce_RuntimeException);
}

}  // namespace

void register_exception_classes() {
  g_classes[static_cast<int>(ErrorKind::Pool)] = register_class("Pogo\\PoolException");
  g_classes[static_cast<int>(ErrorKind::Argument)] = register_class("Pogo\\ArgumentException");
  g_classes[static_cast<int>(ErrorKind::Timeout)] = register_class("Pogo\\TimeoutException");
  g_classes[static_cast<int>(ErrorKind::Handle)] = register_class("Pogo\\HandleException");
  g_classes[static_cast<int>(ErrorKind::Job)] = register_class("Pogo\\JobException");
}

void throw_error(ErrorKind kind, std::string_view message) {
  // Built by hand rather than zend_throw_exception(): the message may hold NUL bytes (a job's
  // error is passed on verbatim).
  zend_class_entry* ce = g_classes[static_cast<int>(kind)];
  zval ex, msg;
  object_init_ex(&ex, ce);
  ZVAL_STRINGL(&msg, message.data(), message.size());
  zend_update_property_ex(zend_ce_exception, Z_OBJ(ex), ZSTR_KNOWN(ZEND_STR_MESSAGE), &msg);
  zval_ptr_dtor(&msg);
  zend_throw_exception_object(&ex);
}

}  // namespace pogo::jobs

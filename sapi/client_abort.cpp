#include "sapi/client_abort.h"

#include "sapi/php_includes.h"

namespace pogo::sapi {

namespace {

thread_local bool t_in_handler = false;
thread_local bool t_unwind_requested = false;  // asked for, not yet thrown
thread_local bool t_unwinding = false;         // thrown, not yet taken back

}  // namespace

void abort_worker_request() {
  PG(connection_status) = PHP_CONNECTION_ABORTED;
  php_output_set_status(PHP_OUTPUT_DISABLED);
  // Outside the handler (its output flushed at the end of the request) there is nothing to unwind.
  if (!t_in_handler || PG(ignore_user_abort) || t_unwind_requested || t_unwinding) return;
  t_unwind_requested = true;
  zend_atomic_bool_store_ex(&EG(vm_interrupt), true);
}

void begin_handler() {
  t_in_handler = true;
  t_unwind_requested = t_unwinding = false;
}

bool end_handler() {
  bool ours = t_unwinding;
  // Asked for but never reached (the handler returned first): nothing to unwind any more.
  t_in_handler = t_unwind_requested = t_unwinding = false;
  return ours;
}

bool take_unwind_request() {
  if (!t_unwind_requested) return false;
  t_unwind_requested = false;
  if (EG(exception)) return false;  // already unwinding for the script's own reason
  t_unwinding = true;
  return true;
}

}  // namespace pogo::sapi

#include "sapi/execution_timer.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "sapi/php_includes.h"

namespace pogo::sapi {

#ifdef ZEND_MAX_EXECUTION_TIMERS

int execution_timer_before_shutdown() {
  int pid = EG(pid);
  if (pid != 0) EG(pid) = -1;  // not the process: the shutdown leaves the timer
  return pid;
}

void execution_timer_after_shutdown(int kept) {
  if (kept != 0) EG(pid) = kept;  // the process again: the next startup keeps the timer
}

void execution_timer_release() {
  if (EG(pid) != 0 && EG(pid) == getpid()) {
    timer_delete(EG(max_execution_timer_timer));
    EG(pid) = 0;
  }
}

#else

int execution_timer_before_shutdown() { return 0; }
void execution_timer_after_shutdown(int) {}
void execution_timer_release() {}

#endif

}  // namespace pogo::sapi

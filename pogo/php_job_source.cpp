#include "pogo/php_job_source.h"

#include <sys/prctl.h>

#include "pogo/envelope.h"
#include "pogo/module.h"
#include "pogo/php_includes.h"

namespace pogo::jobs {

PhpJobSource::~PhpJobSource() {
  if (current_) current_->finish(JobError{ErrorKind::Job, kWorkerDied});
}

namespace {

// Linux lets a thread's timers fire up to its timer slack late (50 us by default), so that it can
// coalesce wake-ups. A job's usleep() or curl timeout is on the critical path of the request that
// awaits it (a fan-out waits for its slowest job), so a pool thread asks for 1 us: once per thread,
// on its first job.
constexpr unsigned long kTimerSlackNs = 1000;

void tighten_timer_slack() {
  thread_local const bool done = [] {
    ::prctl(PR_SET_TIMERSLACK, kTimerSlackNs, 0, 0, 0);  // best effort: a failure keeps the default
    return true;
  }();
  (void)done;
}

}  // namespace

bool PhpJobSource::next(zval* payload) {
  tighten_timer_slack();
  if (current_) fail(kWorkerDied);
  ZVAL_NULL(payload);
  current_ = queue_.take();
  if (!current_) return false;
  if (!build_payload(*current_, payload)) zend_bailout();  // no C++ local alive here
  return true;
}

void PhpJobSource::reply(zval* envelope) {
  // reply_job() holds the C++ objects; the bailout, if any, happens here where none is alive.
  if (reply_job(envelope)) zend_bailout();
}

bool PhpJobSource::reply_job(zval* envelope) {
  if (!current_) return false;
  EnvelopeOutcome o = read_envelope(envelope);
  switch (o.status) {
    case Convert::Ok:
      if (o.ok) current_->finish(std::move(o.result));
      else current_->finish(JobError{ErrorKind::Job, std::move(o.error)});
      break;
    case Convert::Exception: {
      std::string message = "jsonSerialize() threw";
      if (EG(exception)) {
        zval rv;
        zval* m = zend_read_property_ex(zend_get_exception_base(EG(exception)), EG(exception), ZSTR_KNOWN(ZEND_STR_MESSAGE), 1, &rv);
        if (m && Z_TYPE_P(m) == IS_STRING) message.assign(Z_STRVAL_P(m), Z_STRLEN_P(m));
      }
      current_->finish(JobError{ErrorKind::Job, std::move(message)});
      break;
    }
    case Convert::Invalid:  // read_envelope folds it into o.error
    case Convert::Bailout:
      current_->finish(JobError{ErrorKind::Job, kWorkerDied});
      break;
  }
  bool bailed = o.status == Convert::Bailout;
  current_.reset();
  finish_request();
  return bailed;
}

void PhpJobSource::fail(std::string_view message) {
  if (!current_) return;
  current_->finish(JobError{ErrorKind::Job, std::string(message)});
  current_.reset();
  finish_request();
}

void PhpJobSource::finish_request() { on_request_end(); }

}  // namespace pogo::jobs

#include "sapi/regular_strategy.h"

namespace pogo::sapi {

bool RegularStrategy::next(RequestContext& ctx) {
  start_.release();  // this thread now takes requests: the checker may judge the queue again
  if (max_requests_ && served_ >= max_requests_) {
    recycle_ = true;
    return false;
  }
  ctx.exchange = idle_limit_.count() ? queue_.pop(idle_limit_, &idle_) : queue_.pop();
  if (!ctx.exchange) return false;
  ++served_;
  ctx.script.assign(ctx.exchange->head().script_filename);
  return true;
}

}  // namespace pogo::sapi

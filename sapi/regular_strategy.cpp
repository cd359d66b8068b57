#include "sapi/regular_strategy.h"

namespace pogo::sapi {

bool RegularStrategy::next(RequestContext& ctx) {
  if (max_requests_ && served_ >= max_requests_) {
    recycle_ = true;
    return false;
  }
  ctx.exchange = queue_.pop();
  if (!ctx.exchange) return false;
  ++served_;
  ctx.script.assign(ctx.exchange->head().script_filename);
  return true;
}

}  // namespace pogo::sapi

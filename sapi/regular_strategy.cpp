#include "sapi/regular_strategy.h"

namespace pogo::sapi {

bool RegularStrategy::next(RequestContext& ctx) {
  ctx.exchange = queue_.pop();
  if (!ctx.exchange) return false;
  ctx.script.assign(ctx.exchange->head().script_filename);
  return true;
}

}  // namespace pogo::sapi

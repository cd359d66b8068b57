// A Backend produces dynamic responses: the server hands it an Exchange and forgets about it;
// the backend answers through the Exchange from any thread it likes. sapi/ implements it with
// PHP; server tests implement it with plain C++.
#pragma once

#include <memory>

#include "server/exchange.h"

namespace pogo::server {

class Backend {
 public:
  virtual ~Backend() = default;
  // Loop thread. Must not block. The backend must eventually call finish() on the exchange
  // (or the exchange is aborted by the loop).
  virtual void handle(std::shared_ptr<Exchange> exchange) = 0;

  // Loop thread: handle(), except that the backend may hold back waking the thread that will
  // produce the response until end_of_turn(), which the loop calls when the I/O of its current
  // turn is handled (and always before it blocks). The requests of one turn then reach the
  // backend together, instead of each wake-up preempting the loop in the middle of its turn.
  virtual void handle_in_turn(std::shared_ptr<Exchange> exchange) { handle(std::move(exchange)); }
  virtual void end_of_turn() {}
};

}  // namespace pogo::server

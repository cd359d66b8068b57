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
};

}  // namespace pogo::server

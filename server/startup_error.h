// The one exception type of server start-up: a message fit to print as the process's one-line
// reason for exiting (e.g. "listen tcp 127.0.0.1:8080: address already in use").
#pragma once

#include <stdexcept>

namespace pogo::server {

struct StartupError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace pogo::server

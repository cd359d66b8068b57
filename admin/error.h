// An AdminError is how every admin API failure travels to the response: an HTTP status and a
// message, sent as Caddy sends its API errors (`{"error": "..."}`, application/json).
//
// Threads: plain value, any thread.
#pragma once

#include <stdexcept>
#include <string>

namespace pogo::admin {

class AdminError : public std::runtime_error {
 public:
  AdminError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

}  // namespace pogo::admin

#include "server/action.h"

#include "server/response_writer.h"

namespace pogo::server {

Respond make_error_response(int status) {
  Respond r;
  r.status = status;
  if (status_allows_body(status)) {
    r.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
    r.body = std::to_string(status) + " " + std::string(reason_phrase(status)) + "\n";
  }
  return r;
}

Respond make_handler_error(int status, std::string message) {
  Respond r = make_error_response(status);
  r.error = true;
  r.error_message = std::move(message);
  return r;
}

}  // namespace pogo::server

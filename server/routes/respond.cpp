#include "server/routes/respond.h"

#include "server/log.h"
#include "server/routes/placeholders.h"

namespace pogo::server {

namespace {

class RespondHandler final : public Handler {
 public:
  explicit RespondHandler(caddyfile::RespondSpec spec) : spec_(std::move(spec)) {}
  std::optional<Action> handle(Request& r) const override {
    Respond resp;
    // Inside handle_errors a respond without a status keeps the error's (as Caddy's static_response).
    resp.status = spec_.status ? spec_.status : r.error ? r.error->status : 200;
    resp.body = replace_placeholders(spec_.body, r);
    if (!resp.body.empty()) resp.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
    if (spec_.close) resp.headers.push_back({"Connection", "close"});
    return resp;
  }

 private:
  caddyfile::RespondSpec spec_;
};

class ErrorHandler final : public Handler {
 public:
  explicit ErrorHandler(caddyfile::ErrorSpec spec) : spec_(std::move(spec)) {}
  std::optional<Action> handle(Request& r) const override {
    std::string msg = replace_placeholders(spec_.message, r);
    log::debug("http.handlers.error", "error directive",
               {{"status", spec_.status}, {"message", msg}, {"uri", r.head.uri}});
    Respond resp;
    resp.status = spec_.status;
    resp.error = true;
    resp.error_message = std::move(msg);
    return resp;
  }

 private:
  caddyfile::ErrorSpec spec_;
};

}  // namespace

std::unique_ptr<Handler> make_respond_handler(caddyfile::RespondSpec spec) {
  return std::make_unique<RespondHandler>(std::move(spec));
}
std::unique_ptr<Handler> make_error_handler(caddyfile::ErrorSpec spec) {
  return std::make_unique<ErrorHandler>(std::move(spec));
}

}  // namespace pogo::server

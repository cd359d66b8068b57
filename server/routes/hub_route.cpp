#include "server/routes/hub_route.h"

#include <string_view>

namespace pogo::server {

namespace {

constexpr std::string_view kHubPath = "/.well-known/mercure";

class HubRoute final : public Handler {
 public:
  explicit HubRoute(Backend* hub) : hub_(hub) {}
  std::optional<Action> handle(Request& r) const override {
    std::string_view path = r.head.path;
    if (path.substr(0, kHubPath.size()) != kHubPath) return std::nullopt;
    if (path.size() > kHubPath.size() && path[kHubPath.size()] != '/') return std::nullopt;
    if (!hub_) return make_error_response(503);
    return ToBackend{hub_};
  }

 private:
  Backend* hub_;
};

}  // namespace

std::unique_ptr<Handler> make_hub_route(Backend* hub) { return std::make_unique<HubRoute>(hub); }

}  // namespace pogo::server

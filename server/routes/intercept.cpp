#include "server/routes/intercept.h"

#include "server/compress.h"

namespace pogo::server {

int ResponseRouteTable::match(int status, const std::vector<Header>& headers) const {
  for (size_t i = 0; i < entries.size(); ++i)
    if (!entries[i].matcher || response_matches(*entries[i].matcher, status, headers)) return int(i);
  return -1;
}

std::optional<Action> ResponseRouteTable::answer(int i, Request& r) const {
  const Entry& e = entries[size_t(i)];
  return e.route ? e.route->handle(r) : std::nullopt;
}

namespace {

class InterceptHandler final : public Handler {
 public:
  explicit InterceptHandler(std::unique_ptr<ResponseRouteTable> table) : table_(std::move(table)) {}
  std::optional<Action> handle(Request& r) const override {
    r.filters.intercepts.push_back(table_.get());
    return std::nullopt;
  }

 private:
  std::unique_ptr<ResponseRouteTable> table_;
};

class CopyResponseHandler final : public Handler {
 public:
  explicit CopyResponseHandler(int status) : status_(status) {}
  std::optional<Action> handle(Request&) const override { return CopyResponse{status_}; }

 private:
  int status_;
};

class CopyResponseHeadersHandler final : public Handler {
 public:
  explicit CopyResponseHeadersHandler(const caddyfile::CopyResponseHeadersSpec& spec) : spec_(spec) {}
  std::optional<Action> handle(Request& r) const override {
    if (!r.response || !r.response->from_proxy || !r.response->headers) return std::nullopt;
    auto named = [](const std::vector<std::string>& list, const std::string& field) {
      for (const auto& n : list)
        if (header_name_equals(n, field)) return true;
      return false;
    };
    for (const Header& h : *r.response->headers) {
      if (!spec_.include.empty() && !named(spec_.include, h.name)) continue;
      if (named(spec_.exclude, h.name)) continue;
      r.filters.base_headers.push_back(h);
    }
    return std::nullopt;
  }

 private:
  caddyfile::CopyResponseHeadersSpec spec_;
};

}  // namespace

std::unique_ptr<Handler> make_intercept_handler(std::unique_ptr<ResponseRouteTable> table) {
  return std::make_unique<InterceptHandler>(std::move(table));
}

std::unique_ptr<Handler> make_copy_response_handler(const caddyfile::CopyResponseSpec& spec) {
  return std::make_unique<CopyResponseHandler>(spec.status);
}

std::unique_ptr<Handler> make_copy_response_headers_handler(const caddyfile::CopyResponseHeadersSpec& spec) {
  return std::make_unique<CopyResponseHeadersHandler>(spec);
}

}  // namespace pogo::server

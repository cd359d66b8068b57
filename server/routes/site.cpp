#include "server/routes/site.h"

#include "caddyfile/config.h"

namespace pogo::server {

bool ErrorRoute::handles(int status) const { return caddyfile::handles_status(codes, classes, status); }

const Handler* Site::error_route(int status) const {
  for (const ErrorRoute& e : errors)
    if (e.handles(status)) return e.route.get();
  return nullptr;
}

Action Site::route(Request& r) const {
  for (const auto& h : chain)
    if (auto a = h->handle(r)) return std::move(*a);
  if (unhandled_status == 200) return Respond{};
  return make_error_response(unhandled_status);
}

std::optional<Action> Site::answer(int status, Request& r) const {
  const Handler* h = error_route(status);
  return h ? h->handle(r) : std::nullopt;
}

namespace {
bool host_matches(std::string_view pattern, std::string_view host) {
  if (pattern.starts_with("*.")) {
    auto dot = host.find('.');
    return dot != std::string_view::npos && header_name_equals(pattern.substr(1), host.substr(dot));
  }
  return header_name_equals(pattern, host);
}
}  // namespace

const Site* SiteTable::find(std::string_view host) const {
  // strip the port: "example.com:8080", "[::1]:8080"
  if (host.starts_with("[")) {
    auto close = host.find(']');
    host = close == std::string_view::npos ? host : host.substr(1, close - 1);
  } else if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  const Site *wildcard = nullptr, *fallback = nullptr;
  size_t wildcard_len = 0;
  for (const auto& s : sites_) {
    for (const auto& h : s->hosts) {
      if (!host_matches(h, host)) continue;
      if (!h.starts_with("*")) return s.get();
      if (!wildcard || h.size() > wildcard_len) wildcard = s.get(), wildcard_len = h.size();
    }
    if (s->hosts.empty() && !fallback) fallback = s.get();
  }
  return wildcard ? wildcard : fallback;
}

const Site& SiteTable::match(std::string_view host) const {
  const Site* s = find(host);
  return s ? *s : *sites_.front();
}

Action SiteTable::route(std::string_view host, Request& r, const ErrorRoutes*& errors) const {
  const Site* site = find(host);
  if (!site && !unmatched_host_empty_200) site = &match(host);
  if (!site) return Respond{};  // no site for this host: Caddy's empty 200
  if (!site->errors.empty()) errors = site;
  return site->route(r);
}

}  // namespace pogo::server

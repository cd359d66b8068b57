#include "server/routes/reverse_proxy.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "server/ip_range.h"
#include "server/log.h"
#include "server/path_safety.h"
#include "server/proxy.h"
#include "server/proxy_headers.h"
#include "server/routes/header_ops.h"
#include "server/routes/placeholders.h"
#include "server/upstream_health.h"
#include "tls/client_context.h"

namespace pogo::server {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

UpstreamAddress address_of(const std::string& hostport) {
  // caddyfile/ normalised it: "host:port" or "[v6]:port"; or kept it with its placeholders.
  UpstreamAddress u;
  if (has_placeholders(hostport)) {
    u.hostport = hostport;
    u.dynamic = true;
    return u;
  }
  size_t colon = hostport.rfind(':');
  u.host = hostport.substr(0, colon);
  if (u.host.starts_with("[")) u.host = u.host.substr(1, u.host.size() - 2);
  u.port = uint16_t(std::stoi(hostport.substr(colon + 1)));
  u.hostport = hostport;
  return u;
}

std::string quoted_text(std::string_view s) { return "\"" + std::string(s) + "\""; }

LbPolicy policy(const std::string& name) {
  if (name == "round_robin") return LbPolicy::round_robin;
  if (name == "least_conn") return LbPolicy::least_conn;
  if (name == "first") return LbPolicy::first;
  if (name == "ip_hash") return LbPolicy::ip_hash;
  if (name == "client_ip_hash") return LbPolicy::client_ip_hash;
  if (name == "uri_hash") return LbPolicy::uri_hash;
  if (name == "header") return LbPolicy::header;
  return LbPolicy::random;  // caddyfile/ accepted nothing else
}

class ReverseProxyHandler final : public Handler {
 public:
  ReverseProxyHandler(const caddyfile::ReverseProxySpec& spec, std::unique_ptr<ResponseRouteTable> responses)
      : up_(spec.header_up), down_(spec.header_down), responses_(std::move(responses)) {
    for (const auto& a : spec.upstreams) {
      settings_.upstreams.push_back(address_of(a));
      dynamic_.emplace_back(settings_.upstreams.back().dynamic ? a : std::string());
      any_dynamic_ = any_dynamic_ || settings_.upstreams.back().dynamic;
    }
    const auto& t = spec.transport;
    if (t.dial_timeout) settings_.dial_timeout = duration_cast<milliseconds>(*t.dial_timeout);
    if (t.response_header_timeout)
      settings_.response_header_timeout = duration_cast<milliseconds>(*t.response_header_timeout);
    if (t.read_buffer) settings_.read_buffer = size_t(*t.read_buffer);
    settings_.keepalive = t.keepalive;
    if (t.keepalive_idle) settings_.keepalive_idle = duration_cast<milliseconds>(*t.keepalive_idle);
    if (t.keepalive_idle_conns) settings_.keepalive_idle_conns = size_t(*t.keepalive_idle_conns);
    if (t.tls) {
      tls::ClientOptions o;
      o.verify = !t.tls_insecure_skip_verify;
      o.trusted_ca_files = t.tls_trusted_ca_certs;
      settings_.tls = tls::make_client_context(o);  // a CA file that cannot be read stops the start
      settings_.tls_server_name = t.tls_server_name;
    }
    settings_.trusted_proxies = ip_ranges("reverse_proxy trusted_proxies", spec.trusted_proxies);
    settings_.lb_policy = policy(spec.lb_policy);
    settings_.lb_header = spec.lb_header;
    settings_.lb_retries = spec.lb_retries;
    if (spec.lb_try_duration) settings_.lb_try_duration = duration_cast<milliseconds>(*spec.lb_try_duration);
    // As Caddy: a try duration without an interval waits 250ms between tries, else none.
    settings_.lb_try_interval = spec.lb_try_interval ? duration_cast<milliseconds>(*spec.lb_try_interval)
                                : settings_.lb_try_duration.count() > 0 ? milliseconds(250)
                                                                        : milliseconds(0);
    if (spec.fail_duration) settings_.fail_duration = duration_cast<milliseconds>(*spec.fail_duration);
    settings_.max_fails = spec.max_fails;
    settings_.unhealthy_status = spec.unhealthy_status;
    settings_.health_uri = spec.health_uri;
    if (spec.health_interval && spec.health_interval->count() > 0)
      settings_.health_interval = std::max(milliseconds(1), duration_cast<milliseconds>(*spec.health_interval));
    if (spec.health_timeout && spec.health_timeout->count() > 0)
      settings_.health_timeout = std::max(milliseconds(1), duration_cast<milliseconds>(*spec.health_timeout));
    settings_.health_status = spec.health_status;
    settings_.health = std::make_unique<UpstreamHealth[]>(settings_.upstreams.size());
    if (!settings_.health_uri.empty()) checker_ = std::make_unique<HealthChecker>(settings_);
    up_finds_ = compile_header_finds(up_);
    down_finds_ = compile_header_finds(down_);
  }

  std::optional<Action> handle(Request& r) const override {
    ToProxy p;
    p.settings = &settings_;
    p.responses = responses_.get();
    // The path as the client wrote it, unless a rewrite changed it (then escaped anew).
    std::string_view raw_path, raw_query;
    split_target(r.head.uri, raw_path, raw_query);
    if (r.head.path == r.original_path && !raw_path.empty() && raw_path[0] == '/')
      p.target.assign(raw_path);
    else
      p.target = escape_path(r.head.path);
    if (!r.head.query.empty()) {
      p.target += '?';
      p.target += r.head.query;
    }
    if (any_dynamic_) {
      p.resolved = settings_.upstreams;
      for (size_t i = 0; i < dynamic_.size(); ++i) {
        if (dynamic_[i].empty()) continue;
        std::string text = dynamic_[i].expand(r);
        auto u = parse_upstream_address(text);
        if (!u) {
          std::string what = "invalid upstream address " + quoted_text(text) + " (from " + dynamic_[i].text() + ")";
          log::error("http.log.error", what, {{"logger_detail", "reverse_proxy"}, {"status", 502}, {"uri", r.head.uri}});
          return make_handler_error(502, std::move(what));
        }
        u->dynamic = true;
        p.resolved[i] = std::move(*u);
      }
    }
    if (!up_.ops.empty()) p.header_up = resolve_header_ops(up_, up_finds_, r);
    if (!down_.ops.empty()) p.header_down = resolve_header_ops(down_, down_finds_, r);
    return Action(std::move(p));
  }

 private:
  ProxySettings settings_;
  std::vector<Template> dynamic_;  // per upstream: its address's template, or empty (a fixed one)
  bool any_dynamic_ = false;
  caddyfile::HeaderSpec up_, down_;
  HeaderFinds up_finds_, down_finds_;
  std::unique_ptr<ResponseRouteTable> responses_;
  std::unique_ptr<HealthChecker> checker_;  // last: stopped before the settings it reads go
};

}  // namespace

std::unique_ptr<Handler> make_reverse_proxy_handler(const caddyfile::ReverseProxySpec& spec,
                                                    std::unique_ptr<ResponseRouteTable> responses) {
  return std::make_unique<ReverseProxyHandler>(spec, std::move(responses));
}

}  // namespace pogo::server

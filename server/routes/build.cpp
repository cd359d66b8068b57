#include "server/routes/build.h"

#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <map>
#include <stdexcept>

#include "caddyfile/error.h"
#include "server/routes/basic_auth.h"
#include "server/routes/file_server.h"
#include "server/routes/hub_route.h"
#include "server/routes/intercept.h"
#include "server/routes/modifiers.h"
#include "server/routes/php_handler.h"
#include "server/routes/placeholders.h"
#include "server/routes/respond.h"
#include "server/routes/reverse_proxy.h"
#include "server/routes/rewrites.h"
#include "server/routes/route.h"

namespace pogo::server {

namespace cf = caddyfile;

namespace {

[[noreturn]] void fail(const cf::Location& at, const std::string& message) { cf::fail_at(at.file, at.line, message); }

// A path as written, made absolute against the current directory (and resolved when it exists),
// unless it holds placeholders (resolved per request).
std::string absolute_root(const std::string& path) {
  if (path.empty() || has_placeholders(path)) return path;
  std::string p = path;
  if (p[0] != '/') {
    char cwd[PATH_MAX];
    if (::getcwd(cwd, sizeof cwd)) p = std::string(cwd) + "/" + p;
  }
  char real[PATH_MAX];
  if (::realpath(p.c_str(), real)) return real;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

class AccessLogHandler final : public Handler {
 public:
  explicit AccessLogHandler(const AccessLog* log) : log_(log) {}
  std::optional<Action> handle(Request& r) const override {
    r.filters.access_log = log_;
    return std::nullopt;
  }

 private:
  const AccessLog* log_;
};

struct Builder {
  const cf::Config& config;
  Backend* backend;
  const HubBackends& hubs;
  // Inside reverse_proxy's handle_response routes, where copy_response and copy_response_headers
  // have an upstream response to copy (intercept's handle_response has none).
  bool in_proxy_response = false;
  bool in_response_route = false;  // any handle_response: cli/ starts no worker declared there

  using Scope = std::vector<const std::vector<cf::NamedMatcher>*>;  // innermost first

  Matcher matcher(const cf::Handler& h, const Scope& scope) {
    switch (h.match.kind) {
      case cf::MatchSpec::Kind::all: return Matcher();
      case cf::MatchSpec::Kind::path: return Matcher::from_path(h.match.value);
      case cf::MatchSpec::Kind::named:
        for (const auto* list : scope)
          for (const auto& m : *list)
            if (m.name == h.match.value) {
              try {
                return Matcher::from_set(m.set, m.name);
              } catch (const std::exception& e) {
                fail(m.set.where, e.what());
              }
            }
        fail(h.where, "undefined matcher @" + h.match.value);
    }
    return Matcher();
  }

  std::unique_ptr<Route> route(const std::vector<cf::Handler>& handlers, const Scope& scope) {
    auto r = std::make_unique<Route>();
    for (const auto& h : handlers) {
      Step s;
      s.matcher = matcher(h, scope);
      s.handler = handler(h, scope);
      s.group = h.group;
      // Caddy makes rewrite and root mutually exclusive too: only the first matching one applies.
      if (s.group.empty() && (h.directive == "rewrite" || h.directive == "root")) s.group = h.directive;
      r->steps.push_back(std::move(s));
    }
    return r;
  }

  std::unique_ptr<Handler> handler(const cf::Handler& h, const Scope& scope) {
    try {
      return std::visit([&](const auto& spec) { return make(h, spec, scope); }, h.spec);
    } catch (const cf::Error&) {
      throw;
    } catch (const std::exception& e) {
      fail(h.where, e.what());
    }
  }

  std::unique_ptr<Handler> make(const cf::Handler&, const cf::RootSpec& s, const Scope&) {
    return make_root_handler(absolute_root(s.path));
  }
  std::unique_ptr<Handler> make(const cf::Handler& h, const cf::HeaderSpec& s, const Scope&) {
    return h.directive == "request_header" ? make_request_header_handler(s) : make_header_handler(s);
  }
  std::unique_ptr<Handler> make(const cf::Handler&, const cf::VarsSpec& s, const Scope&) { return make_vars_handler(s); }
  std::unique_ptr<Handler> make(const cf::Handler& h, const cf::RequestBodySpec& s, const Scope&) {
    return make_request_body_handler(s.max_size, !s.buffer);
  }
  std::unique_ptr<Handler> make(const cf::Handler&, const cf::RedirSpec& s, const Scope&) { return make_redir_handler(s); }
  std::unique_ptr<Handler> make(const cf::Handler&, const cf::RewriteSpec& s, const Scope&) {
    return make_rewrite_handler(s.to);
  }
  std::unique_ptr<Handler> make(const cf::Handler&, const cf::UriSpec& s, const Scope&) { return make_uri_handler(s); }
  std::unique_ptr<Handler> make(const cf::Handler&, const cf::MethodSpec& s, const Scope&) {
    return make_method_handler(s.method);
  }
  std::unique_ptr<Handler> make(const cf::Handler&, const cf::TryFilesSpec& s, const Scope&) {
    return make_try_files_handler(s);
  }
  std::unique_ptr<Handler> make(const cf::Handler&, const cf::BasicAuthSpec& s, const Scope&) {
    return make_basic_auth_handler(s);
  }
  std::unique_ptr<Handler> make(const cf::Handler&, const cf::EncodeSpec& s, const Scope&) { return make_encode_handler(s); }
  std::unique_ptr<Handler> make(const cf::Handler&, const cf::VulcainSpec& s, const Scope&) { return make_vulcain_handler(s); }
  std::unique_ptr<Handler> make(const cf::Handler&, const cf::SubrouteSpec& s, const Scope& outer) {
    Scope scope{&s.matchers};
    scope.insert(scope.end(), outer.begin(), outer.end());
    auto r = route(s.handlers, scope);
    r->strip_prefix = s.strip_prefix;
    return r;
  }
  std::unique_ptr<Handler> make(const cf::Handler&, const cf::RespondSpec& s, const Scope&) { return make_respond_handler(s); }
  std::unique_ptr<Handler> make(const cf::Handler&, const cf::ErrorSpec& s, const Scope&) { return make_error_handler(s); }
  std::unique_ptr<Handler> make(const cf::Handler& h, const cf::PhpSpec& s, const Scope&) {
    // Workers declared here are started by cli/ with the backend, which hands them the
    // requests whose script is the worker's file; routing is the same as for any script.
    if (in_response_route && !s.workers.empty())
      fail(h.where, h.directive + ": a worker inside handle_response is not supported by Pogo; declare it in the site's "
                                  "php_server or in the global frankenphp block");
    cf::PhpSpec spec = s;
    spec.root = absolute_root(spec.root);
    PhpKind kind = h.directive == "php" ? PhpKind::php : h.directive == "php_fastcgi" ? PhpKind::fastcgi : PhpKind::server;
    return make_php_handler(std::move(spec), kind, backend);
  }
  std::unique_ptr<Handler> make(const cf::Handler&, const cf::ReverseProxySpec& s, const Scope& scope) {
    return make_reverse_proxy_handler(s, s.responses.empty() ? nullptr : responses(s.responses, scope, true));
  }
  std::unique_ptr<Handler> make(const cf::Handler&, const cf::InterceptSpec& s, const Scope& scope) {
    return make_intercept_handler(responses(s.responses, scope, false));
  }
  std::unique_ptr<Handler> make(const cf::Handler& h, const cf::CopyResponseSpec& s, const Scope&) {
    if (!in_proxy_response) fail(h.where, "copy_response: only reverse_proxy's handle_response routes have an upstream response to copy");
    return make_copy_response_handler(s);
  }
  std::unique_ptr<Handler> make(const cf::Handler& h, const cf::CopyResponseHeadersSpec& s, const Scope&) {
    if (!in_proxy_response)
      fail(h.where, "copy_response_headers: only reverse_proxy's handle_response routes have an upstream response to copy");
    return make_copy_response_headers_handler(s);
  }

  // handle_response / replace_status entries; `proxy`: reverse_proxy's.
  std::unique_ptr<ResponseRouteTable> responses(const cf::ResponseHandling& h, const Scope& outer, bool proxy) {
    auto table = std::make_unique<ResponseRouteTable>();
    for (const cf::ResponseRoute& r : h.routes) {
      ResponseRouteTable::Entry e;
      for (const auto& [name, m] : h.matchers)
        if (name == r.matcher) e.matcher = m;
      e.replace_status = r.replace_status;
      if (!r.replace_status) {
        Scope scope{&r.matchers};
        scope.insert(scope.end(), outer.begin(), outer.end());
        bool was = in_proxy_response, was_response = in_response_route;
        in_proxy_response = proxy;
        in_response_route = true;
        e.route = route(r.handlers, scope);
        in_proxy_response = was;
        in_response_route = was_response;
      }
      table->entries.push_back(std::move(e));
    }
    return table;
  }
  std::unique_ptr<Handler> make(const cf::Handler& h, const cf::MercureSpec& s, const Scope&) {
    if (!hubs) return make_hub_route(nullptr);
    try {
      return make_hub_route(hubs(s));
    } catch (const std::exception& e) {
      fail(h.where, e.what());
    }
    return nullptr;
  }
  std::unique_ptr<Handler> make(const cf::Handler&, const cf::FileServerSpec& s, const Scope&) {
    cf::FileServerSpec spec = s;
    spec.root = absolute_root(spec.root);
    return make_file_server_handler(std::move(spec), config.source);
  }
};

bool uses_php(const std::vector<cf::Handler>& hs) {
  for (const auto& h : hs) {
    if (std::holds_alternative<cf::PhpSpec>(h.spec)) return true;
    if (auto* sub = std::get_if<cf::SubrouteSpec>(&h.spec); sub && uses_php(sub->handlers)) return true;
    const cf::ResponseHandling* rh = nullptr;
    if (auto* i = std::get_if<cf::InterceptSpec>(&h.spec)) rh = &i->responses;
    if (auto* p = std::get_if<cf::ReverseProxySpec>(&h.spec)) rh = &p->responses;
    if (rh)
      for (const cf::ResponseRoute& r : rh->routes)
        if (uses_php(r.handlers)) return true;
  }
  return false;
}

// The site tables of out.listeners, by the same index (a listener holds its own as a Router).
using Tables = std::vector<std::shared_ptr<SiteTable>>;

// The listener on `bind`:`port` ("bind|port" in `index`), made on first use.
size_t listener_for(BuiltRoutes& out, Tables& tables, std::map<std::string, size_t>& index, const std::string& bind,
                    int port, bool https) {
  auto [it, fresh] = index.emplace(bind + "|" + std::to_string(port), out.listeners.size());
  if (fresh) {
    std::string host = bind;
    if (host.find(':') != std::string::npos && !host.starts_with("[")) host = "[" + host + "]";
    tables.push_back(std::make_shared<SiteTable>());
    ListenerSites l{host + ":" + std::to_string(port), tables.back()};
    l.port = port;
    l.https = https;
    out.listeners.push_back(std::move(l));
  }
  return it->second;
}

// Automatic HTTPS's redirects (caddyfile/auto_https.h planned them): a site per host on the HTTP
// port answering 308 to its HTTPS address. A host the user's own sites serve there is theirs.
void add_https_redirects(const cf::Config& config, BuiltRoutes& out, Tables& tables,
                         std::map<std::string, size_t>& listener_index,
                         std::map<std::string, cf::Location>& claimed) {
  for (const cf::HttpsRedirect& r : config.https.redirects) {
    std::vector<std::string> binds = !r.bind.empty() ? r.bind : config.global.default_bind;
    if (binds.empty()) binds = {""};
    for (const std::string& bind : binds) {
      std::string key = bind + "|" + std::to_string(r.http_port);
      size_t index = listener_for(out, tables, listener_index, bind, r.http_port, false);
      if (!claimed.emplace(key + "|" + r.host, r.where).second) continue;
      auto s = std::make_unique<Site>();
      if (!r.host.empty()) s->hosts = {r.host};
      cf::RedirSpec spec;
      spec.to = r.location;
      spec.status = 308;
      s->chain.push_back(make_redir_handler(spec));
      tables[index]->add(std::move(s));
    }
  }
}

}  // namespace

bool config_uses_php(const cf::Config& config) {
  for (const auto& s : config.sites) {
    if (uses_php(s.handlers)) return true;
    for (const auto& e : s.errors)
      if (uses_php(e.handlers)) return true;
  }
  return false;
}

BuiltRoutes build_routes(const cf::Config& config, Backend* backend, const HubBackends& hubs) {
  BuiltRoutes out;
  Builder b{config, backend, hubs};
  Tables tables;
  std::map<std::string, size_t> listener_index;                  // "bind|port" -> listeners[i]
  std::map<std::string, cf::Location> claimed;                    // "listener|host" -> first site
  int log_count = 0;
  for (const cf::Site& site : config.sites) {
    if (site.logs.size() > 1) fail(site.logs[1].where, "a site may have one access log in Pogo");
    std::shared_ptr<AccessLog> access;
    if (!site.logs.empty()) {
      try {
        access = std::make_shared<AccessLog>(site.logs[0], "http.log.access.log" + std::to_string(log_count++));
      } catch (const std::exception& e) {
        fail(site.logs[0].where, e.what());
      }
      out.access_logs.push_back(access);
    }
    std::vector<std::string> binds = !site.bind.empty() ? site.bind : config.global.default_bind;
    if (binds.empty()) binds = {""};
    // The site's hosts per listener, in address order.
    std::map<size_t, std::vector<std::string>> hosts_on;
    std::map<size_t, bool> catch_all_on;
    for (const cf::Address& a : site.addresses) {
      if (!a.path.empty()) fail(a.where, "site address " + a.original + ": a path in a site address is not supported by Pogo");
      for (const std::string& bind : binds) {
        std::string key = bind + "|" + std::to_string(a.port);
        size_t index = listener_for(out, tables, listener_index, bind, a.port, a.scheme == "https");
        std::string site_host = a.host == "*" ? std::string() : a.host;
        if (auto [c, first] = claimed.emplace(key + "|" + site_host, a.where); !first)
          fail(a.where, "site address " + a.original + " is defined twice for the same listener (first at " +
                            c->second.file + ":" + std::to_string(c->second.line) + ")");
        if (site_host.empty()) catch_all_on[index] = true;
        else hosts_on[index].push_back(site_host);
      }
    }
    std::vector<size_t> listeners;
    for (auto& [i, hs] : hosts_on) listeners.push_back(i);
    for (auto& [i, any] : catch_all_on)
      if (!hosts_on.count(i)) listeners.push_back(i);
    for (size_t i : listeners) {
      auto s = std::make_unique<Site>();
      if (!catch_all_on[i]) s->hosts = hosts_on[i];
      s->unhandled_status = 200;  // Caddy answers an empty 200 when no handler wrote a response
      if (access) s->chain.push_back(std::make_unique<AccessLogHandler>(access.get()));
      s->chain.push_back(b.route(site.handlers, {&site.matchers}));
      for (const cf::ErrorRoute& e : site.errors) {
        ErrorRoute er;
        er.codes = e.codes;
        er.classes = e.classes;
        er.route = b.route(e.handlers, {&e.matchers, &site.matchers});
        s->errors.push_back(std::move(er));
      }
      tables[i]->add(std::move(s));
    }
  }
  add_https_redirects(config, out, tables, listener_index, claimed);
  for (auto& t : tables) t->unmatched_host_empty_200 = true;
  return out;
}

}  // namespace pogo::server

#include "admin/api.h"

#include <algorithm>
#include <cctype>

#include "admin/config_access.h"
#include "admin/error.h"
#include "metrics/registry.h"
#include "server/listener.h"
#include "server/log.h"

namespace pogo::admin {

namespace {

using nlohmann::json;

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

std::string join_host_port(const std::string& host, const std::string& port) {
  return host.find(':') != std::string::npos ? "[" + host + "]:" + port : host + ":" + port;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

std::string header(const ApiRequest& r, std::string_view name) {
  const std::string* v = r.head ? r.head->header(name) : nullptr;
  return v ? *v : std::string();
}

bool has_header(const ApiRequest& r, std::string_view name) { return r.head && r.head->header(name); }

// The media type of a Content-Type value, lower-cased, parameters dropped.
std::string media_type(const std::string& content_type) {
  std::string t = lower(content_type.substr(0, content_type.find(';')));
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.pop_back();
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.erase(t.begin());
  return t;
}

json parse_body(const std::string& body) {
  try {
    return json::parse(body);
  } catch (const json::parse_error& e) {
    throw AdminError(400, std::string("decoding request body: ") + e.what());
  }
}

ApiResponse json_response(const json& value, int indent = -1) {
  ApiResponse out;
  out.headers.push_back({"Content-Type", "application/json"});
  out.body = value.dump(indent, ' ', false, json::error_handler_t::replace) + "\n";
  return out;
}

void require_method(const ApiRequest& r, std::initializer_list<std::string_view> methods) {
  for (std::string_view m : methods)
    if (r.method == m) return;
  throw AdminError(405, "method " + r.method + " not allowed");
}

json warnings_json(const std::vector<std::string>& warnings) {
  json out = json::array();
  for (const auto& w : warnings) out.push_back(w);
  return out;
}

// caddy_admin_http_requests_total's handler and path labels: the route that took the request,
// as Caddy names its admin routes.
std::pair<std::string_view, std::string_view> route_label(const std::string& p) {
  if (p == "/config" || p.rfind("/config/", 0) == 0) return {"config", "/config/"};
  if (p == "/load") return {"load", "/load"};
  if (p == "/adapt") return {"adapt", "/adapt"};
  if (p == "/stop") return {"stop", "/stop"};
  if (p == "/metrics") return {"metrics", "/metrics"};
  if (p == "/ready") return {"ready", "/ready"};
  if (p == "/frankenphp/workers/restart") return {"frankenphp", "/frankenphp/workers/restart"};
  if (p == "/frankenphp/threads") return {"frankenphp", "/frankenphp/threads"};
  return {"unknown", "unknown"};
}

}  // namespace

Api::Api(Control& control, const std::string& address) : control_(control) { set_address(address); }

void Api::set_address(const std::string& address) {
  allowed_.clear();
  enforce_host_ = true;
  if (address.rfind("unix/", 0) == 0) {
    enforce_host_ = false;
    return;
  }
  server::ListenAddress a = server::parse_listen_address(address);
  std::string port = std::to_string(a.port);
  if (a.host.empty() || a.host == "0.0.0.0" || a.host == "::") {
    enforce_host_ = false;
    allowed_.push_back(join_host_port(a.host, port));
  } else if (is_loopback_host(a.host)) {
    allowed_ = {join_host_port("localhost", port), join_host_port("::1", port), join_host_port("127.0.0.1", port)};
  } else {
    allowed_.push_back(join_host_port(a.host, port));
  }
}

ApiResponse Api::error(const ApiRequest& r, int status, const std::string& message) const {
  log::error("admin.api", "request error", {{"error", message}, {"status_code", status}, {"uri", r.uri}});
  ApiResponse out = json_response(json{{"error", message}});
  out.status = status;
  return out;
}

ApiResponse Api::handle(const ApiRequest& r) {
  json fields{{"method", r.method}, {"host", header(r, "Host")}, {"uri", r.uri}};
  if (r.head) {
    fields["remote_ip"] = r.head->remote_addr;
    fields["remote_port"] = std::to_string(r.head->remote_port);
    json headers = json::object();
    for (const auto& h : r.head->headers) headers[h.name].push_back(h.value);
    fields["headers"] = headers;
  }
  // Probes come every few seconds from every balancer: not worth an info line each.
  if (r.path == "/metrics" || r.path == "/ready") log::debug("admin.api", "received request", fields);
  else log::info("admin.api", "received request", fields);
  ApiResponse out;
  try {
    ApiResponse cors;
    check_browser_context(r, cors);
    out = route(r);
    out.headers.insert(out.headers.end(), cors.headers.begin(), cors.headers.end());
  } catch (const AdminError& e) {
    out = error(r, e.status(), e.what());
  } catch (const std::exception& e) {
    out = error(r, 500, e.what());
  }
  auto [handler, pattern] = route_label(r.path);
  metrics::admin_request(handler, pattern, r.method, out.status);
  return out;
}

void Api::check_browser_context(const ApiRequest& r, ApiResponse& out) const {
  if (lower(header(r, "Upgrade")).find("websocket") != std::string::npos)
    throw AdminError(400, "websocket connections aren't allowed");
  if (header(r, "Sec-Fetch-Mode").find("no-cors") != std::string::npos)
    throw AdminError(400, "client attempted to make request by disabling same-origin policy using no-cors mode");
  if (has_header(r, "Origin") && header(r, "Origin") == "null") throw AdminError(400, "invalid origin 'null'");
  if (enforce_host_) {
    // DNS rebinding: a page of another site that resolved its name to 127.0.0.1 sends its own Host.
    std::string host = header(r, "Host");
    if (std::find(allowed_.begin(), allowed_.end(), host) == allowed_.end())
      throw AdminError(403, "host not allowed: " + host);
  }
  if (has_header(r, "Origin") || has_header(r, "Sec-Fetch-Mode")) {
    std::string origin = header(r, "Origin");
    if (origin.empty()) origin = header(r, "Referer");
    size_t scheme_end = origin.find("://");
    if (origin.empty() || scheme_end == std::string::npos)
      throw AdminError(403, "required Origin header is missing or invalid");
    std::string authority = origin.substr(scheme_end + 3);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    if (std::find(allowed_.begin(), allowed_.end(), authority) == allowed_.end())
      throw AdminError(403, "client is not allowed to access from origin '" + origin + "'");
    if (r.method == "OPTIONS") {
      out.headers.push_back({"Access-Control-Allow-Methods", "OPTIONS, GET, POST, PUT, PATCH, DELETE"});
      out.headers.push_back({"Access-Control-Allow-Headers", "Content-Type, Content-Length, Cache-Control"});
      out.headers.push_back({"Access-Control-Allow-Credentials", "true"});
    }
    out.headers.push_back({"Access-Control-Allow-Origin", origin.substr(0, scheme_end + 3) + authority});
  }
}

ApiResponse Api::route(const ApiRequest& r) {
  const std::string& p = r.path;
  if (p == "/config" || p.rfind("/config/", 0) == 0) return config(r);
  if (p == "/load") return load(r);
  if (p == "/adapt") return adapt(r);
  if (p == "/stop") {
    require_method(r, {"POST"});
    log::info("admin.api", "stopping now, bye!");
    ApiResponse out;
    out.after = [this] { control_.stop(); };
    return out;
  }
  if (p == "/metrics") {
    require_method(r, {"GET", "HEAD"});
    ApiResponse out;
    out.headers.push_back({"Content-Type", "text/plain; version=0.0.4; charset=utf-8"});
    out.body = control_.metrics();
    return out;
  }
  if (p == "/ready") {
    // A draining process is not failing: the 503 is the answer, not an error to log.
    require_method(r, {"GET", "HEAD"});
    ApiResponse out;
    out.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
    out.headers.push_back({"Cache-Control", "no-store"});
    if (control_.ready()) {
      out.body = "ready\n";
    } else {
      out.status = 503;
      out.body = "shutting down\n";
    }
    return out;
  }
  if (p == "/frankenphp/workers/restart") {
    require_method(r, {"POST"});
    control_.restart_workers();
    log::info("admin.api", "workers restarted from admin api");
    ApiResponse out;
    out.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
    out.body = "workers restarted successfully\n";
    return out;
  }
  if (p == "/frankenphp/threads") {
    require_method(r, {"GET"});
    ApiResponse out = json_response(control_.threads(), 4);
    out.body.pop_back();  // FrankenPHP writes the indented document without a newline
    return out;
  }
  throw AdminError(404, "resource not found: " + p);
}

ApiResponse Api::config(const ApiRequest& r) {
  if (r.method == "GET") {
    json current = control_.config();
    json value = config_get(current, r.path);
    ApiResponse out = json_response(value);
    out.headers.push_back({"Etag", config_etag(current, r.path)});
    return out;
  }
  if (r.method != "POST" && r.method != "PUT" && r.method != "PATCH" && r.method != "DELETE")
    throw AdminError(405, "method " + r.method + " not allowed");
  std::optional<json> body;
  if (r.method != "DELETE") {
    std::string ct = header(r, "Content-Type");
    if (ct.find("/json") == std::string::npos)
      throw AdminError(400, "unacceptable content-type: " + ct + "; 'application/json' required");
    body = parse_body(r.body);
  }
  std::string if_match = header(r, "If-Match");
  bool force = header(r, "Cache-Control") == "must-revalidate";
  control_.change(
      [&](const json& current) {
        if (!if_match.empty()) check_if_match(current, if_match);
        json edited = current;
        config_edit(edited, r.method, r.path, body);
        return edited;
      },
      force);
  return ApiResponse{};
}

ApiResponse Api::load(const ApiRequest& r) {
  require_method(r, {"POST"});
  std::string type = media_type(header(r, "Content-Type"));
  json doc;
  std::vector<std::string> warnings;
  if (type.empty() || type.find("/json") != std::string::npos) {
    doc = parse_body(r.body);
  } else if (type.substr(type.find('/') + 1) == "caddyfile") {
    doc = control_.adapt(r.body, warnings);
  } else {
    throw AdminError(400, "unrecognized config adapter '" + type.substr(type.find('/') + 1) + "'");
  }
  bool force = header(r, "Cache-Control") == "must-revalidate";
  LoadResult result = control_.change([&](const json&) { return doc; }, force);
  if (!result.changed) log::info("admin.api", "config is unchanged");
  if (warnings.empty()) return ApiResponse{};
  return json_response(warnings_json(warnings));
}

ApiResponse Api::adapt(const ApiRequest& r) {
  require_method(r, {"POST"});
  std::vector<std::string> warnings;
  json result = control_.adapt(r.body, warnings);
  json out{{"result", result}};
  if (!warnings.empty()) out["warnings"] = warnings_json(warnings);
  return json_response(out);
}

}  // namespace pogo::admin

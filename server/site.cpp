#include "server/site.h"

#include <sys/stat.h>

#include "caddyfile/config.h"
#include "server/hidden_paths.h"
#include "server/path_safety.h"
#include "server/response_writer.h"
#include "server/script_resolver.h"

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

Action Site::route(RequestHead& req) const {
  Request r(req);
  return route(r);
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

namespace {

Respond redirect(std::string location) {
  Respond r;
  r.status = 308;
  r.headers.push_back({"Location", std::move(location)});
  return r;
}

class PhpServerHandler final : public Handler {
 public:
  PhpServerHandler(std::string root, Backend* backend, std::vector<std::pair<std::string, std::string>> env,
                   bool hide_defaults)
      : root_(std::move(root)), backend_(backend), env_(std::move(env)), hide_defaults_(hide_defaults) {}

  std::optional<Action> handle(Request& rq) const override {
    RequestHead& req = rq.head;
    Resolution r = resolve_php_path(root_, req.path, req.query);
    if (auto* red = std::get_if<ResolvedRedirect>(&r)) return redirect(std::move(red->location));
    if (auto* st = std::get_if<ResolvedStatic>(&r)) {
      if (hide_defaults_ && refuse_hidden(req.path, st->file, root_)) return make_error_response(404);
      return ServeFile{std::move(st->file)};
    }
    if (auto* sc = std::get_if<ResolvedScript>(&r)) {
      if (!backend_) return make_error_response(503);
      req.document_root = root_;
      req.script_filename = std::move(sc->script_filename);
      req.script_name = std::move(sc->script_name);
      req.path_info = std::move(sc->path_info);
      req.path = req.script_name + req.path_info;  // after the try_files rewrite
      req.env = env_;
      return ToBackend{backend_};
    }
    return make_error_response(404);
  }

 private:
  std::string root_;
  Backend* backend_;
  std::vector<std::pair<std::string, std::string>> env_;
  bool hide_defaults_;
};

class FileServerHandler final : public Handler {
 public:
  FileServerHandler(std::string root, bool hide_defaults) : root_(std::move(root)), hide_defaults_(hide_defaults) {}

  std::optional<Action> handle(Request& rq) const override {
    RequestHead& req = rq.head;
    struct stat st {};
    auto real = resolve_inside_root(root_, req.path, &st);
    if (!real || (hide_defaults_ && refuse_hidden(req.path, *real, root_))) return make_error_response(404);
    if (S_ISDIR(st.st_mode)) {
      std::string index = *real + (real->back() == '/' ? "" : "/") + "index.html";
      struct stat ist {};
      if (::stat(index.c_str(), &ist) != 0 || !S_ISREG(ist.st_mode)) return make_error_response(404);
      if (!req.path.ends_with("/")) {
        std::string loc = escape_path(req.path) + "/";
        if (!req.query.empty()) loc += "?" + req.query;
        return redirect(std::move(loc));
      }
      return ServeFile{std::move(index)};
    }
    if (!S_ISREG(st.st_mode) || req.path.ends_with("/")) return make_error_response(404);
    if (has_php_extension(*real) || has_php_extension(req.path)) return make_error_response(404);
    return ServeFile{std::move(*real)};
  }

 private:
  std::string root_;
  bool hide_defaults_;
};

}  // namespace

std::unique_ptr<Handler> make_php_server_handler(std::string root, Backend* backend,
                                                 std::vector<std::pair<std::string, std::string>> env,
                                                 bool hide_defaults) {
  return std::make_unique<PhpServerHandler>(std::move(root), backend, std::move(env), hide_defaults);
}

std::unique_ptr<Handler> make_file_server_handler(std::string root, bool hide_defaults) {
  return std::make_unique<FileServerHandler>(std::move(root), hide_defaults);
}

}  // namespace pogo::server

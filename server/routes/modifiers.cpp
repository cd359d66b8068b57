#include "server/routes/modifiers.h"

#include <unistd.h>

#include <climits>

#include "server/compress.h"
#include "server/routes/header_ops.h"
#include "server/routes/placeholders.h"
#include "server/routes/vulcain.h"

namespace pogo::server {

namespace {

class RootHandler final : public Handler {
 public:
  explicit RootHandler(std::string path) : path_(std::move(path)), dynamic_(has_placeholders(path_)) {}
  std::optional<Action> handle(Request& r) const override {
    if (!dynamic_) {
      r.root = path_;
      return std::nullopt;
    }
    std::string p = replace_placeholders(path_, r);
    if (!p.empty() && p[0] != '/') {
      char buf[PATH_MAX];
      if (::getcwd(buf, sizeof buf)) p = std::string(buf) + "/" + p;
    }
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    r.root_storage = std::move(p);
    r.root = r.root_storage;
    return std::nullopt;
  }

 private:
  std::string path_;
  bool dynamic_;
};

class HeaderHandler final : public Handler {
 public:
  explicit HeaderHandler(caddyfile::HeaderSpec spec) : spec_(std::move(spec)), finds_(compile_header_finds(spec_)) {}
  std::optional<Action> handle(Request& r) const override {
    r.filters.header_ops.push_back(resolve_header_ops(spec_, finds_, r));
    return std::nullopt;
  }

 private:
  caddyfile::HeaderSpec spec_;
  HeaderFinds finds_;
};

// Changes the request's own headers: what later handlers, matchers and the backend see.
class RequestHeaderHandler final : public Handler {
 public:
  explicit RequestHeaderHandler(caddyfile::HeaderSpec spec)
      : spec_(std::move(spec)), finds_(compile_header_finds(spec_)) {}
  std::optional<Action> handle(Request& r) const override {
    resolve_header_ops(spec_, finds_, r)->apply_to_request(r.head.headers);
    return std::nullopt;
  }

 private:
  caddyfile::HeaderSpec spec_;
  HeaderFinds finds_;
};

// Sets `{vars.NAME}` (`{http.vars.NAME}`), which the vars matchers and placeholders read.
class VarsHandler final : public Handler {
 public:
  explicit VarsHandler(caddyfile::KeyValues vars) : vars_(std::move(vars)) {}
  std::optional<Action> handle(Request& r) const override {
    for (const auto& [name, value] : vars_) r.vars["http.vars." + replace_placeholders(name, r)] = replace_placeholders(value, r);
    return std::nullopt;
  }

 private:
  caddyfile::KeyValues vars_;
};

class RequestBodyHandler final : public Handler {
 public:
  RequestBodyHandler(std::optional<uint64_t> max, bool stream) : max_(max), stream_(stream) {}
  std::optional<Action> handle(Request& r) const override {
    if (max_) r.max_body_size = max_;
    r.stream_body = stream_;
    return std::nullopt;
  }

 private:
  std::optional<uint64_t> max_;
  bool stream_;
};

class EncodeHandler final : public Handler {
 public:
  explicit EncodeHandler(caddyfile::EncodeSpec spec)
      : spec_(std::make_shared<const caddyfile::EncodeSpec>(std::move(spec))) {}
  std::optional<Action> handle(Request& r) const override {
    r.filters.encode = spec_;
    // As Caddy: never for a WebSocket handshake, nor when the request says no-transform.
    const std::string* cc = r.head.header("Cache-Control");
    if (r.head.header("Sec-WebSocket-Key") || (cc && cc->find("no-transform") != std::string::npos))
      r.filters.encoding.clear();
    else
      r.filters.encoding = negotiate_encoding(r.head.joined_header("Accept-Encoding"), spec_->formats);
    return std::nullopt;
  }

 private:
  std::shared_ptr<const caddyfile::EncodeSpec> spec_;
};

class VulcainHandler final : public Handler {
 public:
  explicit VulcainHandler(caddyfile::VulcainSpec spec) : spec_(spec) {}
  std::optional<Action> handle(Request& r) const override {
    auto v = std::make_shared<VulcainRequest>();
    v->options.max_pushes = spec_.max_pushes;
    v->early_hints = spec_.early_hints;
    v->directives = vulcain::request_directives(r.head);
    v->prefer = r.head.joined_header("Prefer");
    r.filters.vulcain = std::move(v);
    return std::nullopt;
  }

 private:
  caddyfile::VulcainSpec spec_;
};

}  // namespace

std::unique_ptr<Handler> make_root_handler(std::string path) { return std::make_unique<RootHandler>(std::move(path)); }
std::unique_ptr<Handler> make_request_header_handler(caddyfile::HeaderSpec spec) {
  return std::make_unique<RequestHeaderHandler>(std::move(spec));
}

std::unique_ptr<Handler> make_vars_handler(caddyfile::VarsSpec spec) { return std::make_unique<VarsHandler>(std::move(spec.vars)); }

std::unique_ptr<Handler> make_header_handler(caddyfile::HeaderSpec spec) {
  return std::make_unique<HeaderHandler>(std::move(spec));
}
std::unique_ptr<Handler> make_request_body_handler(std::optional<uint64_t> max_size, bool stream) {
  return std::make_unique<RequestBodyHandler>(max_size, stream);
}
std::unique_ptr<Handler> make_encode_handler(caddyfile::EncodeSpec spec) {
  return std::make_unique<EncodeHandler>(std::move(spec));
}

std::unique_ptr<Handler> make_vulcain_handler(caddyfile::VulcainSpec spec) {
  return std::make_unique<VulcainHandler>(spec);
}

}  // namespace pogo::server

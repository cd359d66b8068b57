#include "server/routes/php_handler.h"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>

#include "server/path_safety.h"
#include "server/routes/file_server.h"
#include "server/routes/placeholders.h"
#include "server/routes/try_files.h"

namespace pogo::server {

namespace {

bool is_regular(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

class PhpHandler final : public Handler {
 public:
  PhpHandler(caddyfile::PhpSpec spec, PhpKind kind, Backend* backend)
      : spec_(std::move(spec)), kind_(kind), backend_(backend) {
    if (spec_.split_path.empty()) spec_.split_path = {".php"};
    if (kind_ != PhpKind::php && !spec_.index.empty()) {
      const std::string& index = spec_.index.front();
      std::string dir_index = "{http.request.uri.path}/" + index;
      tries_.split_path = spec_.split_path;
      tries_.root = spec_.root;
      if (spec_.try_files.empty()) {
        tries_.files = {"{http.request.uri.path}", dir_index, index};
        tries_.policy = "first_exist_fallback";
        dir_redirect_ = true;
      } else {
        tries_.files = spec_.try_files;
        tries_.policy = tries_.files.back().ends_with(".php") ? "first_exist_fallback" : "first_exist";
        for (const auto& f : tries_.files)
          dir_redirect_ = dir_redirect_ || f == dir_index || f == "{path}/" + index;
      }
      use_tries_ = true;
    }
    if (kind_ == PhpKind::server && spec_.file_server) static_ = make_php_static_handler(spec_.root, spec_.hide_defaults);
  }

  std::optional<Action> handle(Request& r) const override {
    std::string root = effective_root(spec_.root, r);
    std::string real_root = spec_.resolve_root_symlink ? server::real_root(root).value_or(root) : root;
    RequestHead& h = r.head;
    if (use_tries_) {
      const std::string& index = spec_.index.front();
      if (dir_redirect_ && !h.path.ends_with("/")) {
        auto dir = resolve_inside_root(real_root, h.path);
        if (dir && is_regular(*dir + "/" + index)) {
          Respond resp;
          resp.status = 308;
          std::string loc = escape_path(r.original_path) + "/";
          if (!h.query.empty()) loc += "?" + h.query;
          resp.headers.push_back({"Location", std::move(loc)});
          return resp;
        }
      }
      if (auto m = try_files(tries_, r)) {
        if (m->status) return make_error_response(m->status);
        set_file_match_placeholders(*m, r);
        h.path = m->relative + m->remainder;
        if (m->has_query) h.query = m->query;
      }
    }
    size_t split = split_position(h.path, spec_.split_path);
    if (split == std::string::npos && kind_ == PhpKind::php) split = h.path.size();
    if (split != std::string::npos) {
      std::string script_name = h.path.substr(0, split);
      struct stat st {};
      auto script = resolve_inside_root(real_root, script_name, &st);
      if (!script || !S_ISREG(st.st_mode)) return make_handler_error(404, "script not found");
      if (!backend_) return make_error_response(503);
      h.document_root = real_root;
      h.script_name = script_name;
      h.path_info = h.path.substr(split);
      h.script_filename = real_root + script_name;
      h.env.clear();
      for (const auto& [k, v] : spec_.env) h.env.emplace_back(k, replace_placeholders(v, r));
      return ToBackend{backend_};
    }
    if (static_) return static_->handle(r);
    return std::nullopt;
  }

 private:
  caddyfile::PhpSpec spec_;
  PhpKind kind_;
  Backend* backend_;
  TryFilesOptions tries_;
  bool use_tries_ = false;
  bool dir_redirect_ = false;
  std::unique_ptr<Handler> static_;
};

}  // namespace

std::unique_ptr<Handler> make_php_handler(caddyfile::PhpSpec spec, PhpKind kind, Backend* backend) {
  return std::make_unique<PhpHandler>(std::move(spec), kind, backend);
}

}  // namespace pogo::server

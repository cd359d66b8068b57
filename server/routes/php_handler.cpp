#include "server/routes/php_handler.h"

#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <cstdlib>

#include "server/file_cache.h"
#include "server/http_text.h"
#include "server/path_safety.h"
#include "server/routes/matcher.h"
#include "server/routes/file_server.h"
#include "server/routes/placeholders.h"
#include "server/routes/try_files.h"

namespace pogo::server {

namespace {

// One `worker` of this php_server/php block: requests reach it by `match` or by its file, and only
// from this block (FrankenPHP scopes a php_server's workers to it).
struct ScopedWorker {
  std::string key;  // what the backend knows it by (RequestHead::worker)
  std::string path;
  std::vector<std::string> match;
  std::vector<std::string> env_keys;  // its own env, which wins over the block's
};

class PhpHandler final : public Handler {
 public:
  PhpHandler(caddyfile::PhpSpec spec, PhpKind kind, Backend* backend)
      : spec_(std::move(spec)), root_(spec_.root), kind_(kind), backend_(backend) {
    if (spec_.split_path.empty()) spec_.split_path = {".php"};
    if (kind_ != PhpKind::php && !spec_.index.empty()) {
      const std::string& index = spec_.index.front();
      std::string dir_index = "{http.request.uri.path}/" + index;
      tries_.split_path = spec_.split_path;
      tries_.root = Template(spec_.root);
      if (spec_.try_files.empty()) {
        tries_.files = compile_templates({"{http.request.uri.path}", dir_index, index});
        tries_.policy = "first_exist_fallback";
        dir_redirect_ = true;
      } else {
        tries_.files = compile_templates(spec_.try_files);
        tries_.policy = spec_.try_files.back().ends_with(".php") ? "first_exist_fallback" : "first_exist";
        for (const auto& f : spec_.try_files)
          dir_redirect_ = dir_redirect_ || f == dir_index || f == "{path}/" + index;
      }
      use_tries_ = true;
    }
    if (kind_ == PhpKind::server && spec_.file_server) static_ = make_php_static_handler(spec_.root, spec_.hide_defaults);
    for (const auto& w : spec_.workers) {
      std::vector<std::string> keys;
      for (const auto& kv : w.env) keys.push_back(kv.first);
      workers_.push_back({w.name.empty() ? w.path : w.name, w.path, w.match, std::move(keys)});
    }
  }

  std::optional<Action> handle(Request& r) const override {
    // Per-thread buffers: their capacity stays, so resolving the root allocates nothing per request.
    thread_local std::string root_buf, real_buf, probe;
    std::string_view root = effective_root(root_, r, root_buf);
    const std::string* resolved = spec_.resolve_root_symlink ? server::real_root(root) : nullptr;
    if (!resolved) {
      real_buf.assign(root);
      resolved = &real_buf;
    }
    const std::string& real_root = *resolved;
    RequestHead& h = r.head;
    // FrankenPHP puts the `match` routes before its try_files rewrite: what Caddy's `file {path}`
    // finds and is not PHP is still served as is (a file; a directory only in its slash form, so
    // never "/"), every other matching path goes to the worker as it is.
    if (const ScopedWorker* w = matching_worker(h.path)) {
      if (static_ && !ends_with_ascii_nocase(h.path, ".php")) {
        struct stat st {};
        bool file = FileCache::local().resolve(real_root, h.path, nullptr, &st);
        bool dir_form = h.path.size() > 1 && h.path.back() == '/';
        if (file && (dir_form ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode))) return static_->handle(r);
      }
      return to_worker(*w, real_root, r);
    }
    if (use_tries_) {
      const std::string& index = spec_.index.front();
      if (dir_redirect_ && !h.path.ends_with("/")) {
        // One cached stat of root/path/INDEX decides the common case (no such file: no
        // redirect); only a hit is checked against the root the safe way.
        probe.assign(real_root);
        probe += h.path;
        probe += '/';
        probe += index;
        FileCache& cache = FileCache::local();
        std::string dir;  // only when root/path/INDEX exists: no allocation in the common case
        if (cache.is_regular(probe) && cache.resolve(real_root, h.path, &dir) && cache.is_regular(dir + "/" + index)) {
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
        h.path.assign(m->relative);
        h.path += m->remainder;
        if (m->has_query) h.query = m->query;
        set_file_match_placeholders(*m, r);
      }
    }
    size_t split = split_position(h.path, spec_.split_path);
    if (split == std::string::npos && kind_ == PhpKind::php) split = h.path.size();
    if (split != std::string::npos) {
      // Assigned in place: a head whose buffers were kept from an earlier request allocates nothing.
      std::string_view script_name = std::string_view(h.path).substr(0, split);
      struct stat st {};
      bool script = FileCache::local().resolve(real_root, script_name, nullptr, &st);
      if (!script || !S_ISREG(st.st_mode)) return make_handler_error(404, "script not found");
      if (!backend_) return make_error_response(503);
      h.document_root.assign(real_root);
      h.script_name.assign(script_name);
      h.path_info.assign(h.path, split);
      h.script_filename.assign(real_root);
      h.script_filename += script_name;
      set_env(r);
      h.worker.clear();
      for (const ScopedWorker& w : workers_) {
        if (!w.match.empty() || w.path != h.script_filename) continue;
        assign(w, h);
        break;
      }
      return ToBackend{backend_};
    }
    if (static_) return static_->handle(r);
    return std::nullopt;
  }

 private:
  const ScopedWorker* matching_worker(const std::string& path) const {
    for (const ScopedWorker& w : workers_)
      for (const auto& pattern : w.match)
        if (path_pattern_matches(pattern, path)) return &w;
    return nullptr;
  }

  // A request a worker takes by `match`: whatever its path, the script is the worker's file
  // (SCRIPT_NAME relative to the root when the file is inside it, else empty, as FrankenPHP's cgi.go).
  Action to_worker(const ScopedWorker& w, const std::string& real_root, Request& r) const {
    if (!backend_) return make_error_response(503);
    RequestHead& h = r.head;
    h.document_root = real_root;
    h.script_filename = w.path;
    h.script_name.clear();
    h.path_info.clear();
    if (w.path.size() > real_root.size() && w.path.starts_with(real_root) && w.path[real_root.size()] == '/') {
      h.script_name = w.path.substr(real_root.size());
      size_t split = split_position(h.path, spec_.split_path);
      if (split != std::string::npos) h.path_info = h.path.substr(split);
    }
    set_env(r);
    assign(w, h);
    return ToBackend{backend_};
  }

  // The request goes to `w`; the worker's env (set when it started) wins over the block's.
  static void assign(const ScopedWorker& w, RequestHead& h) {
    h.worker = w.key;
    std::erase_if(h.env, [&](const auto& kv) { return std::ranges::find(w.env_keys, kv.first) != w.env_keys.end(); });
  }

  void set_env(Request& r) const {
    r.head.env.clear();
    for (const auto& [k, v] : spec_.env) r.head.env.emplace_back(k, replace_placeholders(v, r));
  }

  std::vector<ScopedWorker> workers_;
  caddyfile::PhpSpec spec_;
  Template root_;  // spec_.root, compiled
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

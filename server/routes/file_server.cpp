#include "server/routes/file_server.h"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>

#include "server/compress.h"
#include "server/file_cache.h"
#include "server/hidden_paths.h"
#include "server/path_safety.h"
#include "server/static_files.h"
#include "server/routes/browse.h"
#include "server/routes/matcher.h"
#include "server/routes/try_files.h"

namespace pogo::server {

namespace {

Respond redirect_to(const Request& r, std::string path) {
  Respond resp;
  resp.status = 308;
  std::string loc = escape_path(path);
  if (!r.head.query.empty()) loc += "?" + r.head.query;
  resp.headers.push_back({"Location", std::move(loc)});
  return resp;
}

bool is_regular(const std::string& path) { return FileCache::local().is_regular(path); }

const char* sidecar_extension(const std::string& enc) {
  if (enc == "br") return ".br";
  if (enc == "zstd") return ".zst";
  if (enc == "gzip") return ".gz";
  return nullptr;
}

// The path `original` had before handle_path/uri changed it, for canonical redirects: the
// request's original path when the current one is a suffix of it.
std::string redirect_base(const Request& r) {
  const std::string& now = r.head.path;
  std::string_view orig = r.original_path;
  if (orig.size() >= now.size() && orig.compare(orig.size() - now.size(), now.size(), now) == 0) return std::string(orig);
  return now;
}

class FileServerHandler final : public Handler {
 public:
  FileServerHandler(caddyfile::FileServerSpec spec, std::string caddyfile_path)
      : spec_(std::move(spec)), root_(spec_.root) {
    // A relative path with a slash is taken from the working directory at start-up, as Caddy
    // does: once here, not on every request.
    for (std::string& h : spec_.hide) {
      if (h.find('/') == std::string::npos || h.starts_with("/")) continue;
      char cwd[PATH_MAX];
      if (::getcwd(cwd, sizeof cwd)) h = std::string(cwd) + "/" + (h.starts_with("./") ? h.substr(2) : h);
    }
    if (!caddyfile_path.empty()) {
      char real[PATH_MAX];
      spec_.hide.push_back(::realpath(caddyfile_path.c_str(), real) ? std::string(real) : caddyfile_path);
    }
  }

  std::optional<Action> handle(Request& r) const override {
    thread_local std::string root_buf;
    const std::string* resolved_root = server::real_root(effective_root(root_, r, root_buf));
    if (!resolved_root) return not_found();
    const std::string& real_root = *resolved_root;
    struct stat st {};
    // Per-thread buffers: their capacity stays, so a warm hit allocates nothing here.
    thread_local std::string real_buf, requested_buf, index_buf;
    if (!FileCache::local().resolve(real_root, r.head.path, &real_buf, &st) || is_hidden(real_buf, spec_.hide))
      return not_found();
    const std::string& real = real_buf;
    if (!spec_.hide.empty()) {
      requested_buf.assign(real_root);
      requested_buf += r.head.path;
      if (is_hidden(requested_buf, spec_.hide)) return not_found();
    }
    if (spec_.hide_defaults && refuse_hidden(r.head.path, real, real_root)) return not_found();
    const std::string& path = r.head.path;
    if (S_ISDIR(st.st_mode)) {
      std::string dir = real + (real.back() == '/' ? "" : "/");
      for (const auto& idx : spec_.index) {
        std::string candidate = dir + idx;
        if (!is_regular(candidate) || is_hidden(candidate, spec_.hide)) continue;
        if (spec_.canonical_uris && !path.ends_with("/")) return redirect_to(r, redirect_base(r) + "/");
        if (!FileCache::local().resolve(real_root, std::string_view(candidate).substr(real_root.size()), &index_buf)) continue;
        return serve(r, index_buf);
      }
      if (!spec_.browse) return not_found();
      if (spec_.canonical_uris && !path.ends_with("/")) return redirect_to(r, redirect_base(r) + "/");
      const std::string* accept = r.head.header("Accept");
      bool json = accept && accept->find("application/json") != std::string::npos;
      Respond listing = browse_directory(dir, path.ends_with("/") ? path : path + "/", json, spec_.hide, spec_.hide_defaults);
      if (spec_.status) listing.status = spec_.status;
      return listing;
    }
    if (!S_ISREG(st.st_mode)) return not_found();
    if (path.ends_with("/")) {
      if (!spec_.canonical_uris) return not_found();
      std::string base = redirect_base(r);
      return redirect_to(r, base.substr(0, base.size() - 1));
    }
    if (has_php_extension(real) || has_php_extension(path)) return not_found();
    return serve(r, real);
  }

 private:
  std::optional<Action> not_found() const {
    if (spec_.pass_thru) return std::nullopt;
    return make_handler_error(404, "file not found");
  }

  Action serve(const Request& r, const std::string& file) const {
    ServeFile sf;
    sf.file = take_path_buffer();  // the loop thread's buffer: no allocation for a warm hit
    sf.file.assign(file);
    sf.status = spec_.status;
    if (!spec_.precompressed.empty()) {
      sf.headers.push_back({"Vary", "Accept-Encoding"});
      std::vector<std::string> available;
      for (const auto& enc : spec_.precompressed) {
        const char* ext = sidecar_extension(enc);
        if (ext && is_regular(file + ext)) available.push_back(enc);
      }
      std::string enc = negotiate_encoding(r.head.joined_header("Accept-Encoding"), available);
      if (!enc.empty()) {
        sf.type_of = file;
        sf.file = file + sidecar_extension(enc);
        sf.headers.push_back({"Content-Encoding", enc});
      }
    }
    return sf;
  }

  caddyfile::FileServerSpec spec_;
  Template root_;  // spec_.root, compiled
};

}  // namespace

bool is_hidden(std::string_view absolute_path, const std::vector<std::string>& hide) {
  for (const auto& h : hide) {
    if (h.find('/') == std::string::npos) {
      std::string_view p = absolute_path;
      while (!p.empty()) {
        while (p.starts_with("/")) p.remove_prefix(1);
        auto slash = p.find('/');
        std::string_view comp = p.substr(0, slash);
        if (!comp.empty() && (comp == h || path_pattern_matches(h, comp))) return true;
        if (slash == std::string_view::npos) break;
        p.remove_prefix(slash);
      }
      continue;
    }
    const std::string& pattern = h;  // absolute: the handler made relative ones so at start-up
    if (absolute_path == pattern || path_pattern_matches(pattern, absolute_path)) return true;
    if (absolute_path.starts_with(pattern) && absolute_path.size() > pattern.size() && absolute_path[pattern.size()] == '/')
      return true;
  }
  return false;
}

std::unique_ptr<Handler> make_file_server_handler(caddyfile::FileServerSpec spec, std::string caddyfile_path) {
  return std::make_unique<FileServerHandler>(std::move(spec), std::move(caddyfile_path));
}

std::unique_ptr<Handler> make_php_static_handler(std::string root, bool hide_defaults) {
  caddyfile::FileServerSpec spec;
  spec.root = std::move(root);
  spec.hide_defaults = hide_defaults;
  return std::make_unique<FileServerHandler>(std::move(spec), std::string());
}

}  // namespace pogo::server

#include "server/routes/rewrites.h"

#include <cctype>
#include <stdexcept>

#include "server/http_text.h"
#include "server/path_safety.h"
#include "server/routes/placeholders.h"
#include "server/routes/try_files.h"

namespace pogo::server {

bool apply_rewrite(std::string_view target, RequestHead& h) {
  std::string_view path = target, query;
  bool has_query = false;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    path = target.substr(0, q);
    query = target.substr(q + 1);
    has_query = true;
  }
  if (!path.empty()) {
    std::string p = path[0] == '/' ? std::string(path) : "/" + std::string(path);
    auto clean = sanitize_path(p);
    if (!clean) return false;
    h.path = std::move(*clean);
  }
  if (has_query) h.query = std::string(query);
  return true;
}

std::string strip_prefix_op(std::string_view path, std::string_view prefix) {
  if (!prefix.empty() && path.starts_with(prefix)) path.remove_prefix(prefix.size());
  std::string out(path);
  if (out.empty() || out[0] != '/') out.insert(out.begin(), '/');
  return out;
}

std::string strip_suffix_op(std::string_view path, std::string_view suffix) {
  if (!suffix.empty() && path.ends_with(suffix)) path.remove_suffix(suffix.size());
  std::string out(path);
  if (out.empty()) out = "/";
  return out;
}

std::string replace_op(std::string_view path, std::string_view find, std::string_view with, int limit) {
  std::string out(path);
  if (find.empty()) return out;
  int n = 0;
  for (size_t pos = out.find(find); pos != std::string::npos && (limit <= 0 || n < limit);
       pos = out.find(find, pos + with.size()), ++n)
    out.replace(pos, find.size(), with);
  return out;
}

namespace {

std::string query_escape(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += char(c);
    else if (c == ' ') out += '+';
    else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace

bool apply_query_op(std::string& query, const std::vector<std::string>& args) {
  struct Pair {
    std::string key, raw;  // decoded key; the pair as it was written
  };
  std::vector<Pair> pairs;
  for (std::string_view q = query; !q.empty();) {
    auto amp = q.find('&');
    std::string_view part = q.substr(0, amp);
    if (!part.empty()) pairs.push_back({query_unescape(part.substr(0, part.find('='))), std::string(part)});
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  const std::string& op = args.at(0);
  if (args.size() == 1 && op.size() > 1 && op[0] == '-') {
    std::erase_if(pairs, [&](const Pair& p) { return p.key == op.substr(1); });
  } else if (args.size() == 1 && op.find('>') != std::string::npos && op.find('>') > 0) {
    std::string from = op.substr(0, op.find('>')), to = op.substr(op.find('>') + 1);
    for (auto& p : pairs)
      if (p.key == from) {
        auto eq = p.raw.find('=');
        p.raw = query_escape(to) + (eq == std::string::npos ? "" : p.raw.substr(eq));
        p.key = to;
      }
  } else if (args.size() == 2 && op.size() > 1 && op[0] == '+') {
    pairs.push_back({op.substr(1), query_escape(op.substr(1)) + "=" + query_escape(args[1])});
  } else if (args.size() == 2 && !op.empty() && op[0] != '-' && op[0] != '+') {
    std::erase_if(pairs, [&](const Pair& p) { return p.key == op; });
    pairs.push_back({op, query_escape(op) + "=" + query_escape(args[1])});
  } else {
    return false;
  }
  query.clear();
  for (const auto& p : pairs) query += (query.empty() ? "" : "&") + p.raw;
  return true;
}

PathRegexpOp make_path_regexp_op(const std::string& pattern, const std::string& replacement) {
  try {
    return {std::regex(pattern), replacement};
  } catch (const std::regex_error& e) {
    throw std::runtime_error("uri path_regexp " + pattern + ": invalid regular expression: " + e.what());
  }
}

std::string html_redirect_body(std::string_view to) {
  std::string e = html_escape(to);
  return "<!DOCTYPE html>\n<html>\n\t<head>\n\t\t<title>Redirecting...</title>\n\t\t<script>window.location.replace(\"" +
         e + "\");</script>\n\t\t<meta http-equiv=\"refresh\" content=\"0; URL='" + e +
         "'\">\n\t</head>\n\t<body>Redirecting to <a href=\"" + e + "\">" + e + "</a>...</body>\n</html>\n";
}

namespace {

class RewriteHandler final : public Handler {
 public:
  explicit RewriteHandler(std::string to) : to_(std::move(to)) {}
  std::optional<Action> handle(Request& r) const override {
    std::string target = replace_placeholders(to_, r);
    if (!apply_rewrite(target, r.head)) return make_error_response(400);
    bool relative = !target.empty() && target[0] != '/' && target[0] != '?';
    r.relative_rewrite = relative ? r.head.path : std::string();
    return std::nullopt;
  }

 private:
  std::string to_;
};

class UriHandler final : public Handler {
 public:
  explicit UriHandler(const caddyfile::UriSpec& spec) : spec_(spec) {
    if (spec_.op == "path_regexp") re_ = make_path_regexp_op(spec_.args[0], spec_.args[1]);
    if (spec_.op == "replace" && spec_.args.size() == 3) {
      try {
        limit_ = std::stoi(spec_.args[2]);
      } catch (const std::exception&) {
        throw std::runtime_error("uri replace: the limit must be a number, got \"" + spec_.args[2] + "\"");
      }
    }
    if (spec_.op == "query") {
      std::string probe;
      if (!apply_query_op(probe, spec_.args))
        throw std::runtime_error("uri query: expected -KEY, KEY>NEW, +KEY VALUE or KEY VALUE");
    }
  }
  std::optional<Action> handle(Request& r) const override {
    std::string& p = r.head.path;
    const auto& a = spec_.args;
    if (spec_.op == "strip_prefix") {
      std::string prefix = replace_placeholders(a[0], r);
      if (!prefix.empty() && prefix[0] != '/') prefix.insert(prefix.begin(), '/');
      p = strip_prefix_op(p, prefix);
    } else if (spec_.op == "strip_suffix") {
      p = strip_suffix_op(p, replace_placeholders(a[0], r));
    } else if (spec_.op == "replace") {
      p = replace_op(p, replace_placeholders(a[0], r), replace_placeholders(a[1], r), limit_);
    } else if (spec_.op == "path_regexp") {
      p = std::regex_replace(p, re_.re, re_.replacement);
    } else if (spec_.op == "query") {
      std::vector<std::string> args;
      for (const auto& arg : a) args.push_back(replace_placeholders(arg, r));
      apply_query_op(r.head.query, args);
    }
    if (p.empty() || p[0] != '/') p.insert(p.begin(), '/');
    return std::nullopt;
  }

 private:
  caddyfile::UriSpec spec_;
  PathRegexpOp re_;
  int limit_ = 0;
};

class TryFilesHandler final : public Handler {
 public:
  explicit TryFilesHandler(caddyfile::TryFilesSpec spec) {
    opts_.files = compile_templates(spec.files);
    opts_.policy = std::move(spec.policy);
  }
  std::optional<Action> handle(Request& r) const override {
    auto m = try_files(opts_, r);
    if (!m) return std::nullopt;
    if (m->status) return make_error_response(m->status);
    r.head.path.assign(m->relative);
    r.head.path += m->remainder;
    if (m->has_query) r.head.query = m->query;
    set_file_match_placeholders(*m, r);
    return std::nullopt;
  }

 private:
  TryFilesOptions opts_;
};

class RedirHandler final : public Handler {
 public:
  explicit RedirHandler(caddyfile::RedirSpec spec) : spec_(std::move(spec)) {}
  std::optional<Action> handle(Request& r) const override {
    std::string to = replace_placeholders(spec_.to, r);
    Respond resp;
    if (spec_.html) {
      resp.status = 200;
      resp.headers.push_back({"Content-Type", "text/html; charset=utf-8"});
      resp.body = html_redirect_body(to);
      return resp;
    }
    resp.status = spec_.status;
    resp.headers.push_back({"Location", to});
    return resp;
  }

 private:
  caddyfile::RedirSpec spec_;
};

}  // namespace

std::unique_ptr<Handler> make_rewrite_handler(std::string to) { return std::make_unique<RewriteHandler>(std::move(to)); }

namespace {
class MethodHandler final : public Handler {
 public:
  explicit MethodHandler(std::string method) : method_(std::move(method)) {}
  std::optional<Action> handle(Request& r) const override {
    r.head.method = method_;
    return std::nullopt;
  }

 private:
  std::string method_;
};
}  // namespace

std::unique_ptr<Handler> make_method_handler(std::string method) { return std::make_unique<MethodHandler>(std::move(method)); }
std::unique_ptr<Handler> make_uri_handler(const caddyfile::UriSpec& spec) { return std::make_unique<UriHandler>(spec); }
std::unique_ptr<Handler> make_try_files_handler(caddyfile::TryFilesSpec spec) {
  return std::make_unique<TryFilesHandler>(std::move(spec));
}
std::unique_ptr<Handler> make_redir_handler(caddyfile::RedirSpec spec) {
  return std::make_unique<RedirHandler>(std::move(spec));
}

}  // namespace pogo::server

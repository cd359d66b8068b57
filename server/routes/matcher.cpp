#include "server/routes/matcher.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "server/exchange.h"
#include "server/http_text.h"
#include "server/routes/placeholders.h"

namespace pogo::server {

namespace {

// `needle` in `hay`, ASCII case-insensitively.
bool contains_nocase(std::string_view hay, std::string_view needle) {
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i)
    if (starts_with_ascii_nocase(hay.substr(i), needle)) return true;
  return false;
}

// Whether `p` has a wildcard: two memchr scans. (find_first_of("*?") calls memchr once per byte of
// `p`, and every request checks its hide list and path matchers.)
bool has_wildcard(std::string_view p) {
  return p.find('*') != std::string_view::npos || p.find('?') != std::string_view::npos;
}

// '*' matches a run of non-'/' bytes, '?' one non-'/' byte; letters compare ASCII
// case-insensitively.
bool glob(std::string_view p, std::string_view s) {
  size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && (p[pi] == '?' ? s[si] != '/' : ascii_lower(p[pi]) == ascii_lower(s[si])) && p[pi] != '*') {
      ++pi;
      ++si;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = si;
    } else if (star != std::string_view::npos && s[mark] != '/') {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace

// Per request (matchers, hide lists): compares in place, no lowered copies.
bool path_pattern_matches(std::string_view p, std::string_view s) {
  if (p == "*") return true;
  if (!has_wildcard(p)) return header_name_equals(p, s);
  bool pre = p.front() == '*', suf = p.back() == '*';
  std::string_view inner = p.substr(pre ? 1 : 0, p.size() - (pre ? 1 : 0) - (suf && p.size() > 1 ? 1 : 0));
  if (!has_wildcard(inner)) {
    if (pre && suf) return contains_nocase(s, inner);
    if (pre) return ends_with_ascii_nocase(s, inner);
    if (suf) return starts_with_ascii_nocase(s, inner);
  }
  return glob(p, s);
}

bool host_pattern_matches(std::string_view pattern, std::string_view host) {
  std::string p = ascii_lower(pattern), h = ascii_lower(host);
  if (p.starts_with("*.")) {
    auto dot = h.find('.');
    return dot != std::string::npos && dot > 0 && h.substr(dot) == p.substr(1);
  }
  return p == h;
}

namespace {

bool regex_matches(const CompiledRegex& cr, const std::string& subject, Request& r) {
  std::smatch m;
  if (!std::regex_search(subject, m, cr.re)) return false;
  for (size_t i = 0; i < m.size(); ++i) {
    std::string v = m[i].matched ? m[i].str() : std::string();
    r.vars["http.regexp." + cr.name + "." + std::to_string(i)] = v;
    r.vars["http.regexp." + std::to_string(i)] = v;
    if (i < cr.group_names.size() && !cr.group_names[i].empty())
      r.vars["http.regexp." + cr.name + "." + cr.group_names[i]] = v;
  }
  return true;
}

// What the vars matchers compare: `{placeholder}` is that placeholder, anything else the
// variable of that name (set by the `vars` directive; root and client_ip are built in).
std::string var_value(const std::string& key, const Request& r) {
  if (key.size() > 2 && key.front() == '{' && key.back() == '}' && key.find('{', 1) == std::string::npos)
    return placeholder_value(key.substr(1, key.size() - 2), r).value_or("");
  return placeholder_value("http.vars." + key, r).value_or("");
}

}  // namespace

Matcher Matcher::from_path(const std::string& pattern) {
  Matcher m;
  if (pattern == "*") return m;
  m.all_ = false;
  m.paths_.push_back(pattern);
  return m;
}

Matcher Matcher::from_set(const caddyfile::MatcherSet& s, const std::string& name) {
  Matcher m;
  m.all_ = false;
  m.paths_ = s.paths;
  for (const auto& [rn, pattern] : s.path_regexps) {
    try {
      m.path_regexps_.push_back(compile_regex(rn.empty() ? name : rn, pattern));
    } catch (const std::regex_error& e) {
      throw std::runtime_error("path_regexp " + pattern + ": invalid regular expression: " + e.what());
    }
  }
  m.methods_ = s.methods;
  m.hosts_ = s.hosts;
  m.remote_ips_ = ip_ranges("remote_ip", s.remote_ips);
  m.client_ips_ = ip_ranges("client_ip", s.client_ips);
  m.protocols_ = s.protocols;
  m.headers_ = s.headers;
  for (const auto& [rn, fp] : s.header_regexps) {
    try {
      m.header_regexps_.emplace_back(fp.first, compile_regex(rn.empty() ? name : rn, fp.second));
    } catch (const std::regex_error& e) {
      throw std::runtime_error("header_regexp " + fp.second + ": invalid regular expression: " + e.what());
    }
  }
  for (const auto& [key, v] : s.query) {
    const std::string& k = key;  // (clang 14 cannot capture a structured binding)
    auto it = std::find_if(m.query_.begin(), m.query_.end(), [&](const auto& q) { return q.first == k; });
    if (it == m.query_.end()) m.query_.push_back({k, {v}});
    else it->second.push_back(v);
  }
  if (s.file) {
    TryFilesOptions f;
    f.files = compile_templates(s.file->try_files);
    f.policy = s.file->try_policy;
    f.split_path = s.file->split_path;
    f.root = Template(s.file->root);
    m.file_ = std::move(f);
  }
  m.vars_ = s.vars;
  for (const auto& [rn, vp] : s.vars_regexps) {
    try {
      m.vars_regexps_.emplace_back(vp.first, compile_regex(rn.empty() ? name : rn, vp.second));
    } catch (const std::regex_error& e) {
      throw std::runtime_error("vars_regexp " + vp.second + ": invalid regular expression: " + e.what());
    }
  }
  for (const auto& n : s.nots) m.nots_.push_back(from_set(n, name));
  if (!s.expression.empty()) m.expression_ = Expression::compile(s.expression, name);
  return m;
}

bool Matcher::matches(Request& r) const {
  if (all_) return true;
  const RequestHead& h = r.head;
  if (!paths_.empty()) {
    std::string_view path = h.path;
    if (!r.relative_rewrite.empty() && r.relative_rewrite == h.path) path.remove_prefix(1);  // as Caddy sees it
    bool any = false;
    for (const auto& p : paths_) any = any || path_pattern_matches(p, path);
    if (!any) return false;
  }
  if (!methods_.empty() && std::find(methods_.begin(), methods_.end(), h.method) == methods_.end()) return false;
  if (!hosts_.empty()) {
    std::string host = *placeholder_value("http.request.host", r);
    bool any = false;
    for (const auto& p : hosts_) any = any || host_pattern_matches(p, host);
    if (!any) return false;
  }
  if (!remote_ips_.empty()) {
    bool any = false;
    for (const auto& range : remote_ips_) any = any || ip_in_range(range, h.remote_addr);
    if (!any) return false;
  }
  if (!client_ips_.empty()) {
    const std::string& client = h.client();
    bool any = false;
    for (const auto& range : client_ips_) any = any || ip_in_range(range, client);
    if (!any) return false;
  }
  for (const auto& proto : protocols_) {
    std::string p = ascii_lower(proto);
    bool ok = false;
    if (p == "http" || p == "https") ok = p == h.scheme;
    else if (p == "http/1.1") ok = h.http_major == 1 && h.http_minor == 1;
    else if (p == "http/1.0") ok = h.http_major == 1 && h.http_minor == 0;
    if (!ok) return false;
  }
  for (const auto& [field, values] : headers_) {
    if (field.starts_with("!")) {
      if (h.header(std::string_view(field).substr(1))) return false;
      continue;
    }
    bool present = false, any = values.empty();
    for (const auto& hd : h.headers) {
      if (!header_name_equals(hd.name, field)) continue;
      present = true;
      for (const auto& v : values) any = any || value_pattern_matches(v, hd.value);
    }
    if (!present || !any) return false;
  }
  for (const auto& [key, values] : query_) {
    auto v = query_value(h.query, key);
    if (!v) return false;
    bool any = false;
    for (const auto& want : values) any = any || want == "*" || want == *v;
    if (!any) return false;
  }
  if (!vars_.empty()) {
    bool any = false;
    for (const auto& [key, values] : vars_) {
      std::string have = var_value(key, r);
      for (const auto& v : values) any = any || have == replace_placeholders(v, r);
    }
    if (!any) return false;
  }
  if (!vars_regexps_.empty()) {
    bool any = false;
    for (const auto& [key, cr] : vars_regexps_) any = any || regex_matches(cr, var_value(key, r), r);
    if (!any) return false;
  }
  for (const auto& n : nots_)
    if (n.matches(r)) return false;
  for (const auto& cr : path_regexps_)
    if (!regex_matches(cr, h.path, r)) return false;
  for (const auto& [field, cr] : header_regexps_) {
    const std::string* v = h.header(field);
    if (!v || !regex_matches(cr, *v, r)) return false;
  }
  if (file_) {
    auto m = try_files(*file_, r);
    if (!m || m->status) return false;
    set_file_match_placeholders(*m, r);
  }
  return !expression_ || expression_->matches(r);
}

}  // namespace pogo::server

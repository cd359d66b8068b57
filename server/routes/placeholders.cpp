#include "server/routes/placeholders.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>

#include "server/http_date.h"
#include "server/path_safety.h"
#include "server/response_writer.h"

namespace pogo::server {

namespace {

struct Alias {
  std::string_view shorthand, long_name;
  bool prefix;  // "header." style: the rest of the name follows
};

constexpr Alias kAliases[] = {
    {"dir", "http.request.uri.path.dir", false},
    {"file", "http.request.uri.path.file", false},
    {"host", "http.request.host", false},
    {"hostport", "http.request.hostport", false},
    {"port", "http.request.port", false},
    {"method", "http.request.method", false},
    {"path", "http.request.uri.path", false},
    {"query", "http.request.uri.query", false},
    {"remote", "http.request.remote", false},
    {"remote_host", "http.request.remote.host", false},
    {"remote_port", "http.request.remote.port", false},
    {"scheme", "http.request.scheme", false},
    {"uri", "http.request.uri", false},
    {"client_ip", "http.vars.client_ip", false},
    {"header.", "http.request.header.", true},
    {"cookie.", "http.request.cookie.", true},
    {"query.", "http.request.uri.query.", true},
    {"path.", "http.request.uri.path.", true},
    {"labels.", "http.request.host.labels.", true},
    {"re.", "http.regexp.", true},
    {"vars.", "http.vars.", true},
    {"file_match.", "http.matchers.file.", true},
    {"err.", "http.error.", true},
    {"resp.", "http.intercept.", true},
    {"rp.", "http.reverse_proxy.", true},
};

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view host_only(std::string_view hostport) {
  if (hostport.starts_with("[")) {
    auto close = hostport.find(']');
    return close == std::string_view::npos ? hostport : hostport.substr(1, close - 1);
  }
  auto colon = hostport.rfind(':');
  return colon == std::string_view::npos ? hostport : hostport.substr(0, colon);
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

std::optional<std::string> cookie_value(const RequestHead& h, std::string_view name) {
  for (const auto& hd : h.headers) {
    if (!header_name_equals(hd.name, "Cookie")) continue;
    std::string_view v = hd.value;
    while (!v.empty()) {
      auto semi = v.find(';');
      std::string_view part = v.substr(0, semi);
      while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
      auto eq = part.find('=');
      if (eq != std::string_view::npos && part.substr(0, eq) == name) return std::string(part.substr(eq + 1));
      if (semi == std::string_view::npos) break;
      v.remove_prefix(semi + 1);
    }
  }
  return std::nullopt;
}

std::optional<std::string> request_value(std::string_view n, const Request& r) {
  const RequestHead& h = r.head;
  const std::string* host_header = h.header("Host");
  std::string_view hostport = host_header ? std::string_view(*host_header) : std::string_view();
  if (n == "http.request.uri.path") return h.path;
  if (n == "http.request.uri.query") return h.query;
  if (n == "http.request.uri") return escape_path(h.path) + (h.query.empty() ? "" : "?" + h.query);
  if (n == "http.request.uri.path.dir") return h.path.substr(0, h.path.rfind('/') + 1);
  if (n == "http.request.uri.path.file") return h.path.substr(h.path.rfind('/') + 1);
  if (n == "http.request.method") return h.method;
  if (n == "http.request.scheme") return h.scheme;
  if (n == "http.request.proto") return "HTTP/" + std::to_string(h.http_major) + "." + std::to_string(h.http_minor);
  if (n == "http.request.hostport") return std::string(hostport);
  if (n == "http.request.host") return std::string(host_only(hostport));
  if (n == "http.request.port") {
    std::string_view host = host_only(hostport);
    size_t skip = host.size() + (hostport.starts_with("[") ? 2 : 0);
    if (hostport.size() > skip + 1 && hostport[skip] == ':') return std::string(hostport.substr(skip + 1));
    return std::to_string(h.local_port);
  }
  if (n == "http.request.remote") {
    bool v6 = h.remote_addr.find(':') != std::string::npos;
    return (v6 ? "[" + h.remote_addr + "]" : h.remote_addr) + ":" + std::to_string(h.remote_port);
  }
  if (n == "http.request.remote.host") return h.remote_addr;
  if (n == "http.request.remote.port") return std::to_string(h.remote_port);
  if (n == "http.request.orig_uri") return h.uri;
  if (n == "http.request.orig_uri.path") return std::string(r.original_path);
  if (n == "http.request.orig_uri.query") {
    auto q = h.uri.find('?');
    return q == std::string::npos ? std::string() : h.uri.substr(q + 1);
  }
  if (n == "http.request.orig_method") return h.method;
  if (n.starts_with("http.request.header.")) {
    std::string v = h.joined_header(n.substr(20));
    return v;
  }
  if (n.starts_with("http.request.cookie.")) return cookie_value(h, n.substr(20)).value_or("");
  if (n.starts_with("http.request.uri.query.")) return query_value(h.query, n.substr(23)).value_or("");
  if (n.starts_with("http.request.uri.path.") && all_digits(n.substr(22))) {
    size_t idx = size_t(std::atoi(std::string(n.substr(22)).c_str()));
    std::string_view p = h.path;
    size_t i = 0;
    while (!p.empty()) {
      while (p.starts_with("/")) p.remove_prefix(1);
      auto slash = p.find('/');
      std::string_view seg = p.substr(0, slash);
      if (seg.empty()) break;
      if (i++ == idx) return std::string(seg);
      if (slash == std::string_view::npos) break;
      p.remove_prefix(slash);
    }
    return std::string();
  }
  if (n.starts_with("http.request.host.labels.") && all_digits(n.substr(25))) {
    // labels count from the right: labels.0 of "a.example.com" is "com"
    std::string_view host = host_only(hostport);
    size_t idx = size_t(std::atoi(std::string(n.substr(25)).c_str()));
    size_t end = host.size();
    for (size_t i = 0;; ++i) {
      auto dot = host.rfind('.', end == 0 ? 0 : end - 1);
      size_t start = dot == std::string_view::npos ? 0 : dot + 1;
      if (i == idx) return std::string(host.substr(start, end - start));
      if (dot == std::string_view::npos) return std::string();
      end = dot;
    }
  }
  return std::nullopt;
}

// {http.error.*}: set inside handle_errors, empty elsewhere (a known family).
std::optional<std::string> error_value(std::string_view n, const Request& r) {
  if (!r.error) return std::string();
  const HttpError& e = *r.error;
  std::string_view field = n.substr(11);
  if (field == "status_code") return std::to_string(e.status);
  if (field == "status_text") return std::string(reason_phrase(e.status));
  if (field == "message") return e.message;
  if (field == "trace") return e.trace;
  if (field == "id") return e.id;
  return std::nullopt;
}

// {http.intercept.*} and {http.reverse_proxy.status_code|status_text|header.*}: the response a
// handle_response route was chosen for (`n` without its family's prefix). Empty outside such a
// route (known families), but for the proxy's upstream placeholders, which the proxy fills in
// once it picked an upstream (nullopt keeps them as written until then).
std::optional<std::string> response_value(std::string_view field, const Request& r, bool proxy) {
  const HandledResponse* resp = r.response && r.response->from_proxy == proxy ? r.response : nullptr;
  if (field == "status_code") return resp ? std::to_string(resp->status) : std::string();
  if (field == "status_text" && proxy)  // Go's Response.Status: "404 Not Found"
    return resp ? std::to_string(resp->status) + " " + std::string(reason_phrase(resp->status)) : std::string();
  if (field.starts_with("header.")) {
    std::string out;
    if (!resp || !resp->headers) return out;
    for (const Header& h : *resp->headers) {  // Caddy joins a field's values with ","
      if (!header_name_equals(h.name, field.substr(7))) continue;
      if (!out.empty()) out += ',';
      out += h.value;
    }
    return out;
  }
  if (proxy) return std::nullopt;
  return std::string();
}

// {http.matchers.file.type}: a candidate written with a trailing slash matched a directory.
const char* file_match_type(const FileMatchVars& m) {
  return !m.relative.empty() && m.relative.back() == '/' ? "directory" : "file";
}

std::optional<std::string> other_value(std::string_view n) {
  if (n.starts_with("env.")) {
    const char* v = std::getenv(std::string(n.substr(4)).c_str());
    return std::string(v ? v : "");
  }
  if (n == "system.hostname") {
    char buf[256] = {0};
    ::gethostname(buf, sizeof buf - 1);
    return std::string(buf);
  }
  if (n == "system.os") return std::string("linux");
  if (n.starts_with("time.now")) {
    auto now = std::chrono::system_clock::now();
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    if (n == "time.now.unix") return std::to_string(secs);
    if (n == "time.now.unix_ms")
      return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
    if (n == "time.now.http") return format_http_date(secs);
    if (n == "time.now.year") {
      time_t t = time_t(secs);
      tm tmv{};
      gmtime_r(&t, &tmv);
      return std::to_string(tmv.tm_year + 1900);
    }
    if (n == "time.now") return format_http_date(secs);
  }
  return std::nullopt;
}

}  // namespace

std::string placeholder_long_name(std::string_view name) {
  for (const Alias& a : kAliases) {
    if (a.prefix ? name.starts_with(a.shorthand) : name == a.shorthand)
      return std::string(a.long_name) + std::string(name.substr(a.shorthand.size()));
  }
  return std::string(name);
}

std::optional<std::string> placeholder_value(std::string_view name, const Request& r) {
  std::string n = placeholder_long_name(name);
  if (auto it = r.vars.find(n); it != r.vars.end()) return it->second;
  if (n.starts_with("http.matchers.file.")) {
    const FileMatchVars& m = r.file_match;
    std::string_view field = std::string_view(n).substr(19);
    if (!m.set) return std::string();
    if (field == "relative") return m.relative;
    if (field == "absolute") return m.absolute;
    if (field == "remainder") return m.remainder;
    if (field == "type") return std::string(file_match_type(m));
    return std::string();
  }
  if (n == "http.vars.root") return std::string(r.root);
  if (n == "http.vars.client_ip") return r.head.client();
  if (n.starts_with("http.request.")) return request_value(n, r);
  if (n.starts_with("http.error.")) return error_value(n, r);
  if (n.starts_with("http.intercept.")) return response_value(std::string_view(n).substr(15), r, false);
  if (n.starts_with("http.reverse_proxy.")) return response_value(std::string_view(n).substr(19), r, true);
  if (n.starts_with("http.regexp.") || n.starts_with("http.matchers.file.") || n.starts_with("http.vars.") ||
      n.starts_with("http.auth."))
    return std::string();  // known families, not set for this request
  return other_value(n);
}

std::string replace_placeholders(std::string_view text, const Request& r) {
  if (text.find('{') == std::string_view::npos) return std::string(text);
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\' && i + 1 < text.size() && (text[i + 1] == '{' || text[i + 1] == '}')) {
      out += text[++i];
      continue;
    }
    if (c != '{') {
      out += c;
      continue;
    }
    size_t close = text.find('}', i + 1);
    if (close == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    std::string_view name = text.substr(i + 1, close - i - 1);
    if (name.empty() || name.find_first_of("{ \t") != std::string_view::npos) {
      out += c;
      continue;
    }
    if (auto v = placeholder_value(name, r)) {
      out += *v;
      i = close;
    } else {
      out += c;
    }
  }
  return out;
}

Template::Template(std::string_view text) : text_(text) {
  if (text.find('{') == std::string_view::npos) {  // as replace_placeholders: taken as it is
    if (!text.empty()) parts_.push_back({Kind::literal, std::string(text), {}});
    return;
  }
  // The same scan as replace_placeholders(), done once.
  auto literal = [&](std::string_view piece) {
    if (piece.empty()) return;
    if (parts_.empty() || parts_.back().kind != Kind::literal) parts_.push_back({Kind::literal, {}, {}});
    parts_.back().text.append(piece);
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\' && i + 1 < text.size() && (text[i + 1] == '{' || text[i + 1] == '}')) {
      literal(text.substr(++i, 1));
      continue;
    }
    if (c != '{') {
      literal(text.substr(i, 1));
      continue;
    }
    size_t close = text.find('}', i + 1);
    if (close == std::string_view::npos) {
      literal(text.substr(i));
      break;
    }
    std::string_view name = text.substr(i + 1, close - i - 1);
    if (name.empty() || name.find_first_of("{ \t") != std::string_view::npos) {
      literal("{");
      continue;
    }
    std::string n = placeholder_long_name(name);
    Kind kind = n == "http.request.uri.path"            ? Kind::path
                : n == "http.request.uri.query"         ? Kind::query
                : n == "http.vars.root"                 ? Kind::root
                : n == "http.matchers.file.relative"    ? Kind::file_relative
                : n == "http.matchers.file.absolute"    ? Kind::file_absolute
                : n == "http.matchers.file.remainder"   ? Kind::file_remainder
                : n == "http.matchers.file.type"        ? Kind::file_type
                                                        : Kind::other;
    parts_.push_back({kind, std::move(n), std::string(text.substr(i + 1, close - i))});
    literal_ = false;
    i = close;
  }
}

void Template::append(const Request& r, std::string& out) const {
  for (const Part& p : parts_) {
    const FileMatchVars& m = r.file_match;
    switch (p.kind) {
      case Kind::literal: out += p.text; break;
      case Kind::path: out += r.head.path; break;
      case Kind::query: out += r.head.query; break;
      case Kind::root:
        if (auto it = r.vars.find(p.text); it != r.vars.end()) out += it->second;  // `vars root ...`
        else out += r.root;
        break;
      case Kind::file_relative: if (m.set) out += m.relative; break;
      case Kind::file_absolute: if (m.set) out += m.absolute; break;
      case Kind::file_remainder: if (m.set) out += m.remainder; break;
      case Kind::file_type:
        if (m.set) out += file_match_type(m);
        break;
      case Kind::other:
        if (auto it = r.vars.find(p.text); it != r.vars.end()) {
          out += it->second;
        } else if (auto v = placeholder_value(p.text, r)) {
          out += *v;
        } else {  // unknown: kept as written, its escaped braces unescaped as replace_placeholders does
          out += '{';
          for (size_t i = 0; i < p.rest.size(); ++i) {
            if (p.rest[i] == '\\' && i + 1 < p.rest.size() && p.rest[i + 1] == '}') ++i;
            out += p.rest[i];
          }
        }
        break;
    }
  }
}

std::vector<Template> compile_templates(const std::vector<std::string>& texts) {
  std::vector<Template> out;
  out.reserve(texts.size());
  for (const auto& t : texts) out.emplace_back(t);
  return out;
}

bool has_placeholders(std::string_view text) {
  auto open = text.find('{');
  return open != std::string_view::npos && text.find('}', open) != std::string_view::npos;
}

std::string query_unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += char(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::optional<std::string> query_value(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    auto eq = part.find('=');
    if (query_unescape(part.substr(0, eq)) == key)
      return eq == std::string_view::npos ? std::string() : query_unescape(part.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

}  // namespace pogo::server

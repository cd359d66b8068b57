#include "mercure/hub_http.h"

#include <cctype>

#include "mercure/publish_form.h"

namespace pogo::mercure {

std::string_view raw_path(std::string_view uri) {
  size_t q = uri.find('?');
  return q == std::string_view::npos ? uri : uri.substr(0, q);
}

std::vector<std::string> path_segments(std::string_view path) {
  std::vector<std::string> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view seg = path.substr(0, slash);
    std::string plus_kept;
    for (char c : seg) plus_kept += c == '+' ? std::string("%2B") : std::string(1, c);
    out.push_back(form_decode(plus_kept).value_or(std::string(seg)));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

std::string percent_encode(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += char(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string subscription_path(const std::string& topic, const std::string& subscriber) {
  return std::string(kHubPath) + "/subscriptions/" + percent_encode(topic) + "/" + percent_encode(subscriber);
}

Query parse_query(std::string_view query) {
  Query q;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = pair.find('=');
    std::optional<std::string> key = form_decode(pair.substr(0, eq));
    std::optional<std::string> value = form_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!key || !value) continue;  // a broken escape: the parameter is ignored, as Go's parser does
    if (*key == "topic") q.topics.push_back(std::move(*value));
    else if ((*key == "lastEventID" || *key == "last_event_id") && !q.last_event_id) q.last_event_id = std::move(*value);
    else if (*key == "authorization" && q.authorization.empty()) q.authorization = std::move(*value);
  }
  return q;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) return false;
  return true;
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string cookie_value(const server::RequestHead& h, std::string_view name) {
  for (const server::Header& hd : h.headers) {
    if (!server::header_name_equals(hd.name, "Cookie")) continue;
    std::string_view rest = hd.value;
    while (!rest.empty()) {
      size_t semi = rest.find(';');
      std::string_view pair = trim(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      size_t eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
        std::string_view v = pair.substr(eq + 1);
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        return std::string(v);
      }
    }
  }
  return {};
}

}  // namespace

Token find_token(const server::RequestHead& h, const Query& q) {
  Token t;
  if (const std::string* auth = h.header("Authorization"); auth && starts_with_nocase(*auth, "Bearer ")) {
    t.value = std::string(trim(std::string_view(*auth).substr(7)));
    return t;
  }
  t.value = cookie_value(h, "mercureAuthorization");
  if (!t.value.empty()) {
    t.from_cookie = true;
    return t;
  }
  t.value = q.authorization;
  return t;
}

std::string request_origin(const server::RequestHead& h) {
  if (const std::string* o = h.header("Origin"); o && !o->empty() && *o != "null") return *o;
  const std::string* ref = h.header("Referer");
  if (!ref) return {};
  size_t scheme = ref->find("://");
  if (scheme == std::string::npos) return {};
  size_t end = ref->find('/', scheme + 3);
  return ref->substr(0, end);
}

bool origin_allowed(std::string_view origin, const std::vector<std::string>& allowed) {
  for (const std::string& a : allowed)
    if (a == "*" || a == origin) return true;
  return false;
}

std::vector<server::Header> cors_headers(const server::RequestHead& h, const std::vector<std::string>& allowed) {
  const std::string* origin = h.header("Origin");
  if (!origin || !origin_allowed(*origin, allowed)) return {};
  // Credentials (the cookie, the Authorization header) are allowed, so the origin is echoed,
  // never "*", as the CORS rules require.
  return {{"Access-Control-Allow-Origin", *origin},
          {"Access-Control-Allow-Credentials", "true"},
          {"Vary", "Origin"}};
}

void respond(server::Exchange& ex, int status, std::string_view body, std::vector<server::Header> headers) {
  server::ResponseHead head;
  head.status = status;
  head.headers = std::move(headers);
  bool typed = false;
  for (const server::Header& hd : head.headers) typed = typed || server::header_name_equals(hd.name, "Content-Type");
  if (!typed) head.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
  head.headers.push_back({"Content-Length", std::to_string(body.size())});
  ex.send_head(std::move(head));
  if (ex.head().method != "HEAD") ex.write(body);
  ex.finish();
}

void preflight(server::Exchange& ex, const std::vector<std::string>& allowed) {
  const server::RequestHead& h = ex.head();
  std::vector<server::Header> headers = cors_headers(h, allowed);
  if (headers.empty() || !h.header("Access-Control-Request-Method")) return respond(ex, 403, "Forbidden\n");
  headers.push_back({"Access-Control-Allow-Methods", "GET, POST, OPTIONS"});
  headers.push_back({"Access-Control-Allow-Headers", "Authorization, Cache-Control, Last-Event-ID, Content-Type"});
  headers.push_back({"Access-Control-Max-Age", "600"});
  respond(ex, 200, "", std::move(headers));
}

bool read_whole_body(server::Exchange& ex, std::string* out, size_t limit) {
  char buf[16384];
  for (;;) {
    size_t n = ex.read_body(buf, sizeof buf);
    if (n == 0) return true;
    if (out->size() + n > limit) return false;
    out->append(buf, n);
  }
}

}  // namespace pogo::mercure

#include "server/proxy_headers.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <string_view>

#include "server/head_writer.h"

namespace pogo::server {

namespace {

// The hop-by-hop fields (RFC 9110 7.6.1, and what Go's proxy also drops), by length first: every
// field of every proxied request and response is checked.
bool fixed_hop_name(std::string_view n) {
  switch (n.size()) {
    case 2: return header_name_equals(n, "Te");
    case 7: return header_name_equals(n, "Trailer") || header_name_equals(n, "Upgrade") || header_name_equals(n, "Alt-Svc");
    case 10: return header_name_equals(n, "Connection") || header_name_equals(n, "Keep-Alive");
    case 16: return header_name_equals(n, "Proxy-Connection");
    case 17: return header_name_equals(n, "Transfer-Encoding");
    case 18: return header_name_equals(n, "Proxy-Authenticate");
    case 19: return header_name_equals(n, "Proxy-Authorization");
    default: return false;
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Every value of `name`, joined with ", " (several fields fold into one, as Go's Header.Values).
// `present` tells whether the field was there at all.
std::string all_values(const std::vector<Header>& hs, std::string_view name, bool& present) {
  std::string out;
  present = false;
  for (const auto& h : hs) {
    if (!header_name_equals(h.name, name)) continue;
    if (present) out += ", ";
    out += h.value;
    present = true;
  }
  return out;
}

std::string last_value(const std::vector<Header>& hs, std::string_view name) {
  std::string out;
  for (const auto& h : hs)
    if (header_name_equals(h.name, name)) out = h.value;
  return out;
}

void set_field(std::vector<Header>& hs, std::string_view name, std::string value) {
  std::erase_if(hs, [&](const Header& h) { return header_name_equals(h.name, name); });
  hs.push_back({std::string(name), std::move(value)});
}

bool replace_all(std::string& s, std::string_view from, std::string_view to) {
  bool any = false;
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
    any = true;
  }
  return any;
}

// Whether the comma-separated `list` (a Connection field's value) names `field`.
bool names(std::string_view list, std::string_view field) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    if (header_name_equals(trim(list.substr(0, comma)), field)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// Every Connection value of `hs`, joined (what they name is this hop's too). Usually one short
// value ("keep-alive"): no allocation.
std::string connection_list(const std::vector<Header>& hs) {
  std::string out;
  for (const auto& h : hs)
    if (header_name_equals(h.name, "Connection")) {
      if (!out.empty()) out += ',';
      out += h.value;
    }
  return out;
}

// Which fields of one message belong to this hop: the fixed ones and those its Connection fields
// name. Holds its own copy of the Connection values (the fields may move while it is asked).
class HopFields {
 public:
  explicit HopFields(const std::vector<Header>& hs) : connection_(connection_list(hs)) {
    std::string_view list = connection_;
    while (!list.empty()) {
      size_t comma = list.find(',');
      std::string_view name = trim(list.substr(0, comma));
      if (!name.empty()) {
        if (count_ == names_.size()) {
          overflow_ = true;
          break;
        }
        names_[count_++] = name;
      }
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  }
  HopFields(const HopFields&) = delete;
  HopFields& operator=(const HopFields&) = delete;

  // The message has a Connection field with something in it (it may ask for an upgrade).
  bool any_listed() const { return !connection_.empty(); }

  bool operator()(const Header& h, bool keep_te_trailers) const {
    if (keep_te_trailers && h.name.size() == 2 && header_name_equals(h.name, "Te") &&
        header_name_equals(trim(h.value), "trailers"))
      return false;
    if (fixed_hop_name(h.name)) return true;
    for (size_t i = 0; i < count_; ++i)
      if (header_name_equals(names_[i], h.name)) return true;
    return overflow_ && names(connection_, h.name);
  }

 private:
  std::string connection_;
  std::array<std::string_view, 8> names_{};  // into connection_
  size_t count_ = 0;
  bool overflow_ = false;  // more names than fit: the rest are looked up in connection_
};

}  // namespace

void strip_hop_by_hop(std::vector<Header>& headers, bool keep_te_trailers) {
  const HopFields hop(headers);
  std::erase_if(headers, [&](const Header& h) { return hop(h, keep_te_trailers); });
}

std::optional<UpstreamAddress> parse_upstream_address(std::string_view a) {
  a = trim(a);
  if (a.starts_with("http://")) a.remove_prefix(7);
  UpstreamAddress u;
  std::string_view host = a, port = "80";
  if (a.starts_with("[")) {
    size_t close = a.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = a.substr(1, close - 1);
    std::string_view rest = a.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return std::nullopt;
      port = rest.substr(1);
    }
  } else if (size_t colon = a.rfind(':'); colon != std::string_view::npos) {
    if (a.find(':') != colon) return std::nullopt;  // IPv6 without brackets
    host = a.substr(0, colon);
    port = a.substr(colon + 1);
  }
  if (host.empty() || port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  for (unsigned char c : host)
    if (c <= ' ' || c >= 0x7f || c == '/' || c == '?' || c == '#' || c == '@' || c == '{' || c == '}')
      return std::nullopt;
  int p = std::stoi(std::string(port));
  if (p < 1 || p > 65535) return std::nullopt;
  u.host = std::string(host);
  u.port = uint16_t(p);
  bool v6 = host.find(':') != std::string_view::npos;
  u.hostport = (v6 ? "[" + u.host + "]" : u.host) + ":" + std::to_string(p);
  return u;
}

std::string upgrade_type(const RequestHead& h) {
  if (h.http_major != 1 || h.http_minor < 1 || h.has_body) return {};
  bool asks = false;
  for (const auto& f : h.headers) {
    if (!header_name_equals(f.name, "Connection")) continue;
    std::string_view v = f.value;
    while (!v.empty() && !asks) {
      size_t comma = v.find(',');
      if (header_name_equals(trim(v.substr(0, comma)), "upgrade")) asks = true;
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  if (!asks) return {};
  const std::string* up = h.header("Upgrade");
  if (!up) return {};
  std::string_view type = trim(*up);
  if (type.empty() || header_name_equals(type, "h2c")) return {};
  return std::string(type);
}

std::string fill_upstream_placeholders(std::string text, const UpstreamAddress& u) {
  if (text.find('{') == std::string::npos) return text;
  const std::string port = std::to_string(u.port);
  replace_all(text, "{http.reverse_proxy.upstream.hostport}", u.hostport);
  replace_all(text, "{upstream_hostport}", u.hostport);
  replace_all(text, "{http.reverse_proxy.upstream.host}", u.host);
  replace_all(text, "{http.reverse_proxy.upstream.port}", port);
  replace_all(text, "{http.reverse_proxy.upstream.address}", u.hostport);
  return text;
}

std::vector<Header> upstream_request_headers(const RequestHead& h, const ToProxy& p, const UpstreamAddress& u,
                                             bool trusted) {
  std::vector<Header> out = h.headers;
  strip_hop_by_hop(out, true);
  if (std::string up = upgrade_type(h); !up.empty()) {  // as Go's proxy: the upgrade goes on
    out.push_back({"Connection", "Upgrade"});
    out.push_back({"Upgrade", std::move(up)});
  }
  // Framing is the proxy's to write; Expect is answered here (the client got its 100 Continue).
  std::erase_if(out, [](const Header& f) {
    return header_name_equals(f.name, "Content-Length") || header_name_equals(f.name, "Expect");
  });

  // As Caddy: the peer's address, appended to what a trusted proxy said; else what the client
  // claimed is dropped.
  bool present = false;
  std::string xff = h.remote_addr;
  std::string prior = all_values(out, "X-Forwarded-For", present);
  if (trusted && present && !prior.empty()) xff = prior + ", " + xff;
  set_field(out, "X-Forwarded-For", std::move(xff));
  std::string proto = h.scheme == "https" ? "https" : "http";
  if (std::string prior_proto = last_value(out, "X-Forwarded-Proto"); trusted && !prior_proto.empty())
    proto = std::move(prior_proto);
  set_field(out, "X-Forwarded-Proto", std::move(proto));
  const std::string* host = h.header("Host");
  std::string fwd_host = host ? *host : std::string();
  if (std::string prior_host = last_value(out, "X-Forwarded-Host"); trusted && !prior_host.empty())
    fwd_host = std::move(prior_host);
  set_field(out, "X-Forwarded-Host", std::move(fwd_host));

  if (p.header_up) {
    p.header_up->apply_to_request(out);
    for (auto& f : out) f.value = fill_upstream_placeholders(std::move(f.value), u);
  }
  return out;
}

namespace {

// The request line, then (with finish_request_head()) what follows the fields.
void request_line(HeadWriter& w, const RequestHead& h, const ToProxy& p) {
  w.put(h.method);
  w.put(' ');
  w.put(p.target);
  w.put(" HTTP/1.1\r\n");
}

// Room for the request line, what finish_request_head() adds, the X-Forwarded-* fields' own
// parts and the peer's address, beside the fields' bytes.
size_t request_head_room(const RequestHead& h, const ToProxy& p, const UpstreamAddress& u) {
  return 256 + h.method.size() + p.target.size() + h.remote_addr.size() + u.hostport.size();
}

void finish_request_head(HeadWriter& w, const RequestHead& h, const UpstreamAddress& u, bool has_host) {
  if (!has_host) w.field("Host", u.hostport);  // HTTP/1.0 clients may send none
  if (h.content_length) {
    char num[24];
    w.field("Content-Length", std::string_view(num, size_t(std::to_chars(num, num + sizeof num, *h.content_length).ptr - num)));
  } else if (h.has_body) {
    w.field("Transfer-Encoding", "chunked");
  }
  w.crlf();
  w.finish();
}

}  // namespace

void upstream_request_head(std::string& out, const RequestHead& h, const ToProxy& p, const UpstreamAddress& u,
                           bool trusted) {
  bool has_host = false;  // one Host only
  if (p.header_up) {
    const std::vector<Header> fields = upstream_request_headers(h, p, u, trusted);
    size_t room = request_head_room(h, p, u);
    for (const auto& f : fields) room += f.name.size() + f.value.size() + 4;
    HeadWriter w(out, room);
    request_line(w, h, p);
    for (const auto& f : fields) {
      if (header_name_equals(f.name, "Host")) {
        if (has_host) continue;
        has_host = true;
      }
      w.field(f.name, f.value);
    }
    finish_request_head(w, h, u, has_host);
    return;
  }
  // What upstream_request_headers() gives without header_up, in the same order, written
  // straight from the request's fields (no copy of them: this runs for every request). Each
  // field is written at most twice (Host again as X-Forwarded-Host, X-Forwarded-For's values
  // joined into one).
  size_t room = request_head_room(h, p, u);
  for (const auto& f : h.headers) room += 2 * (f.name.size() + f.value.size() + 4);
  HeadWriter w(out, room);
  request_line(w, h, p);
  const HopFields hop(h.headers);
  bool xff = false;
  const std::string* host = nullptr;  // the first Host, hop-by-hop or not
  std::string_view last_proto, last_host;
  for (const auto& f : h.headers) {
    const bool is_host = header_name_equals(f.name, "Host");
    if (is_host && !host) host = &f.value;
    if (hop(f, true) || header_name_equals(f.name, "Content-Length") || header_name_equals(f.name, "Expect"))
      continue;
    if (header_name_equals(f.name, "X-Forwarded-For")) {
      xff = true;
    } else if (header_name_equals(f.name, "X-Forwarded-Proto")) {
      last_proto = f.value;
    } else if (header_name_equals(f.name, "X-Forwarded-Host")) {
      last_host = f.value;
    } else if (!is_host || !has_host) {
      has_host = has_host || is_host;
      w.field(f.name, f.value);
    }
  }
  if (hop.any_listed()) {  // only a Connection field can ask for an upgrade
    if (std::string up = upgrade_type(h); !up.empty()) {
      w.field("Connection", "Upgrade");
      w.field("Upgrade", up);
    }
  }
  // A trusted peer's X-Forwarded-For values (every field's, joined), then the peer's address.
  w.put("X-Forwarded-For: ");
  if (trusted && xff) {
    const size_t before = w.written();
    bool first = true;
    for (const auto& f : h.headers) {
      if (!header_name_equals(f.name, "X-Forwarded-For")) continue;
      if (!first) w.put(", ");
      w.put(f.value);
      first = false;
    }
    if (w.written() != before) w.put(", ");
  }
  w.put(h.remote_addr);
  w.crlf();
  w.field("X-Forwarded-Proto", trusted && !last_proto.empty() ? last_proto
                               : h.scheme == "https"          ? std::string_view("https")
                                                              : std::string_view("http"));
  w.field("X-Forwarded-Host", trusted && !last_host.empty() ? last_host : host ? std::string_view(*host) : std::string_view());
  finish_request_head(w, h, u, has_host);
}

}  // namespace pogo::server

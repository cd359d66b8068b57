#include "server/h2_headers.h"

#include <chrono>

#include "server/host_header.h"
#include "server/http_text.h"

namespace pogo::server {

namespace {
// RFC 7541 §4.1: the size of a field is its name and value plus 32 bytes of overhead.
constexpr size_t kFieldOverhead = 32;

bool has_control_or_space(std::string_view s) {
  for (unsigned char c : s)
    if (c <= 0x20 || c == 0x7f) return true;
  return false;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

// RFC 9113 §8.2.2: fields that only mean something to one HTTP/1 connection.
bool connection_specific(std::string_view lower_name) {
  return lower_name == "connection" || lower_name == "keep-alive" || lower_name == "proxy-connection" ||
         lower_name == "transfer-encoding" || lower_name == "upgrade";
}
}  // namespace

void H2RequestBuilder::add(std::string_view name, std::string_view value) {
  list_size_ += name.size() + value.size() + kFieldOverhead;
  if (too_large()) {
    // Keep counting (the decoder still has to read the block) but drop what was kept.
    head_.headers = {};
    cookie_ = {};
    return;
  }
  if (!name.empty() && name[0] == ':') {
    if (name == ":method") {
      head_.method = value;
    } else if (name == ":path") {
      head_.uri = value;
      has_path_ = true;
    } else if (name == ":authority") {
      authority_ = value;
      has_authority_ = true;
    }
    // :scheme is not kept (see finish()); :protocol is refused by nghttp2 unless extended CONNECT
    // was announced, and it never is.
    return;
  }
  if (name == "cookie") {
    if (!has_cookie_) {
      has_cookie_ = true;
      cookie_at_ = head_.headers.size();
    } else {
      cookie_ += "; ";
    }
    cookie_ += value;
    return;
  }
  head_.headers.push_back(Header{std::string(name), std::string(value)});
}

H2RequestBuilder::Verdict H2RequestBuilder::finish(bool tls, bool end_stream, RequestHead& out) {
  if (too_large()) return Verdict::TooLarge;
  if (head_.method == "CONNECT") return Verdict::Connect;
  auto malformed = [this](const char* why) {
    reason_ = why;
    return Verdict::Malformed;
  };
  if (!has_path_ || head_.uri.empty()) return malformed("missing :path");
  if (has_control_or_space(head_.uri)) return malformed("control character in :path");
  auto& headers = head_.headers;
  if (has_cookie_) headers.insert(headers.begin() + long(cookie_at_), Header{"cookie", std::move(cookie_)});

  // One Host header, first: :authority's value if there is one, else the client's own field.
  // (nghttp2 refuses upper-case names, so "host" is the only spelling.)
  std::vector<Header> hosts, others;
  others.reserve(headers.size() + 1);
  for (auto& h : headers) (h.name == "host" ? hosts : others).push_back(std::move(h));
  if (has_authority_) hosts = {Header{"host", authority_}};
  if (hosts.size() > 1) return malformed("too many Host headers");
  if (!hosts.empty()) others.insert(others.begin(), std::move(hosts.front()));
  headers = std::move(others);
  if (const std::string* host = head_.header("host"); host && !valid_host_header(*host))
    return malformed("malformed Host header");

  if (const std::string* cl = head_.header("content-length")) {
    std::optional<uint64_t> n = parse_decimal(*cl);
    if (!n) return malformed("invalid content-length");
    head_.content_length = n;
  }
  head_.has_body = !end_stream && head_.content_length.value_or(1) != 0;
  head_.http_major = 2;
  head_.http_minor = 0;
  head_.scheme = tls ? "https" : "http";
  head_.request_time =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  out = std::move(head_);
  return Verdict::Ok;
}

std::vector<Header> h2_response_fields(const ResponseHead& head) {
  std::vector<Header> fields;
  fields.reserve(head.headers.size() + 1);
  int status = head.status >= 100 && head.status <= 999 ? head.status : 500;
  fields.push_back(Header{":status", std::to_string(status)});
  for (const auto& h : head.headers) {
    if (h.name.empty() || h.name[0] == ':') continue;  // a pseudo-header is ours to write
    std::string name(h.name.size(), '\0');
    for (size_t i = 0; i < name.size(); ++i) name[i] = lower(h.name[i]);
    if (connection_specific(name)) continue;
    fields.push_back(Header{std::move(name), h.value});
  }
  return fields;
}

}  // namespace pogo::server

#include "server/response_writer.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <vector>

#include "server/byte_checks.h"
#include "server/head_writer.h"
#include "server/http_date.h"
#include "server/http_text.h"

namespace pogo::server {

namespace {

bool header_is_safe(const Header& h) { return writable_field_name(h.name) && writable_field_value(h.value); }

bool contains_token(std::string_view value, std::string_view token) {
  // comma-separated, case-insensitive
  size_t i = 0;
  while (i < value.size()) {
    size_t j = value.find(',', i);
    if (j == std::string_view::npos) j = value.size();
    std::string_view part = value.substr(i, j - i);
    while (!part.empty() && (part.front() == ' ' || part.front() == '\t')) part.remove_prefix(1);
    while (!part.empty() && (part.back() == ' ' || part.back() == '\t')) part.remove_suffix(1);
    if (header_name_equals(part, token)) return true;
    i = j + 1;
  }
  return false;
}

std::optional<uint64_t> parse_length(std::string_view v) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return parse_decimal(v);
}

// The most a head adds to its fields' bytes: the status line (a reason is at most 31 bytes, an
// interim status is written as it is: 11 characters at most), Date, Server, Content-Length or
// Transfer-Encoding, Connection and the blank line come to 197.
constexpr size_t kHeadExtra = 256;

void status_line(HeadWriter& w, int status) {
  char num[12];  // an int's 11 characters at most
  w.put("HTTP/1.1 ");
  w.put(std::string_view(num, size_t(std::to_chars(num, num + sizeof num, status).ptr - num)));
  w.put(' ');
  w.put(reason_phrase(status));
  w.crlf();
}

// The room a head of these fields can take.
size_t head_room(const std::vector<Header>& fields) {
  size_t room = kHeadExtra;
  for (const auto& h : fields) room += h.name.size() + h.value.size() + 4;
  return room;
}

// The head every protocol sends: the producer's safe fields (hop-by-hop ones and a second
// Content-Length dropped), Date and Server unless given, the body's length when known, and the
// framing. `emit(name, value)` receives the fields; HTTP/1 framing fields follow for major 1.
template <class Emit>
Framing plan_response(const ResponseHead& head, const RequestFacts& req, std::optional<uint64_t> known_length,
                      Emit&& emit) {
  Framing f;
  f.keep_alive = req.keep_alive;
  int status = head.status < 100 || head.status > 999 ? 500 : head.status;
  bool has_date = false, has_server = false;
  std::optional<uint64_t> length = known_length;
  bool producer_length = false;
  for (const auto& h : head.headers) {
    if (!header_is_safe(h)) continue;
    if (header_name_equals(h.name, "Transfer-Encoding")) continue;
    if (header_name_equals(h.name, "Connection")) {
      if (contains_token(h.value, "close")) f.keep_alive = false;
      continue;
    }
    if (header_name_equals(h.name, "Content-Length")) {
      if (producer_length || known_length) continue;  // first one wins
      auto n = parse_length(h.value);
      if (!n) continue;
      length = n;
      producer_length = true;
      continue;
    }
    if (header_name_equals(h.name, "Date")) has_date = true;
    if (header_name_equals(h.name, "Server")) {
      has_server = true;
      if (h.value.empty()) continue;  // an empty Server suppresses the default one (`header -Server`)
    }
    emit(std::string_view(h.name), std::string_view(h.value));
  }
  if (!has_date) emit(std::string_view("Date"), cached_http_date());
  if (!has_server) emit(std::string_view("Server"), std::string_view("Pogo"));

  char num[24];
  auto write_length = [&](uint64_t n) {
    auto [end, ec] = std::to_chars(num, num + sizeof num, n);
    emit(std::string_view("Content-Length"), std::string_view(num, size_t(end - num)));
  };
  if (!status_allows_body(status)) {
    f.mode = Framing::None;
    if (status == 304 && length) write_length(*length);
  } else if (req.head_method) {
    f.mode = Framing::None;
    if (length) write_length(*length);
  } else if (length) {
    f.mode = Framing::Length;
    f.length = *length;
    write_length(*length);
  } else if (req.http_major >= 2) {
    f.mode = Framing::Chunked;  // DATA frames until END_STREAM
  } else if (req.http_major == 1 && req.http_minor >= 1) {
    f.mode = Framing::Chunked;
    emit(std::string_view("Transfer-Encoding"), std::string_view("chunked"));
  } else {
    f.mode = Framing::UntilClose;
    f.keep_alive = false;
  }
  if (req.http_major >= 2) return f;
  if (!f.keep_alive)
    emit(std::string_view("Connection"), std::string_view("close"));
  else if (req.http_minor == 0)
    emit(std::string_view("Connection"), std::string_view("keep-alive"));
  return f;
}

}  // namespace

Framing serialize_response_head(std::string& out, const ResponseHead& head, const RequestFacts& req,
                                std::optional<uint64_t> known_length) {
  HeadWriter w(out, head_room(head.headers));
  status_line(w, head.status < 100 || head.status > 999 ? 500 : head.status);
  Framing f = plan_response(head, req, known_length, [&w](std::string_view n, std::string_view v) { w.field(n, v); });
  w.crlf();
  w.finish();
  return f;
}

Framing response_fields(const ResponseHead& head, bool head_method, std::optional<uint64_t> known_length,
                        ResponseHead& out) {
  RequestFacts req;
  req.head_method = head_method;
  req.http_major = 2;
  req.http_minor = 0;
  out.status = head.status < 100 || head.status > 999 ? 500 : head.status;
  out.headers.clear();
  return plan_response(head, req, known_length, [&out](std::string_view n, std::string_view v) {
    out.headers.push_back({std::string(n), std::string(v)});
  });
}

void serialize_interim(std::string& out, const ResponseHead& head) {
  HeadWriter w(out, head_room(head.headers));
  status_line(w, head.status);
  for (const auto& h : head.headers)
    if (header_is_safe(h)) w.field(h.name, h.value);
  w.crlf();
  w.finish();
}

void append_chunk_header(std::string& out, size_t n) {
  char buf[20];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n, 16);
  out.append(buf, end);
  out += "\r\n";
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 102: return "Processing";
    case 103: return "Early Hints";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 207: return "Multi-Status";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Request Entity Too Large";
    case 414: return "Request URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Requested Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 418: return "I'm a teapot";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Entity";
    case 425: return "Too Early";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 451: return "Unavailable For Legal Reasons";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: break;
  }
  if (status < 200) return "Informational";
  if (status < 300) return "Success";
  if (status < 400) return "Redirection";
  if (status < 500) return "Client Error";
  return "Server Error";
}

}  // namespace pogo::server

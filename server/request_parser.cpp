#include "server/request_parser.h"

#include <sys/time.h>

#include <algorithm>
#include <array>
#include <string_view>

#include "server/byte_checks.h"
#include "server/host_header.h"
#include "server/http_text.h"

namespace pogo::server {

namespace {
RequestParser& self(llhttp_t* p) { return *static_cast<RequestParser*>(p->data); }

// RFC 9110's tchar, as a table: header names are checked byte by byte on every request.
constexpr auto kTokenChar = bytes::alnum_and("!#$%&'*+-.^_`|~");

bool is_token_char(char ch) { return kTokenChar[static_cast<unsigned char>(ch)]; }

}  // namespace

const llhttp_settings_t& RequestParser::settings() {
  static const llhttp_settings_t s = [] {
    llhttp_settings_t st;
    llhttp_settings_init(&st);
    st.on_message_begin = &RequestParser::on_message_begin;
    st.on_url = &RequestParser::on_url;
    st.on_header_field = &RequestParser::on_header_field;
    st.on_header_value = &RequestParser::on_header_value;
    st.on_header_value_complete = &RequestParser::on_header_value_complete;
    st.on_headers_complete = &RequestParser::on_headers_complete;
    st.on_body = &RequestParser::on_body;
    st.on_message_complete = &RequestParser::on_message_complete;
    st.on_chunk_extension_name = &RequestParser::on_chunk_extension;
    st.on_chunk_extension_value = &RequestParser::on_chunk_extension;
    st.on_chunk_extension_name_complete = &RequestParser::on_chunk_extension_end;
    st.on_chunk_extension_value_complete = &RequestParser::on_chunk_extension_end;
    st.on_chunk_header = &RequestParser::on_chunk_header;
    return st;
  }();
  return s;
}

RequestParser::RequestParser(size_t max_header_size) : max_header_size_(max_header_size) {
  llhttp_init(&parser_, HTTP_REQUEST, &settings());
  parser_.data = this;
}

// Header line number N of this message is read into the strings line N of the last request
// had: a client sending the same lines each time reuses every buffer (no allocation).
void RequestParser::prepare_line() {
  if (size_t i = head_->headers.size(); i < lines_.size()) {
    field_.swap(lines_[i].name);
    value_.swap(lines_[i].value);
  }
  field_.clear();
  value_.clear();
}

int RequestParser::on_message_begin(llhttp_t* p) {
  auto& s = self(p);
  // The last request's lines become the spare ones (by position, with their strings); the spare
  // ones before them, emptied by prepare_line(), are the new request's list.
  std::swap(s.lines_, s.head_->headers);
  s.head_->clear_for_reuse();
  s.prepare_line();
  s.in_value_ = false;
  s.head_bytes_ = 0;
  s.body_bytes_ = 0;
  s.trailer_bytes_ = 0;
  s.callback_status_ = 0;
  s.chunks_.begin_body();
  s.started_ = true;
  s.head_done_ = s.complete_ = false;
  s.keep_alive_ = true;
  s.expect_continue_ = s.chunked_ = false;
  return 0;
}

int RequestParser::on_url(llhttp_t* p, const char* at, size_t n) {
  self(p).head_->uri.append(at, n);
  return 0;
}

int RequestParser::fail(llhttp_t* p, const char* reason, int status) {
  // llhttp replaces the reason (and the errno) of a failed non-data callback with its own.
  self(p).callback_status_ = status;
  self(p).callback_reason_ = reason;
  llhttp_set_error_reason(p, reason);
  return HPE_USER;
}

// After the head, header lines are a chunked body's trailers: bounded like the head, since
// nothing else bounds them (the head's limit counts bytes before on_headers_complete only).
int RequestParser::on_header_field(llhttp_t* p, const char* at, size_t n) {
  auto& s = self(p);
  if (s.head_done_ && (s.trailer_bytes_ += n) > s.max_header_size_) return fail(p, "request trailers too large", 431);
  s.field_.append(at, n);
  return 0;
}

int RequestParser::on_header_value(llhttp_t* p, const char* at, size_t n) {
  auto& s = self(p);
  if (s.head_done_ && (s.trailer_bytes_ += n) > s.max_header_size_) return fail(p, "request trailers too large", 431);
  s.value_.append(at, n);
  return 0;
}

int RequestParser::on_header_value_complete(llhttp_t* p) {
  auto& s = self(p);
  if (s.head_done_) {  // a trailer: its fields are not kept (the head went to routing already)
    s.field_.clear();
    s.value_.clear();
    return 0;
  }
  if (std::string_view v = trim_ows(s.value_); v.size() != s.value_.size()) {
    const size_t lead = size_t(v.data() - s.value_.data()), n = v.size();
    s.value_.erase(lead + n);
    s.value_.erase(0, lead);
  }
  s.head_->headers.push_back(Header{std::move(s.field_), std::move(s.value_)});
  s.prepare_line();
  return 0;
}

int RequestParser::on_headers_complete(llhttp_t* p) {
  auto& s = self(p);
  auto& h = *s.head_;
  h.method = llhttp_method_name(static_cast<llhttp_method_t>(p->method));
  h.http_major = p->http_major;
  h.http_minor = p->http_minor;
  s.chunked_ = (p->flags & F_CHUNKED) != 0;
  if (!s.chunked_ && (p->flags & F_CONTENT_LENGTH)) h.content_length = p->content_length;
  h.has_body = s.chunked_ || (h.content_length && *h.content_length > 0);
  s.keep_alive_ = llhttp_should_keep_alive(p) != 0 && !p->upgrade;
  if (const auto* e = h.header("Expect"); e && header_name_equals(*e, "100-continue") && h.http_minor >= 1)
    s.expect_continue_ = h.has_body;
  timeval tv{};
  gettimeofday(&tv, nullptr);
  h.request_time = double(tv.tv_sec) + double(tv.tv_usec) / 1e6;
  s.head_done_ = true;
  return HPE_PAUSED;
}

int RequestParser::on_chunk_extension(llhttp_t* p, const char*, size_t n) {
  auto& s = self(p);
  return s.chunks_.add_extension_bytes(n) ? 0 : fail(p, s.chunks_.error());
}

// Each name or value ends with one separator byte (';', '=', a closing quote) the spans leave
// out: counted here, so ";;;;" cannot make a line of any length out of empty extensions.
int RequestParser::on_chunk_extension_end(llhttp_t* p) { return on_chunk_extension(p, nullptr, 1); }

int RequestParser::on_chunk_header(llhttp_t* p) {
  self(p).chunks_.chunk_header(p->content_length);
  return 0;
}

int RequestParser::on_body(llhttp_t* p, const char* at, size_t n) {
  auto& s = self(p);
  if (s.chunked_ && !s.chunks_.data(at, n)) return fail(p, s.chunks_.error());
  s.body_bytes_ += n;
  if (s.sink_) s.sink_->on_body(at, n);
  return 0;
}

int RequestParser::on_message_complete(llhttp_t* p) {
  self(p).complete_ = true;
  return HPE_PAUSED;
}

RequestParser::Step RequestParser::validate_head() {
  const RequestHead& head = *head_;
  Step st;
  st.kind = Step::Head;
  if (head.http_major != 1) {
    st.kind = Step::Error;
    st.status = 505;
    st.reason = "unsupported HTTP version";
    return st;
  }
  if (!plain_request_target(head.uri)) {
    st.kind = Step::Error;
    st.status = 400;
    st.reason = "control character in request target";
    return st;
  }
  if (head.uri.empty()) {
    st.kind = Step::Error;
    st.status = 400;
    st.reason = "empty request target";
    return st;
  }
  int hosts = 0;
  for (const auto& hd : head.headers) {
    if (header_name_equals(hd.name, "Host")) ++hosts;
    if (hd.name.empty() || !std::all_of(hd.name.begin(), hd.name.end(), is_token_char)) {
      st.kind = Step::Error;
      st.status = 400;
      st.reason = "invalid header name";
      return st;
    }
    if (!plain_field_value(hd.value)) {
      st.kind = Step::Error;
      st.status = 400;
      st.reason = "control character in header value";
      return st;
    }
  }
  if (hosts > 1 || (hosts == 0 && head.http_minor >= 1)) {
    st.kind = Step::Error;
    st.status = 400;
    st.reason = hosts ? "too many Host headers" : "missing required Host header";
  } else if (const std::string* host = head.header("Host"); host && !valid_host_header(*host)) {
    st.kind = Step::Error;
    st.status = 400;
    st.reason = "malformed Host header";
  }
  return st;
}

RequestParser::Step RequestParser::feed(const char* data, size_t len) {
  Step st;
  if (paused_) {
    llhttp_resume(&parser_);
    paused_ = false;
  }
  if (complete_ && len > 0) started_ = false;  // the next request's bytes
  bool was_in_head = !head_done_ || complete_;
  if (!chunks_.check_input_start(data, len)) {
    st.kind = Step::Error;
    st.status = 400;
    st.reason = chunks_.error();
    return st;
  }
  chunks_.set_input_end(data + len);
  llhttp_errno_t err = llhttp_execute(&parser_, data, len);
  size_t consumed = len;
  if (err != HPE_OK) {
    const char* pos = llhttp_get_error_pos(&parser_);
    consumed = pos && pos >= data && pos <= data + len ? size_t(pos - data) : len;
  }
  st.consumed = consumed;
  if (was_in_head && started_ && (!head_done_ || err == HPE_PAUSED)) {
    head_bytes_ += consumed;
    if (head_bytes_ > max_header_size_) {
      st.kind = Step::Error;
      st.status = 431;
      st.reason = "request header too large";
      return st;
    }
  }
  if (err == HPE_PAUSED) {
    paused_ = true;
    if (complete_) {
      st.kind = Step::Complete;
      return st;
    }
    Step v = validate_head();
    v.consumed = consumed;
    return v;
  }
  if (err == HPE_PAUSED_UPGRADE) {
    st.kind = Step::Complete;
    return st;
  }
  if (err != HPE_OK) {
    st.kind = Step::Error;
    st.status = callback_status_ ? callback_status_ : 400;
    st.reason = callback_status_ ? callback_reason_ : llhttp_get_error_reason(&parser_);
    if (!st.reason) st.reason = llhttp_errno_name(err);
    return st;
  }
  return st;
}

}  // namespace pogo::server

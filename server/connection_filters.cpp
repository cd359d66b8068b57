// The response-filter half of Connection: what the route asked of the response (header
// operations, encode) applied to every kind of response — direct, static file, backend stream —
// plus the body framing those share, and encode's held-back head for short streams.
#include <algorithm>
#include <cstdlib>

#include "server/connection.h"
#include "server/log.h"
#include "server/routes/header_ops.h"

namespace pogo::server {

bool Connection::filter_head(ResponseHead& head, std::optional<uint64_t> length) {
  enc_.reset();
  if (!filters_.header_ops.empty()) HeaderOps::apply_all(filters_.header_ops, head.headers);
  bool encode = false;
  if (!filters_.encodings.empty() && should_encode(head.status, head.headers, length, filters_.encode_minimum_length)) {
    add_vary_accept_encoding(head.headers);
    std::string enc = negotiate_encoding(filters_.accept_encoding, filters_.encodings);
    if (!enc.empty()) {
      std::erase_if(head.headers, [](const Header& h) { return header_name_equals(h.name, "Content-Length"); });
      for (auto& h : head.headers)  // the encoded body is another representation
        if (header_name_equals(h.name, "Etag") && !h.value.starts_with("W/")) h.value = "W/" + h.value;
      head.headers.push_back({"Content-Encoding", enc});
      try {
        enc_ = make_compressor(enc, filters_.gzip_level);
        encode = true;
      } catch (const std::exception& e) {
        log::error("http.encoder", "compressor failed", {{"error", e.what()}});
      }
    }
  }
  if (filters_.access_log) resp_headers_ = head.headers;
  return encode;
}

void Connection::append_body(std::string_view data) {
  size_t n = data.size();
  switch (framing_.mode) {
    case Framing::None:
      break;
    case Framing::Length: {
      size_t k = size_t(std::min<uint64_t>(n, length_left_));
      out_.append(data.data(), k);
      length_left_ -= k;
      body_sent_ += k;
      break;
    }
    case Framing::Chunked:
      if (n == 0) break;
      append_chunk_header(out_, n);
      out_ += data;
      out_ += "\r\n";
      body_sent_ += n;
      break;
    case Framing::UntilClose:
      out_ += data;
      body_sent_ += n;
      break;
  }
}

void Connection::finish_body() {
  if (enc_) {
    if (framing_.mode != Framing::None) append_body(enc_->finish());
    enc_.reset();
  }
  if (framing_.mode == Framing::Chunked) out_ += "0\r\n\r\n";
}

void Connection::start_backend_response(ResponseHead& head, std::optional<uint64_t> length) {
  status_ = head.status;
  bool encoded = filter_head(head, length);
  framing_ = serialize_response_head(out_, head, facts(), encoded ? std::nullopt : length);
  response_started_ = true;
  length_left_ = framing_.length;
  if (!framing_.keep_alive) keep_alive_ = false;
}

bool Connection::should_defer_head(const ResponseHead& head, std::optional<uint64_t> length) const {
  if (filters_.encodings.empty() || length || filters_.encode_minimum_length == 0) return false;
  if (current_head().method == "HEAD") return false;
  if (negotiate_encoding(filters_.accept_encoding, filters_.encodings).empty()) return false;
  ResponseHead probe = head;  // what filter_head will decide on
  if (!filters_.header_ops.empty()) HeaderOps::apply_all(filters_.header_ops, probe.headers);
  return should_encode(probe.status, probe.headers, std::nullopt, filters_.encode_minimum_length);
}

void Connection::commit_deferred_head(bool ended) {
  deferring_ = false;
  std::string body = std::move(deferred_body_);
  deferred_body_.clear();
  // Ended short: the whole body is known, too small to encode, and sent with its length.
  if (ended) deferred_head_.headers.push_back({"Content-Length", std::to_string(body.size())});
  start_backend_response(deferred_head_, ended ? std::optional<uint64_t>(body.size()) : std::nullopt);
  if (enc_)
    append_body(enc_->update(body));
  else
    append_body(body);
}

}  // namespace pogo::server

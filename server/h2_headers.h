// HTTP/2 header lists and Pogo's heads, both ways. A request arrives as a list of decoded fields
// (pseudo-headers first, nghttp2 has already checked their syntax and order); H2RequestBuilder
// turns it into the RequestHead HTTP/1 would have produced: `:method`, `:path` as the URI,
// `:authority` as the Host header (it wins over a `host` field, RFC 9113 §8.3.1), the `cookie`
// fields joined into one (§8.2.3), Content-Length parsed. It also keeps the list within the size
// SETTINGS_MAX_HEADER_LIST_SIZE announced (RFC 7541 §4.1 counting: name + value + 32 a field):
// past it, fields are only counted, so a flood costs no memory. A response head goes the other
// way through h2_response_fields(): `:status` first, names lower-cased, connection-specific
// fields (§8.2.2) left out.
//
// Threads: any (plain data and pure functions).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "server/exchange.h"

namespace pogo::server {

class H2RequestBuilder {
 public:
  explicit H2RequestBuilder(size_t max_list_size) : max_list_size_(max_list_size) {}

  // One decoded field of the request's header block.
  void add(std::string_view name, std::string_view value);
  bool too_large() const { return list_size_ > max_list_size_; }

  enum class Verdict {
    Ok,         // `out` holds the request
    TooLarge,   // the list passed the limit: answer 431
    Connect,    // a CONNECT request: Pogo is not a proxy
    Malformed,  // reason() says why: a stream error (RFC 9113 §8.1.1)
  };
  // Completes the head once the block ended. `tls` gives the request's scheme (the connection's,
  // like HTTP/1: a client's `:scheme` claims nothing), `end_stream` says no body follows.
  Verdict finish(bool tls, bool end_stream, RequestHead& out);
  const char* reason() const { return reason_; }

 private:
  size_t max_list_size_;
  size_t list_size_ = 0;
  RequestHead head_;
  std::string authority_;
  bool has_authority_ = false, has_path_ = false;
  std::string cookie_;
  size_t cookie_at_ = 0;  // index in head_.headers where the joined cookie goes
  bool has_cookie_ = false;
  const char* reason_ = "";
};

// The fields of a response (final or interim) in HTTP/2 form.
std::vector<Header> h2_response_fields(const ResponseHead& head);

}  // namespace pogo::server

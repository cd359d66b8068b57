// The response serializer: turns a ResponseHead into HTTP/1.1 bytes and decides the body's
// framing (Content-Length, chunked, close-delimited, or none for HEAD/1xx/204/304). It also
// drops headers the producer must not control (Transfer-Encoding, Connection) or that would
// split the response (CR, LF or NUL inside), and adds Date and Server unless set.
//
// Threads: pure; any thread (the Date value comes from a per-thread cache).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/exchange.h"

namespace pogo::server {

struct RequestFacts {
  bool head_method = false;
  int http_major = 1;
  int http_minor = 1;
  bool keep_alive = true;  // the client allows it and the server wants it
};

struct Framing {
  enum Mode { None, Length, Chunked, UntilClose } mode = None;
  uint64_t length = 0;     // Length: bytes of body to send
  bool keep_alive = true;  // the connection survives this response
};

// Appends status line and headers (with the final blank line) to `out`. `known_length` is the
// body size when the caller knows it (static files); the producer's Content-Length wins
// otherwise.
Framing serialize_response_head(std::string& out, const ResponseHead& head, const RequestFacts& req,
                                std::optional<uint64_t> known_length = std::nullopt);

// The same head for HTTP/2: the fields to send (hop-by-hop ones dropped, Date, Server and the
// body length added) in `out`, and the framing (Chunked: DATA until END_STREAM).
Framing response_fields(const ResponseHead& head, bool head_method, std::optional<uint64_t> known_length,
                        ResponseHead& out);

// A 1xx interim response (e.g. 103 Early Hints), never with Date/Server.
void serialize_interim(std::string& out, const ResponseHead& head);

// "1a2b\r\n" for a chunk of n bytes (n > 0).
void append_chunk_header(std::string& out, size_t n);

std::string_view reason_phrase(int status);

// True when status can carry a body at all (not 1xx, 204, 304).
inline bool status_allows_body(int status) { return status >= 200 && status != 204 && status != 304; }

}  // namespace pogo::server

// A real HTTP/2 client for the codec's tests: an nghttp2 client session in memory, with what it
// received per stream recorded, and converse() to ping-pong bytes between it and an H2Session
// until both are quiet.
//
// Threads: the test's.
#pragma once

#include <nghttp2/nghttp2.h>

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "server/h2_session.h"

namespace pogo::server::test {

struct H2Client {
  struct Options {
    uint32_t initial_window = 65535;  // the client's receive window per stream
    bool manual_window = false;       // no WINDOW_UPDATE until consume()
    size_t max_send_header_block = 0; // 0: nghttp2's default (64 KiB)
  };
  struct Stream {
    std::vector<int> statuses;                              // every :status, interim ones first
    std::vector<std::pair<std::string, std::string>> headers;  // of the final response
    std::string body;
    bool headers_end_stream = false;  // END_STREAM came on the response HEADERS
    bool closed = false;
    uint32_t close_code = 0;
  };

  explicit H2Client(Options options);
  H2Client() : H2Client(Options{}) {}
  ~H2Client();
  H2Client(const H2Client&) = delete;
  H2Client& operator=(const H2Client&) = delete;

  using Fields = std::vector<std::pair<std::string, std::string>>;
  // Submits a request (pseudo-headers included in `fields`); `body` set: sent in DATA frames of
  // at most `chunk` bytes each.
  int32_t request(const Fields& fields, const std::string* body = nullptr, size_t chunk = 16384);
  int32_t get(const std::string& path, const std::string& authority = "example.com");

  std::string take();                 // frames the client wants to send
  void feed(const std::string& in);   // frames from the server
  void consume(int32_t stream, size_t n) { nghttp2_session_consume(session, stream, n); }

  nghttp2_session* session = nullptr;
  std::map<int32_t, Stream> streams;
  bool goaway = false;
  uint32_t goaway_code = 0;
  int32_t goaway_last_stream = -1;
  size_t data_received = 0;
  int recv_error = 0;  // nghttp2_session_mem_recv's error, if any
  std::map<int32_t, std::pair<std::string, size_t>> uploads;  // body, offset
  size_t upload_chunk = 16384;
  std::deque<std::string> kept_names;  // request field names, sent without a copy
};

// Ping-pongs until neither side has bytes to send (or `rounds` runs out). Returns what the
// server's receive() said last (false: it failed and was not fed again).
bool converse(H2Client& client, H2Session& server, int rounds = 10000);

}  // namespace pogo::server::test

// A raw TCP client for requests that curl would refuse to send or would normalize: malformed
// request lines, conflicting framing headers, dot segments and encoded traversal, huge headers.
//
// Sending and receiving are interleaved (poll), so a server that answers and closes while the
// request is still being sent (a 431, say) is read rather than lost. Used from one thread.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "tests/e2e/harness.h"

namespace e2e {

class RawConnection {
public:
    explicit RawConnection(int port);  // connects to 127.0.0.1:port (blocking, deadline-bounded)
    ~RawConnection();
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    bool connected() const { return fd_ >= 0; }
    // Sends all of `bytes`, reading whatever arrives meanwhile. Stops early (returns false) if the
    // peer closes or resets the connection.
    bool send(std::string_view bytes, milliseconds timeout = kDeadline);
    // Reads until the peer closes (EOF or reset) or the deadline passes; true if it closed.
    bool read_until_closed(milliseconds timeout = kDeadline);
    // Reads until the received bytes contain `needle`; true if they do.
    bool read_until(std::string_view needle, milliseconds timeout = kDeadline);
    // Reads until one complete response (head + Content-Length or chunked body) has arrived.
    bool read_one_response(milliseconds timeout = kDeadline);

    const std::string& received() const { return received_; }
    bool peer_closed() const { return closed_; }
    bool was_reset() const { return reset_; }

private:
    // One poll round: reads what is available. False once the peer has closed.
    bool pump(int timeout_ms, bool want_write);

    int fd_ = -1;
    std::string received_;
    bool closed_ = false;
    bool reset_ = false;
};

// A response parsed from raw bytes. `complete` is false if the bytes end early.
struct RawResponse {
    int status = 0;  // 0: no status line
    std::string status_line;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;  // de-chunked when Transfer-Encoding: chunked
    size_t consumed = 0;  // bytes of the input this response took
    bool complete = false;
    std::string header(std::string_view name) const;
};
// `head_only`: the response to a HEAD request (no body whatever the headers say).
RawResponse parse_response(std::string_view bytes, bool head_only = false);

// Connects, sends `request`, reads until the server closes the connection (or the deadline).
struct RawResult {
    std::string received;
    bool closed = false;
};
RawResult raw_exchange(int port, std::string_view request, milliseconds timeout = kDeadline);

}  // namespace e2e

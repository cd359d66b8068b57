#include "tests/e2e/raw_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace e2e {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

int ms_left(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    return left < 0 ? 0 : static_cast<int>(std::min<long long>(left, 100));
}

}  // namespace

RawConnection::RawConnection(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
        close(fd);
        return;
    }
    pollfd p{fd, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof err;
    if (poll(&p, 1, static_cast<int>(kDeadline.count())) != 1 ||
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
        close(fd);
        return;
    }
    fd_ = fd;
}

RawConnection::~RawConnection() {
    if (fd_ >= 0) close(fd_);
}

bool RawConnection::pump(int timeout_ms, bool want_write) {
    if (closed_) return false;
    pollfd p{fd_, static_cast<short>(POLLIN | (want_write ? POLLOUT : 0)), 0};
    int r = poll(&p, 1, timeout_ms);
    if (r <= 0) return true;
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
        char buf[65536];
        for (;;) {
            ssize_t n = recv(fd_, buf, sizeof buf, 0);
            if (n > 0) {
                received_.append(buf, static_cast<size_t>(n));
                continue;
            }
            if (n == 0) {
                closed_ = true;
            } else if (errno == ECONNRESET || errno == EPIPE) {
                closed_ = reset_ = true;
            } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                closed_ = true;
            }
            break;
        }
    }
    return !closed_;
}

bool RawConnection::send(std::string_view bytes, milliseconds timeout) {
    if (fd_ < 0) return false;
    const auto deadline = Clock::now() + timeout;
    size_t sent = 0;
    while (sent < bytes.size()) {
        if (Clock::now() >= deadline || !pump(ms_left(deadline), true)) return false;
        ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<size_t>(n);
        } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            // EPIPE/ECONNRESET: the server gave up on this request; its answer may be waiting.
            pump(0, false);
            return false;
        }
    }
    return true;
}

bool RawConnection::read_until_closed(milliseconds timeout) {
    if (fd_ < 0) return true;
    const auto deadline = Clock::now() + timeout;
    while (!closed_ && Clock::now() < deadline) pump(ms_left(deadline), false);
    return closed_;
}

bool RawConnection::read_until(std::string_view needle, milliseconds timeout) {
    if (fd_ < 0) return false;
    const auto deadline = Clock::now() + timeout;
    while (received_.find(needle) == std::string::npos && !closed_ && Clock::now() < deadline)
        pump(ms_left(deadline), false);
    return received_.find(needle) != std::string::npos;
}

bool RawConnection::read_one_response(milliseconds timeout) {
    if (fd_ < 0) return false;
    const auto deadline = Clock::now() + timeout;
    while (!parse_response(received_).complete && !closed_ && Clock::now() < deadline)
        pump(ms_left(deadline), false);
    return parse_response(received_).complete;
}

std::string RawResponse::header(std::string_view name) const {
    for (auto& [k, v] : headers)
        if (iequals(k, name)) return v;
    return {};
}

RawResponse parse_response(std::string_view bytes, bool head_only) {
    RawResponse r;
    size_t head_end = bytes.find("\r\n\r\n");
    size_t line_end = bytes.find("\r\n");
    if (line_end == std::string_view::npos) return r;
    r.status_line = std::string(bytes.substr(0, line_end));
    if (r.status_line.rfind("HTTP/1.", 0) == 0 && r.status_line.size() >= 12)
        r.status = std::atoi(r.status_line.c_str() + 9);
    if (head_end == std::string_view::npos) return r;
    size_t pos = line_end + 2;
    while (pos < head_end) {
        size_t e = bytes.find("\r\n", pos);
        std::string_view line = bytes.substr(pos, e - pos);
        if (auto colon = line.find(':'); colon != std::string_view::npos) {
            std::string_view v = line.substr(colon + 1);
            while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
            r.headers.emplace_back(std::string(line.substr(0, colon)), std::string(v));
        }
        pos = e + 2;
    }
    size_t body_start = head_end + 4;
    bool no_body = head_only || r.status == 204 || r.status == 304 || (r.status >= 100 && r.status < 200);
    if (no_body) {
        r.consumed = body_start;
        r.complete = true;
        return r;
    }
    if (iequals(r.header("Transfer-Encoding"), "chunked")) {
        size_t p = body_start;
        for (;;) {
            size_t le = bytes.find("\r\n", p);
            if (le == std::string_view::npos) return r;
            size_t len = std::strtoul(std::string(bytes.substr(p, le - p)).c_str(), nullptr, 16);
            p = le + 2;
            if (len == 0) {
                // Trailers (none expected) end with an empty line.
                size_t te = bytes.find("\r\n", p);
                if (te == std::string_view::npos) return r;
                r.consumed = te + 2;
                r.complete = true;
                return r;
            }
            if (bytes.size() < p + len + 2) return r;
            r.body.append(bytes.substr(p, len));
            p += len + 2;
        }
    }
    std::string cl = r.header("Content-Length");
    if (!cl.empty()) {
        size_t len = std::strtoul(cl.c_str(), nullptr, 10);
        if (bytes.size() < body_start + len) return r;
        r.body = std::string(bytes.substr(body_start, len));
        r.consumed = body_start + len;
        r.complete = true;
        return r;
    }
    // Neither: the body runs to the end of the connection; complete only once it closed, which
    // the caller knows and we do not.
    r.body = std::string(bytes.substr(body_start));
    r.consumed = bytes.size();
    return r;
}

RawResult raw_exchange(int port, std::string_view request, milliseconds timeout) {
    RawConnection c(port);
    RawResult r;
    if (!c.connected()) return r;
    c.send(request, timeout);
    r.closed = c.read_until_closed(timeout);
    r.received = c.received();
    return r;
}

}  // namespace e2e

// A HeadWriter writes an HTTP/1 head (a status or request line, fields, the blank line) at the
// end of a string in one pass: the caller sizes the room once (every byte the head can take),
// then each piece is a plain copy, with no capacity check and no intermediate string. Every
// response and proxied request writes one, so the per-piece cost of std::string::append counts.
//
// Threads: whoever owns the string.
#pragma once

#include <cassert>
#include <cstring>
#include <string>
#include <string_view>

namespace pogo::server {

class HeadWriter {
 public:
  // Room for at most `room` bytes at the end of `out`, which nothing else touches until finish().
  HeadWriter(std::string& out, size_t room) : out_(out), start_(out.size()) {
    out.resize(start_ + room);
    p_ = out.data() + start_;
  }
  HeadWriter(const HeadWriter&) = delete;
  HeadWriter& operator=(const HeadWriter&) = delete;

  void put(std::string_view s) {
    if (!s.empty()) std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  void put(char c) { *p_++ = c; }
  void crlf() {
    p_[0] = '\r';
    p_[1] = '\n';
    p_ += 2;
  }
  // "name: value\r\n"
  void field(std::string_view name, std::string_view value) {
    put(name);
    p_[0] = ':';
    p_[1] = ' ';
    p_ += 2;
    put(value);
    crlf();
  }
  // Bytes written so far.
  size_t written() const { return size_t(p_ - (out_.data() + start_)); }
  // Cuts the string to what was written: the head is complete.
  void finish() {
    assert(p_ <= out_.data() + out_.size());
    out_.resize(size_t(p_ - out_.data()));
  }

 private:
  std::string& out_;
  const size_t start_;
  char* p_;
};

}  // namespace pogo::server

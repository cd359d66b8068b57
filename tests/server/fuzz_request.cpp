// libFuzzer target: the request parser fed at arbitrary split points, then the pure functions
// routing applies to what it produced (target splitting, path sanitizing, ranges, dates).
// Invariants fail loudly: a cleaned path always starts with '/' and never has a ".." segment.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "server/http_date.h"
#include "server/path_safety.h"
#include "server/range.h"
#include "server/request_parser.h"

namespace {
struct Sink : pogo::server::RequestParser::BodySink {
  size_t n = 0;
  void on_body(const char*, size_t len) override { n += len; }
};

void check_path(std::string_view raw) {
  auto clean = pogo::server::sanitize_path(raw);
  if (!clean) return;
  if (clean->empty() || (*clean)[0] != '/') std::abort();
  if (clean->find("/../") != std::string::npos || clean->ends_with("/..")) std::abort();
  if (pogo::server::clean_path(*clean) != *clean) std::abort();  // idempotent
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  size_t split = data[0];
  std::string input(reinterpret_cast<const char*>(data + 1), size - 1);
  pogo::server::RequestParser p(4096);
  Sink sink;
  p.set_body_sink(&sink);
  size_t off = 0;
  size_t step = split ? split : input.size();
  for (int guard = 0; guard < 10000 && off <= input.size(); ++guard) {
    size_t len = std::min(step, input.size() - off);
    auto st = p.feed(input.data() + off, len);
    off += st.consumed;
    if (st.kind == pogo::server::RequestParser::Step::Error) break;
    if (st.kind == pogo::server::RequestParser::Step::Head) {
      std::string_view path, query;
      pogo::server::split_target(p.head().uri, path, query);
      check_path(path);
      if (const auto* r = p.head().header("Range")) pogo::server::parse_range(*r, 1000);
      if (const auto* d = p.head().header("If-Modified-Since")) pogo::server::parse_http_date(*d);
    }
    if (st.kind == pogo::server::RequestParser::Step::NeedMore && off >= input.size()) break;
  }
  check_path(input);
  return 0;
}

#include "server/range.h"

#include <limits>

#include "server/http_text.h"

namespace pogo::server {

namespace {

bool parse_u64(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + uint64_t(c - '0');
  }
  out = v;
  return true;
}

}  // namespace

RangeResult parse_range(std::string_view header, uint64_t size) {
  RangeResult full;
  header = trim_ows(header);
  if (!header.starts_with("bytes=")) return full;
  std::string_view specs = header.substr(6);
  int satisfiable = 0, count = 0;
  RangeResult first;
  while (!specs.empty()) {
    auto comma = specs.find(',');
    std::string_view spec = trim_ows(specs.substr(0, comma));
    specs = comma == std::string_view::npos ? std::string_view{} : specs.substr(comma + 1);
    if (spec.empty()) continue;  // "bytes=0-1,,2-3" tolerated like Go
    ++count;
    auto dash = spec.find('-');
    if (dash == std::string_view::npos) return full;
    std::string_view a = trim_ows(spec.substr(0, dash)), b = trim_ows(spec.substr(dash + 1));
    uint64_t start = 0, end = 0;
    if (a.empty()) {  // suffix: the last b bytes
      uint64_t n = 0;
      if (!parse_u64(b, n)) return full;
      if (n == 0 || size == 0) continue;
      if (n > size) n = size;
      start = size - n;
      end = size - 1;
    } else {
      if (!parse_u64(a, start)) return full;
      if (b.empty()) {
        end = size ? size - 1 : 0;
      } else {
        if (!parse_u64(b, end) || end < start) return full;
        if (end >= size) end = size ? size - 1 : 0;
      }
      if (start >= size) continue;  // unsatisfiable
    }
    if (satisfiable++ == 0) first = RangeResult{RangeResult::Partial, start, end - start + 1};
  }
  if (count == 0) return full;
  if (satisfiable == 0) return RangeResult{RangeResult::Unsatisfiable, 0, 0};
  if (satisfiable > 1) return full;
  return first;
}

}  // namespace pogo::server

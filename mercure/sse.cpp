#include "mercure/sse.h"

namespace pogo::mercure {

namespace {

void append_field(std::string* out, std::string_view name, std::string_view value) {
  out->append(name);
  out->append(": ");
  for (char c : value)
    if (c != '\r' && c != '\n') out->push_back(c);
  out->push_back('\n');
}

}  // namespace

void append_sse_event(std::string* out, const Update& u) {
  out->reserve(out->size() + u.data.size() + u.id.size() + u.type.size() + 32);
  if (!u.type.empty()) append_field(out, "event", u.type);
  if (u.retry != 0) append_field(out, "retry", std::to_string(u.retry));
  append_field(out, "id", u.id);
  out->append("data: ");
  const std::string_view d = u.data;
  for (size_t i = 0; i < d.size(); ++i) {
    if (d[i] == '\r' || d[i] == '\n') {
      if (d[i] == '\r' && i + 1 < d.size() && d[i + 1] == '\n') ++i;
      out->append("\ndata: ");
    } else {
      out->push_back(d[i]);
    }
  }
  out->append("\n\n");
}

std::string sse_event(const Update& u) {
  std::string out;
  append_sse_event(&out, u);
  return out;
}

std::string sse_retry(uint64_t milliseconds) { return "retry: " + std::to_string(milliseconds) + "\n\n"; }

}  // namespace pogo::mercure

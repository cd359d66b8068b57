#include "mercure/publish_form.h"

#include <charconv>

namespace pogo::mercure {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> form_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%') {
      if (i + 2 >= s.size() || hex_value(s[i + 1]) < 0 || hex_value(s[i + 2]) < 0) return std::nullopt;
      out.push_back(static_cast<char>(hex_value(s[i + 1]) << 4 | hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::optional<Update> parse_publish_form(std::string_view body, std::string* error) {
  Update u;
  bool have_data = false, have_id = false, have_type = false, have_retry = false;
  std::string retry;
  for (size_t start = 0; start <= body.size();) {
    size_t end = body.find('&', start);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view pair = body.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    auto key = form_decode(pair.substr(0, eq));
    auto value = form_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!key || !value) {
      *error = "invalid %-escape in the form";
      return std::nullopt;
    }
    if (*key == "topic") {
      u.topics.push_back(std::move(*value));
    } else if (*key == "private") {
      u.is_private = true;
    } else if (*key == "data" && !have_data) {
      u.data = std::move(*value);
      have_data = true;
    } else if (*key == "id" && !have_id) {
      u.id = std::move(*value);
      have_id = true;
    } else if (*key == "type" && !have_type) {
      u.type = std::move(*value);
      have_type = true;
    } else if (*key == "retry" && !have_retry) {
      retry = std::move(*value);
      have_retry = true;
    }
  }
  if (u.topics.empty()) {
    *error = "missing \"topic\" parameter";
    return std::nullopt;
  }
  if (!retry.empty()) {
    const char* first = retry.data();
    const char* last = first + retry.size();
    auto [ptr, ec] = std::from_chars(first, last, u.retry);
    if (ec != std::errc() || ptr != last || retry[0] == '+' || retry[0] == '-') {
      *error = "invalid \"retry\" parameter: " + retry;
      return std::nullopt;
    }
  }
  if (auto why = validate_update(u)) {
    *error = std::move(*why);
    return std::nullopt;
  }
  return u;
}

}  // namespace pogo::mercure

// Placeholders: `{path}`, `{http.request.header.X}`, `{env.X}`, `{re.name.1}`, ... resolved per
// request. Short forms are normalised to Caddy's long names first (`{path}` is
// `{http.request.uri.path}`, `{re.x.1}` is `{http.regexp.x.1}`, `{file_match.relative}` is
// `{http.matchers.file.relative}`, `{resp.header.X}` is `{http.intercept.header.X}`, `{rp.status_code}`
// is `{http.reverse_proxy.status_code}`), then read from the request and its routing variables. A
// placeholder nobody knows is kept as written (Caddy's ReplaceKnown), and `\{` is a literal brace.
//
// Threads: pure over the request; the loop thread that owns it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/request.h"

namespace pogo::server {

// The long name of a placeholder written as `name` (without braces).
std::string placeholder_long_name(std::string_view name);

// The value of one placeholder (long or short name), or nullopt when unknown.
std::optional<std::string> placeholder_value(std::string_view name, const Request& r);

// `text` with every known `{placeholder}` replaced.
std::string replace_placeholders(std::string_view text, const Request& r);

// A text with placeholders, parsed once when the routes are built: literal runs and placeholders
// with their long names already resolved. Expanding it gives what replace_placeholders() gives for
// the same text; the common request placeholders (`{path}`, `{query}`, `{http.vars.root}`,
// `{file_match.*}`) are appended straight from the request, with no allocation beyond the
// output's own growth, so a caller that keeps its output buffer allocates nothing per request.
//
// Threads: built on the main thread, then immutable; expand()/append() on any loop thread.
class Template {
 public:
  Template() = default;
  explicit Template(std::string_view text);

  const std::string& text() const { return text_; }
  bool empty() const { return text_.empty(); }
  bool literal() const { return literal_; }
  // Appends the expansion to `out`.
  void append(const Request& r, std::string& out) const;
  // `out` = the expansion (its capacity is reused).
  void expand_into(const Request& r, std::string& out) const {
    out.clear();
    append(r, out);
  }
  std::string expand(const Request& r) const {
    std::string s;
    append(r, s);
    return s;
  }

 private:
  enum class Kind : unsigned char { literal, path, query, root, file_relative, file_absolute, file_remainder, file_type, other };
  struct Part {
    Kind kind;
    std::string text;  // literal: the text; other: the long name
    std::string rest;  // other: what follows the '{' as written, up to and with the '}'
  };
  std::string text_;
  std::vector<Part> parts_;
  bool literal_ = true;
};

std::vector<Template> compile_templates(const std::vector<std::string>& texts);

// True when `text` contains something that looks like a placeholder.
bool has_placeholders(std::string_view text);

// application/x-www-form-urlencoded decoding of one component ('+' is a space).
std::string query_unescape(std::string_view s);
// The first value of `key` in a raw query string, decoded; nullopt when absent.
std::optional<std::string> query_value(std::string_view query, std::string_view key);

}  // namespace pogo::server

// An RFC 6570 URI Template compiled for matching: does a concrete IRI (a Mercure topic) belong to
// the set of IRIs the template can expand to?
//
// Matching follows the reference hub, which turns a template into a regular expression and tests
// the whole topic against it: a literal matches itself; an expression matches, optionally, its
// operator's prefix ("#", ".", "/", ";", "?", "&"; none for simple and "+") followed by values
// joined by the operator's separator, a value being a run of the characters the operator leaves
// unencoded (unreserved, plus reserved for "+" and "#"; "," always; "=" for named operators and
// exploded variables) and %XX triplets. At most (variables - 1) separators unless a variable is
// exploded. Variable names and `:N` prefixes do not constrain the match, as in the reference hub.
// The template is parsed and compiled once; matching is a small dynamic program over the topic's
// bytes (no std::regex, no backtracking blow-up).
//
// Threads: a UriTemplate is immutable once compiled; any thread may call matches() concurrently.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pogo::mercure {

class UriTemplate {
 public:
  // The compiled template, or nullopt and `*error` = "uri template: offset N: what was wrong".
  static std::optional<UriTemplate> compile(std::string_view text, std::string* error);

  bool matches(std::string_view iri) const;
  const std::string& text() const { return text_; }

  struct Part {  // a literal (op == 0) or an expression
    char op = 0;            // 0 literal, 's' simple, else the operator character
    std::string literal;    // op == 0
    std::string prefix;     // what the expression starts with when it expands to anything
    char sep = ',';         // between values
    bool reserved = false;  // "+" and "#": reserved characters pass unencoded
    bool first_eq = false;  // '=' allowed in the first value (named operator or exploded variable)
    bool rest_eq = false;   // '=' allowed in the following values
    int max_seps = 0;       // -1: unbounded (an exploded variable)
  };

 private:
  UriTemplate() = default;
  std::string text_;
  std::vector<Part> parts_;
};

}  // namespace pogo::mercure

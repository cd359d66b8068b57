#include "mercure/uri_template.h"

#include <cstdint>

namespace pogo::mercure {

namespace {

bool is_alpha(unsigned char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool is_hex(unsigned char c) { return is_digit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'); }
bool is_unreserved(unsigned char c) { return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~'; }
bool is_reserved(unsigned char c) {
  switch (c) {
    case ':': case '/': case '?': case '#': case '[': case ']': case '@':
    case '!': case '$': case '&': case '\'': case '(': case ')': case '*': case '+': case ',': case ';': case '=':
      return true;
    default: return false;
  }
}

// RFC 6570 §2.1 literals, ASCII part: anything printable but space " ' % < > \ ^ ` { | }.
bool is_ascii_literal(unsigned char c) {
  if (c <= 0x20 || c >= 0x7f) return false;
  switch (c) {
    case '"': case '\'': case '%': case '<': case '>': case '\\': case '^': case '`': case '{': case '|': case '}':
      return false;
    default: return true;
  }
}

// The length of the valid UTF-8 sequence at s[i] encoding a code point >= U+00A0 (ucschar and
// iprivate, approximately: surrogates and overlongs refused), or 0.
size_t utf8_literal(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
  if (c >= 0xf5 || n == 0 || i + n > s.size()) return 0;
  uint32_t cp = c & (0x7f >> n);
  for (size_t k = 1; k < n; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xc0) != 0x80) return 0;
    cp = cp << 6 | (cc & 0x3f);
  }
  if (cp < 0xa0 || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return 0;
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)) return 0;
  return n;
}

class Parser {
 public:
  Parser(std::string_view text, std::string* error) : s_(text), error_(error) {}

  bool parse(std::vector<UriTemplate::Part>* parts) {
    while (i_ < s_.size()) {
      if (s_[i_] == '{') {
        if (!expression(parts)) return false;
      } else if (!literal(parts)) {
        return false;
      }
    }
    return true;
  }

 private:
  bool fail(size_t at, const char* what) {
    *error_ = "uri template: offset " + std::to_string(at) + ": " + what;
    return false;
  }

  bool pct(size_t at) { return at + 2 < s_.size() && is_hex(s_[at + 1]) && is_hex(s_[at + 2]); }

  bool literal(std::vector<UriTemplate::Part>* parts) {
    UriTemplate::Part p;
    while (i_ < s_.size() && s_[i_] != '{') {
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '}') return fail(i_, "'}' without '{'");
      if (c == '%') {
        if (!pct(i_)) return fail(i_, "'%' not followed by two hex digits");
        p.literal.append(s_.substr(i_, 3));
        i_ += 3;
      } else if (is_ascii_literal(c)) {
        p.literal += static_cast<char>(c);
        ++i_;
      } else if (size_t n = c >= 0x80 ? utf8_literal(s_, i_) : 0) {
        p.literal.append(s_.substr(i_, n));
        i_ += n;
      } else {
        return fail(i_, "character not allowed in a URI template");
      }
    }
    parts->push_back(std::move(p));
    return true;
  }

  bool expression(std::vector<UriTemplate::Part>* parts) {
    const size_t open = i_++;
    if (i_ >= s_.size()) return fail(open, "unterminated expression");
    UriTemplate::Part p;
    p.op = 's';
    bool named = false;
    switch (s_[i_]) {
      case '+': p.op = '+'; p.reserved = true; break;
      case '#': p.op = '#'; p.reserved = true; p.prefix = "#"; break;
      case '.': p.op = '.'; p.prefix = "."; p.sep = '.'; break;
      case '/': p.op = '/'; p.prefix = "/"; p.sep = '/'; break;
      case ';': p.op = ';'; p.prefix = ";"; p.sep = ';'; named = true; break;
      case '?': p.op = '?'; p.prefix = "?"; p.sep = '&'; named = true; break;
      case '&': p.op = '&'; p.prefix = "&"; p.sep = '&'; named = true; break;
      case '=': case ',': case '!': case '@': case '|':
        return fail(i_, "operator reserved for future extensions");
      default: break;
    }
    if (p.op != 's') ++i_;
    int vars = 0;
    bool explode_any = false;
    for (;;) {
      bool explode = false;
      if (!varspec(&explode)) return false;
      if (vars == 0) p.first_eq = named || explode;
      explode_any = explode_any || explode;
      ++vars;
      if (i_ >= s_.size()) return fail(open, "unterminated expression");
      if (s_[i_] == '}') break;
      if (s_[i_] != ',') return fail(i_, "expected ',' or '}' after a variable");
      ++i_;
    }
    ++i_;  // '}'
    p.max_seps = explode_any ? -1 : vars - 1;
    p.rest_eq = named || explode_any;
    parts->push_back(std::move(p));
    return true;
  }

  // varname [":" max-length | "*"]; varname = varchar *(["."] varchar).
  bool varspec(bool* explode) {
    const size_t start = i_;
    bool need_char = true;
    while (i_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (is_alpha(c) || is_digit(c) || c == '_') {
        ++i_;
      } else if (c == '%') {
        if (!pct(i_)) return fail(i_, "'%' not followed by two hex digits");
        i_ += 3;
      } else if (c == '.' && !need_char) {
        ++i_;
        need_char = true;
        continue;
      } else {
        break;
      }
      need_char = false;
    }
    if (i_ == start) return fail(i_, "expected a variable name");
    if (need_char) return fail(i_, "a variable name cannot end with '.'");
    if (i_ < s_.size() && s_[i_] == '*') {
      *explode = true;
      ++i_;
    } else if (i_ < s_.size() && s_[i_] == ':') {
      const size_t at = ++i_;
      while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
      if (i_ == at || s_[at] == '0' || i_ - at > 4) return fail(at, "a prefix length is 1 to 9999");
    }
    return true;
  }

  std::string_view s_;
  std::string* error_;
  size_t i_ = 0;
};

// May byte c appear in a value of expression p (the first value, or a later one)?
bool value_char(const UriTemplate::Part& p, unsigned char c, bool first) {
  if (is_unreserved(c)) return true;
  if (p.reserved) return is_reserved(c);
  if (c == ',') return true;
  return c == '=' && (first ? p.first_eq : p.rest_eq);
}

// One step of an expression's body over the unit at s[pos] (a byte, or a %XX triplet: *len says
// which). `states` bit k: k separators consumed so far (0: inside the first value); capped at 1
// when unbounded, since only first-versus-later matters then.
uint64_t body_step(const UriTemplate::Part& p, std::string_view s, size_t pos, uint64_t states, size_t* len) {
  const auto c = static_cast<unsigned char>(s[pos]);
  *len = 1;
  if (c == '%') {
    if (pos + 2 >= s.size() || !is_hex(s[pos + 1]) || !is_hex(s[pos + 2])) return 0;
    *len = 3;
    return states;  // a triplet belongs to any value
  }
  const int cap = p.max_seps < 0 ? 1 : p.max_seps;
  const bool sep = c == static_cast<unsigned char>(p.sep);
  uint64_t next = 0;
  for (int k = 0; k <= cap; ++k) {
    if (!(states >> k & 1)) continue;
    if (value_char(p, c, k == 0)) next |= uint64_t{1} << k;
    if (sep) next |= uint64_t{1} << (k < cap ? k + 1 : p.max_seps < 0 ? k : 64 - 1);
  }
  // A separator past a bounded maximum set bit 63, which no state uses: drop it.
  if (p.max_seps >= 0 && p.max_seps < 63) next &= ~(uint64_t{1} << 63);
  return next;
}

}  // namespace

std::optional<UriTemplate> UriTemplate::compile(std::string_view text, std::string* error) {
  UriTemplate t;
  t.text_ = std::string(text);
  Parser parser(text, error);
  if (!parser.parse(&t.parts_)) return std::nullopt;
  for (auto& p : t.parts_)
    if (p.max_seps > 62) p.max_seps = -1;  // more separators than a topic will hold: unbounded
  return t;
}

bool UriTemplate::matches(std::string_view iri) const {
  // One forward pass per part over every position at once (an NFA simulation): `at[i]` says a
  // part may start at i; for an expression, `body[i]` holds the states its body can be in at i.
  // Linear in the topic's length times the number of parts, whatever the template.
  const size_t n = iri.size();
  std::vector<char> at(n + 1, 0), next(n + 1, 0);
  std::vector<uint64_t> body(n + 1, 0);
  at[0] = 1;
  for (const Part& p : parts_) {
    std::fill(next.begin(), next.end(), 0);
    if (p.op == 0) {
      for (size_t pos = 0; pos + p.literal.size() <= n; ++pos)
        if (at[pos] && iri.compare(pos, p.literal.size(), p.literal) == 0) next[pos + p.literal.size()] = 1;
    } else {
      std::fill(body.begin(), body.end(), 0);
      for (size_t pos = 0; pos <= n; ++pos) {
        if (at[pos]) {
          next[pos] = 1;  // the whole expression is optional
          if (p.prefix.empty()) body[pos] |= 1;
          else if (iri.compare(pos, p.prefix.size(), p.prefix) == 0) body[pos + p.prefix.size()] |= 1;
        }
        if (!body[pos]) continue;
        next[pos] = 1;
        if (pos == n) break;
        size_t len = 1;
        const uint64_t states = body_step(p, iri, pos, body[pos], &len);
        if (states) body[pos + len] |= states;
      }
    }
    at.swap(next);
  }
  return at[n] != 0;
}

}  // namespace pogo::mercure

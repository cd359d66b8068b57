// The lexer turns Caddyfile text into lexemes: words (tokens) and comments, each with its line,
// the raw source text it was read from, and the line breaks before it. The parser takes only the
// words (lex()); the formatter takes everything (scan()), so both obey exactly the same rules.
//
// Rules: whitespace separates words; `#` starts a comment only at the start of a word; a word
// starting with `"` runs to the next unescaped `"` (`\"` is a quote, other backslashes are kept,
// newlines allowed); one starting with a backtick runs to the next backtick, raw; `<<MARKER` at the
// end of a line opens a heredoc that ends at a line holding MARKER, whose indentation is stripped
// from every line; a backslash before a newline continues the line; CRLF reads as LF; a UTF-8 BOM
// is ignored.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "caddyfile/token.h"

namespace caddyfile {

struct Lexeme {
    enum class Kind { word, comment };
    Kind kind = Kind::word;
    std::string text;         // the token's value (quotes removed, heredoc dedented); the comment as written
    std::string raw;          // exactly as written in the source
    int line = 0;             // line where it starts (1-based)
    int newlines_before = 0;  // line breaks between the previous lexeme and this one
    bool continued = false;   // a backslash-newline separates it from the previous lexeme
    Quote quote = Quote::none;
};

// Throws Error (`file:line: ...`) on an unterminated quote, backtick or heredoc, or a bad heredoc.
std::vector<Lexeme> scan(std::string_view source, const std::string& file);

// The words of `source` as tokens (starts_line set, no import chain).
std::vector<Token> lex(std::string_view source, const std::string& file);

}  // namespace caddyfile

// The formatter rewrites a Caddyfile the way `caddy fmt` does: one tab per nesting level, one
// space between tokens, `{` at the end of its line, `}` on a line of its own, at most one blank
// line in a row (none right after `{` or before `}`), a word written on the line of a top-level
// `}` moved to its own line after a blank one, comments kept, quoted, backtick and heredoc tokens written exactly as they were. It reads the
// input with the lexer, so it can never disagree with the parser about where a token ends.
// format(format(x)) == format(x).
#pragma once

#include <string>
#include <string_view>

namespace caddyfile {

// Throws Error when the input does not lex (an unterminated quote or heredoc).
std::string format(std::string_view input, const std::string& file = "Caddyfile");

}  // namespace caddyfile

// The `expression` matcher's language: the subset of CEL (Common Expression Language) that Caddy
// configurations use, parsed into a tree of plain data. Literals (strings in '', "", ''' ''',
// """ """, r'' raw; integers; true, false, null; lists; maps), Caddy placeholders `{name}`,
// comparisons, `&&` `||` `!`, `in`, `? :`, the string methods startsWith/endsWith/contains/matches,
// and Caddy's matcher functions (path, host, header, ...) whose arguments must be literals, as in
// Caddy. Everything else (arithmetic, macros such as .all(), other functions) is refused by name
// when the configuration is read, never at request time. What the tree means for a request is
// server/routes/expression.h's business.
//
// Threads: pure functions; any thread.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "caddyfile/config.h"

namespace caddyfile::cel {

struct Node {
    enum class Kind {
        string,       // text
        integer,      // number
        boolean,      // number: 0 or 1
        null,
        list,         // children: the items
        map,          // children: key, value, key, value...
        placeholder,  // text: the name inside the braces, as written
        logical_not,  // children: the operand
        logical_and,  // children: left, right
        logical_or,   // children: left, right
        compare,      // text: == != < <= > >=; children: left, right
        in,           // children: the element, the list (or map: its keys)
        conditional,  // children: condition, then, else
        call,         // text: a matcher function (path, header, ...) or `matches`; children: arguments
        method,       // text: startsWith endsWith contains matches; children: receiver, argument
    };
    Kind kind = Kind::null;
    std::string text;
    int64_t number = 0;
    std::vector<Node> children;
};

// A message without file:line ("expression matcher: unsupported function \"all\""); the
// Caddyfile layer adds where the expression was written.
class ExpressionError : public std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Throws ExpressionError.
Node parse(std::string_view text);

// Caddy's matcher functions callable in an expression.
bool is_matcher_function(std::string_view name);

// The matcher set a matcher function call stands for (`path('/a', '/b')` is `path /a /b`);
// `default_name` names its regexp captures when the call gives no name. Throws ExpressionError
// when the arguments are not what the function takes.
MatcherSet matcher_call_set(const Node& call, const std::string& default_name);

}  // namespace caddyfile::cel

// Request matchers: named ones (`@name { ... }` or `@name matcher args`), defined per site (or
// per handle/route block), and a directive's inline matcher token.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "caddyfile/config.h"
#include "caddyfile/parser.h"

namespace caddyfile {

// A segment whose name starts with '@'.
bool is_matcher_definition(const Segment& seg);

NamedMatcher parse_named_matcher(const Segment& seg);

// The directive's first argument when it is a matcher token (`*`, `/path`, `*.ext`, `@name`);
// `known` lists the named matchers in scope. nullopt when the first argument is not a matcher.
std::optional<MatchSpec> inline_matcher(const Segment& seg, const std::vector<NamedMatcher>& known);

}  // namespace caddyfile

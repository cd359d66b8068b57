// `{$NAME}` and `{$NAME:default}` are replaced from the environment before lexing, so a value may
// become several tokens (or none). A variable that is set, even to "", wins over the default; an
// unset one without a default becomes "". Runtime placeholders (`{path}`, `{env.X}`) are untouched.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace caddyfile {

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The process environment.
std::optional<std::string> process_env(const std::string& name);

std::string expand_env(std::string_view input, const EnvLookup& lookup);

// The same, and for each line of the result (index = line - 1) the line of `input` it came from,
// so that a value holding line breaks does not shift the line numbers after it.
std::string expand_env(std::string_view input, const EnvLookup& lookup, std::vector<int>& line_map);

}  // namespace caddyfile

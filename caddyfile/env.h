// `{$NAME}` and `{$NAME:default}` are replaced from the environment before lexing, so a value may
// become several tokens (or none). A variable that is set, even to "", wins over the default; an
// unset one without a default becomes "". Runtime placeholders (`{path}`, `{env.X}`) are untouched.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace caddyfile {

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The process environment.
std::optional<std::string> process_env(const std::string& name);

std::string expand_env(std::string_view input, const EnvLookup& lookup);

}  // namespace caddyfile

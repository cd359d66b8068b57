// Loading a Caddyfile into Config: parse (env, imports, snippets), then build the typed
// configuration with every validation. Errors are thrown as Error (`FILE:LINE: message`).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "caddyfile/build_context.h"
#include "caddyfile/config.h"
#include "caddyfile/parser.h"

namespace caddyfile {

Config build_config(const std::vector<ServerBlock>& blocks, const std::string& source, const LoadOptions& options = {});

// `text` read from `file` (used for messages and as the base of relative paths).
Config parse_config(std::string_view text, const std::string& file, const LoadOptions& options = {});

Config load_config(const std::string& path, const LoadOptions& options = {});

}  // namespace caddyfile

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

// A Caddyfile given as text (`POST /load` with text/caddyfile, `POST /adapt`): `name` labels
// messages ("Caddyfile:3: ...") and relative paths (imports) start from its directory, so a bare
// name resolves them from the current directory, as Caddy does. Same errors as load_config.
Config load_config_text(std::string_view caddyfile_text, std::string_view name, const LoadOptions& options = {});

// The checks that span the whole configuration, then automatic HTTPS's plan into config.https:
// run on every Config, whether built from a Caddyfile or read from JSON (config_from_json.h).
// Errors name the location (`where`) of what is wrong. The frankenphp checks are not here: their
// message names the option (a token or a JSON path), so each reader calls check_frankenphp.
void validate_config(Config& config);

// `dir` made absolute (the current directory for ""), lexically normal.
std::string absolute_dir(const std::string& dir);

}  // namespace caddyfile

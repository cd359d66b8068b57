// The way back from the configuration JSON (config_json.h, what `pogo adapt` prints and the admin
// API serves) to a Config, for `POST /load` and the `/config/` edits. Every key to_json writes is
// read back, and the result passes the checks a Caddyfile-built Config passes (validate_config,
// check_frankenphp), so to_json(config_from_json(to_json(c))) == to_json(c).
//
// - Errors are caddyfile::Error naming the JSON path: `config: /apps/frankenphp/num_threads:
//   expected an integer, got "x"`; unknown keys too (`config: /global: unknown key "foo"`).
//   Checks that span the configuration name the Caddyfile location kept in `where` ("FILE:LINE").
// - Missing keys take config.h's defaults, so a hand-written document can be short.
// - Derived parts are checked, not read: `https` (automatic HTTPS's plan) and `apps.http` are
//   recomputed from the sites and global options; present and different, they are refused
//   (`/apps/http is derived from /sites: edit the sites instead`). An editor that changes the
//   sites drops them first (strip_derived).
// - Worker paths (`path`, `worker_path`) are recomputed from `file_name`/`worker` (against
//   options.working_dir and the source's directory, as the Caddyfile loader does), so a reload
//   resolves symlinked release directories again; the files must exist unless
//   options.check_files is false.
// - Objects in the JSON have no order: `env` and `php_ini` of apps.frankenphp come back sorted by
//   key (one value per key), which changes nothing the runtime does.
//
// Plain functions: any thread may call them.
#pragma once

#include <nlohmann/json.hpp>

#include "caddyfile/build_context.h"
#include "caddyfile/config.h"

namespace caddyfile {

Config config_from_json(const nlohmann::json& document, const LoadOptions& options = {});

// Removes the derived parts (`https`, `apps.http`) of a document, for an editor that changed what
// they derive from.
void strip_derived(nlohmann::json& document);

}  // namespace caddyfile

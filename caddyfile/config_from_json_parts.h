// Internal to config_from_json: the readers of the document's parts, shared between
// config_from_json.cpp (top level, global options, apps) and config_from_json_sites.cpp (sites).
#pragma once

#include <optional>
#include <string>

#include "caddyfile/build_context.h"
#include "caddyfile/config.h"
#include "caddyfile/json_reader.h"

namespace caddyfile::json_read {

struct Context {
    const LoadOptions& options;
    const FileSystem& fs;
    std::string config_dir;   // the source Caddyfile's directory: pogo pool workers start there
    std::string working_dir;  // php workers start there (FrankenPHP's rule)
};

LogConfig read_log(const json& v, const std::string& path);
std::optional<IssuerConfig> read_issuer(const json* v, const std::string& path);
// A relative file_name starts from base_dir (worker_base_dir), the working directory when empty.
PhpWorker read_worker(const json& v, const std::string& path, const Context& ctx, const std::string& base_dir = {});
Site read_site(const json& v, const std::string& path, const Context& ctx);

}  // namespace caddyfile::json_read

// What every stage that turns the syntax tree into Config needs: the load options, where relative
// paths start, and where warnings go.
#pragma once

#include <string>
#include <vector>

#include "caddyfile/env.h"
#include "caddyfile/error.h"
#include "caddyfile/filesystem.h"

namespace caddyfile {

struct LoadOptions {
    EnvLookup env = process_env;
    const FileSystem* fs = nullptr;  // nullptr: the real file system
    bool check_files = true;         // worker scripts must exist
    std::string working_dir;         // where FrankenPHP-style relative paths start; "" = current directory
};

struct BuildContext {
    const LoadOptions& options;
    const FileSystem& fs;
    std::string config_dir;   // the Caddyfile's directory (absolute)
    std::string working_dir;  // absolute
    std::vector<Warning>& warnings;

    void warn(const Token& where, std::string message) const {
        warnings.push_back({where.file, where.line, std::move(message)});
    }
};

}  // namespace caddyfile

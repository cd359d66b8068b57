// Loading Caddyfile text into Config for tests: an in-memory /app with a few PHP files, no
// process environment unless given.
#pragma once

#include <map>
#include <string>

#include "caddyfile/error.h"
#include "caddyfile/load.h"

namespace test {

inline caddyfile::MemoryFileSystem& app_files() {
    static caddyfile::MemoryFileSystem fs = [] {
        caddyfile::MemoryFileSystem f;
        f.add("/app/public/index.php", "<?php");
        f.add("/app/public/worker.php", "<?php");
        f.add("/app/public/pogo-worker.php", "<?php");
        f.add("/app/pogo/cpu-worker.php", "<?php");
        return f;
    }();
    return fs;
}

inline caddyfile::LoadOptions app_options(std::map<std::string, std::string> env = {}) {
    caddyfile::LoadOptions o;
    o.fs = &app_files();
    o.working_dir = "/app";
    o.env = [env](const std::string& name) -> std::optional<std::string> {
        auto it = env.find(name);
        if (it == env.end()) return std::nullopt;
        return it->second;
    };
    return o;
}

inline caddyfile::Config load(const std::string& text, std::map<std::string, std::string> env = {}) {
    return caddyfile::parse_config(text, "/app/Caddyfile", app_options(std::move(env)));
}

inline std::string load_error(const std::string& text) {
    try {
        load(text);
    } catch (const caddyfile::Error& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace test

// Reading a configuration document (JSON) with errors that name the JSON path: every value is
// checked for its type and range, and every object for keys nobody asked for, so a typo in a
// `PATCH /config/...` is refused instead of silently ignored. Errors are caddyfile::Error with the
// file "config": `config: /apps/frankenphp/num_threads: expected an integer, got "x"`.
// Plain functions over const data: any thread may call them.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "caddyfile/config.h"

namespace caddyfile::json_read {

using nlohmann::json;

[[noreturn]] void fail(const std::string& path, const std::string& message);

// `path/key`, the key escaped as a JSON pointer token (~0, ~1).
std::string child(const std::string& path, const std::string& key);
std::string child(const std::string& path, size_t index);

// A value's JSON spelling for messages, short and safe for invalid UTF-8.
std::string show(const json& v);

std::string as_string(const json& v, const std::string& path);
bool as_bool(const json& v, const std::string& path);
int64_t as_int(const json& v, const std::string& path, int64_t min, int64_t max);
std::vector<std::string> as_strings(const json& v, const std::string& path);
// A duration: Caddy's string syntax ("1m30s") or an integer of nanoseconds (Go's time.Duration).
Duration as_duration(const json& v, const std::string& path);
// "FILE:LINE" (":0" and "" are no location).
Location as_location(const json& v, const std::string& path);
const json& as_array(const json& v, const std::string& path);

// One JSON object: take its keys one by one, then finish() refuses whatever was not taken.
class Object {
public:
    Object(const json& v, std::string path);

    const std::string& path() const { return path_; }
    std::string at(const std::string& key) const { return child(path_, key); }
    // The value, or nullptr when absent or null; marks the key as known either way.
    const json* get(const std::string& key);

    std::string str(const std::string& key, const std::string& fallback = "");
    bool boolean(const std::string& key, bool fallback);
    int integer(const std::string& key, int fallback, int min, int max = 1 << 30);
    std::optional<uint64_t> size(const std::string& key);
    std::vector<std::string> strings(const std::string& key);
    std::vector<std::string> strings_or(const std::string& key, std::vector<std::string> fallback);
    std::optional<Duration> duration(const std::string& key);
    Location where(const std::string& key = "where");
    KeyValues pairs(const std::string& key);        // [[k, v], ...], in order
    KeyValues string_map(const std::string& key);   // {k: v, ...}, or [[k, v], ...]
    // `value` must be one of `allowed`.
    std::string one_of(const std::string& key, const std::string& fallback, const std::vector<std::string>& allowed);

    void finish() const;

private:
    const json& v_;
    std::string path_;
    std::set<std::string> taken_;
};

}  // namespace caddyfile::json_read

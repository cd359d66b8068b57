#include "caddyfile/json_reader.h"

#include <charconv>
#include <limits>
#include <stdexcept>

namespace caddyfile::json_read {

void fail(const std::string& path, const std::string& message) {
    throw Error("config", 0, (path.empty() ? std::string("/") : path) + ": " + message);
}

std::string child(const std::string& path, const std::string& key) {
    std::string out = path + "/";
    for (char c : key) {
        if (c == '~') out += "~0";
        else if (c == '/') out += "~1";
        else out += c;
    }
    return out;
}

std::string child(const std::string& path, size_t index) { return path + "/" + std::to_string(index); }

std::string show(const json& v) {
    std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
    if (s.size() > 60) s = s.substr(0, 57) + "...";
    return s;
}

namespace {
[[noreturn]] void expected(const std::string& what, const json& v, const std::string& path) {
    fail(path, "expected " + what + ", got " + show(v));
}
}  // namespace

std::string as_string(const json& v, const std::string& path) {
    if (!v.is_string()) expected("a string", v, path);
    return v.get<std::string>();
}

bool as_bool(const json& v, const std::string& path) {
    if (!v.is_boolean()) expected("true or false", v, path);
    return v.get<bool>();
}

int64_t as_int(const json& v, const std::string& path, int64_t min, int64_t max) {
    if (!v.is_number_integer()) expected("an integer", v, path);
    if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        fail(path, "must be at most " + std::to_string(max));
    int64_t n = v.get<int64_t>();
    if (n < min) fail(path, "must be at least " + std::to_string(min) + ", got " + std::to_string(n));
    if (n > max) fail(path, "must be at most " + std::to_string(max) + ", got " + std::to_string(n));
    return n;
}

std::vector<std::string> as_strings(const json& v, const std::string& path) {
    if (!v.is_array()) expected("an array of strings", v, path);
    std::vector<std::string> out;
    for (size_t i = 0; i < v.size(); ++i) out.push_back(as_string(v[i], child(path, i)));
    return out;
}

Duration as_duration(const json& v, const std::string& path) {
    if (v.is_number_integer()) return Duration(as_int(v, path, std::numeric_limits<int64_t>::min(),
                                                      std::numeric_limits<int64_t>::max()));
    if (!v.is_string()) expected("a duration (\"1m30s\" or an integer of nanoseconds)", v, path);
    try {
        return parse_duration(v.get<std::string>());
    } catch (const std::invalid_argument& e) {
        fail(path, e.what());
    }
}

Location as_location(const json& v, const std::string& path) {
    std::string s = as_string(v, path);
    size_t colon = s.rfind(':');
    if (colon == std::string::npos) fail(path, "expected \"FILE:LINE\", got " + show(v));
    Location l;
    l.file = s.substr(0, colon);
    const char* first = s.data() + colon + 1;
    const char* last = s.data() + s.size();
    auto [end, ec] = std::from_chars(first, last, l.line);
    if (ec != std::errc() || end != last || l.line < 0) fail(path, "expected \"FILE:LINE\", got " + show(v));
    return l;
}

const json& as_array(const json& v, const std::string& path) {
    if (!v.is_array()) expected("an array", v, path);
    return v;
}

Object::Object(const json& v, std::string path) : v_(v), path_(std::move(path)) {
    if (!v_.is_object()) expected("an object", v_, path_);
}

const json* Object::get(const std::string& key) {
    taken_.insert(key);
    auto it = v_.find(key);
    if (it == v_.end() || it->is_null()) return nullptr;
    return &*it;
}

std::string Object::str(const std::string& key, const std::string& fallback) {
    const json* v = get(key);
    return v ? as_string(*v, at(key)) : fallback;
}

bool Object::boolean(const std::string& key, bool fallback) {
    const json* v = get(key);
    return v ? as_bool(*v, at(key)) : fallback;
}

int Object::integer(const std::string& key, int fallback, int min, int max) {
    const json* v = get(key);
    return v ? static_cast<int>(as_int(*v, at(key), min, max)) : fallback;
}

std::optional<uint64_t> Object::size(const std::string& key) {
    const json* v = get(key);
    if (!v) return std::nullopt;
    return static_cast<uint64_t>(as_int(*v, at(key), 0, std::numeric_limits<int64_t>::max()));
}

std::vector<std::string> Object::strings(const std::string& key) {
    const json* v = get(key);
    return v ? as_strings(*v, at(key)) : std::vector<std::string>{};
}

std::vector<std::string> Object::strings_or(const std::string& key, std::vector<std::string> fallback) {
    const json* v = get(key);
    return v ? as_strings(*v, at(key)) : std::move(fallback);
}

std::optional<Duration> Object::duration(const std::string& key) {
    const json* v = get(key);
    if (!v) return std::nullopt;
    return as_duration(*v, at(key));
}

Location Object::where(const std::string& key) {
    const json* v = get(key);
    return v ? as_location(*v, at(key)) : Location{};
}

KeyValues Object::pairs(const std::string& key) {
    const json* v = get(key);
    KeyValues out;
    if (!v) return out;
    const std::string p = at(key);
    as_array(*v, p);
    for (size_t i = 0; i < v->size(); ++i) {
        const json& pair = (*v)[i];
        const std::string pp = child(p, i);
        if (!pair.is_array() || pair.size() != 2) expected("a [key, value] pair", pair, pp);
        out.emplace_back(as_string(pair[0], child(pp, 0)), as_string(pair[1], child(pp, 1)));
    }
    return out;
}

KeyValues Object::string_map(const std::string& key) {
    const json* v = get(key);
    if (!v) return {};
    if (v->is_array()) {
        taken_.erase(key);
        return pairs(key);
    }
    const std::string p = at(key);
    if (!v->is_object()) expected("an object of strings", *v, p);
    KeyValues out;
    for (const auto& [k, value] : v->items()) out.emplace_back(k, as_string(value, child(p, k)));
    return out;
}

std::string Object::one_of(const std::string& key, const std::string& fallback, const std::vector<std::string>& allowed) {
    const json* v = get(key);
    if (!v) return fallback;
    std::string s = as_string(*v, at(key));
    for (const std::string& a : allowed)
        if (s == a) return s;
    std::string list;
    for (const std::string& a : allowed) list += (list.empty() ? "" : ", ") + (a.empty() ? std::string("\"\"") : a);
    fail(at(key), "expected one of " + list + ", got " + show(*v));
}

void Object::finish() const {
    for (const auto& [k, value] : v_.items())
        if (!taken_.count(k)) fail(path_, "unknown key " + caddyfile::quoted(k));
}

}  // namespace caddyfile::json_read

#include "caddyfile/log_json.h"

#include <regex>

#include "caddyfile/json_reader.h"

namespace caddyfile {

namespace {

using nlohmann::json;
using namespace json_read;

std::string where(const Location& l) { return l.file + ":" + std::to_string(l.line); }

json writer_json(const LogConfig& l) {
    json w = {{"output", l.output}};
    if (l.output != "file") return w;
    w["filename"] = l.file;
    w["roll"] = l.roll.enabled;
    w["roll_size_mb"] = l.roll.size_mb;
    w["roll_keep"] = l.roll.keep;
    w["roll_keep_days"] = l.roll.keep_days;
    w["roll_gzip"] = l.roll.gzip;
    w["roll_local_time"] = l.roll.local_time;
    return w;
}

json filter_json(const LogFieldFilter& f) {
    json out = {{"filter", f.filter}};
    if (f.filter == "replace") out["value"] = f.value;
    if (f.filter == "ip_mask") {
        out["ipv4_cidr"] = f.ipv4_cidr;
        out["ipv6_cidr"] = f.ipv6_cidr;
    }
    if (f.filter == "query" || f.filter == "cookie" || f.filter == "set_cookie") {
        const char* key = f.filter == "query" ? "parameter" : "name";
        json actions = json::array();
        for (const LogFilterAction& a : f.actions) {
            json j = {{"type", a.type}, {key, a.name}};
            if (a.type == "replace") j["value"] = a.value;
            actions.push_back(j);
        }
        out["actions"] = actions;
    }
    if (f.filter == "regexp" && f.regexps.size() == 1) {
        out["regexp"] = f.regexps[0].first;
        out["value"] = f.regexps[0].second;
    } else if (f.filter == "regexp") {  // Caddy's name for several regexps on one field
        out["filter"] = "multi_regexp";
        for (const auto& [re, value] : f.regexps) out["operations"].push_back({{"regexp", re}, {"value", value}});
    }
    return out;
}

json encoder_json(const LogConfig& l) {
    if (l.format.empty()) return nullptr;
    json e = {{"format", l.format}};
    if (l.format != "filter") return e;
    e["wrap"] = {{"format", l.wrap}};
    e["fields"] = json::object();
    for (const LogFieldFilter& f : l.filters) e["fields"][f.field] = filter_json(f);
    return e;
}

void read_writer(const json& v, const std::string& path, LogConfig& l) {
    Object o(v, path);
    l.output = o.one_of("output", "stderr", {"stderr", "stdout", "discard", "file"});
    if (l.output == "file") {
        l.file = o.str("filename");
        if (l.file.empty()) fail(o.at("filename"), "log output file needs a file name");
        const LogRoll defaults;
        l.roll.enabled = o.boolean("roll", true);
        // Caddy: 0 (or absent) means its default, for each of these three.
        l.roll.size_mb = o.integer("roll_size_mb", 0, 0);
        if (l.roll.size_mb == 0) l.roll.size_mb = defaults.size_mb;
        l.roll.keep = o.integer("roll_keep", 0, 0);
        if (l.roll.keep == 0) l.roll.keep = defaults.keep;
        l.roll.keep_days = o.integer("roll_keep_days", 0, 0);
        if (l.roll.keep_days == 0) l.roll.keep_days = defaults.keep_days;
        l.roll.gzip = o.boolean("roll_gzip", true);
        l.roll.local_time = o.boolean("roll_local_time", false);
    }
    o.finish();
}

std::vector<LogFilterAction> read_actions(Object& o, const char* name_key) {
    std::vector<LogFilterAction> out;
    const json* actions = o.get("actions");
    if (!actions) fail(o.at("actions"), "expected at least one action");
    const json& arr = as_array(*actions, o.at("actions"));
    if (arr.empty()) fail(o.at("actions"), "expected at least one action");
    for (size_t i = 0; i < arr.size(); ++i) {
        Object a(arr[i], child(o.at("actions"), i));
        LogFilterAction act;
        act.type = a.one_of("type", "", {"replace", "delete", "hash"});
        if (act.type.empty()) fail(a.at("type"), "expected replace, delete or hash");
        act.name = a.str(name_key);
        if (act.name.empty()) fail(a.at(name_key), "expected a name");
        if (act.type == "replace") act.value = a.str("value");
        a.finish();
        out.push_back(std::move(act));
    }
    return out;
}

std::pair<std::string, std::string> read_regexp(Object& o) {
    std::string re = o.str("regexp");
    try {
        std::regex check(re, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
        fail(o.at("regexp"), std::string("invalid regular expression: ") + e.what());
    }
    return {re, o.str("value")};
}

LogFieldFilter read_filter(const std::string& field, const json& v, const std::string& path) {
    Object o(v, path);
    LogFieldFilter f;
    f.field = field;
    f.filter = o.one_of("filter", "",
                        {"delete", "replace", "hash", "ip_mask", "query", "cookie", "set_cookie", "regexp", "multi_regexp"});
    if (f.filter.empty()) fail(o.at("filter"), "expected the filter's name");
    if (f.filter == "replace") f.value = o.str("value");
    if (f.filter == "ip_mask") {
        f.ipv4_cidr = o.integer("ipv4_cidr", 0, 0, 32);
        f.ipv6_cidr = o.integer("ipv6_cidr", 0, 0, 128);
        if (f.ipv4_cidr == 0 && f.ipv6_cidr == 0) fail(o.at("ipv4_cidr"), "expected an ipv4 or ipv6 prefix length");
    }
    if (f.filter == "query") f.actions = read_actions(o, "parameter");
    if (f.filter == "cookie" || f.filter == "set_cookie") f.actions = read_actions(o, "name");
    if (f.filter == "regexp") f.regexps.push_back(read_regexp(o));
    if (f.filter == "multi_regexp") {
        f.filter = "regexp";
        const json* ops = o.get("operations");
        if (!ops || as_array(*ops, o.at("operations")).empty()) fail(o.at("operations"), "expected at least one operation");
        for (size_t i = 0; i < ops->size(); ++i) {
            Object op((*ops)[i], child(o.at("operations"), i));
            f.regexps.push_back(read_regexp(op));
            op.finish();
        }
    }
    o.finish();
    return f;
}

void read_encoder(const json& v, const std::string& path, LogConfig& l) {
    Object o(v, path);
    l.format = o.one_of("format", "", {"json", "console", "filter"});
    if (l.format.empty()) fail(o.at("format"), "expected json, console or filter");
    if (l.format == "filter") {
        l.wrap = "json";
        if (const json* w = o.get("wrap")) {
            Object wo(*w, o.at("wrap"));
            l.wrap = wo.one_of("format", "json", {"json", "console"});
            wo.finish();
        }
        if (const json* fields = o.get("fields")) {
            if (!fields->is_object()) fail(o.at("fields"), "expected an object, got " + show(*fields));
            for (auto it = fields->begin(); it != fields->end(); ++it)
                l.filters.push_back(read_filter(it.key(), it.value(), child(o.at("fields"), it.key())));
        }
    }
    o.finish();
}

}  // namespace

json log_to_json(const LogConfig& l) {
    json out = {{"name", l.name},       {"level", l.level},     {"include", l.include},
                {"exclude", l.exclude}, {"writer", writer_json(l)}, {"where", where(l.where)}};
    if (json e = encoder_json(l); !e.is_null()) out["encoder"] = e;
    return out;
}

LogConfig log_from_json(const json& v, const std::string& path) {
    Object o(v, path);
    LogConfig l;
    l.name = o.str("name");
    if (const json* w = o.get("writer")) read_writer(*w, o.at("writer"), l);
    if (const json* e = o.get("encoder")) read_encoder(*e, o.at("encoder"), l);
    l.level = o.one_of("level", "", {"", "DEBUG", "INFO", "WARN", "ERROR", "PANIC", "FATAL"});
    l.include = o.strings("include");
    l.exclude = o.strings("exclude");
    l.where = o.where();
    o.finish();
    return l;
}

}  // namespace caddyfile

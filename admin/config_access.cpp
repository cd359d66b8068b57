#include "admin/config_access.h"

#include <cinttypes>
#include <cstdio>
#include <vector>

#include "admin/error.h"

namespace pogo::admin {

namespace {

using nlohmann::json;

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> parts;
  size_t b = path.find_first_not_of('/');
  size_t e = path.find_last_not_of('/');
  if (b == std::string_view::npos) return parts;
  path = path.substr(b, e - b + 1);
  size_t start = 0;
  for (;;) {
    size_t slash = path.find('/', start);
    parts.emplace_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parts;
}

// A canonical array index ("0", "12"; not "01", "-1", "+1").
std::optional<size_t> array_index(const std::string& s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  for (char c : s)
    if (c < '0' || c > '9') return std::nullopt;
  if (s.size() > 1 && s[0] == '0') return std::nullopt;
  return size_t(std::stoul(s));
}

std::string joined(const std::vector<std::string>& parts, size_t n) {
  std::string out;
  for (size_t i = 0; i < n && i < parts.size(); ++i) out += "/" + parts[i];
  return out;
}

// The document is traversed as Caddy does it: from an object {"config": document}.
struct Target {
  std::vector<std::string> parts;
  bool ellipsis = false;
};

Target parse_target(std::string_view path) {
  Target t;
  t.parts = split_path(path);
  if (t.parts.empty()) throw AdminError(400, "no traversable path");
  if (t.parts.back() == "...") {
    t.ellipsis = true;
    t.parts.pop_back();
    if (t.parts.empty()) throw AdminError(400, "no traversable path");
  }
  return t;
}

void append(json& arr, const json& val, bool ellipsis) {
  if (!ellipsis) {
    arr.push_back(val);
    return;
  }
  if (!val.is_array()) throw AdminError(400, "final element is not an array");
  for (const auto& v : val) arr.push_back(v);
}

// Walks to the last part's container and applies `method` there. GET leaves the result in `out`.
void access(json& root, std::string_view method, std::string_view path, const std::optional<json>& body, json* out) {
  Target t = parse_target(path);
  const std::string p(path);
  json* node = &root;
  for (size_t i = 0; i < t.parts.size(); ++i) {
    const std::string& part = t.parts[i];
    bool last = i + 1 == t.parts.size();
    if (node->is_object()) {
      auto it = node->find(part);
      // The next part indexes an array that is the destination.
      if (it != node->end() && it->is_array() && i + 2 == t.parts.size()) {
        json& arr = *it;
        size_t idx = 0;
        if (method != "POST") {
          const std::string& s = t.parts.back();
          auto n = array_index(s);
          if (!n) throw AdminError(400, "[" + p + "] invalid array index '" + s + "'");
          idx = *n;
          if ((method != "PUT" && idx >= arr.size()) || idx > arr.size())
            throw AdminError(400, "[" + p + "] array index out of bounds: " + s);
        }
        if (method == "GET") *out = arr[idx];
        else if (method == "POST") append(arr, *body, t.ellipsis);
        else if (method == "PUT") arr.insert(arr.begin() + std::ptrdiff_t(idx), *body);
        else if (method == "PATCH") arr[idx] = *body;
        else if (method == "DELETE") arr.erase(arr.begin() + std::ptrdiff_t(idx));
        return;
      }
      if (last) {
        bool exists = it != node->end();
        if (method == "GET") {
          *out = exists ? *it : json(nullptr);
        } else if (method == "POST") {
          if (exists && it->is_array()) append(*it, *body, t.ellipsis);
          else (*node)[part] = *body;
        } else if (method == "PUT") {
          if (exists) throw AdminError(409, "[" + p + "] key already exists: " + part);
          (*node)[part] = *body;
        } else if (method == "PATCH") {
          if (!exists) throw AdminError(404, "[" + p + "] key does not exist: " + part);
          *it = *body;
        } else if (method == "DELETE") {
          if (!exists) throw AdminError(404, "[" + p + "] key does not exist: " + part);
          node->erase(it);
        }
        return;
      }
      if (it == node->end() || it->is_null()) {
        if (method != "PUT") throw AdminError(400, "[" + joined(t.parts, i + 1) + "] invalid traversal path");
        (*node)[part] = json::object();
        it = node->find(part);
      }
      node = &*it;
    } else if (node->is_array()) {
      auto n = array_index(part);
      if (!n) throw AdminError(400, "[" + joined(t.parts, i + 1) + "] invalid array index '" + part + "'");
      if (*n >= node->size()) throw AdminError(400, "[" + joined(t.parts, i + 1) + "] array index out of bounds: " + part);
      if (last) {
        // An element of an array reached through another array ("/a/0/1"): GET only, as Caddy.
        if (method != "GET") throw AdminError(400, "[" + p + "] invalid traversal path");
        *out = (*node)[*n];
        return;
      }
      node = &(*node)[*n];
    } else {
      throw AdminError(400, "invalid traversal path at: " + joined(t.parts, i + 1));
    }
  }
}

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

std::string value_hash(const json& root, std::string_view path) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, fnv1a(config_get(root, path).dump()));
  return buf;
}

}  // namespace

json config_get(const json& root, std::string_view path) {
  json wrapped = json::object({{"config", root}});
  json out;
  access(wrapped, "GET", path, std::nullopt, &out);
  return out;
}

void config_edit(json& root, std::string_view method, std::string_view path, const std::optional<json>& body) {
  if (method != "POST" && method != "PUT" && method != "PATCH" && method != "DELETE")
    throw AdminError(405, "method not allowed");
  if (method != "DELETE" && !body) throw AdminError(400, "missing request body");
  Target t = parse_target(path);
  if (t.parts.size() == 1 && method == "DELETE")
    throw AdminError(400, "Pogo cannot run without a configuration: use POST /stop to stop it");
  json wrapped = json::object({{"config", std::move(root)}});
  try {
    access(wrapped, method, path, body, nullptr);
  } catch (...) {
    root = std::move(wrapped["config"]);
    throw;
  }
  root = std::move(wrapped["config"]);
}

std::string config_etag(const json& root, std::string_view path) {
  return "\"" + std::string(path) + " " + value_hash(root, path) + "\"";
}

void check_if_match(const json& root, std::string_view if_match) {
  if (if_match.size() < 2 || if_match.front() != '"' || if_match.back() != '"')
    throw AdminError(400, "malformed If-Match header; expect quoted string");
  std::string_view inner = if_match.substr(1, if_match.size() - 2);
  size_t sp = inner.find(' ');
  if (sp == std::string_view::npos || inner.find(' ', sp + 1) != std::string_view::npos || sp == 0 ||
      sp + 1 == inner.size())
    throw AdminError(400, "malformed If-Match header; expect format \"<path> <hash>\"");
  if (value_hash(root, inner.substr(0, sp)) != inner.substr(sp + 1))
    throw AdminError(412, "If-Match header did not match current config hash");
}

}  // namespace pogo::admin

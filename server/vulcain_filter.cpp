#include "server/vulcain_filter.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

#include "server/http_text.h"

namespace pogo::server::vulcain {

namespace {

using Json = nlohmann::ordered_json;  // keeps the document's member order

bool ieq_char(char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b)); }

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// `word` appears in `s` (ASCII case-insensitive) with no word character on either side.
bool has_word(std::string_view s, std::string_view word) {
  for (size_t i = 0; i + word.size() <= s.size(); ++i) {
    if (!std::equal(word.begin(), word.end(), s.begin() + long(i), ieq_char)) continue;
    bool left = i == 0 || !word_char(s[i - 1]);
    bool right = i + word.size() == s.size() || !word_char(s[i + word.size()]);
    if (left && right) return true;
  }
  return false;
}

// A selector list as a query parameter value (or a header): `"/a", "/b"`.
std::string serialize_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += '"';
    for (char c : item) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out;
}

// application/x-www-form-urlencoded, as Go's url.QueryEscape (what Caddy's module produces).
std::string query_escape(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += char(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// The selectors still to apply below `n`, relative to it (Caddy's httpList): what a relation found
// at `n` is asked for when the client follows it.
void remaining(const Node& n, bool fields, const std::string& prefix, std::vector<std::string>& out) {
  if (n.children.empty()) {
    if (!prefix.empty()) out.push_back(prefix);
    return;
  }
  for (const Node& c : n.children)
    if (fields ? c.fields : c.preload) remaining(c, fields, prefix + "/" + c.raw, out);
}

// A string value usable as a link target: no whitespace, controls or characters a Link header's
// <...> cannot hold.
bool looks_like_url(std::string_view v) {
  if (v.empty()) return false;
  for (unsigned char c : v)
    if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '"') return false;
  return true;
}

bool has_scheme(std::string_view v) {
  if (v.empty() || !std::isalpha(static_cast<unsigned char>(v[0]))) return false;
  for (size_t i = 1; i < v.size(); ++i) {
    char c = v[i];
    if (c == ':') return true;
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return false;
  }
  return false;
}

// `url` with preload=/fields= query parameters added before its fragment.
std::string with_query(const std::string& url, const std::vector<std::pair<std::string, std::string>>& params) {
  size_t hash = url.find('#');
  std::string out = url.substr(0, hash);
  for (const auto& [k, v] : params) {
    if (out.find('?') == std::string::npos) out += '?';
    else if (out.back() != '?' && out.back() != '&') out += '&';
    out += k + "=" + query_escape(v);
  }
  return hash == std::string::npos ? out : out + url.substr(hash);
}

class Walker {
 public:
  Walker(const Directives& d, const Options& o) : d_(d), o_(o) {}

  // Returns the value to keep for `v` under selector node `n` (`v` itself, possibly modified).
  Json walk(const Json& v, const Node& n, bool filter) {
    if (v.is_string()) return relation(v, n);
    filter = filter && n.has_fields_children();
    if (!v.is_object() && !v.is_array()) return v;
    if (filter) return v.is_object() ? filter_object(v, n) : filter_array(v, n);
    Json out = v;
    for (const Node& c : n.children) {
      if (c.wildcard) {
        if (out.is_array())
          for (auto& e : out) e = walk(e, c, false);
        else
          for (auto& [k, e] : out.items()) e = walk(e, c, false);
      } else if (const Json* e = member(v, c.key)) {
        element(out, c.key) = walk(*e, c, false);
      }
    }
    return out;
  }

  std::vector<std::string> links;
  bool rewritten = false;

 private:
  static const Json* member(const Json& v, const std::string& key) {
    if (v.is_object()) {
      auto it = v.find(key);
      return it == v.end() ? nullptr : &*it;
    }
    if (v.is_array() && !key.empty() && key.size() < 10 &&
        std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      size_t i = std::stoul(key);
      return i < v.size() ? &v[i] : nullptr;
    }
    return nullptr;
  }
  static Json& element(Json& v, const std::string& key) {
    return v.is_object() ? v[key] : v[std::stoul(key)];
  }

  // Fields: only the selected members, in the document's order.
  Json filter_object(const Json& v, const Node& n) {
    Json out = Json::object();
    for (const auto& [k, e] : v.items()) {
      for (const Node& c : n.children) {
        if (!c.fields || !(c.wildcard || c.key == k)) continue;
        out[k] = walk(e, c, true);
        break;
      }
    }
    return out;
  }
  Json filter_array(const Json& v, const Node& n) {
    Json out = Json::array();
    for (size_t i = 0; i < v.size(); ++i) {
      for (const Node& c : n.children) {
        if (!c.fields || !(c.wildcard || c.key == std::to_string(i))) continue;
        out.push_back(walk(v[i], c, true));
        break;
      }
    }
    return out;
  }

  // A string reached by a selector: a relation when the selector preloads it or goes on past it.
  Json relation(const Json& v, const Node& n) {
    // A plain field projection is not a relation: its value stays as it is.
    if (!n.preload && !n.has_preload_children() && !n.has_fields_children()) return v;
    const std::string& s = v.get_ref<const std::string&>();
    if (!looks_like_url(s)) return v;
    std::string url = s;
    if (d_.preload_query || d_.fields_query) {
      std::vector<std::pair<std::string, std::string>> params;
      std::vector<std::string> p, f;
      remaining(n, false, "", p);
      remaining(n, true, "", f);
      if (!p.empty()) params.emplace_back("preload", serialize_list(p));
      if (!f.empty()) params.emplace_back("fields", serialize_list(f));
      if (!params.empty()) {
        url = with_query(url, params);
        rewritten = true;
      }
    }
    if (n.preload) {
      std::string link = "<" + url + ">; rel=preload; as=fetch";
      if (o_.max_pushes == 0 || has_scheme(url)) link += "; nopush";
      if (std::find(links.begin(), links.end(), link) == links.end()) links.push_back(std::move(link));
    }
    return url == s ? v : Json(url);
  }

  const Directives& d_;
  const Options& o_;
};

}  // namespace

bool Node::has_preload_children() const {
  return std::any_of(children.begin(), children.end(), [](const Node& c) { return c.preload; });
}
bool Node::has_fields_children() const {
  return std::any_of(children.begin(), children.end(), [](const Node& c) { return c.fields; });
}

bool is_json_type(std::string_view content_type) { return has_word(content_type, "json"); }

bool applies_to(int status, const std::vector<Header>& headers, std::string_view prefer) {
  if (status < 200 || status > 300) return false;
  std::string type, cache_control;
  for (const auto& h : headers) {
    if (header_name_equals(h.name, "Content-Type") && type.empty()) type = h.value;
    if (header_name_equals(h.name, "Cache-Control")) cache_control += h.value + ",";
  }
  if (!is_json_type(type) || has_word(cache_control, "no-transform")) return false;
  if (prefer.empty()) return true;
  // Caddy's module: some Prefer value must ask for JSON pointer selectors.
  for (size_t i = prefer.find("selector"); i != std::string_view::npos; i = prefer.find("selector", i + 1)) {
    std::string_view rest = prefer.substr(i + 8);
    if (rest.starts_with("=\"json-pointer") || rest.starts_with("=json-pointer")) return true;
  }
  return false;
}

std::optional<Result> apply(std::string_view body, const Directives& d, const Options& o) {
  bool too_deep = false;
  Json doc = Json::parse(
      body,
      [&](int depth, Json::parse_event_t, Json&) {
        if (size_t(depth) > kMaxDocumentDepth) too_deep = true;
        return !too_deep;
      },
      false);
  if (too_deep || doc.is_discarded()) return std::nullopt;
  Walker w(d, o);
  Json out = w.walk(doc, d.tree, d.fields);
  Result r;
  r.links = std::move(w.links);
  r.changed = w.rewritten || (d.fields && d.tree.has_fields_children());
  if (!r.changed) {
    r.body = std::string(body);
    return r;
  }
  try {
    r.body = out.dump();
  } catch (const Json::exception&) {  // invalid UTF-8 in a string: leave the document alone
    return std::nullopt;
  }
  return r;
}

void add_vary(std::vector<Header>& headers, std::string_view token) {
  Header* first = nullptr;
  for (auto& h : headers) {
    if (!header_name_equals(h.name, "Vary")) continue;
    if (!first) first = &h;
    std::string_view v = h.value;
    while (!v.empty()) {
      size_t comma = v.find(',');
      std::string_view item = trim_ows(v.substr(0, comma));
      if (item == "*" || (item.size() == token.size() && std::equal(item.begin(), item.end(), token.begin(), ieq_char)))
        return;
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  if (first && !trim_ows(first->value).empty())
    first->value += ", " + std::string(token);
  else if (first)
    first->value = std::string(token);
  else
    headers.push_back({"Vary", std::string(token)});
}

}  // namespace pogo::server::vulcain

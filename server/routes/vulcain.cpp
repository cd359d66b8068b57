#include "server/routes/vulcain.h"

#include <algorithm>

#include "server/http_text.h"
#include "server/routes/placeholders.h"

namespace pogo::server::vulcain {

namespace {

std::string unescape_segment(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '~' && i + 1 < s.size() && (s[i + 1] == '0' || s[i + 1] == '1' || s[i + 1] == '2')) {
      out += s[i + 1] == '0' ? '~' : s[i + 1] == '1' ? '/' : '*';
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Skips one parameter list or the rest of a malformed member, up to (not past) the next top-level
// comma.
size_t skip_to_comma(std::string_view s, size_t i) {
  bool quoted = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (quoted) {
      if (c == '\\' && i + 1 < s.size()) ++i;
      else if (c == '"') quoted = false;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      break;
    }
  }
  return i;
}

}  // namespace

std::vector<std::string> parse_selector_list(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == ',')) ++i;
    if (i >= s.size()) break;
    if (s[i] == '"') {
      // A string, read to its closing quote even when malformed so the next member is found.
      std::string value;
      bool closed = false, bad = false;
      for (++i; i < s.size(); ++i) {
        char c = s[i];
        if (c == '\\') {
          if (i + 1 >= s.size()) break;
          if (s[i + 1] != '"' && s[i + 1] != '\\') bad = true;
          value += s[++i];
        } else if (c == '"') {
          closed = true;
          ++i;
          break;
        } else {
          if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) bad = true;
          value += c;
        }
      }
      // A well-formed string followed by its parameters (or nothing) before the next comma.
      size_t end = skip_to_comma(s, i);
      std::string_view rest = trim_ows(s.substr(i, end - i));
      if (closed && !bad && (rest.empty() || rest.front() == ';')) out.push_back(std::move(value));
      i = end;
    } else {
      size_t end = skip_to_comma(s, i);
      std::string_view member = s.substr(i, end - i);
      member = trim_ows(member.substr(0, member.find(';')));
      if (member.starts_with('/') &&
          std::none_of(member.begin(), member.end(), [](char c) { return c == ' ' || c == '\t' || c == '"'; }))
        out.emplace_back(member);
      i = end;
    }
  }
  return out;
}

void add_pointer(Node& root, std::string_view pointer, bool fields) {
  while (pointer.starts_with('/')) pointer.remove_prefix(1);
  while (pointer.ends_with('/')) pointer.remove_suffix(1);
  if (pointer.empty()) return;
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    size_t slash = pointer.find('/', start);
    parts.push_back(pointer.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (parts.size() > kMaxSelectorDepth) return;
  Node* n = &root;
  for (std::string_view part : parts) {
    auto it = std::find_if(n->children.begin(), n->children.end(), [&](const Node& c) { return c.raw == part; });
    if (it == n->children.end()) {
      Node c;
      c.raw = std::string(part);
      c.key = unescape_segment(part);
      c.wildcard = part == "*";
      n->children.push_back(std::move(c));
      it = n->children.end() - 1;
    }
    (fields ? it->fields : it->preload) = true;
    n = &*it;
  }
}

std::optional<Directives> request_directives(const RequestHead& head) {
  Directives d;
  auto take = [&](const char* header, const char* param, bool fields) {
    std::string list = head.joined_header(header);
    bool from_header = !list.empty();
    if (!from_header) {
      // Every `preload=` / `fields=` parameter, as several header lines would be.
      std::string_view q = head.query;
      while (!q.empty()) {
        size_t amp = q.find('&');
        std::string_view part = q.substr(0, amp);
        size_t eq = part.find('=');
        if (eq != std::string_view::npos && query_unescape(part.substr(0, eq)) == param) {
          if (!list.empty()) list += ", ";
          list += query_unescape(part.substr(eq + 1));
        }
        if (amp == std::string_view::npos) break;
        q.remove_prefix(amp + 1);
      }
    }
    if (list.empty()) return;
    bool any = false;
    for (const std::string& p : parse_selector_list(list)) {
      add_pointer(d.tree, p, fields);
      any = true;
    }
    if (!any) return;
    (fields ? d.fields : d.preload) = true;
    if (fields) (from_header ? d.fields_header : d.fields_query) = true;
    else if (!from_header) d.preload_query = true;
  };
  take("Preload", "preload", false);
  take("Fields", "fields", true);
  if (!d.preload && !d.fields) return std::nullopt;
  return d;
}

}  // namespace pogo::server::vulcain

#include "server/hidden_paths.h"

#include "server/exchange.h"
#include "server/log.h"
#include "server/path_safety.h"

namespace pogo::server {

namespace {

// Case-insensitive ASCII, as header names compare (one implementation: header_name_equals).
bool iequals(std::string_view a, std::string_view b) { return header_name_equals(a, b); }

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

bool iends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

// The rule's name as a user would write it in a `hide` list, for the log line.
struct Rule {
  enum Kind { Name, Prefix, Suffix } kind;
  std::string_view text;
  std::string_view shown;
};

constexpr Rule kRules[] = {
    {Rule::Name, ".git", ".git"},           {Rule::Name, ".svn", ".svn"},
    {Rule::Name, ".hg", ".hg"},             {Rule::Name, ".htaccess", ".htaccess"},
    {Rule::Name, ".htpasswd", ".htpasswd"}, {Rule::Prefix, ".env", ".env*"},
    {Rule::Suffix, ".php~", "*.php~"},      {Rule::Suffix, ".php.bak", "*.php.bak"},
    {Rule::Suffix, ".php.swp", "*.php.swp"}, {Rule::Suffix, ".php.orig", "*.php.orig"},
};

std::string_view rule_for(std::string_view component) {
  // Most components match no rule: the names and prefixes all start with '.', and the suffixes
  // all end in '~', "bak", "swp" or "orig" (letters in either case).
  char last = char(component.back() | 0x20);
  if (component.front() != '.' && last != '~' && last != 'k' && last != 'p' && last != 'g') return {};
  for (const Rule& r : kRules) {
    bool hit = r.kind == Rule::Name     ? iequals(component, r.text)
               : r.kind == Rule::Prefix ? istarts_with(component, r.text)
                                        : iends_with(component, r.text);
    if (hit) return r.shown;
  }
  return {};
}

}  // namespace

std::string_view default_hide_rule(std::string_view path) {
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view component = path.substr(0, slash);
    if (!component.empty())
      if (std::string_view rule = rule_for(component); !rule.empty()) return rule;
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return {};
}

bool refuse_hidden(std::string_view request_path, std::string_view real_file, std::string_view real_root) {
  std::string_view rule = default_hide_rule(request_path);
  // Only the part below the root: a root that itself lies under ".env-sites/" hides nothing.
  if (rule.empty() && is_inside(real_root, real_file) && real_file.size() > real_root.size())
    rule = default_hide_rule(real_file.substr(real_root == "/" ? 0 : real_root.size()));
  if (rule.empty()) return false;
  log::debug("http.file_server", "not serving a hidden path (hide_defaults)",
             {{"path", std::string(request_path)}, {"rule", std::string(rule)}});
  return true;
}

}  // namespace pogo::server

#include "server/routes/route.h"

namespace pogo::server {

std::string strip_path_prefix(std::string_view path, std::string_view prefix) {
  if (prefix.empty() || path.size() < prefix.size() || !header_name_equals(path.substr(0, prefix.size()), prefix))
    return std::string(path);
  std::string rest(path.substr(prefix.size()));
  if (rest.empty() || rest[0] != '/') rest.insert(rest.begin(), '/');
  return rest;
}

std::optional<Action> Route::handle(Request& r) const {
  if (!strip_prefix.empty()) r.head.path = strip_path_prefix(r.head.path, strip_prefix);
  std::vector<const std::string*> done;  // groups that already had their match
  for (const Step& s : steps) {
    if (!s.group.empty()) {
      bool taken = false;
      for (const auto* g : done) taken = taken || *g == s.group;
      if (taken) continue;
    }
    if (!s.matcher.matches(r)) continue;
    if (!s.group.empty()) done.push_back(&s.group);
    if (auto a = s.handler->handle(r)) return a;
  }
  return std::nullopt;
}

}  // namespace pogo::server

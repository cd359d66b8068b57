#include "server/routes/route.h"

#include <algorithm>

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
  // Groups that already had their match: a route has a handful, so a small array on the stack,
  // spilling to the heap only past it.
  constexpr size_t kInline = 16;
  const std::string* inline_done[kInline];
  size_t n_done = 0;
  std::vector<const std::string*> more;
  auto taken = [&](const std::string& group) {
    for (size_t i = 0; i < std::min(n_done, kInline); ++i)
      if (*inline_done[i] == group) return true;
    for (const auto* g : more)
      if (*g == group) return true;
    return false;
  };
  for (const Step& s : steps) {
    if (!s.group.empty() && taken(s.group)) continue;
    if (!s.matcher.matches(r)) continue;
    if (!s.group.empty()) {
      if (n_done < kInline) inline_done[n_done] = &s.group;
      else more.push_back(&s.group);
      ++n_done;
    }
    if (auto a = s.handler->handle(r)) return a;
  }
  return std::nullopt;
}

}  // namespace pogo::server

// A Route is a list of handlers, each behind its matcher: a site's chain, or the block of a
// `route`, `handle` or `handle_path`. Handlers run in order until one answers. Handlers sharing a
// group (handle, handle_path) are mutually exclusive: only the first whose matcher matches runs.
// handle_path strips its prefix from the path before its handlers run.
//
// Threads: built on the main thread; handle() on any loop thread concurrently.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "server/routes/matcher.h"
#include "server/routes/site.h"

namespace pogo::server {

struct Step {
  Matcher matcher;
  std::unique_ptr<Handler> handler;
  std::string group;
};

class Route final : public Handler {
 public:
  std::vector<Step> steps;
  std::string strip_prefix;  // handle_path

  std::optional<Action> handle(Request& r) const override;
};

// Removes `prefix` from the start of `path` (ASCII case-insensitive); the result starts with '/'.
std::string strip_path_prefix(std::string_view path, std::string_view prefix);

}  // namespace pogo::server

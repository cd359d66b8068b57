// The `vulcain` directive's request side: what a request asks (its Preload and Fields selectors,
// from headers or query parameters) parsed into the selector tree that the core's transform
// (server/vulcain_filter.h) walks the response with.
//
// Threads: any; nothing here keeps state between calls.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/exchange.h"
#include "server/vulcain_filter.h"

namespace pogo::server::vulcain {

// Selectors deeper than this are ignored: it bounds the recursion on the loop thread.
constexpr size_t kMaxSelectorDepth = 64;

// The selectors of a Structured Field list (RFC 8941): its string members, in order. A member that
// is not a string is ignored, except a bare token starting with '/' (what `curl -H 'Preload:
// /author'` sends), taken as the pointer it spells. Parameters are accepted and ignored.
std::vector<std::string> parse_selector_list(std::string_view list);

// Adds one pointer to the tree (a `preload` or a `fields` selector). "" and "/" select nothing.
void add_pointer(Node& root, std::string_view pointer, bool fields);

// nullopt when the request carries no Vulcain directive (header or query parameter) at all. The
// headers win over the query parameters, as in Caddy's module. `query` is the raw query string.
std::optional<Directives> request_directives(const RequestHead& head);

}  // namespace pogo::server::vulcain

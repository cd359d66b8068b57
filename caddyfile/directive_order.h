// Caddy runs a site's handler directives in a fixed order, not in written order (except inside
// `route`). This is that order (with FrankenPHP's php and php_server before file_server), the
// `order` global option that edits it, and the sort.
#pragma once

#include <string>
#include <vector>

#include "caddyfile/config.h"
#include "caddyfile/parser.h"

namespace caddyfile {

const std::vector<std::string>& default_directive_order();
bool is_known_directive(const std::string& name);  // in the order list: Caddy's and FrankenPHP's

// `order DIR first|last|before OTHER|after OTHER`.
void apply_order_option(const Segment& seg, std::vector<std::string>& order);

// Stable sort into `order`; directives of one name go most specific path first, then those with
// any matcher, then those without. handle_path ranks as handle, so the two sort together.
void sort_handlers(std::vector<Handler>& handlers, const std::vector<std::string>& order,
                   const std::vector<NamedMatcher>& matchers);

}  // namespace caddyfile

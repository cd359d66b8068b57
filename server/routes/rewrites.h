// Handlers that change the request's URI and pass (rewrite, uri, try_files), or answer with a
// redirect (redir). The URI functions are pure so they are tested on their own.
//
// Threads: built on the main thread; handle() on any loop thread concurrently.
#pragma once

#include <memory>
#include <regex>
#include <string>

#include "caddyfile/config.h"
#include "server/routes/site.h"

namespace pogo::server {

// Caddy's rewrite: `target` (placeholders already resolved) replaces the path when it has one and
// the query when it has a '?'. False when the target's path cannot be decoded.
bool apply_rewrite(std::string_view target, RequestHead& h);

// `uri` operations on a path.
std::string strip_prefix_op(std::string_view path, std::string_view prefix);  // case-sensitive
std::string strip_suffix_op(std::string_view path, std::string_view suffix);
std::string replace_op(std::string_view path, std::string_view find, std::string_view with, int limit);  // limit <= 0: all

// `uri query`: "-key" deletes, "key>new" renames, "+key value" adds, "key value" sets (values
// placeholder-resolved by the caller, then query-escaped). False for an operation it does not know.
bool apply_query_op(std::string& query, const std::vector<std::string>& args);

// `uri path_regexp` (replacement may use $1) — throws std::runtime_error on a bad regexp.
struct PathRegexpOp {
  std::regex re;
  std::string replacement;
};
PathRegexpOp make_path_regexp_op(const std::string& pattern, const std::string& replacement);

// The body Caddy's `redir ... html` answers with.
std::string html_redirect_body(std::string_view to);

std::unique_ptr<Handler> make_rewrite_handler(std::string to);
// method: the request's method from here on (matchers, the backend, the proxy's upstream request).
std::unique_ptr<Handler> make_method_handler(std::string method);
// Throws std::runtime_error for what cannot be honoured (a `uri query` operation it does not know).
std::unique_ptr<Handler> make_uri_handler(const caddyfile::UriSpec& spec);
std::unique_ptr<Handler> make_try_files_handler(caddyfile::TryFilesSpec spec);
std::unique_ptr<Handler> make_redir_handler(caddyfile::RedirSpec spec);

}  // namespace pogo::server

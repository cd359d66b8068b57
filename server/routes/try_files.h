// try_files semantics, shared by the `try_files` directive, the `file` matcher and php_server:
// each candidate (placeholders resolved) is looked up under the root; a candidate ending in "/"
// must be a directory, any other a regular file; with split_path, "/a.php/rest" looks up
// "/a.php" and keeps "/rest" as the remainder; `=404` style candidates answer with a status.
// Candidates never leave the root (path_safety's cleaning and realpath check).
//
// Threads: the loop thread (stat on the file system).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "server/request.h"
#include "server/routes/placeholders.h"

namespace pogo::server {

struct FileMatch {
  std::string relative;   // the candidate's path, cleaned, starting with "/" (without the remainder)
  std::string absolute;   // root + relative
  std::string remainder;  // after the split_path delimiter
  std::string query;      // the candidate's "?query" part when it had one (without '?')
  bool has_query = false;
  int status = 0;         // a "=NNN" candidate
};

struct TryFilesOptions {
  std::vector<Template> files;
  std::string policy = "first_exist";  // first_exist first_exist_fallback smallest_size largest_size most_recently_modified
  std::vector<std::string> split_path;
  Template root;  // empty = the request's root
};

// The match, or nullptr. It lives in the loop thread's buffers (kept across calls, so a warm lookup
// allocates nothing) and is valid until the next try_files() on this thread: use it at once.
const FileMatch* try_files(const TryFilesOptions& o, Request& r);

// Sets {http.matchers.file.relative|absolute|remainder|type} (copied into the request's buffers).
void set_file_match_placeholders(const FileMatch& m, Request& r);

// The position just after the first delimiter in `path` that ends the path or a segment
// (ASCII case-insensitive), or npos.
size_t split_position(std::string_view path, const std::vector<std::string>& delimiters);

// realpath(root), remembered per loop thread: roots are resolved once, as FrankenPHP resolves
// them when the configuration is loaded. nullptr when the root does not exist (not remembered).
// The string lives as long as the thread (entries are never removed; past a bound, new roots are
// resolved each time into a per-thread buffer, valid until the next call).
const std::string* real_root(std::string_view root);

// The root a handler uses: its own (placeholders resolved), else the request's, made absolute
// against the current directory, without a trailing slash. A view of the request's root when it
// needs no change, else of `scratch`.
std::string_view effective_root(const Template& own, const Request& r, std::string& scratch);

}  // namespace pogo::server

// A file-watching pattern as FrankenPHP's `watch` takes it: a path that ends in a shell glob,
// split into the directory to watch and the glob that paths under it must match.
//
//   /app                      a plain directory: everything under it, at any depth
//   /app/*.php                files of /app ending in .php (not deeper)
//   /app/**/*.php             .php files in /app and in every directory below it
//   /app/**/*.{php,twig}      brace sets: any of the alternatives (several sets, nested ones too)
//   ./**/*.{env,php,twig,yaml,yml}   FrankenPHP's default, relative to the base directory
//   /etc/pogo/Caddyfile       one file: a path that is not a directory matches only itself
//
// The split is FrankenPHP's: the directory ends before the first component holding a glob
// character (`*`, `?`, `[`, `{`), or before the last component when it names a file (has a dot).
// The directory's symlinks are resolved (events report real paths). In the glob, `*` is any run of
// characters but `/`, `?` one of them, `[a-z]`/`[^a-z]` a class, `\` escapes, and a `**`
// component any number of components, none included (Go's filepath.Match plus `**` and braces).
//
// Threads: plain values; any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pogo::server {

struct WatchPattern {
  std::string written;  // as given, for logs
  std::string dir;      // absolute, canonical when it exists, no trailing '/'
  std::string glob;     // relative to dir; "" = dir itself and everything under it
  bool recursive = false;  // subdirectories of dir must be watched too

  // Relative patterns start from `base_dir` ("" = the current directory). Throws
  // std::invalid_argument naming the pattern when its glob is malformed (an unclosed `[`).
  static WatchPattern parse(std::string_view pattern, const std::string& base_dir = {});
  // `path` absolute (as the watcher reports it).
  bool matches(std::string_view path) const;
  // Whether files under directory `path` could match (so the watcher watches it).
  bool covers_dir(std::string_view path) const;
};

// FrankenPHP's default `watch` pattern.
inline constexpr const char* kDefaultWatchPattern = "./**/*.{env,php,twig,yaml,yml}";

// The glob matcher itself, on a '/'-separated relative path. Malformed globs match nothing.
bool glob_match(std::string_view glob, std::string_view path);
// `a{b,c}d` -> {"abd", "acd"}; an unclosed `{` is literal.
std::vector<std::string> expand_braces(std::string_view glob);
// Whether a glob is well formed (every `[` closed, no trailing `\`).
bool glob_valid(std::string_view glob);

}  // namespace pogo::server

// Path safety: turning a request-target's path into a file-system path that can never leave the
// document root. The path is percent-decoded exactly once; NUL and control bytes are refused;
// backslashes are ordinary bytes (never separators: this is POSIX); "." and ".." segments are
// cleaned lexically so nothing climbs above "/"; and symlinks are resolved with realpath so one
// pointing outside the root is treated as missing.
//
// Threads: pure functions (the resolve_* ones read the file system); any thread.
#pragma once

#include <sys/stat.h>

#include <optional>
#include <string>
#include <string_view>

namespace pogo::server {

// Percent-decodes once. nullopt for a malformed escape ("%zz", "%4"), a NUL or another control
// byte (< 0x20 or 0x7f), decoded or raw.
std::optional<std::string> decode_path(std::string_view raw);
// The same into `out` (its capacity reused); false where the other gives nullopt.
bool decode_path(std::string_view raw, std::string& out);

// Lexical cleaning of a decoded path: always starts with '/', no "//", no "." or ".." segments,
// ".." at the top stays at the top. A trailing slash is kept ("/a/" stays "/a/", "/a/." -> "/a/").
std::string clean_path(std::string_view decoded);
void clean_path(std::string_view decoded, std::string& out);  // into `out`, which must not alias `decoded`

// decode_path + clean_path; nullopt when decoding fails.
std::optional<std::string> sanitize_path(std::string_view raw);
// Per request: into `out`, decoding in `scratch` (both keep their capacity); false on a bad escape.
bool sanitize_path(std::string_view raw, std::string& out, std::string& scratch);

// True when `real` equals `root` or lies below it (both absolute, no trailing slash on root
// except the root "/" itself).
bool is_inside(std::string_view root, std::string_view real);

// realpath(root + clean); nullopt when it does not exist or resolves outside `root` (which must
// itself be a realpath). `info`, when given, receives the stat of the target.
std::optional<std::string> resolve_inside_root(const std::string& root, std::string_view clean,
                                               struct stat* info = nullptr);

// True for names ending in ".php", ASCII case-insensitively.
bool has_php_extension(std::string_view path);

// Percent-encodes a decoded path for a Location header (keeps '/' and RFC 3986 unreserved and
// sub-delim characters).
std::string escape_path(std::string_view decoded);

// The path part of a request-target (origin-form "/a?b" or absolute-form "http://h/a?b"), and
// the query without '?'. The path is empty when the target has no path ("*", garbage).
void split_target(std::string_view target, std::string_view& path, std::string_view& query);

}  // namespace pogo::server

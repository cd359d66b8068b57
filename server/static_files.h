// Static file responses: given a request and a file inside the document root, decide status and
// headers — strong ETag from mtime and size (Caddy's format), Last-Modified, conditional requests
// (If-None-Match, then If-Modified-Since -> 304), a single Range -> 206 (If-Range honoured),
// unsatisfiable -> 416 — and open the file for the body. `.php` files are never served.
//
// The file's facts (stat, validators, type, and its content when small) come from the open-file
// cache (file_cache.h), so a warm hit, a HEAD, a Range or a 304 never touches the disk.
//
// Threads: the thread that owns `cache` (a loop thread with FileCache::local()); the body is read
// later, without blocking, by FileReader.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <string>

#include "server/exchange.h"
#include "server/file_cache.h"

namespace pogo::server {

struct StaticResponse {
  ResponseHead head;
  std::shared_ptr<const std::string> body;  // the whole file, in memory: send [offset, offset + length) of it
  int fd = -1;  // else, owned by the caller when >= 0: the file to stream
  uint64_t offset = 0;
  uint64_t length = 0;                     // body bytes to send from offset
  std::optional<uint64_t> content_length;  // for the Content-Length header (also on HEAD)
};

// `file`: absolute real path inside the root (from path_safety / the file cache).
StaticResponse plan_static_response(const RequestHead& req, const std::string& file,
                                    FileCache& cache = FileCache::local());

// A static head's header list, once the head is written: the next plan_static_response() on this
// thread fills it again in place (no allocation for a warm hit).
void recycle_static_headers(std::vector<Header>&& headers);
// The same for the path a file_server hands to the stream (ServeFile::file): taken empty with its
// capacity, given back once the file is planned.
std::string take_path_buffer();
void recycle_path_buffer(std::string&& path);

// The strong validator "<mtime ns base36><size base36>" in quotes.
std::string make_etag(const struct stat& st);

// True when the If-None-Match list matches `etag` (weak comparison, "*" matches).
bool etag_list_matches(std::string_view list, std::string_view etag);

}  // namespace pogo::server

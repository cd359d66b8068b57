// The open-file cache: what a static hit needs from the file system, remembered so that a warm hit
// costs no syscall before the write. Two tables:
//  - resolutions: (real root, cleaned path) -> the real path inside the root and its stat, or
//    "missing" (negative entries: a path that does not exist, or that leaves the root). This is
//    what path_safety's resolve_inside_root computes, and what try_files, the file matcher,
//    php_server and file_server ask for.
//  - files: real path -> a regular file's response facts (stat, ETag, Last-Modified, Content-Type)
//    and either its whole content (a small file, kept in memory under a total cap, least recently
//    used first out) or an open descriptor (a larger one, dup'ed for each response).
//
// Kept honest by revalidation rather than inotify: an entry older than `max_age` (1 s) is
// recomputed before use — a resolution is resolved again from scratch (so a symlink anywhere on
// the path that changed, a directory renamed or replaced, a file created after a negative entry
// are all seen), a file is re-stat'ed and reloaded when its identity (device, inode, size, mtime,
// ctime) changed (an edit in place, a rename over it) or dropped when it is gone. inotify would
// need a watch per directory on every path (and on every symlink target's directories), loses
// events under overflow and cannot see a file system it does not support; one stat per entry and
// second is cheap and has none of those holes.
//
// Threads: one thread per instance (no locks). FileCache::local() is the calling thread's own:
// each loop thread keeps its cache, so loops never contend and a small file is held once per loop.
#pragma once

#include <sys/stat.h>

#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace pogo::server {

// A regular file as a static response sees it. Immutable once made; a change on disk makes a new one.
struct CachedFile {
  std::string real;  // its real path
  struct stat st {};
  std::string etag;           // make_etag(st)
  std::string last_modified;  // HTTP date of st_mtim
  std::string_view content_type;
  std::shared_ptr<const std::string> body;  // the whole content when small, else null
  int fd = -1;                              // open descriptor when not in memory (owned)
  ~CachedFile();
  // A descriptor of the file for one response (the caller owns it), -1 on failure.
  int dup_fd() const;
};

class FileCache {
 public:
  struct Limits {
    uint64_t max_body = 64 << 10;        // files up to this size are kept in memory
    uint64_t max_bytes = 32 << 20;       // total of the bodies in memory
    size_t max_entries = 16384;          // resolutions; past it they start afresh
    size_t max_files = 2048;             // files, least recently used first out
    size_t max_open = 256;               // larger files whose descriptor stays open; others reopen
    std::chrono::milliseconds max_age{1000};
  };

  FileCache();
  explicit FileCache(Limits limits);
  FileCache(const FileCache&) = delete;
  FileCache& operator=(const FileCache&) = delete;

  // The calling thread's cache.
  static FileCache& local();

  // resolve_inside_root(root, clean, info) through the cache. `root` must be a real path. The real
  // path goes into `*real` when it is given (a buffer the caller keeps: a warm lookup allocates
  // nothing); false when there is no such path inside the root.
  bool resolve(const std::string& root, std::string_view clean, std::string* real = nullptr,
               struct stat* info = nullptr);
  // stat() of an absolute path through the cache (symlinks followed); false when it does not exist.
  bool stat(std::string_view absolute, struct stat* info);
  bool is_regular(std::string_view absolute);

  // The regular file at `real` (a real path), loaded or revalidated. Null when it is missing or not
  // a regular file; `error` then says why (ENOENT, EACCES, ...).
  std::shared_ptr<const CachedFile> file(const std::string& real, int* error = nullptr);

  // For tests and the report: bytes of file content held in memory, entries of each table.
  uint64_t body_bytes() const { return body_bytes_; }
  size_t resolutions() const { return resolved_.size(); }
  size_t files() const { return files_.size(); }
  size_t open_descriptors() const { return open_fds_; }
  const Limits& limits() const { return limits_; }

 private:
  struct Resolution {
    bool found = false;
    std::string real;
    struct stat st {};
    int64_t checked_ms = 0;
  };
  struct FileSlot {
    std::shared_ptr<const CachedFile> file;
    int64_t checked_ms = 0;
    std::list<std::string>::iterator lru;  // position in lru_ (front: most recent)
  };

  int64_t now_ms() const;
  bool fresh(int64_t checked_ms, int64_t now) const { return now - checked_ms < limits_.max_age.count(); }
  std::shared_ptr<const CachedFile> load(const std::string& real, int* error);
  void forget(std::unordered_map<std::string, FileSlot>::iterator it);
  void trim();

  Limits limits_;
  std::string key_;  // scratch: the resolutions' key, reused so a warm lookup does not allocate
  std::unordered_map<std::string, Resolution> resolved_;
  std::unordered_map<std::string, FileSlot> files_;
  std::list<std::string> lru_;  // real paths of files_, most recently used first
  uint64_t body_bytes_ = 0;
  size_t open_fds_ = 0;
};

}  // namespace pogo::server

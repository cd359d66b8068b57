// A FileWatcher calls back when files matching its patterns (watch_pattern.h) change: created,
// written, deleted, renamed, or touched. It watches with inotify on a thread of its own: every
// directory a pattern covers, recursively where the pattern needs it; a directory created (or
// moved in) later is watched as soon as it appears, and what it already holds by then counts as
// changed. Editors that save by writing a temporary file and renaming it over the original
// (vim, JetBrains, sed -i) are seen through the rename's destination. A pattern naming one file
// (the Caddyfile) is watched through its directory, so replacing the file is seen too.
//
// Changes are debounced as FrankenPHP does: the callback runs once the files have been quiet for
// kDebounce (150 ms), with every path that changed in the burst, so `git checkout` or a
// composer install is one callback, not thousands.
//
// A root that does not exist yet is skipped with a warning (FrankenPHP's watcher likewise only
// watches what is there when it starts).
//
// Threads: constructed and stopped on one owner thread (any); the callback runs on the watcher's
// own thread, never two at once; it must not call stop() or destroy the watcher.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/watch_pattern.h"

namespace pogo::server {

class FileWatcher {
 public:
  using Callback = std::function<void(const std::vector<std::string>& changed)>;
  static constexpr std::chrono::milliseconds kDebounce{150};

  // Watches are in place when the constructor returns (a change made afterwards is seen).
  // Relative patterns start from `base_dir` ("" = the current directory). Throws
  // std::invalid_argument for a malformed pattern, std::system_error when inotify is unavailable.
  FileWatcher(const std::vector<std::string>& patterns, Callback on_change, const std::string& base_dir = {},
              std::chrono::milliseconds debounce = kDebounce);
  ~FileWatcher();  // stop()
  FileWatcher(const FileWatcher&) = delete;
  FileWatcher& operator=(const FileWatcher&) = delete;

  // Ends the thread; a pending debounced callback is dropped. Idempotent.
  void stop();

  const std::vector<WatchPattern>& patterns() const { return patterns_; }
  size_t watched_dirs() const;  // for tests and logs
  uint64_t callbacks() const { return callbacks_.load(); }

 private:
  void add_tree(const std::string& dir, bool report, std::vector<std::string>* found);
  bool add_dir(const std::string& dir);
  bool wanted_dir(const std::string& dir) const;
  bool wanted_path(const std::string& path) const;
  void run();
  void read_events(std::vector<std::string>& pending);

  std::vector<WatchPattern> patterns_;
  Callback on_change_;
  const std::chrono::milliseconds debounce_;
  int inotify_ = -1;
  int wake_ = -1;  // eventfd: stop()
  mutable std::mutex mu_;
  std::map<int, std::string> dirs_;         // watch descriptor -> directory
  std::map<std::string, int> watched_;      // directory -> watch descriptor
  std::atomic<uint64_t> callbacks_{0};
  std::thread thread_;
};

}  // namespace pogo::server

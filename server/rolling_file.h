// A log file that rolls by size as Caddy's file writer does (lumberjack): when a line would take
// the file past max_bytes, the file is renamed to NAME-2006-01-02T15-04-05.000.EXT (UTC unless
// local_time) and a new one is started; then, in the background, backups beyond `keep` or older
// than `keep_days` (by the time in their name) are removed and the rest gzipped (NAME-....EXT.gz).
//
// Threads: constructed and destroyed on one thread (the main thread); write() from any thread at
// once: a mutex orders lines and the roll, and each line is a single write(2). Removing and
// compressing backups runs on the file's own thread, so a loop thread never gzips a file.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <ctime>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace pogo::server {

class RollingFile {
 public:
  struct Options {
    bool roll = true;  // false: append forever, as `roll_disabled`
    uint64_t max_bytes = 100ull << 20;
    int keep = 10;       // backups kept (0: all)
    int keep_days = 90;  // backups younger than this (0: any age)
    bool gzip = true;
    bool local_time = false;
  };

  // Creates the parent directories and opens (appends to) the file; throws std::runtime_error.
  RollingFile(std::string path, Options options);
  ~RollingFile();
  RollingFile(const RollingFile&) = delete;
  RollingFile& operator=(const RollingFile&) = delete;

  void write(std::string_view line);

  // Blocks until the background thread has finished with every roll so far (tests, shutdown).
  void wait_idle();

  // The backup name for a roll at `when` (ms since the epoch): lumberjack's naming.
  static std::string backup_name(const std::string& path, int64_t when_ms, bool local_time);

 private:
  void open_locked();
  void write_locked(std::string_view line);
  void roll_locked();
  void mill();  // the background thread's body
  void mill_once();

  const std::string path_;
  const Options options_;

  std::mutex mu_;  // guards fd_, size_, last_backup_ms_
  int fd_ = -1;
  uint64_t size_ = 0;
  int64_t last_backup_ms_ = 0;

  std::mutex mill_mu_;  // guards the three flags below
  std::condition_variable mill_cv_, idle_cv_;
  bool pending_ = false, busy_ = false, stop_ = false;
  std::thread mill_thread_;
};

}  // namespace pogo::server

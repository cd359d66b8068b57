#include "server/rolling_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <vector>

#include "server/log.h"

namespace pogo::server {

namespace fs = std::filesystem;

namespace {

constexpr const char* kTimeFormat = "%Y-%m-%dT%H-%M-%S";  // Go's 2006-01-02T15-04-05, then .000

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The file's name split as lumberjack splits it: "access" and ".log" for access.log.
std::pair<std::string, std::string> stem_ext(const std::string& path) {
  fs::path p(path);
  return {p.stem().string(), p.extension().string()};
}

// The time in a backup's name, as ms since the epoch read as UTC; -1 when the name is not one.
int64_t parse_stamp(std::string_view s) {
  tm t{};
  int ms = 0;
  if (s.size() != 23) return -1;
  std::string text(s);
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d-%2d-%2d.%3d", &t.tm_year, &t.tm_mon, &t.tm_mday, &t.tm_hour,
                  &t.tm_min, &t.tm_sec, &ms) != 7)
    return -1;
  t.tm_year -= 1900;
  t.tm_mon -= 1;
  return int64_t(timegm(&t)) * 1000 + ms;
}

// Backups of `path`: their time (from the name) -> names (the plain one and/or its .gz).
std::map<int64_t, std::vector<std::string>, std::greater<>> backups(const std::string& path) {
  std::map<int64_t, std::vector<std::string>, std::greater<>> out;
  auto [stem, ext] = stem_ext(path);
  fs::path dir = fs::path(path).parent_path();
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir.empty() ? "." : dir, ec)) {
    std::string name = e.path().filename().string();
    std::string_view n = name;
    if (n.size() > 3 && n.substr(n.size() - 3) == ".gz") n.remove_suffix(3);
    if (n.size() < stem.size() + 1 + ext.size() || n.substr(0, stem.size() + 1) != stem + "-" ||
        n.substr(n.size() - ext.size()) != ext)
      continue;
    int64_t when = parse_stamp(n.substr(stem.size() + 1, n.size() - stem.size() - 1 - ext.size()));
    if (when >= 0) out[when].push_back(e.path().string());
  }
  return out;
}

// gzip `src` into `src.gz` (through a temporary name, so a half-written .gz is never a backup).
bool gzip_file(const std::string& src) {
  std::string dst = src + ".gz", tmp = dst + ".tmp";
  int in = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return false;
  struct stat st{};
  fstat(in, &st);
  gzFile out = gzopen(tmp.c_str(), "wb");
  bool ok = out != nullptr;
  char buf[64 * 1024];
  while (ok) {
    ssize_t n = ::read(in, buf, sizeof buf);
    if (n < 0) ok = false;
    if (n <= 0) break;
    ok = gzwrite(out, buf, unsigned(n)) == int(n);
  }
  ::close(in);
  if (out && gzclose(out) != Z_OK) ok = false;
  if (ok) ::chmod(tmp.c_str(), st.st_mode & 07777);
  if (ok && ::rename(tmp.c_str(), dst.c_str()) == 0) return ::unlink(src.c_str()) == 0;
  ::unlink(tmp.c_str());
  return false;
}

}  // namespace

std::string RollingFile::backup_name(const std::string& path, int64_t when_ms, bool local_time) {
  time_t secs = time_t(when_ms / 1000);
  tm t{};
  if (local_time) localtime_r(&secs, &t);
  else gmtime_r(&secs, &t);
  char stamp[64];
  size_t n = std::strftime(stamp, sizeof stamp, kTimeFormat, &t);
  std::snprintf(stamp + n, sizeof stamp - n, ".%03d", int(when_ms % 1000));
  auto [stem, ext] = stem_ext(path);
  return (fs::path(path).parent_path() / (stem + "-" + stamp + ext)).string();
}

RollingFile::RollingFile(std::string path, Options options) : path_(std::move(path)), options_(options) {
  fs::path dir = fs::path(path_).parent_path();
  std::error_code ec;
  if (!dir.empty()) fs::create_directories(dir, ec);  // as Caddy, which creates the log's directory
  std::lock_guard lock(mu_);
  open_locked();
  if (options_.roll) mill_thread_ = std::thread([this] { mill(); });
}

RollingFile::~RollingFile() {
  if (mill_thread_.joinable()) {
    {
      std::lock_guard lock(mill_mu_);
      stop_ = true;
    }
    mill_cv_.notify_all();
    mill_thread_.join();
  }
  if (fd_ >= 0) ::close(fd_);
}

void RollingFile::open_locked() {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error("log output file " + path_ + ": " + std::strerror(errno));
  struct stat st{};
  size_ = fstat(fd_, &st) == 0 ? uint64_t(st.st_size) : 0;
}

void RollingFile::write(std::string_view line) {
  std::string failure;
  {
    std::lock_guard lock(mu_);
    if (options_.roll && size_ > 0 && size_ + line.size() > options_.max_bytes) {
      try {
        roll_locked();
      } catch (const std::exception& e) {  // keep logging to whatever is open
        failure = e.what();
      }
    }
    write_locked(line);
  }
  // Outside the lock: the default logger may be writing into this very file.
  if (!failure.empty()) log::error("log", "rolling the log file failed", {{"file", path_}, {"error", failure}});
}

void RollingFile::write_locked(std::string_view line) {
  if (fd_ < 0) return;
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    p += n;
    left -= size_t(n);
    size_ += uint64_t(n);
  }
}

void RollingFile::roll_locked() {
  // Two rolls in one millisecond would share a name: the later one takes the next free millisecond.
  int64_t when = std::max(now_ms(), last_backup_ms_ + 1);
  std::string backup = backup_name(path_, when, options_.local_time);
  for (std::error_code ec; fs::exists(backup, ec) || fs::exists(backup + ".gz", ec);)
    backup = backup_name(path_, ++when, options_.local_time);
  last_backup_ms_ = when;
  ::close(fd_);
  fd_ = -1;
  if (::rename(path_.c_str(), backup.c_str()) != 0) {
    int err = errno;
    open_locked();
    throw std::runtime_error("rename to " + backup + ": " + std::strerror(err));
  }
  open_locked();
  {
    std::lock_guard lock(mill_mu_);
    pending_ = true;
  }
  mill_cv_.notify_one();
}

void RollingFile::mill() {
  std::unique_lock lock(mill_mu_);
  while (true) {
    mill_cv_.wait(lock, [this] { return pending_ || stop_; });
    if (!pending_) return;  // stopping with nothing left to do
    pending_ = false;
    busy_ = true;
    lock.unlock();
    try {
      mill_once();
    } catch (const std::exception& e) {
      log::error("log", "removing or compressing old log files failed", {{"file", path_}, {"error", e.what()}});
    }
    lock.lock();
    busy_ = false;
    idle_cv_.notify_all();
  }
}

void RollingFile::mill_once() {
  auto found = backups(path_);
  int64_t cutoff = -1;
  if (options_.keep_days > 0) {
    int64_t now = now_ms();
    if (options_.local_time) {  // names carry local time: compare in the same clock
      time_t secs = time_t(now / 1000);
      tm t{};
      localtime_r(&secs, &t);
      now = int64_t(timegm(&t)) * 1000 + now % 1000;
    }
    cutoff = now - int64_t(options_.keep_days) * 24 * 3600 * 1000;
  }
  int kept = 0;
  for (const auto& [when, names] : found) {  // newest first
    bool remove = (options_.keep > 0 && kept >= options_.keep) || (cutoff >= 0 && when < cutoff);
    if (!remove) ++kept;
    for (const std::string& n : names) {
      if (remove) ::unlink(n.c_str());
      else if (options_.gzip && n.size() > 3 && n.compare(n.size() - 3, 3, ".gz") != 0 &&
               std::find(names.begin(), names.end(), n + ".gz") == names.end())
        gzip_file(n);
    }
  }
}

void RollingFile::wait_idle() {
  std::unique_lock lock(mill_mu_);
  idle_cv_.wait(lock, [this] { return !pending_ && !busy_; });
}

}  // namespace pogo::server

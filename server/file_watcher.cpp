#include "server/file_watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "server/log.h"

namespace pogo::server {

namespace fs = std::filesystem;

namespace {

constexpr uint32_t kMask = IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO |
                           IN_ATTRIB | IN_ONLYDIR;

bool is_dir(const std::string& p) {
  std::error_code ec;
  return fs::is_directory(fs::symlink_status(p, ec)) && !ec;
}

bool under(const std::string& path, const std::string& dir) {
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/');
}

}  // namespace

FileWatcher::FileWatcher(const std::vector<std::string>& patterns, Callback on_change, const std::string& base_dir,
                         std::chrono::milliseconds debounce)
    : on_change_(std::move(on_change)), debounce_(debounce) {
  for (const std::string& p : patterns) patterns_.push_back(WatchPattern::parse(p, base_dir));
  inotify_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_ < 0) throw std::system_error(errno, std::generic_category(), "inotify_init1");
  wake_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_ < 0) {
    int err = errno;
    ::close(inotify_);
    throw std::system_error(err, std::generic_category(), "eventfd");
  }
  for (const WatchPattern& p : patterns_) {
    std::string root = p.dir;
    if (!is_dir(root)) root = fs::path(root).parent_path().string();  // one file: its directory
    if (!is_dir(root)) {
      log::warn("watcher", "not watching: no such directory", {{"pattern", p.written}, {"dir", root}});
      continue;
    }
    if (p.recursive && root == p.dir) add_tree(root, false, nullptr);
    else add_dir(root);
    log::debug("watcher", "watching", {{"pattern", p.written}, {"dir", p.dir}, {"glob", p.glob}});
  }
  thread_ = std::thread([this] { run(); });
}

FileWatcher::~FileWatcher() {
  stop();
  if (inotify_ >= 0) ::close(inotify_);
  if (wake_ >= 0) ::close(wake_);
}

void FileWatcher::stop() {
  if (!thread_.joinable()) return;
  uint64_t one = 1;
  (void)!::write(wake_, &one, sizeof one);
  thread_.join();
}

size_t FileWatcher::watched_dirs() const {
  std::lock_guard lk(mu_);
  return watched_.size();
}

bool FileWatcher::wanted_dir(const std::string& dir) const {
  return std::any_of(patterns_.begin(), patterns_.end(), [&](const WatchPattern& p) { return p.covers_dir(dir); });
}

bool FileWatcher::wanted_path(const std::string& path) const {
  return std::any_of(patterns_.begin(), patterns_.end(), [&](const WatchPattern& p) { return p.matches(path); });
}

bool FileWatcher::add_dir(const std::string& dir) {
  int wd = inotify_add_watch(inotify_, dir.c_str(), kMask);
  if (wd < 0) {
    if (errno == ENOSPC)
      log::warn("watcher", "inotify watch limit reached; raise fs.inotify.max_user_watches", {{"dir", dir}});
    else if (errno != ENOENT && errno != ENOTDIR)
      log::warn("watcher", "cannot watch directory", {{"dir", dir}, {"error", std::strerror(errno)}});
    return false;
  }
  std::lock_guard lk(mu_);
  if (auto old = dirs_.find(wd); old != dirs_.end()) watched_.erase(old->second);
  dirs_[wd] = dir;
  watched_[dir] = wd;
  return true;
}

// Watches `dir` and the directories below it that a pattern covers. With `report`, the files
// already there are changes (they appeared before their directory's watch was in place).
void FileWatcher::add_tree(const std::string& dir, bool report, std::vector<std::string>* found) {
  if (!add_dir(dir)) return;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::string path = it->path().string();
    bool directory = it->is_directory(ec) && !it->is_symlink(ec);
    if (directory) {
      if (wanted_dir(path)) add_dir(path);
      else it.disable_recursion_pending();
    }
    if (report && found && wanted_path(path)) found->push_back(path);
  }
}

void FileWatcher::read_events(std::vector<std::string>& pending) {
  alignas(inotify_event) char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(inotify_, buf, sizeof buf);
    if (n <= 0) return;  // EAGAIN: drained
    for (char* p = buf; p < buf + n;) {
      auto* ev = reinterpret_cast<inotify_event*>(p);
      p += sizeof(inotify_event) + ev->len;
      if (ev->mask & IN_Q_OVERFLOW) {  // events were lost: everything may have changed
        for (const WatchPattern& w : patterns_) pending.push_back(w.dir);
        continue;
      }
      std::string dir;
      {
        std::lock_guard lk(mu_);
        auto d = dirs_.find(ev->wd);
        if (d == dirs_.end()) continue;
        dir = d->second;
        if (ev->mask & IN_IGNORED) {  // its directory is gone
          watched_.erase(dir);
          dirs_.erase(d);
          continue;
        }
      }
      if (ev->len == 0) continue;
      std::string path = dir + "/" + ev->name;  // name is NUL-terminated within len
      if (ev->mask & IN_ISDIR) {
        if (ev->mask & IN_MOVED_FROM) {  // its watches would report the old paths: drop them
          std::lock_guard lk(mu_);
          for (auto it = watched_.begin(); it != watched_.end();) {
            if (!under(it->first, path)) {
              ++it;
              continue;
            }
            inotify_rm_watch(inotify_, it->second);
            dirs_.erase(it->second);
            it = watched_.erase(it);
          }
        } else if ((ev->mask & (IN_CREATE | IN_MOVED_TO)) && wanted_dir(path)) {
          add_tree(path, true, &pending);
        }
      }
      if (wanted_path(path)) pending.push_back(path);
    }
  }
}

void FileWatcher::run() {
  using Clock = std::chrono::steady_clock;
  std::vector<std::string> pending;
  Clock::time_point deadline{};
  for (;;) {
    int timeout = -1;
    if (!pending.empty()) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
      timeout = int(std::max<long long>(0, left));
    }
    pollfd fds[2] = {{inotify_, POLLIN, 0}, {wake_, POLLIN, 0}};
    int rc = ::poll(fds, 2, timeout);
    if (rc < 0 && errno != EINTR) {
      log::error("watcher", "poll failed; no longer watching", {{"error", std::strerror(errno)}});
      return;
    }
    if (fds[1].revents) return;
    if (rc > 0 && fds[0].revents) {
      size_t before = pending.size();
      read_events(pending);
      if (pending.size() != before) deadline = Clock::now() + debounce_;  // quiet for debounce_ first
      continue;
    }
    if (pending.empty() || Clock::now() < deadline) continue;
    std::sort(pending.begin(), pending.end());
    pending.erase(std::unique(pending.begin(), pending.end()), pending.end());
    log::info("watcher", "filesystem changes detected", {{"files", pending.size()}, {"first", pending.front()}});
    try {
      on_change_(pending);
    } catch (const std::exception& e) {
      log::error("watcher", "change callback failed", {{"error", e.what()}});
    }
    callbacks_.fetch_add(1);
    pending.clear();
  }
}

}  // namespace pogo::server

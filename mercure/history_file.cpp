#include "mercure/history_file.h"

#include "mercure/crc32.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pogo::mercure {

namespace {

constexpr std::string_view kMagic = "POGOMH01";
constexpr size_t kRecordHeader = 8;           // length + CRC
constexpr uint32_t kMaxPayload = 256u << 20;  // larger than any update a hub accepts: corruption

void put_u32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i) & 0xff));
}
void put_u64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i) & 0xff));
}
void put_str(std::string* out, std::string_view s) {
  put_u32(out, static_cast<uint32_t>(s.size()));
  out->append(s);
}

uint64_t get_le(std::string_view s, size_t pos, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t{static_cast<unsigned char>(s[pos + i])} << (8 * i);
  return v;
}

// Reads the payload's fields in order; every read checks the bounds.
class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}
  bool u8(uint8_t* v) {
    if (s_.size() - pos_ < 1) return false;
    *v = static_cast<uint8_t>(s_[pos_++]);
    return true;
  }
  bool u32(uint32_t* v) {
    if (s_.size() - pos_ < 4) return false;
    *v = static_cast<uint32_t>(get_le(s_, pos_, 4));
    pos_ += 4;
    return true;
  }
  bool u64(uint64_t* v) {
    if (s_.size() - pos_ < 8) return false;
    *v = get_le(s_, pos_, 8);
    pos_ += 8;
    return true;
  }
  bool str(std::string* v) {
    uint32_t n = 0;
    if (!u32(&n) || s_.size() - pos_ < n) return false;
    v->assign(s_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  bool done() const { return pos_ == s_.size(); }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string errno_text(const std::string& path, const char* what) {
  return path + ": " + what + ": " + std::strerror(errno);
}

}  // namespace

std::string FileHistory::encode(const Update& u) {
  std::string payload;
  payload.reserve(u.approx_size() + 32);
  payload.push_back(static_cast<char>(u.is_private ? 1 : 0));
  put_u64(&payload, u.retry);
  put_str(&payload, u.id);
  put_str(&payload, u.type);
  put_u32(&payload, static_cast<uint32_t>(u.topics.size()));
  for (const auto& t : u.topics) put_str(&payload, t);
  put_str(&payload, u.data);
  std::string record;
  record.reserve(kRecordHeader + payload.size());
  put_u32(&record, static_cast<uint32_t>(payload.size()));
  put_u32(&record, crc32(payload));
  record += payload;
  return record;
}

bool FileHistory::decode(std::string_view payload, Update* out) {
  Reader r(payload);
  uint8_t flags = 0;
  uint32_t topics = 0;
  if (!r.u8(&flags) || flags > 1 || !r.u64(&out->retry) || !r.str(&out->id) || !r.str(&out->type) ||
      !r.u32(&topics) || topics > payload.size())
    return false;
  out->is_private = flags & 1;
  out->topics.resize(topics);
  for (auto& t : out->topics)
    if (!r.str(&t)) return false;
  return r.str(&out->data) && r.done();
}

FileHistory::FileHistory(const Options& options, int fd, size_t file_bytes)
    : History(options.budget_bytes, options.max_count), options_(options), fd_(fd), file_bytes_(file_bytes) {}

FileHistory::~FileHistory() {
  if (fd_ >= 0) {
    ::fsync(fd_);
    ::close(fd_);
  }
}

std::unique_ptr<FileHistory> FileHistory::open(const Options& options, std::string* error, LoadStats* stats) {
  const std::string& path = options.path;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = errno_text(path, "cannot open the history file");
    return nullptr;
  }
  auto fail = [&](std::string why) {
    *error = std::move(why);
    ::close(fd);
    return nullptr;
  };
  std::string content;
  for (char buf[65536];;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(errno_text(path, "cannot read the history file"));
    if (n == 0) break;
    content.append(buf, static_cast<size_t>(n));
  }
  // Empty, or cut short while it was being created: (re)start it.
  if (content.size() < kMagic.size() && kMagic.substr(0, content.size()) == content) {
    if (!content.empty() && ::ftruncate(fd, 0) != 0) return fail(errno_text(path, "cannot truncate the history file"));
    if (!write_all(fd, kMagic) || ::fsync(fd) != 0) return fail(errno_text(path, "cannot write the history file"));
    content = std::string(kMagic);
  } else if (content.size() < kMagic.size() || content.compare(0, kMagic.size(), kMagic) != 0) {
    return fail(path + ": not a Pogo Mercure history file (its first bytes are not " + std::string(kMagic) + ")");
  }

  std::unique_ptr<FileHistory> h(new FileHistory(options, fd, content.size()));
  LoadStats local;
  size_t pos = kMagic.size();
  const std::string_view view = content;
  while (view.size() - pos >= kRecordHeader) {
    const auto len = static_cast<uint32_t>(get_le(view, pos, 4));
    const auto crc = static_cast<uint32_t>(get_le(view, pos + 4, 4));
    if (len > kMaxPayload || view.size() - pos - kRecordHeader < len) break;
    const std::string_view payload = view.substr(pos + kRecordHeader, len);
    auto u = std::make_shared<Update>();
    if (crc32(payload) != crc || !decode(payload, u.get())) break;
    h->History::append(std::move(u), nullptr);
    ++local.records;
    pos += kRecordHeader + len;
  }
  if (pos < content.size()) {
    local.dropped_bytes = content.size() - pos;
    if (::ftruncate(fd, static_cast<off_t>(pos)) != 0)
      return (h->fd_ = -1, fail(errno_text(path, "cannot truncate the torn end of the history file")));
    h->file_bytes_ = pos;
  }
  if (stats) *stats = local;
  return h;
}

uint64_t FileHistory::append(std::shared_ptr<const Update> u, std::string* persist_error) {
  std::lock_guard lock(file_mu_);
  const std::string record = encode(*u);
  std::string error;
  if (fd_ < 0) {
    error = options_.path + ": the history file is closed after an earlier failure";
  } else if (!write_all(fd_, record)) {
    error = errno_text(options_.path, "cannot append to the history file");
    // A partial record is a torn tail: cut it so later appends stay readable.
    if (::ftruncate(fd_, static_cast<off_t>(file_bytes_)) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  } else {
    file_bytes_ += record.size();
  }
  const uint64_t seq = History::append(std::move(u), nullptr);
  if (error.empty() && file_bytes_ > options_.max_file_bytes) compact(&error);
  if (!error.empty() && persist_error) *persist_error = std::move(error);
  return seq;
}

bool FileHistory::compact(std::string* error) {
  // The newest kept updates within half the limit, oldest first.
  const auto kept = snapshot();
  std::vector<std::string> records;
  size_t total = kMagic.size();
  for (auto it = kept.rbegin(); it != kept.rend(); ++it) {
    std::string rec = encode(**it);
    if (total + rec.size() > options_.max_file_bytes / 2) break;
    total += rec.size();
    records.push_back(std::move(rec));
  }
  const std::string tmp = options_.path + ".compacting";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = errno_text(tmp, "cannot create the compacted history file");
    return false;
  }
  bool ok = write_all(fd, kMagic);
  for (auto it = records.rbegin(); ok && it != records.rend(); ++it) ok = write_all(fd, *it);
  ok = ok && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), options_.path.c_str()) != 0) {
    *error = errno_text(tmp, "cannot write the compacted history file");
    ::unlink(tmp.c_str());
    return false;
  }
  // The rename is durable once the directory is synced.
  const size_t slash = options_.path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : options_.path.substr(0, slash);
  if (int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  const int nfd = ::open(options_.path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
  if (nfd < 0) {
    *error = errno_text(options_.path, "cannot reopen the compacted history file");
    ::close(fd_);
    fd_ = -1;
    return false;
  }
  ::close(fd_);
  fd_ = nfd;
  file_bytes_ = total;
  ++compactions_;
  return true;
}

size_t FileHistory::file_bytes() const {
  std::lock_guard lock(file_mu_);
  return file_bytes_;
}

size_t FileHistory::compactions() const {
  std::lock_guard lock(file_mu_);
  return compactions_;
}

}  // namespace pogo::mercure

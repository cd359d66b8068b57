// A History that survives restarts: every update is also appended to a file in Pogo's own format,
// read back into memory when the hub starts (the `transport bolt { path ... }` / `transport_url`
// options map here; Pogo does not read BoltDB files).
//
// The file: an 8-byte magic "POGOMH01", then records, each a little-endian u32 payload length, a
// u32 CRC-32 of the payload, and the payload (the update: u8 flags (bit 0: private), u64 retry,
// then id, type, u32 topic count, the topics and the data, each string a u32 length and its
// bytes). Appends are written at once (a process crash loses nothing written), flushed to disk
// only on compaction and close (a machine crash may lose the last ones). On open, a record cut
// short or failing its CRC ends the readable file: it and everything after it are truncated away
// (a torn tail after a crash), and the count of bytes dropped is reported.
//
// Compaction: when the file grows past `max_file_bytes`, it is rewritten (temporary file, fsync,
// rename) with the newest kept updates that fit in half of it, so appends run for a while before
// the next rewrite. Replays are served from memory, exactly as History does.
//
// Threads: as History, internally locked; any thread may call any method. Appends serialize on
// the file (one write per update).
#pragma once

#include "mercure/history.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace pogo::mercure {

class FileHistory : public History {
 public:
  struct Options {
    std::string path;
    size_t budget_bytes = 1 << 20;       // in memory, as History's
    size_t max_file_bytes = 16u << 20;   // compaction threshold
    size_t max_count = 0;                // updates kept, as History's (0: no count limit)
  };
  struct LoadStats {
    size_t records = 0;         // read back from the file (before the memory budget applies)
    size_t dropped_bytes = 0;   // a torn or corrupt tail, truncated away
  };

  // Opens (creating it if absent) and loads the file. nullptr and `*error` ("path: what") when it
  // cannot be created, read or written, or is not a history file (wrong magic: never overwritten).
  static std::unique_ptr<FileHistory> open(const Options& options, std::string* error, LoadStats* stats = nullptr);
  ~FileHistory() override;

  uint64_t append(std::shared_ptr<const Update> u, std::string* persist_error) override;

  size_t file_bytes() const;
  size_t compactions() const;

  // The record for one update, and its inverse (false on a payload that does not decode).
  static std::string encode(const Update& u);
  static bool decode(std::string_view payload, Update* out);

 private:
  FileHistory(const Options& options, int fd, size_t file_bytes);
  bool compact(std::string* error);  // with file_mu_ held

  const Options options_;
  mutable std::mutex file_mu_;
  int fd_;
  size_t file_bytes_;
  size_t compactions_ = 0;
};

}  // namespace pogo::mercure

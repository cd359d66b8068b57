// The hub's history: the recent updates, kept so that a subscriber reconnecting with a
// Last-Event-ID (header, or the `lastEventID`/`last_event_id` query parameter) receives what it
// missed.
//
// Memory is bounded by an approximate byte budget (the `cache_size_approx` option): the oldest
// updates go first; an update larger than the whole budget is dispatched but not kept. Lookups go
// through an index by id, so a reconnection costs the updates it replays, not the history's length.
// Replay follows the reference hub:
//  - `earliest`: every update kept, cursor `earliest`;
//  - a known id: the updates after its earliest occurrence, cursor = that id;
//  - an unknown (or evicted) id: nothing, cursor `earliest` (it tells the subscriber to re-fetch).
// The cursor is the `Mercure-Last-Event-ID` response header. Updates are filtered by the caller's
// matcher (the subscriber's rights are re-evaluated at replay time, as the spec requires).
//
// Sequence numbers order the updates. The hub adds a subscriber to its live list, reads
// last_seq(), and replays up to that number: an update published in between arrives once, live.
//
// Threads: internally locked; any thread may call any method (the hub appends from PHP threads and
// loop threads, replays on loop threads). The matcher passed to after() runs under the lock: it
// must not call back into the history.
#pragma once

#include "mercure/update.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pogo::mercure {

class History {
 public:
  // `max_count`: updates kept at most (the bolt transport's `size`), 0 for the byte budget alone.
  explicit History(size_t budget_bytes, size_t max_count = 0) : budget_(budget_bytes), max_count_(max_count) {}
  virtual ~History() = default;
  History(const History&) = delete;
  History& operator=(const History&) = delete;

  // Keeps `u` (which has its id) as the newest update and returns its sequence number. A
  // persistent history reports a failure to persist in `*persist_error` (the update is still kept
  // in memory and dispatched); the in-memory one never does.
  virtual uint64_t append(std::shared_ptr<const Update> u, std::string* persist_error);

  struct Replay {
    bool found = false;           // the id was `earliest` or was in the history
    std::string cursor;           // the Mercure-Last-Event-ID value
    std::vector<std::shared_ptr<const Update>> updates;  // oldest first, already filtered
  };
  // The updates after `last_event_id` (see above) with a sequence number <= up_to, that `match`
  // accepts.
  Replay after(std::string_view last_event_id, const std::function<bool(const Update&)>& match,
               uint64_t up_to = std::numeric_limits<uint64_t>::max()) const;

  // The newest update's id, or `earliest` when the history is empty (the Link header's
  // last-event-id, the subscriptions API's lastEventID).
  std::string last_event_id() const;
  // The newest sequence number handed out (0 before the first append).
  uint64_t last_seq() const;
  size_t size() const;
  size_t bytes() const;
  // The kept updates, oldest first (what a persistent history compacts to).
  std::vector<std::shared_ptr<const Update>> snapshot() const;

 private:
  struct Entry {
    uint64_t seq;
    size_t bytes;
    std::shared_ptr<const Update> update;
  };
  struct IdInfo {
    uint64_t first_seq;  // the earliest kept update with this id (the spec's rule for duplicates)
    uint32_t count;      // how many kept updates share it
  };
  void evict_front();

  const size_t budget_;
  const size_t max_count_;
  mutable std::mutex mu_;
  std::deque<Entry> entries_;  // consecutive sequence numbers, oldest first
  std::unordered_map<std::string, IdInfo> ids_;
  size_t bytes_ = 0;
  uint64_t last_seq_ = 0;
  std::string last_id_;  // of the newest update ever appended, even if evicted since
};

}  // namespace pogo::mercure

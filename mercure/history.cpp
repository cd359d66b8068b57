#include "mercure/history.h"

namespace pogo::mercure {

uint64_t History::append(std::shared_ptr<const Update> u, std::string* /*persist_error*/) {
  std::lock_guard lock(mu_);
  const uint64_t seq = ++last_seq_;
  last_id_ = u->id;
  const size_t size = u->approx_size();
  auto [it, inserted] = ids_.try_emplace(u->id, IdInfo{seq, 0});
  ++it->second.count;
  entries_.push_back(Entry{seq, size, std::move(u)});
  bytes_ += size;
  while (!entries_.empty() && (bytes_ > budget_ || (max_count_ && entries_.size() > max_count_))) evict_front();
  return seq;
}

void History::evict_front() {
  const Entry& e = entries_.front();
  auto it = ids_.find(e.update->id);
  if (it != ids_.end()) {
    if (--it->second.count == 0) {
      ids_.erase(it);
    } else if (it->second.first_seq == e.seq) {
      // A reused id: its next occurrence becomes the one a Last-Event-ID resolves to.
      for (size_t i = 1; i < entries_.size(); ++i)
        if (entries_[i].update->id == e.update->id) {
          it->second.first_seq = entries_[i].seq;
          break;
        }
    }
  }
  bytes_ -= e.bytes;
  entries_.pop_front();
}

History::Replay History::after(std::string_view last_event_id, const std::function<bool(const Update&)>& match,
                               uint64_t up_to) const {
  Replay r;
  r.cursor = std::string(kEarliestId);
  std::lock_guard lock(mu_);
  size_t from = 0;
  if (last_event_id == kEarliestId) {
    r.found = true;
  } else {
    auto it = ids_.find(std::string(last_event_id));
    if (it == ids_.end() || entries_.empty() || it->second.first_seq > up_to) return r;
    r.found = true;
    r.cursor = std::string(last_event_id);
    from = static_cast<size_t>(it->second.first_seq - entries_.front().seq) + 1;
  }
  for (size_t i = from; i < entries_.size() && entries_[i].seq <= up_to; ++i)
    if (match(*entries_[i].update)) r.updates.push_back(entries_[i].update);
  return r;
}

std::string History::last_event_id() const {
  std::lock_guard lock(mu_);
  return last_seq_ == 0 ? std::string(kEarliestId) : last_id_;
}

uint64_t History::last_seq() const {
  std::lock_guard lock(mu_);
  return last_seq_;
}

size_t History::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

size_t History::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

std::vector<std::shared_ptr<const Update>> History::snapshot() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<const Update>> out;
  out.reserve(entries_.size());
  for (const auto& e : entries_) out.push_back(e.update);
  return out;
}

}  // namespace pogo::mercure

// An Update: one publication to the hub (topics, data, private flag, id, event type, retry), the
// unit the hub dispatches to subscribers, keeps in its history and replays on reconnection.
//
// Updates come from two doors, the publish POST (publish_form.h) and, later, mercure_publish() in
// PHP; both go through validate_update() so the same rules hold whatever the door. An update that
// has passed it and received its id is shared immutable between the subscribers it reaches
// (std::shared_ptr<const Update>).
//
// Threads: plain data; generate_update_id() and validate_update() may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pogo::mercure {

struct Update {
  std::vector<std::string> topics;  // at least one; the first is the canonical one
  std::string data;                 // UTF-8, opaque to the hub
  bool is_private = false;
  std::string id;                   // the SSE id; generated when the publisher gives none
  std::string type;                 // the SSE event type, "" for the default ("message")
  uint64_t retry = 0;               // the SSE retry in ms; 0: none sent (the reference hub's rule)

  // Roughly the memory the update holds, for the history's byte budget.
  size_t approx_size() const;
  bool operator==(const Update&) const = default;
};

// "urn:uuid:" + a random (version 4) UUID from OpenSSL's CSPRNG: opaque, so the id a subscriber
// sees tells it nothing about updates it may not read (the spec's advice).
std::string generate_update_id();

// What makes the update unacceptable, or nullopt: no topic; a topic, id or type with control or
// Unicode format characters, or that is not UTF-8; an id starting with '#' or equal to the reserved
// `earliest`; the reserved type `mercure`; data that is not UTF-8. A 400 for the publish POST.
std::optional<std::string> validate_update(const Update& update);

// The reserved Last-Event-ID that asks for the whole history.
inline constexpr std::string_view kEarliestId = "earliest";

}  // namespace pogo::mercure

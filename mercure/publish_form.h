// The publish request's body (application/x-www-form-urlencoded) read into an Update: `topic`
// (repeated, at least once), `data`, `private` (present at all, whatever its value, means private:
// the spec says the value is not to be interpreted), `id`, `type`, `retry` (ASCII digits only).
// Unknown fields are ignored, as the spec requires; of a repeated single field the first counts
// (Go's url.Values.Get, what the reference hub uses). The id is left empty when not given: the hub
// assigns one when it accepts the update.
//
// Threads: a pure function, any thread.
#pragma once

#include "mercure/update.h"

#include <optional>
#include <string>
#include <string_view>

namespace pogo::mercure {

// The update, or nullopt and `*error` (a 400's message): a bad %-escape, no topic, a retry that
// is not digits or overflows, or what validate_update() refuses.
std::optional<Update> parse_publish_form(std::string_view body, std::string* error);

// One application/x-www-form-urlencoded component decoded ('+' is a space, %XX a byte), or nullopt
// on a '%' not followed by two hex digits.
std::optional<std::string> form_decode(std::string_view component);

}  // namespace pogo::mercure

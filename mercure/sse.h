// The Server-Sent Events encoding (HTML Living Standard, "text/event-stream") of updates, and the
// few other frames a hub writes: a heartbeat comment and a bare reconnection delay.
//
// An update becomes `event:` (when typed), `retry:` (when set), `id:`, then one `data:` line per
// line of its data (CR, LF and CRLF all end a line, so an EventSource reassembles it joined by LF)
// and a blank line, the reference hub's layout. An update always carries a `data:` field, even
// empty, so it is always dispatched by the client.
//
// Threads: pure functions, any thread.
#pragma once

#include "mercure/update.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace pogo::mercure {

// Appends the event for `u` to `*out`. Id and type are validated upstream (validate_update); CR
// and LF in them are dropped all the same, so no input can forge another field.
void append_sse_event(std::string* out, const Update& u);
std::string sse_event(const Update& u);

// ":\n": a comment the client ignores, sent to keep idle connections (and proxies) alive.
inline constexpr std::string_view kSseHeartbeat = ":\n";

// "retry: <ms>\n\n": tells the client how long to wait before reconnecting (sent on shutdown).
std::string sse_retry(uint64_t milliseconds);

}  // namespace pogo::mercure

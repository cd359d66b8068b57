// systemd's readiness protocol (sd_notify(3)), spoken directly: one datagram of `KEY=value` lines
// to the unix socket named by $NOTIFY_SOCKET (a path, or `@name` for the abstract namespace), no
// libsystemd. With Type=notify systemd waits for READY=1 before it calls the unit started; with
// Type=notify-reload it sends SIGHUP and waits for RELOADING=1 then READY=1; STOPPING=1 tells it
// the shutdown has begun. Without $NOTIFY_SOCKET (not under systemd) every call does nothing.
//
// Threads: any thread (each call opens, sends on and closes its own socket).
#pragma once

#include <string_view>

namespace pogo::cli {

// Sends `state` as is ("READY=1\nSTATUS=..."); false when there is no $NOTIFY_SOCKET, it is not
// a unix socket address (`vsock:` is not supported), or sending failed.
bool sd_notify(std::string_view state);

void sd_notify_ready();      // READY=1 (also once a reload is over, whether it worked or not)
void sd_notify_reloading();  // RELOADING=1 and MONOTONIC_USEC=<CLOCK_MONOTONIC now>, for Type=notify-reload
void sd_notify_stopping();   // STOPPING=1
void sd_notify_status(std::string_view status);  // STATUS=<status> (one line; newlines become spaces)

}  // namespace pogo::cli

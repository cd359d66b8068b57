// The open-descriptor limit of a serving process. A server holds one descriptor per connection,
// so the soft RLIMIT_NOFILE (1024 on most systems) is raised to the hard limit at start-up, as Go
// (and so Caddy and FrankenPHP) does: the administrator's ceiling is the hard limit, not a default
// meant for select()-based programs. Scripts that use select() on descriptors past 1024
// (stream_select with many streams) are the trade-off, the same as under FrankenPHP.
//
// Threads: main thread, at start-up, before any other thread exists.
#pragma once

namespace pogo::cli {

// Raises the soft limit as far as the hard limit (and the kernel's fs.nr_open) allow, and logs the
// result. Never fails: on error the limit stays and a warning says so.
void raise_open_files_limit();

}  // namespace pogo::cli

// Where the default logger (server/log.h) writes besides a file descriptor: a rolling file, and
// Caddy's field filters applied to its lines — what the global `log { output file ...; format
// filter ... }` option configures.
//
// Threads: main thread, at start-up or a config load. What is replaced stays alive for the life
// of the process (a loop thread may be writing through it), so a load that keeps the same file
// should pass the same RollingFile.
#pragma once

#include <memory>

namespace pogo::server {
class LogFilters;
class RollingFile;
}  // namespace pogo::server

namespace pogo::log {

// Lines go to `file` instead of set_output's descriptor; nullptr goes back to the descriptor.
void set_output_file(std::shared_ptr<server::RollingFile> file);
// Field filters for the default logger's lines; nullptr: none.
void set_filters(std::shared_ptr<const server::LogFilters> filters);

}  // namespace pogo::log

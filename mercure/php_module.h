// The `pogo_mercure` PHP module: mercure_publish(), FrankenPHP's function for publishing to the
// built-in hub in process (no HTTP round trip), from request scripts, worker scripts and Pogo
// jobs alike. It publishes to the hub endpoint.h names as current.
//
// Threads: module_entry() on the main thread before the engine starts; the function runs on
// whichever PHP thread calls it.
#pragma once

struct _zend_module_entry;
typedef struct _zend_module_entry zend_module_entry;

namespace pogo::mercure {

zend_module_entry* module_entry();

}  // namespace pogo::mercure

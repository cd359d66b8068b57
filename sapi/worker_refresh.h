// What a restarting worker thread forgets before its script boots again, so the new boot sees the
// files as they are now rather than as the caches remember them:
//
//  - PHP's realpath cache (per thread): `current -> releases/N` resolved before the deploy would
//    otherwise keep pointing at the old release for realpath_cache_ttl;
//  - OPcache's copies of changed scripts (shared by every thread): every file the running script
//    included is invalidated if its mtime moved (opcache_invalidate($f, false)), and the paths a
//    file watcher reported are invalidated outright (a second edit within the mtime's second
//    would otherwise go unseen). Without this a boot within opcache.revalidate_freq (2 s) of the
//    last one would run the old code. Nothing happens when OPcache is not loaded.
//
// OPcache's shared memory is not reset (opcache_reset() while other threads execute is unsafe in
// one process); invalidated scripts are recompiled on their next include.
//
// Threads: a worker thread, inside its running script (a PHP request is active). C-like: may bail
// out like any PHP call.
#pragma once

#include <string>
#include <vector>

namespace pogo::sapi {

void forget_realpath_cache();
void invalidate_changed_scripts(const std::vector<std::string>& changed);

}  // namespace pogo::sapi

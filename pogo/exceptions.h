// The Pogo exception classes — Pogo\PoolException, Pogo\ArgumentException,
// Pogo\TimeoutException, Pogo\HandleException, Pogo\JobException, all extending \RuntimeException —
// registered by the module's MINIT, and the one way pogo/ throws them.
//
// Threads: register_exception_classes() once at module start-up (main thread); throw_error() on
// any PHP thread, with no C++ exception in flight.
#pragma once

#include <string_view>

#include "pogo/job.h"

namespace pogo::jobs {

void register_exception_classes();
// Throws the PHP exception of `kind` (pending in EG(exception); returns normally).
void throw_error(ErrorKind kind, std::string_view message);

}  // namespace pogo::jobs

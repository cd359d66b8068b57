// The pogo_* PHP functions (see spec/pogo.md "PHP API") and their per-request handle table.
//
// Threads: every function runs on the PHP thread of the calling request; the handle table is one
// per thread (a thread runs one request at a time) and is emptied at request end.
#pragma once

#include "pogo/handle_table.h"

struct _zend_function_entry;

namespace pogo::jobs {

// The function table of the module (with arginfo).
const _zend_function_entry* function_entries();
// This thread's request's handles.
HandleTable& request_handles();

}  // namespace pogo::jobs

// The environment as one PHP thread sees it: putenv() never touches the process environment
// (other threads read it concurrently, and a request must not leak into the next one); it records
// an override in this thread's layers, which getenv() consults before the worker's `env`, the
// request's `env` and the process environment.
//
// Two layers: the script layer lives until the end of the PHP request (a classic request, or a
// worker script's whole life); the request layer, used while a worker's handler runs, is dropped
// after each request the worker serves — so putenv() during a worker request never outlives it,
// while putenv() during the worker's boot does.
//
// Threads: every function acts on the calling thread's layers only.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace pogo::sapi::thread_env {

// value == nullptr: the variable is unset (putenv("NAME")).
void put(std::string_view name, const char* value, size_t value_len);
// The override for `name`: 1 = set (value filled), 0 = unset by putenv, -1 = no override.
int find(std::string_view name, std::string_view& value);
// Every override, newest layer last (unset ones have value == nullptr).
void for_each(const std::function<void(std::string_view name, const std::string* value)>& fn);

void begin_request();  // puts go to the request layer from now on
void end_request();    // the request layer is dropped; puts go to the script layer again
void clear();          // both layers (the PHP request ends)

}  // namespace pogo::sapi::thread_env

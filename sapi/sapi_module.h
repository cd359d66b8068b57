// Pogo's server SAPI module: the table of callbacks through which libphp reaches the current
// request's Exchange (output, headers, body, cookies, $_SERVER, logging, environment).
// php_sapi_name() reports "frankenphp", so framework checks written for FrankenPHP keep working.
//
// Threads: the callbacks run on PHP threads, for the request current_request() returns; the
// module itself is handed to sapi_startup() once, on the main thread.
#pragma once

struct _sapi_module_struct;

namespace pogo::sapi {

inline constexpr const char* kSapiName = "frankenphp";
inline constexpr const char* kServerSoftware = "Pogo";

_sapi_module_struct& server_sapi_module();

}  // namespace pogo::sapi

// The `frankenphp` PHP module: the FrankenPHP PHP API (frankenphp_handle_request,
// frankenphp_finish_request / fastcgi_finish_request, headers_send, frankenphp_request_headers /
// apache_request_headers / getallheaders, frankenphp_response_headers / apache_response_headers,
// frankenphp_log and its FRANKENPHP_LOG_LEVEL_* constants), and PHP's putenv()/getenv() replaced
// by per-thread versions (thread_env.h). engine_start() registers it with every engine.
//
// Threads: the module entry is built on the main thread; the functions run on PHP threads.
#pragma once

struct _zend_module_entry;

namespace pogo::sapi {

_zend_module_entry* frankenphp_module_entry();

}  // namespace pogo::sapi

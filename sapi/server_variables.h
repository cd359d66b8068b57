// $_SERVER for one request, as FrankenPHP (CGI/1.1) sets it: the process environment first, then
// the request's variables, then the `env` of the config (see spec/runtime.md for the list).
//
// Threads: a PHP thread, inside php_request_startup (PHP calls it when $_SERVER is first used).
#pragma once

#include <php.h>

namespace pogo::sapi {

// sapi_module.register_server_variables.
void register_server_variables(zval* track_vars_array);

}  // namespace pogo::sapi

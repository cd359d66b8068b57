// The PHP headers sapi/ needs, included in one place and one order. Private to sapi/: public
// headers never include PHP, so callers (cli/, tests) stay free of PHP's macros.
#pragma once

#include <php.h>
#include <SAPI.h>
#include <php_main.h>
#include <php_variables.h>
#include <php_ini.h>
#include <rfc1867.h>
#include <ext/standard/php_standard.h>
#include <zend_exceptions.h>
#include <zend_ini.h>
#include <zend_stream.h>

// main/snprintf.h renames the C library's printf family (snprintf -> ap_php_snprintf), which
// breaks std::snprintf in C++ headers included after this one (nlohmann/json among them).
#undef snprintf
#undef vsnprintf
#undef asprintf
#undef vasprintf

// The PHP headers pogo/ needs, in one place and one order. Private to pogo/'s .cpp files: public
// headers of pogo/ never include PHP (they forward-declare zval), so callers stay free of PHP's
// macros.
#pragma once

#include <php.h>
#include <SAPI.h>
#include <php_main.h>
#include <zend_API.h>
#include <zend_enum.h>
#include <zend_exceptions.h>
#include <zend_interfaces.h>
#include <zend_closures.h>
extern "C" {  // these two headers lack BEGIN_EXTERN_C
#include <ext/json/php_json.h>
#include <ext/spl/spl_exceptions.h>
}
#include <ext/standard/info.h>

// main/snprintf.h renames the C library's printf family; undo it for C++ headers included after.
#undef snprintf
#undef vsnprintf
#undef asprintf
#undef vasprintf

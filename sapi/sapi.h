// The public face of sapi/: the PHP engine (engine.h), the server backend that runs requests on PHP
// threads (php_backend.h) and the command-line runner (run_php_cli, in engine.h).
#pragma once

#include "sapi/engine.h"
#include "sapi/php_backend.h"

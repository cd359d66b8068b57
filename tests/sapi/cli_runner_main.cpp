// A tiny program around run_php_cli, so the test can run it in its own process (a process uses
// either the server engine or the CLI one).
#include "sapi/engine.h"

int main(int argc, char** argv) { return pogo::sapi::run_php_cli(argc - 1, argv + 1); }

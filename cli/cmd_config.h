// The configuration subcommands: `pogo fmt`, `pogo adapt` and `pogo validate`. Each takes the
// arguments after its name and returns the exit code (0 success, 1 invalid or unformatted input,
// 2 usage error). `pogo run` loads its Caddyfile with caddyfile::load_config (caddyfile/load.h).
// Main thread only.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace pogo::cli {

// pogo fmt [FILE|-] [--overwrite|-w] [--diff]   (FILE defaults to ./Caddyfile)
int cmd_fmt(const std::vector<std::string>& args);
// pogo adapt [--config FILE] [--pretty] [--envfile FILE]   (prints the typed configuration as JSON)
int cmd_adapt(const std::vector<std::string>& args);
// pogo validate [--config FILE] [--envfile FILE]   (prints "Valid configuration" or the error)
int cmd_validate(const std::vector<std::string>& args);

// The same, on given streams (for tests).
int run_fmt(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err);
int run_adapt(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_validate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace pogo::cli

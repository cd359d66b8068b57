// Other real clients for the end-to-end tests: external programs (the `curl` and `openssl` CLIs)
// run to completion with their output captured, for what libcurl does not show (the negotiated
// protocol, the served chain, a renegotiation) or what a second implementation should confirm.
//
// A missing program is not a reason to skip: `require_tool` fails the test and says to run
// scripts/setup. Every run has a deadline; a program still running at it is killed, and the
// result says so.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/e2e/harness.h"

namespace e2e {

struct CommandResult {
    int exit_code = -1;  // 128 + signal if signalled; -1 if killed at the deadline
    bool timed_out = false;
    std::string out, err;
    std::string describe() const;  // the command line, exit, and both outputs, for failure messages
    std::string command_line;
};

struct CommandOptions {
    std::string input;              // written to the program's stdin
    // Keep stdin open after `input` until the program exits by itself (an `openssl s_client` that
    // must not see EOF before the server has reacted); it is closed at the deadline.
    bool hold_stdin = false;
    milliseconds timeout = kDeadline;
};

// Runs argv[0] (an absolute path or a name looked up in PATH) with `argv`.
CommandResult run_command(const std::vector<std::string>& argv, const CommandOptions& options = {});

// The absolute path of `name` in PATH, or nullopt.
std::optional<std::string> find_tool(std::string_view name);
// The absolute path of `name`; fails the current test (REQUIRE) with "run scripts/setup" if absent.
std::string require_tool(std::string_view name);

}  // namespace e2e

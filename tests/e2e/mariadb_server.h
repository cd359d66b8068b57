// A private MariaDB server for one test process: Debian's mariadb-server binaries, a fresh data
// directory and a Unix socket inside a temporary directory, no TCP (--skip-networking), so it
// never meets the system's own server or another test's.
//
// The constructor initializes the data directory (mariadb-install-db), starts `mariadbd` and
// waits, with a deadline, until the socket accepts connections; the destructor stops the server
// (SIGTERM, then SIGKILL past the deadline) and removes the directory, also when a test failed.
// The child dies with the test process if that crashes (PR_SET_PDEATHSIG). A missing binary fails
// the test with "run scripts/setup", never skips it.
//
// Threads: the test's main thread only.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/e2e/command.h"
#include "tests/e2e/harness.h"

namespace e2e {

class MariaDbServer {
public:
    MariaDbServer();
    ~MariaDbServer();
    MariaDbServer(const MariaDbServer&) = delete;
    MariaDbServer& operator=(const MariaDbServer&) = delete;

    const std::filesystem::path& socket() const { return socket_; }

    // Runs SQL as the server's root user through the `mariadb` client; fails the test on error.
    CommandResult sql(const std::string& statements);

    // The server's error log, for failure messages.
    std::string log() const;

private:
    TempDir dir_;
    std::filesystem::path socket_;
    pid_t pid_ = -1;
};

}  // namespace e2e

#include "tests/e2e/mariadb_server.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>

namespace e2e {

namespace fs = std::filesystem;

namespace {

// True once a client can connect to the Unix socket (the file appears before the server listens
// on it only for an instant, but a stale file would exist without anyone listening).
bool accepts_connections(const fs::path& path) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

// SIGTERM (mariadbd shuts down cleanly on it), SIGKILL past the deadline; always reaps.
void stop_child(pid_t pid) {
    if (pid <= 0) return;
    ::kill(pid, SIGTERM);
    int status = 0;
    bool gone = poll_until([&] { return ::waitpid(pid, &status, WNOHANG) == pid; });
    if (!gone) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
    }
}

}  // namespace

MariaDbServer::MariaDbServer() : socket_(dir_ / "mysqld.sock") {
    const std::string install_db = require_tool("mariadb-install-db");
    const std::string mariadbd = require_tool("mariadbd");
    require_tool("mariadb");
    const fs::path data = dir_ / "data";
    // The tests run as root in the CI container; mariadbd refuses root unless told so.
    const bool root = ::geteuid() == 0;

    // --no-defaults: the system's /etc/mysql configuration (its socket, its datadir) stays out.
    std::vector<std::string> install = {install_db, "--no-defaults", "--datadir=" + data.string(),
                                        "--auth-root-authentication-method=normal", "--skip-test-db"};
    if (root) install.push_back("--user=root");
    CommandOptions slow;
    slow.timeout = milliseconds(90000);
    CommandResult r = run_command(install, slow);
    REQUIRE_MESSAGE(r.exit_code == 0, r.describe());

    std::vector<std::string> args_store = {mariadbd,
                                           "--no-defaults",
                                           "--datadir=" + data.string(),
                                           "--socket=" + socket_.string(),
                                           "--pid-file=" + (dir_ / "mysqld.pid").string(),
                                           "--log-error=" + (dir_ / "error.log").string(),
                                           "--skip-networking",
                                           "--innodb-buffer-pool-size=16M"};
    if (root) args_store.push_back("--user=root");
    std::vector<char*> argv;
    for (auto& a : args_store) argv.push_back(a.data());
    argv.push_back(nullptr);

    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a crashed test leaves no server behind
        int devnull = ::open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            ::dup2(devnull, 0);
            ::dup2(devnull, 1);
            ::dup2(devnull, 2);
        }
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    bool up = poll_until([&] {
        if (accepts_connections(socket_)) return true;
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;  // exited: the log says why
            return true;
        }
        return false;
    }, milliseconds(60000));
    if (!up || pid_ < 0) {
        stop_child(pid_);
        pid_ = -1;
        FAIL("mariadbd did not start:\n" << log());
    }
}

MariaDbServer::~MariaDbServer() { stop_child(pid_); }

CommandResult MariaDbServer::sql(const std::string& statements) {
    CommandResult r = run_command(
        {require_tool("mariadb"), "--no-defaults", "--socket=" + socket_.string(), "--user=root", "-e", statements});
    REQUIRE_MESSAGE(r.exit_code == 0, r.describe() << "\n" << log());
    return r;
}

std::string MariaDbServer::log() const {
    std::error_code ec;
    if (!fs::exists(dir_ / "error.log", ec)) return "(no error log)";
    return read_file(dir_ / "error.log");
}

}  // namespace e2e

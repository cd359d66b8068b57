// PHP's defaults as Debian's php8.2 has them, where users notice: the MySQL socket of mysqli and
// pdo_mysql, include_path, the session directory, upload progress off; the same in a request
// (classic and worker mode) and in `pogo php-cli`; and any php.ini or php_ini still overriding
// them, since they sit below every ini file.
#include "tests/e2e/common.h"

using namespace e2e;
namespace fs = std::filesystem;

namespace {

constexpr const char* kDebianSessions = "/var/lib/php/sessions";

// Prints the settings as JSON, in a request or on the command line.
constexpr const char* kIniScript = R"(<?php
$keys = ['mysqli.default_socket', 'pdo_mysql.default_socket', 'include_path', 'session.save_path',
         'session.upload_progress.enabled', 'display_errors'];
$out = [];
foreach ($keys as $k) $out[$k] = ini_get($k);
$out['loaded_ini'] = php_ini_loaded_file();
$out['scan_dir'] = PHP_CONFIG_FILE_SCAN_DIR;
echo json_encode($out), "\n";
)";

constexpr const char* kWorkerScript = R"(<?php
while (frankenphp_handle_request(function () { require __DIR__ . '/ini.php'; })) {}
)";

// The session directory Pogo defaults to: Debian's when it exists (scripts/setup makes it),
// otherwise PHP's own default, the temporary directory.
std::string expected_save_path() { return fs::is_directory(kDebianSessions) ? kDebianSessions : ""; }

void check_debian_defaults(const json& j) {
    CHECK(j["mysqli.default_socket"] == "/run/mysqld/mysqld.sock");
    CHECK(j["pdo_mysql.default_socket"] == "/run/mysqld/mysqld.sock");
    CHECK(j["include_path"] == ".:/usr/share/php");
    CHECK(j["session.save_path"] == expected_save_path());
    CHECK(j["session.upload_progress.enabled"] == "0");
}

json parse_line(const std::string& out) {
    json j = json::parse(out.substr(0, out.find('\n')), nullptr, false);
    INFO(out);
    REQUIRE(!j.is_discarded());
    return j;
}

}  // namespace

TEST_CASE("a request sees Debian's defaults, in classic and worker mode") {
    TempDir tmp;
    write_file(tmp / "ini.php", kIniScript);
    write_file(tmp / "worker.php", kWorkerScript);
    write_file(tmp / "session.php", "<?php\nsession_start();\n$_SESSION['n'] = ($_SESSION['n'] ?? 0) + 1;\n"
                                    "echo $_SESSION['n'], ' ', session_save_path(), ' ', session_id();\n");

    SUBCASE("classic") {
        auto server = start_php_server(tmp.path());
        HttpClient c;
        Response r = c.get(server->url("/ini.php"));
        INFO(r.describe());
        REQUIRE(r.status == 200);
        json j = body_json(r);
        check_debian_defaults(j);
        CHECK(j["display_errors"] == "0");  // Pogo's server default, unchanged
    }
    SUBCASE("worker") {
        auto server = start_php_server(tmp.path(), {"--worker", (tmp / "worker.php").string() + ",1"});
        HttpClient c;
        Response r = c.get(server->url("/worker.php"));
        INFO(r.describe() << "\n" << server->describe());
        REQUIRE(r.status == 200);
        check_debian_defaults(body_json(r));
    }
    SUBCASE("sessions are stored in that directory and found again") {
        auto server = start_php_server(tmp.path());
        HttpClient c;
        c.keep_cookies();
        Response first = c.get(server->url("/session.php"));
        INFO(first.describe() << "\n" << server->describe());
        REQUIRE(first.status == 200);
        const std::string id = first.body.substr(first.body.rfind(' ') + 1);
        CHECK(first.body == "1 " + expected_save_path() + " " + id);
        const fs::path dir = expected_save_path().empty() ? fs::temp_directory_path() : fs::path(kDebianSessions);
        CHECK(fs::exists(dir / ("sess_" + id)));
        Response second = c.get(server->url("/session.php"));
        CHECK(second.body == "2 " + expected_save_path() + " " + id);
        std::error_code ec;
        fs::remove(dir / ("sess_" + id), ec);
    }
}

TEST_CASE("pogo php-cli sees the same defaults; a php.ini overrides them") {
    TempDir tmp;
    write_file(tmp / "ini.php", kIniScript);

    SUBCASE("no php.ini") {
        // PHPRC at an empty directory: no php.ini of the machine can mask the defaults.
        fs::create_directories(tmp / "etc");
        RunResult r = run_pogo({"php-cli", (tmp / "ini.php").string()}, {"PHPRC=" + (tmp / "etc").string()});
        INFO("stderr: " << r.err);
        REQUIRE(r.exit_code == 0);
        json j = parse_line(r.out);
        check_debian_defaults(j);
        CHECK(j["display_errors"] == "1");  // the CLI's own default, unchanged
        CHECK(j["loaded_ini"] == false);
    }
    SUBCASE("pogo php-cli -i shows them, as php -i does") {
        RunResult r = run_pogo({"php-cli", "-i"}, {"PHPRC=" + tmp.path().string()});
        INFO("stderr: " << r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(r.out.find("Server API => Command Line Interface") != std::string::npos);
        CHECK(r.out.find("mysqli.default_socket => /run/mysqld/mysqld.sock => /run/mysqld/mysqld.sock") !=
              std::string::npos);
        CHECK(r.out.find("pdo_mysql.default_socket => /run/mysqld/mysqld.sock => /run/mysqld/mysqld.sock") !=
              std::string::npos);
        CHECK(r.out.find("include_path => .:/usr/share/php => .:/usr/share/php") != std::string::npos);
        CHECK(r.out.find("session.upload_progress.enabled => Off => Off") != std::string::npos);
    }
    SUBCASE("a php.ini wins over every default") {
        write_file(tmp / "php.ini", "mysqli.default_socket = /srv/db.sock\npdo_mysql.default_socket = /srv/db.sock\n"
                                    "include_path = \".:/srv/lib\"\nsession.save_path = /srv/sessions\n"
                                    "session.upload_progress.enabled = On\n");
        RunResult r = run_pogo({"php-cli", (tmp / "ini.php").string()}, {"PHPRC=" + (tmp / "php.ini").string()});
        INFO("stderr: " << r.err);
        REQUIRE(r.exit_code == 0);
        json j = parse_line(r.out);
        CHECK(j["mysqli.default_socket"] == "/srv/db.sock");
        CHECK(j["pdo_mysql.default_socket"] == "/srv/db.sock");
        CHECK(j["include_path"] == ".:/srv/lib");
        CHECK(j["session.save_path"] == "/srv/sessions");
        CHECK(j["session.upload_progress.enabled"] == "1");
        CHECK(j["loaded_ini"] == (tmp / "php.ini").string());
    }
}

TEST_CASE("php_ini in the Caddyfile overrides a Debian default; Debian's conf.d is not scanned") {
    TempDir tmp;
    write_file(tmp / "www" / "ini.php", kIniScript);
    int port = free_port();
    write_file(tmp / "Caddyfile", "{\n\tadmin off\n\tfrankenphp {\n\t\tphp_ini mysqli.default_socket /srv/other.sock\n"
                                  "\t}\n}\n\nhttp://127.0.0.1:" + std::to_string(port) + " {\n\troot * " +
                                      (tmp / "www").string() + "\n\tphp_server\n}\n");
    PogoProcess pogo({"run", "--config", (tmp / "Caddyfile").string()});
    REQUIRE_MESSAGE(pogo.wait_listening(), pogo.describe());
    HttpClient c;
    Response r = c.get("http://127.0.0.1:" + std::to_string(port) + "/ini.php");
    INFO(r.describe());
    REQUIRE(r.status == 200);
    json j = body_json(r);
    CHECK(j["mysqli.default_socket"] == "/srv/other.sock");
    CHECK(j["pdo_mysql.default_socket"] == "/run/mysqld/mysqld.sock");
    // Never Debian's /etc/php/8.2/*/conf.d: its extensions are built for another (NTS) PHP.
    CHECK(j["scan_dir"].get<std::string>().find("/etc/php/") == std::string::npos);
    CHECK(pogo.stop() == 0);
}

// A real application end to end: WordPress from Debian's `wordpress` package on a private MariaDB
// (tests/e2e/mariadb_server.h), served by `pogo run` with `php_server`. The test installs it
// through its web installer, then uses it as a browser would: the front page, logging in, the
// dashboard, the REST API, a comment, a media upload and the uploaded file served back. Before
// that, mysqli and PDO reach MariaDB through the default socket that php_ini sets.
//
// Debian's /usr/share/wordpress/wp-config.php reads /etc/wordpress/config-HOST.php; the test
// writes nothing outside its temporary directory, so it serves a copy of the package's files
// with a wp-config.php of its own (a copy, not symlinks: PHP resolves __DIR__ through symlinks,
// and WordPress finds its configuration from __DIR__).
#include <regex>

#include "tests/e2e/common.h"
#include "tests/e2e/mariadb_server.h"

using namespace e2e;
namespace fs = std::filesystem;

namespace {

const fs::path kWordPress = "/usr/share/wordpress";
constexpr const char* kDbUser = "wp_pogo";
constexpr const char* kDbPassword = "wp-pogo-secret";
constexpr const char* kDbName = "wordpress";
constexpr const char* kTitle = "Pogo Serves WordPress";
constexpr const char* kAdmin = "pogo-admin";
constexpr const char* kAdminPassword = "Correct-Horse-Battery-42";

// One server for the whole process: initializing a data directory takes seconds.
MariaDbServer& mariadb() {
    static MariaDbServer server;
    static bool ready = false;
    if (!ready) {
        server.sql(std::string("CREATE DATABASE ") + kDbName + " CHARACTER SET utf8mb4;" +
                   "CREATE USER '" + kDbUser + "'@'localhost' IDENTIFIED BY '" + kDbPassword + "';" +
                   "GRANT ALL ON " + kDbName + ".* TO '" + kDbUser + "'@'localhost';");
        ready = true;
    }
    return server;
}

std::string caddyfile(int port, const fs::path& root, const std::string& global_php_ini = "") {
    return "{\n\tadmin off\n\tfrankenphp {\n" + global_php_ini + "\t}\n}\n\nhttp://127.0.0.1:" +
           std::to_string(port) + " {\n\troot * " + root.string() + "\n\tphp_server\n}\n";
}

// A 64x48 PNG drawn by GD in `pogo php-cli`: a real image WordPress can make thumbnails of.
std::string make_png(const TempDir& dir) {
    write_file(dir / "png.php",
               "<?php\n$im = imagecreatetruecolor(64, 48);\n"
               "imagefilledrectangle($im, 8, 8, 40, 30, imagecolorallocate($im, 200, 40, 90));\n"
               "imagepng($im);\n");
    RunResult r = run_pogo({"php-cli", (dir / "png.php").string()});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    REQUIRE(r.out.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
    return r.out;
}

// A copy of Debian's WordPress in `root`, its own wp-config.php pointing at the test's MariaDB.
void install_files(const fs::path& root, const fs::path& db_socket) {
    REQUIRE_MESSAGE(fs::exists(kWordPress / "wp-settings.php"), "Debian's wordpress is not installed: run scripts/setup");
    REQUIRE_MESSAGE(fs::exists(kWordPress / "wp-content/themes/twentytwentythree"),
                    "wordpress-theme-twentytwentythree is not installed: run scripts/setup");
    fs::create_directories(root);
    for (const auto& entry : fs::directory_iterator(kWordPress)) {
        if (entry.path().filename() == "wp-config.php") continue;
        fs::copy(entry.path(), root / entry.path().filename(),
                 fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    }
    write_file(root / "wp-config.php",
               "<?php\n"
               "define('DB_NAME', '" + std::string(kDbName) + "');\n"
               "define('DB_USER', '" + kDbUser + "');\n"
               "define('DB_PASSWORD', '" + kDbPassword + "');\n"
               // host:socket, as WordPress documents for a server on a Unix socket.
               "define('DB_HOST', 'localhost:" + db_socket.string() + "');\n"
               "define('DB_CHARSET', 'utf8mb4');\n"
               "define('DB_COLLATE', '');\n"
               "define('AUTH_KEY', 'pogo-test-auth');\n"
               "define('SECURE_AUTH_KEY', 'pogo-test-secure-auth');\n"
               "define('LOGGED_IN_KEY', 'pogo-test-logged-in');\n"
               "define('NONCE_KEY', 'pogo-test-nonce');\n"
               "define('AUTH_SALT', 'pogo-test-auth-salt');\n"
               "define('SECURE_AUTH_SALT', 'pogo-test-secure-auth-salt');\n"
               "define('LOGGED_IN_SALT', 'pogo-test-logged-in-salt');\n"
               "define('NONCE_SALT', 'pogo-test-nonce-salt');\n"
               "$table_prefix = 'wp_';\n"
               // No network in CI: calls to wordpress.org fail at once instead of timing out.
               "define('WP_HTTP_BLOCK_EXTERNAL', true);\n"
               "define('AUTOMATIC_UPDATER_DISABLED', true);\n"
               "define('DISABLE_WP_CRON', true);\n"
               "define('FS_METHOD', 'direct');\n"
               "define('WP_DEBUG', false);\n"
               "if (!defined('ABSPATH')) define('ABSPATH', __DIR__ . '/');\n"
               "require_once ABSPATH . 'wp-settings.php';\n");
}

}  // namespace

TEST_CASE("mysqli and PDO reach MariaDB as 'localhost' through the default socket php_ini sets") {
    MariaDbServer& db = mariadb();
    TempDir dir;
    const std::string script =
        "<?php\n"
        "header('Content-Type: application/json');\n"
        "$out = ['mysqli_socket' => ini_get('mysqli.default_socket'),\n"
        "        'pdo_socket' => ini_get('pdo_mysql.default_socket')];\n"
        // No socket argument anywhere: 'localhost' means the default Unix socket.
        "$m = new mysqli('localhost', '" + std::string(kDbUser) + "', '" + kDbPassword + "', '" + kDbName + "');\n"
        "$out['mysqli'] = $m->query('SELECT 6 * 7')->fetch_row()[0];\n"
        "$out['mysqli_host_info'] = $m->host_info;\n"
        "$p = new PDO('mysql:host=localhost;dbname=" + kDbName + "', '" + kDbUser + "', '" + kDbPassword + "');\n"
        "$out['pdo'] = $p->query('SELECT 6 * 7')->fetchColumn();\n"
        "echo json_encode($out), \"\\n\";\n";
    write_file(dir / "www" / "db.php", script);
    const std::string sock = db.socket().string();

    SUBCASE("pogo run, php_ini in the Caddyfile") {
        int port = free_port();
        write_file(dir / "Caddyfile",
                   caddyfile(port, dir / "www",
                             "\t\tphp_ini mysqli.default_socket " + sock + "\n\t\tphp_ini pdo_mysql.default_socket " +
                                 sock + "\n"));
        PogoProcess pogo({"run", "--config", (dir / "Caddyfile").string()});
        REQUIRE_MESSAGE(pogo.wait_listening(), pogo.describe());
        HttpClient c;
        Response r = c.get("http://127.0.0.1:" + std::to_string(port) + "/db.php");
        INFO(r.describe() << "\n" << pogo.describe());
        REQUIRE(r.status == 200);
        json j = body_json(r);
        CHECK(j["mysqli_socket"] == sock);
        CHECK(j["pdo_socket"] == sock);
        CHECK(j["mysqli"] == "42");
        CHECK(j["mysqli_host_info"] == "Localhost via UNIX socket");
        CHECK(j["pdo"] == 42);
        CHECK(pogo.stop() == 0);
    }

    SUBCASE("pogo php-cli, a php.ini named by PHPRC") {
        write_file(dir / "php.ini", "mysqli.default_socket = " + sock + "\npdo_mysql.default_socket = " + sock + "\n");
        RunResult r = run_pogo({"php-cli", (dir / "www" / "db.php").string()}, {"PHPRC=" + (dir / "php.ini").string()});
        INFO("stdout: " << r.out << "\nstderr: " << r.err);
        REQUIRE(r.exit_code == 0);
        json j = json::parse(r.out.substr(r.out.find('{')), nullptr, false);
        REQUIRE(!j.is_discarded());
        CHECK(j["mysqli_socket"] == sock);
        CHECK(j["mysqli"] == "42");
        CHECK(j["pdo"] == 42);
    }
}

TEST_CASE("WordPress: web installer, front page, login, dashboard, REST API, comment, media upload") {
    MariaDbServer& db = mariadb();
    db.sql(std::string("DROP DATABASE IF EXISTS ") + kDbName + "; CREATE DATABASE " + kDbName + " CHARACTER SET utf8mb4;");
    TempDir dir;
    const fs::path root = dir / "wordpress";
    install_files(root, db.socket());
    const std::string png = make_png(dir);

    int port = free_port();
    write_file(dir / "Caddyfile", caddyfile(port, root));
    PogoProcess pogo({"run", "--config", (dir / "Caddyfile").string()});
    REQUIRE_MESSAGE(pogo.wait_listening(), pogo.describe());
    const std::string site = "http://127.0.0.1:" + std::to_string(port);
    HttpClient browser;
    browser.keep_cookies();

    // The installer: the form, then step 2 creates the tables and the administrator.
    Response r = browser.get(site + "/wp-admin/install.php");
    INFO("pogo: " << pogo.describe());
    REQUIRE_MESSAGE(r.status == 200, r.describe());
    CHECK(r.body.find("weblog_title") != std::string::npos);
    r = browser.post_form(site + "/wp-admin/install.php?step=2",
                          {{"weblog_title", kTitle},
                           {"user_name", kAdmin},
                           {"admin_password", kAdminPassword},
                           {"admin_password2", kAdminPassword},
                           {"pw_weak", "1"},
                           {"admin_email", "admin@pogo.test"},
                           {"blog_public", "0"},
                           {"language", ""}});
    REQUIRE_MESSAGE(r.status == 200, r.describe());
    REQUIRE_MESSAGE(r.body.find("Success!") != std::string::npos, r.describe());

    // The front page, rendered by the block theme from the database.
    r = browser.get(site + "/");
    REQUIRE_MESSAGE(r.status == 200, r.describe());
    CHECK(r.body.find(kTitle) != std::string::npos);
    CHECK(r.body.find("Hello world!") != std::string::npos);

    // Logging in: wp-login.php sets its test cookie first, and refuses a POST without it.
    r = browser.get(site + "/wp-login.php");
    REQUIRE_MESSAGE(r.status == 200, r.describe());
    r = browser.post_form(site + "/wp-login.php", {{"log", kAdmin},
                                                   {"pwd", kAdminPassword},
                                                   {"wp-submit", "Log In"},
                                                   {"redirect_to", site + "/wp-admin/"},
                                                   {"testcookie", "1"}});
    REQUIRE_MESSAGE(r.status == 302, r.describe());
    CHECK(r.header("Location") == site + "/wp-admin/");
    bool logged_in = false;
    for (const auto& c : r.headers_named("Set-Cookie")) logged_in |= c.rfind("wordpress_logged_in_", 0) == 0;
    CHECK(logged_in);

    r = browser.get(site + "/wp-admin/");
    REQUIRE_MESSAGE(r.status == 200, r.describe());
    CHECK(r.body.find("<title>Dashboard") != std::string::npos);

    // The REST API, through php_server's try_files to index.php (pretty permalinks).
    r = browser.get(site + "/wp-json/wp/v2/posts");
    REQUIRE_MESSAGE(r.status == 200, r.describe());
    CHECK(r.header("Content-Type").rfind("application/json", 0) == 0);
    json posts = body_json(r);
    REQUIRE(posts.is_array());
    REQUIRE(posts.size() == 1);
    CHECK(posts[0]["title"]["rendered"] == "Hello world!");
    const int post_id = posts[0]["id"].get<int>();

    // A comment by the logged-in administrator: approved at once, then public through the API.
    const std::string comment = unique_token("pogo-comment");
    r = browser.post_form(site + "/wp-comments-post.php",
                          {{"comment", "A comment through Pogo: " + comment},
                           {"comment_post_ID", std::to_string(post_id)},
                           {"comment_parent", "0"},
                           {"submit", "Post Comment"}});
    REQUIRE_MESSAGE(r.status == 302, r.describe());
    CHECK(r.header("Location").find("#comment-") != std::string::npos);
    HttpClient anonymous;
    r = anonymous.get(site + "/wp-json/wp/v2/comments?post=" + std::to_string(post_id));
    REQUIRE_MESSAGE(r.status == 200, r.describe());
    json comments = body_json(r);
    bool found = false;
    for (const auto& c : comments) found |= c["content"]["rendered"].get<std::string>().find(comment) != std::string::npos;
    CHECK_MESSAGE(found, r.body);

    // A media upload through the REST API, authenticated by the login cookie and a REST nonce.
    r = browser.get(site + "/wp-admin/admin-ajax.php?action=rest-nonce");
    REQUIRE_MESSAGE(r.status == 200, r.describe());
    const std::string nonce = r.body;
    REQUIRE(std::regex_match(nonce, std::regex("[0-9a-f]{10}")));
    r = browser.post_raw(site + "/wp-json/wp/v2/media", png, "image/png",
                         {"Content-Disposition: attachment; filename=\"pogo-upload.png\"", "X-WP-Nonce: " + nonce});
    REQUIRE_MESSAGE(r.status == 201, r.describe());
    json media = body_json(r);
    CHECK(media["mime_type"] == "image/png");
    CHECK(media["media_details"]["width"] == 64);
    CHECK(media["media_details"]["height"] == 48);
    const std::string source_url = media["source_url"].get<std::string>();
    REQUIRE(source_url.rfind(site + "/wp-content/uploads/", 0) == 0);
    CHECK(source_url.ends_with("/pogo-upload.png"));

    // The file landed under the site's wp-content and is served back, byte for byte.
    r = anonymous.get(source_url);
    REQUIRE_MESSAGE(r.status == 200, r.describe());
    CHECK(r.header("Content-Type") == "image/png");
    CHECK(r.body == png);

    // The media library lists it for the administrator.
    r = browser.get(site + "/wp-admin/upload.php?mode=list");
    REQUIRE_MESSAGE(r.status == 200, r.describe());
    CHECK(r.body.find("pogo-upload") != std::string::npos);

    CHECK(pogo.stop() == 0);
    // PHP's notices and warnings go to the server log: WordPress ran without a fatal error.
    CHECK(pogo.stderr_text().find("PHP Fatal error") == std::string::npos);
}

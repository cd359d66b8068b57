// The edges of issue 16 through the real binary: chunked framing that cannot smuggle a second
// request, Host values Caddy refuses, one behaviour for "*.php.bak"-style paths in `pogo run` and
// `pogo php-server`, and the built-in hide list (dotfiles, version control, backup copies of
// scripts) in every static file server, with its opt-out. Raw sockets where curl would normalize.
#include "tests/e2e/common.h"

using namespace e2e;
namespace fs = std::filesystem;

namespace {

// A document root with a front controller, a script that leaves a trace file per request (in
// traces/, outside the root), and one file for every rule of the built-in hide list.
struct EdgeTree {
    TempDir dir;
    fs::path root, traces;
    EdgeTree() {
        root = dir / "www";
        traces = dir / "traces";
        fs::create_directories(traces);
        for (const char* d : {".git", ".svn", ".hg", "sub", ".well-known/acme-challenge"}) fs::create_directories(root / d);
        write_file(root / "index.php", "<?php echo \"front controller\\n\";");
        // Reads its body first: a response cannot start before the body has ended well.
        write_file(root / "touch.php",
                   "<?php file_get_contents('php://input');\n"
                   "touch(__DIR__ . '/../traces/' . basename($_GET['t'])); echo 'touched ', $_GET['t'];");
        write_file(root / "secret.php", "<?php // SOURCE-OF-SECRET\necho 'SECRET-RAN';");
        write_file(root / "secret.php.bak", "BACKUP-OF-SECRET <?php echo 'old';");
        for (const char* f : {".env", ".env.local", ".git/config", ".git/HEAD", ".svn/entries", ".hg/hgrc", ".htaccess",
                              "sub/.htpasswd", "secret.php~", "secret.php.swp", "secret.php.orig"})
            write_file(root / f, std::string("HIDDEN-CONTENT ") + f);
        write_file(root / ".well-known/acme-challenge/token", "WELL-KNOWN-OK");
        write_file(root / "plain.txt", "PLAIN-OK");
    }
    bool traced(std::string_view token) const { return fs::exists(traces / token); }
};

const char* const kHidden[] = {
    "/.env",        "/.env.local",   "/.git/config",    "/.git/HEAD",       "/.svn/entries", "/.hg/hgrc",
    "/.htaccess",   "/sub/.htpasswd", "/secret.php.bak", "/secret.php~",    "/secret.php.swp",
    "/secret.php.orig", "/%2eenv",
};

// `pogo run` with `site_body` inside a site block for the tree's root, on a free port.
std::unique_ptr<PogoProcess> start_run(const EdgeTree& t, const std::string& site_body) {
    int port = free_port();
    fs::path caddyfile = t.dir / "Caddyfile";
    write_file(caddyfile, "{\n\tadmin off\n\tauto_https off\n}\nhttp://127.0.0.1:" + std::to_string(port) + " {\n\troot * " +
                              t.root.string() + "\n" + site_body + "\n}\n");
    auto pogo = std::make_unique<PogoProcess>(std::vector<std::string>{"run", "--config", caddyfile.string()});
    REQUIRE_MESSAGE(pogo->wait_listening(), pogo->describe());
    return pogo;
}

RawResponse raw_get(int port, std::string_view target, std::string_view host = "127.0.0.1") {
    std::string request = "GET " + std::string(target) + " HTTP/1.1\r\nHost: " + std::string(host) +
                          "\r\nConnection: close\r\n\r\n";
    RawResult res = raw_exchange(port, request);
    INFO(res.received);
    CHECK(res.closed);
    return parse_response(res.received);
}

// Every hidden path answers 404 (and never shows the file) with the defaults, and is served with
// the opt-out; /.well-known/ and ordinary files are served either way.
void check_hide_list(int port, bool hide_defaults) {
    for (const char* path : kHidden) {
        CAPTURE(path);
        RawResponse r = raw_get(port, path);
        if (hide_defaults) {
            CHECK(r.status == 404);
            CHECK(r.body.find("HIDDEN-CONTENT") == std::string::npos);
            CHECK(r.body.find("BACKUP-OF-SECRET") == std::string::npos);
        } else {
            CHECK(r.status == 200);
            CHECK((r.body.starts_with("HIDDEN-CONTENT") || r.body.starts_with("BACKUP-OF-SECRET")));
        }
        CHECK(r.body.find("SECRET-RAN") == std::string::npos);  // a backup never runs its script
    }
    CHECK(raw_get(port, "/.well-known/acme-challenge/token").body == "WELL-KNOWN-OK");
    CHECK(raw_get(port, "/plain.txt").body == "PLAIN-OK");
}

}  // namespace

TEST_CASE("a chunk's data not followed by CRLF is a 400, and the request behind it never runs") {
    EdgeTree t;
    auto server = start_php_server(t.root);
    auto pair = [](std::string_view chunk_end, std::string_view token) {
        return "POST /touch.php?t=" + std::string(token) + "-first HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               "Transfer-Encoding: chunked\r\n\r\n5\r\nhello" + std::string(chunk_end) + "0\r\n\r\n"
               "GET /touch.php?t=" + std::string(token) + "-smuggled HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               "Connection: close\r\n\r\n";
    };
    // The control: well framed, both requests run and leave their traces.
    RawResult good = raw_exchange(server->port(), pair("\r\n", "good"));
    INFO(good.received);
    RawResponse first = parse_response(good.received);
    CHECK(first.status == 200);
    CHECK(parse_response(std::string_view(good.received).substr(first.consumed)).status == 200);
    CHECK(t.traced("good-smuggled"));

    for (std::string_view bad : {"XX", "", "\n", "\r"}) {
        CAPTURE(bad);
        std::string token = "bad" + std::to_string(bad.size()) + (bad == "\n" ? "lf" : "");
        RawResult res = raw_exchange(server->port(), pair(bad, token));
        INFO(res.received);
        RawResponse r = parse_response(res.received);
        CHECK(r.status == 400);
        CHECK(res.closed);
        CHECK(r.consumed == res.received.size());  // one response only: nothing parsed after it
        CHECK_FALSE(t.traced(token + "-smuggled"));
    }
    CHECK(server->wait_stderr("chunk data not followed by CRLF"));
    // The server is unharmed, and a request that leaves a trace after all of it runs normally.
    HttpClient client;
    CHECK(client.get(server->url("/touch.php?t=after")).status == 200);
    CHECK(t.traced("after"));
    for (const char* token : {"bad2-smuggled", "bad0-smuggled", "bad1lf-smuggled", "bad1-smuggled"}) {
        CAPTURE(token);
        CHECK_FALSE(t.traced(token));
    }
}

TEST_CASE("overlong chunk extensions are a 400") {
    EdgeTree t;
    auto server = start_php_server(t.root);
    std::string request = "POST /touch.php?t=ext HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n1;" +
                          std::string(8000, 'e') + "\r\na\r\n0\r\n\r\n";
    RawResult res = raw_exchange(server->port(), request);
    INFO(res.received);
    CHECK(parse_response(res.received).status == 400);
    CHECK(res.closed);
}

TEST_CASE("Host values Caddy refuses are a 400; IPv6 literals and ports are fine") {
    EdgeTree t;
    auto server = start_php_server(t.root);
    const std::pair<const char*, int> cases[] = {
        {"x y<script>", 400}, {"a\"b", 400}, {"example.com/evil", 400}, {"u@example.com", 400},
        {"127.0.0.1", 200},   {"[::1]", 200}, {"[::1]:8080", 200},      {"example.com:80", 200},
    };
    for (const auto& [host, status] : cases) {
        CAPTURE(host);
        RawResponse r = raw_get(server->port(), "/plain.txt", host);
        CHECK(r.status == status);
    }
    // two Host headers
    RawResult two = raw_exchange(server->port(), "GET /plain.txt HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
    CHECK(parse_response(two.received).status == 400);
    // HTTP/1.1 needs a Host, HTTP/1.0 does not
    CHECK(parse_response(raw_exchange(server->port(), "GET /plain.txt HTTP/1.1\r\n\r\n").received).status == 400);
    RawResult old = raw_exchange(server->port(), "GET /plain.txt HTTP/1.0\r\n\r\n");
    CHECK(parse_response(old.received).status == 200);
}

TEST_CASE("php-server: the built-in hide list, and --no-hide-defaults") {
    EdgeTree t;
    {
        auto server = start_php_server(t.root, {"--debug"});
        check_hide_list(server->port(), true);
        CHECK(server->wait_stderr("not serving a hidden path"));
    }
    auto server = start_php_server(t.root, {"--no-hide-defaults"});
    check_hide_list(server->port(), false);
}

TEST_CASE("pogo run: php_server and file_server hide the same list; hide_defaults off serves it") {
    EdgeTree t;
    const std::pair<const char*, bool> sites[] = {
        {"\tphp_server", true},
        {"\tphp_server {\n\t\thide_defaults off\n\t}", false},
        {"\tfile_server", true},
        {"\tfile_server {\n\t\thide_defaults off\n\t}", false},
        {"\tfile_server browse", true},
    };
    for (const auto& [body, hide] : sites) {
        CAPTURE(body);
        auto pogo = start_run(t, body);
        check_hide_list(pogo->port(), hide);
    }
}

TEST_CASE("*.php.bak-style paths behave the same in pogo run and php-server, as in Caddy") {
    EdgeTree t;
    write_file(t.root / "hello.php", "<?php echo 'hello ran';");
    struct Case {
        const char* target;
        int status;
        const char* body;  // a prefix
    };
    // With the defaults: the backup is hidden; a backup name with no file behind it reaches the
    // front controller (the path has no ".php" ending a segment), never the script it names.
    const Case hidden[] = {
        {"/secret.php.bak", 404, ""},
        {"/hello.php.bak", 200, "front controller"},
        {"/hello.php.bak/x", 200, "front controller"},
        {"/hello.php/x", 200, "hello ran"},
        {"/secret.php", 200, "SECRET-RAN"},
    };
    // With the opt-out: the backup is a plain file, as Caddy + FrankenPHP serve it.
    const Case served[] = {
        {"/secret.php.bak", 200, "BACKUP-OF-SECRET"},
        {"/hello.php.bak", 200, "front controller"},
    };
    auto check = [](int port, const auto& cases) {
        for (const Case& c : cases) {
            CAPTURE(c.target);
            RawResponse r = raw_get(port, c.target);
            CHECK(r.status == c.status);
            CHECK(r.body.starts_with(c.body));
            if (std::string_view(c.target) != "/secret.php") CHECK(r.body.find("SECRET-RAN") == std::string::npos);
        }
    };
    {
        auto server = start_php_server(t.root);
        check(server->port(), hidden);
    }
    {
        auto server = start_php_server(t.root, {"--no-hide-defaults"});
        check(server->port(), served);
    }
    {
        auto pogo = start_run(t, "\tphp_server");
        check(pogo->port(), hidden);
    }
    auto pogo = start_run(t, "\tphp_server {\n\t\thide_defaults off\n\t}");
    check(pogo->port(), served);
}

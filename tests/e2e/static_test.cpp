// Static files next to the PHP scripts: bodies, validators (ETag, Last-Modified, 304), ranges
// (206, 416), directory indexes, and php_server's path resolution (308 to a directory's slash
// form, try_files falling back to index.php).
#include "tests/e2e/common.h"

using namespace e2e;

TEST_CASE("a text file is served with its type, length and validators") {
    auto server = start_php_server(app_root());
    HttpClient client;
    const std::string content = read_file(app_root() / "static.txt");
    Response r = client.get(server->url("/static.txt"));
    INFO(r.describe());
    REQUIRE(r.status == 200);
    CHECK(r.body == content);
    CHECK(r.header("Content-Type").starts_with("text/plain"));
    CHECK(r.header("Content-Length") == std::to_string(content.size()));
    CHECK(!r.header("ETag").empty());
    CHECK(!r.header("Last-Modified").empty());
}

TEST_CASE("a binary file is served byte for byte") {
    auto server = start_php_server(app_root());
    HttpClient client;
    const std::string content = read_file(app_root() / "assets" / "binary.bin");
    Response r = client.get(server->url("/assets/binary.bin"));
    INFO(r.describe());
    REQUIRE(r.status == 200);
    CHECK(r.body.size() == content.size());
    CHECK(r.body == content);
}

TEST_CASE("HEAD on a static file: headers, no body") {
    auto server = start_php_server(app_root());
    HttpClient client;
    const std::string content = read_file(app_root() / "static.txt");
    Response r = client.head(server->url("/static.txt"));
    INFO(r.describe());
    CHECK(r.status == 200);
    CHECK(r.header("Content-Length") == std::to_string(content.size()));
    CHECK(r.body.empty());
    // The connection is still usable afterwards (no body bytes were left on it).
    Response next = client.get(server->url("/static.txt"));
    CHECK(next.body == content);
    CHECK(next.new_connections == 0);
}

TEST_CASE("conditional requests: 304 with If-None-Match and If-Modified-Since") {
    auto server = start_php_server(app_root());
    HttpClient client;
    Response first = client.get(server->url("/static.txt"));
    REQUIRE(first.status == 200);
    const std::string etag = first.header("ETag");
    const std::string modified = first.header("Last-Modified");
    REQUIRE(!etag.empty());
    REQUIRE(!modified.empty());

    Response by_etag = client.get(server->url("/static.txt"), {"If-None-Match: " + etag});
    INFO(by_etag.describe());
    CHECK(by_etag.status == 304);
    CHECK(by_etag.body.empty());

    Response by_list = client.get(server->url("/static.txt"), {"If-None-Match: \"nope\", " + etag});
    CHECK(by_list.status == 304);

    Response by_date = client.get(server->url("/static.txt"), {"If-Modified-Since: " + modified});
    INFO(by_date.describe());
    CHECK(by_date.status == 304);

    Response other_etag = client.get(server->url("/static.txt"), {"If-None-Match: \"something-else\""});
    CHECK(other_etag.status == 200);
    CHECK(other_etag.body == first.body);

    Response old_date = client.get(server->url("/static.txt"), {"If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT"});
    CHECK(old_date.status == 200);
}

TEST_CASE("byte ranges: 206 with the right bytes, 416 when unsatisfiable") {
    auto server = start_php_server(app_root());
    HttpClient client;
    const std::string content = read_file(app_root() / "assets" / "binary.bin");
    const std::string total = std::to_string(content.size());
    const std::string url = server->url("/assets/binary.bin");

    Response mid = client.get(url, {"Range: bytes=100-299"});
    INFO(mid.describe());
    CHECK(mid.status == 206);
    CHECK(mid.body == content.substr(100, 200));
    CHECK(mid.header("Content-Range") == "bytes 100-299/" + total);
    CHECK(mid.header("Content-Length") == "200");

    Response open_end = client.get(url, {"Range: bytes=4000-"});
    CHECK(open_end.status == 206);
    CHECK(open_end.body == content.substr(4000));

    Response suffix = client.get(url, {"Range: bytes=-5"});
    CHECK(suffix.status == 206);
    CHECK(suffix.body == content.substr(content.size() - 5));

    Response past_end = client.get(url, {"Range: bytes=" + std::to_string(content.size() + 100) + "-"});
    INFO(past_end.describe());
    CHECK(past_end.status == 416);
    CHECK(past_end.header("Content-Range") == "bytes */" + total);

    // If-Range with a stale validator: the whole file, 200.
    Response stale = client.get(url, {"Range: bytes=0-9", "If-Range: \"stale-etag\""});
    CHECK(stale.status == 200);
    CHECK(stale.body == content);
}

TEST_CASE("php-server: a directory without index.php goes to the front controller; its index.html is a file") {
    // As php_server in a Caddyfile (and FrankenPHP's try_files {path} {path}/index.php index.php):
    // {path} wants a file, so "/docs/" falls through to index.php.
    auto server = start_php_server(app_root());
    HttpClient client;
    Response r = client.get(server->url("/docs/"));
    INFO(r.describe());
    CHECK(r.status == 200);
    CHECK(r.body.starts_with("front controller"));
    Response file = client.get(server->url("/docs/index.html"));
    CHECK(file.status == 200);
    CHECK(file.body == read_file(app_root() / "docs" / "index.html"));
    CHECK(file.header("Content-Type").starts_with("text/html"));
}

TEST_CASE("a directory with index.php: 308 to the slash form, which runs the script") {
    auto server = start_php_server(app_root());
    HttpClient client;
    Response r = client.get(server->url("/sub"));
    INFO(r.describe());
    CHECK(r.status == 308);
    CHECK(r.header("Location") == "/sub/");

    Response q = client.get(server->url("/sub?x=1"));
    CHECK(q.status == 308);
    CHECK(q.header("Location") == "/sub/?x=1");

    Response slash = client.get(server->url("/sub/"));
    INFO(slash.describe());
    CHECK(slash.status == 200);
    CHECK(slash.body == "sub index, SCRIPT_NAME=/sub/index.php");
}

TEST_CASE("unknown paths fall back to the front controller index.php") {
    auto server = start_php_server(app_root());
    HttpClient client;
    for (const char* path : {"/", "/blog/2024/some-post", "/missing.txt?q=1", "/missing.php"}) {
        CAPTURE(path);
        Response r = client.get(server->url(path));
        INFO(r.describe());
        CHECK(r.status == 200);
        CHECK(r.body == std::string("front controller\nREQUEST_URI=") + path + "\n");
    }
}

// The open-file cache (server/file_cache) through `pogo run`: a file changed, replaced by rename,
// deleted or created on disk between requests is what the next requests see (within the cache's
// 1 s revalidation, polled here with the harness deadline), through php_server and file_server.
TEST_CASE("pogo run: files changed on disk between requests are served as they are now") {
    TempDir dir;
    write_file(dir / "app/page.txt", "version one\n");
    write_file(dir / "app/swap.css", "body { color: red }\n");
    write_file(dir / "app/gone.txt", "still here\n");
    write_file(dir / "app/index.php", "<?php echo 'PHP:' . $_SERVER['REQUEST_URI'];\n");
    write_file(dir / "files/tiny.txt", "t1");
    int php_port = free_port(), files_port = free_port();
    write_file(dir / "Caddyfile", "{\n\tadmin off\n\tauto_https off\n}\n"
                                  "http://127.0.0.1:" + std::to_string(php_port) + " {\n\troot * " +
                                      (dir / "app").string() + "\n\tphp_server\n}\n"
                                  "http://127.0.0.1:" + std::to_string(files_port) + " {\n\troot * " +
                                      (dir / "files").string() + "\n\tfile_server\n}\n");
    PogoProcess pogo({"run", "--config", (dir / "Caddyfile").string()});
    REQUIRE_MESSAGE(pogo.wait_listening(), pogo.describe());
    HttpClient client;
    const std::string php = "http://127.0.0.1:" + std::to_string(php_port);
    const std::string files = "http://127.0.0.1:" + std::to_string(files_port);
    auto body_is = [&](const std::string& url, const std::string& want) {
        return poll_until([&] {
            Response r = client.get(url);
            return r.status == 200 && r.body == want;
        });
    };

    // Both servers up (wait_listening saw the first one's line).
    REQUIRE(body_is(php + "/page.txt", "version one\n"));
    REQUIRE(body_is(files + "/tiny.txt", "t1"));

    // Warm: the same bytes twice, with validators that a 304 and a Range answer from.
    Response first = client.get(php + "/page.txt");
    INFO(first.describe());
    REQUIRE(first.status == 200);
    CHECK(first.body == "version one\n");
    Response again = client.get(php + "/page.txt");
    CHECK(again.body == first.body);
    CHECK(again.header("ETag") == first.header("ETag"));
    CHECK(client.get(php + "/page.txt", {"If-None-Match: " + first.header("ETag")}).status == 304);
    Response part = client.get(php + "/page.txt", {"Range: bytes=8-10"});
    CHECK(part.status == 206);
    CHECK(part.body == "one");
    Response head = client.head(php + "/page.txt");
    CHECK(head.status == 200);
    CHECK(head.header("Content-Length") == "12");
    CHECK(head.body.empty());

    // Edited in place (longer), replaced by a rename, deleted, created after a 404.
    write_file(dir / "app/page.txt", "version two, longer\n");
    write_file(dir / "app/swap.tmp", "body { color: blue }\n");
    std::filesystem::rename(dir / "app/swap.tmp", dir / "app/swap.css");
    std::filesystem::remove(dir / "app/gone.txt");
    CHECK(client.get(files + "/new.txt").status == 404);
    write_file(dir / "files/new.txt", "brand new");
    write_file(dir / "files/tiny.txt", "t2");

    CHECK(body_is(php + "/page.txt", "version two, longer\n"));
    CHECK(body_is(php + "/swap.css", "body { color: blue }\n"));
    CHECK(poll_until([&] {  // gone: php_server's try_files falls back to index.php
        return client.get(php + "/gone.txt").body == "PHP:/gone.txt";
    }));
    CHECK(body_is(files + "/new.txt", "brand new"));
    CHECK(body_is(files + "/tiny.txt", "t2"));
    Response changed = client.get(php + "/page.txt");
    CHECK(changed.header("ETag") != first.header("ETag"));
    CHECK(client.get(php + "/page.txt", {"If-None-Match: " + first.header("ETag")}).status == 200);
    CHECK(pogo.stop() == 0);
}

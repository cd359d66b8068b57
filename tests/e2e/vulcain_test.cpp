// The `vulcain` directive end to end: `pogo run` with a Caddyfile serving PHP scripts that answer
// a JSON-LD collection (a `member` array of books with `@id`s and `author` links), asked with
// Preload and Fields headers and query parameters over HTTP/1.1 (libcurl and a raw socket, which
// sees the 103 Early Hints) and h2c; what is not a JSON document, or too big, passes untouched.
#include <string>

#include "tests/e2e/common.h"

using namespace e2e;
namespace fs = std::filesystem;

namespace {

const char* const kBooks = R"PHP(<?php
header('Content-Type: application/ld+json; charset=utf-8');
$members = [];
for ($i = 1; $i <= 20; $i++) {
    $members[] = ['@id' => "/books/$i", 'title' => "Book $i", 'genre' => 'novel', 'author' => '/authors/' . ($i % 2 + 1)];
}
echo json_encode(['@id' => '/books', '@type' => 'Collection', 'member' => $members, 'totalItems' => 20],
                 JSON_UNESCAPED_SLASHES | JSON_PRETTY_PRINT);
)PHP";

struct Server {
    TempDir dir;
    int port = 0;
    std::unique_ptr<PogoProcess> pogo;
    std::string url(std::string_view path) const { return "http://127.0.0.1:" + std::to_string(port) + std::string(path); }
};

std::unique_ptr<Server> start_server() {
    auto s = std::make_unique<Server>();
    const fs::path root = s->dir.path() / "public";
    fs::create_directories(root);
    write_file(root / "books.php", kBooks);
    write_file(root / "quiet.php", kBooks);
    write_file(root / "page.php", "<?php echo '<a href=\"/authors/1\">author</a>';");
    write_file(root / "broken.php", "<?php header('Content-Type: application/json'); echo '{\"author\": \"/authors/1\"';");
    write_file(root / "no-transform.php",
               "<?php header('Content-Type: application/json'); header('Cache-Control: no-transform');"
               "echo '{\"author\":\"/authors/1\",\"title\":\"x\"}';");
    // Past the 10 MiB bound, with no Content-Length (PHP streams it chunked).
    write_file(root / "big.php",
               "<?php header('Content-Type: application/json'); echo '{\"author\":\"/authors/1\",\"pad\":[';"
               "for ($i = 0; $i < 11 * 1024; $i++) { echo ($i ? ',' : ''), json_encode(str_repeat('x', 1000)); flush(); }"
               "echo ']}';");
    write_file(root / "book.json", R"({"@id": "/books/7", "title": "Static", "author": "/authors/3", "isbn": "123"})");
    s->port = free_port();
    write_file(s->dir.path() / "Caddyfile", R"({
	admin off
	servers {
		protocols h1 h2 h2c
	}
}
http://127.0.0.1:{$PORT} {
	root * {$ROOT}
	encode gzip
	route {
		vulcain
		vulcain /quiet.php {
			early_hints false
		}
		header /hello.json >Content-Type application/json
		respond /hello.json `{"author": "/authors/9", "x": 1}`
		php_server
	}
}
)");
    s->pogo = std::make_unique<PogoProcess>(std::vector<std::string>{"run", "--config", (s->dir.path() / "Caddyfile").string()},
                                            std::vector<std::string>{"PORT=" + std::to_string(s->port), "ROOT=" + root.string()});
    REQUIRE_MESSAGE(s->pogo->wait_listening(), s->pogo->describe());
    return s;
}

const std::vector<std::string> kAuthorLinks = {"</authors/2>; rel=preload; as=fetch", "</authors/1>; rel=preload; as=fetch"};

// Every Vary header's value, joined.
std::string vary(const Response& r) {
    std::string out;
    for (const auto& v : r.headers_named("Vary")) out += (out.empty() ? "" : ", ") + v;
    return out;
}

bool has_interim_103(const Response& r) {
    return r.status_lines.size() == 2 && r.status_lines[0].find(" 103") != std::string::npos;
}

}  // namespace

TEST_CASE("vulcain: Preload adds Link headers, sent first in a 103, and leaves the body as PHP wrote it") {
    auto s = start_server();
    HttpClient client;
    Response plain = client.get(s->url("/books.php"));
    REQUIRE(plain.status == 200);
    CHECK(plain.headers_named("Link").empty());
    CHECK(plain.status_lines.size() == 1);
    // A JSON response of a route with vulcain varies on the directives, asked for or not.
    CHECK(plain.header("Vary") == "Preload, Fields");

    Response r = client.get(s->url("/books.php"), {"Preload: \"/member/*/author\""});
    INFO(r.describe());
    REQUIRE(r.status == 200);
    CHECK(r.headers_named("Link") == kAuthorLinks);
    CHECK(has_interim_103(r));
    CHECK(r.body == plain.body);  // pretty-printed as it came
    CHECK(r.header("Content-Length") == std::to_string(r.body.size()));

    // Several header lines, a bare pointer, a parameter, and members that are not selectors.
    r = client.get(s->url("/books.php"), {"Preload: /member/*/@id; as=fetch, 42", "Preload: \"/member/0/author\""});
    std::vector<std::string> links = r.headers_named("Link");
    REQUIRE(links.size() == 21);
    CHECK(links[0] == "</books/1>; rel=preload; as=fetch");
    CHECK(links[19] == "</books/20>; rel=preload; as=fetch");
    CHECK(links[20] == "</authors/2>; rel=preload; as=fetch");

    // early_hints false: the Link headers without the 103.
    r = client.get(s->url("/quiet.php"), {"Preload: \"/member/*/author\""});
    CHECK(r.headers_named("Link") == kAuthorLinks);
    CHECK(r.status_lines.size() == 1);
    CHECK(s->pogo->stop() == 0);
}

TEST_CASE("vulcain: the 103 Early Hints on the wire, before the final response") {
    auto s = start_server();
    RawConnection conn(s->port);
    REQUIRE(conn.connected());
    REQUIRE(conn.send("GET /books.php HTTP/1.1\r\nHost: 127.0.0.1\r\nPreload: \"/member/*/author\"\r\n"
                      "Fields: \"/member/*/author\"\r\n\r\n"));
    REQUIRE(conn.read_until("]}"));
    const std::string& got = conn.received();
    INFO(got);
    size_t hints = got.find("HTTP/1.1 103 Early Hints\r\n");
    size_t final_status = got.find("HTTP/1.1 200 ");
    REQUIRE(hints == 0);
    REQUIRE(final_status != std::string::npos);
    std::string interim = got.substr(0, final_status);
    CHECK(interim.find("Link: </authors/2>; rel=preload; as=fetch\r\n") != std::string::npos);
    CHECK(interim.find("Link: </authors/1>; rel=preload; as=fetch\r\n") != std::string::npos);
    RawResponse r = parse_response(std::string_view(got).substr(final_status));
    REQUIRE(r.complete);
    CHECK(r.header("Content-Length") == std::to_string(r.body.size()));
    json j = json::parse(r.body);
    REQUIRE(j["member"].size() == 20);
    CHECK(j["member"][0] == json{{"author", "/authors/2"}});
    CHECK(s->pogo->stop() == 0);
}

TEST_CASE("vulcain: Fields filters the document; Content-Length and Vary follow") {
    auto s = start_server();
    HttpClient client;
    Response r = client.get(s->url("/books.php"), {"Fields: \"/member/*/title\", \"/@id\"", "Fields: \"/totalItems\""});
    INFO(r.describe());
    REQUIRE(r.status == 200);
    json j = body_json(r);
    CHECK(j.size() == 3);
    CHECK(j["@id"] == "/books");
    CHECK(j["totalItems"] == 20);
    REQUIRE(j["member"].size() == 20);
    CHECK(j["member"][4] == json{{"title", "Book 5"}});
    CHECK(r.header("Content-Length") == std::to_string(r.body.size()));
    CHECK(vary(r).find("Preload, Fields") != std::string::npos);
    CHECK(r.headers_named("Link").empty());
    CHECK(r.status_lines.size() == 1);  // nothing to preload, no hints

    // With encode: the filtered document is what gets compressed.
    Request req;
    req.url = s->url("/books.php");
    req.headers = {"Fields: \"/member/*/author\", \"/member/*/title\"", "Preload: \"/member/*/author\""};
    req.accept_encoding = "gzip";
    r = client.perform(req);
    REQUIRE(r.status == 200);
    CHECK(r.header("Content-Encoding") == "gzip");
    j = body_json(r);
    CHECK(j["member"][1] == json{{"title", "Book 2"}, {"author", "/authors/1"}});
    CHECK(r.headers_named("Link") == kAuthorLinks);
    CHECK(has_interim_103(r));

    // So does a `respond` whose Content-Type a deferred `header` sets (the respond sets its own).
    r = client.get(s->url("/hello.json"), {"Fields: \"/x\"", "Preload: \"/author\""});
    REQUIRE(r.status == 200);
    CHECK(r.body == R"({"x":1})");
    CHECK(r.headers_named("Link").empty());  // a field left out is not preloaded either
    r = client.get(s->url("/hello.json"), {"Fields: \"/x\", \"/author\"", "Preload: \"/author\""});
    CHECK(r.body == R"({"author":"/authors/9","x":1})");
    CHECK(r.headers_named("Link") == std::vector<std::string>{"</authors/9>; rel=preload; as=fetch"});

    // A static JSON file goes through the same filter.
    r = client.get(s->url("/book.json"), {"Fields: \"/title\", \"/author\"", "Preload: \"/author\""});
    REQUIRE(r.status == 200);
    CHECK(r.body == R"({"title":"Static","author":"/authors/3"})");
    CHECK(r.headers_named("Link") == std::vector<std::string>{"</authors/3>; rel=preload; as=fetch"});
    CHECK(s->pogo->stop() == 0);
}

TEST_CASE("vulcain: query parameters, and relations rewritten to carry the rest of the selector") {
    auto s = start_server();
    HttpClient client;
    Response r = client.get(s->url("/books.php?preload=" + url_encode("\"/member/*/author\"") +
                                   "&fields=" + url_encode("\"/member/*/author/name\"")));
    INFO(r.describe());
    REQUIRE(r.status == 200);
    json j = body_json(r);
    REQUIRE(j.size() == 1);
    CHECK(j["member"][0] == json{{"author", "/authors/2?fields=%22%2Fname%22"}});
    CHECK(r.headers_named("Link") == std::vector<std::string>{
                                         "</authors/2?fields=%22%2Fname%22>; rel=preload; as=fetch",
                                         "</authors/1?fields=%22%2Fname%22>; rel=preload; as=fetch"});
    CHECK(has_interim_103(r));
    CHECK(s->pogo->stop() == 0);
}

TEST_CASE("vulcain: h2c gets the 103 and the Link headers too") {
    auto s = start_server();
    HttpClient client;
    Request req;
    req.url = s->url("/books.php");
    req.http2_prior_knowledge = true;
    req.headers = {"Preload: \"/member/*/author\""};
    Response r = client.perform(req);
    INFO(r.describe());
    REQUIRE(r.status == 200);
    CHECK(r.http_version == "HTTP/2");
    CHECK(has_interim_103(r));
    CHECK(r.headers_named("link") == kAuthorLinks);
    CHECK(s->pogo->stop() == 0);
}

TEST_CASE("vulcain: what it cannot or must not transform passes through untouched") {
    auto s = start_server();
    HttpClient client;
    const std::vector<std::string> ask = {"Preload: \"/author\"", "Fields: \"/title\""};

    Response html = client.get(s->url("/page.php"), ask);
    CHECK(html.status == 200);
    CHECK(html.body == "<a href=\"/authors/1\">author</a>");
    CHECK(html.headers_named("Link").empty());
    CHECK(vary(html).find("Preload") == std::string::npos);

    Response broken = client.get(s->url("/broken.php"), ask);
    CHECK(broken.status == 200);
    CHECK(broken.body == "{\"author\": \"/authors/1\"");
    CHECK(broken.headers_named("Link").empty());

    Response kept = client.get(s->url("/no-transform.php"), ask);
    CHECK(kept.body == "{\"author\":\"/authors/1\",\"title\":\"x\"}");
    CHECK(kept.headers_named("Link").empty());

    // Selectors that are not selectors, or select nothing: ignored, never an error.
    Response plain = client.get(s->url("/books.php"));
    for (const char* bad : {"Preload: ???", "Preload: \"unterminated", "Fields: (\"/a\")", "Preload: \"/nope/*/x\"",
                            "Fields: \"\"", "Preload: \"/totalItems/*\""}) {
        CAPTURE(bad);
        Response r = client.get(s->url("/books.php"), {bad});
        CHECK(r.status == 200);
        CHECK(r.body == plain.body);
        CHECK(r.headers_named("Link").empty());
    }

    // Past the 10 MiB bound: sent as it came, without Link headers.
    Response big = client.get(s->url("/big.php"), ask);
    REQUIRE(big.status == 200);
    CHECK(big.body.size() > (10u << 20));
    CHECK(big.headers_named("Link").empty());
    CHECK(big.body.starts_with("{\"author\":\"/authors/1\",\"pad\":[\"xxx"));
    CHECK(big.body.ends_with("\"]}"));
    CHECK(s->pogo->stop() == 0);
}

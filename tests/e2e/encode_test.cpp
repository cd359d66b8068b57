// `encode` and `file_server` end to end: `pogo run` with one Caddyfile whose routes compress with
// brotli, zstd and gzip (Accept-Encoding q-values, then the directive's order), honour
// minimum_length and a response matcher, stream PHP output through brotli as it is flushed, and
// serve precompressed sidecars, directory listings (HTML and JSON), hidden files and pass_thru.
// Bodies are read raw (no decoding by curl) and decoded here: brotli with libbrotlidec, zstd with
// libzstd, gzip with zlib. The access log's sizes are the bytes sent.
#include <zstd.h>

#include <fstream>
#include <string>

#include "tests/e2e/common.h"
#include "tests/support/gunzip.h"
#include "tests/support/unbrotli.h"

using namespace e2e;
using pogo::test::gunzip;
using pogo::test::unbrotli;
namespace fs = std::filesystem;

namespace {

std::string unzstd(const std::string& in) {
    ZSTD_DCtx* d = ZSTD_createDCtx();
    ZSTD_inBuffer src{in.data(), in.size(), 0};
    std::string out;
    char buf[16384];
    for (;;) {
        ZSTD_outBuffer dst{buf, sizeof buf, 0};
        size_t rc = ZSTD_decompressStream(d, &dst, &src);
        if (ZSTD_isError(rc)) {
            out = "<not zstd>";
            break;
        }
        out.append(buf, dst.pos);
        if (rc == 0 && src.pos == src.size) break;
        if (dst.pos == 0 && src.pos == src.size) {
            out = "<truncated zstd>";
            break;
        }
    }
    ZSTD_freeDCtx(d);
    return out;
}

// Repetitive text of `n` bytes: compresses well, and is easy to compare.
std::string text_of(size_t n) {
    std::string s;
    while (s.size() < n) s += "Pogo serves PHP; brotli compresses it. ";
    s.resize(n);
    return s;
}

// The PHP side of the streaming test: one event, then wait (bounded) for the test to create the
// flag file — which it does only once it has decoded that event from the compressed stream —,
// then a second event.
const char* const kEvents = R"PHP(<?php
header('Content-Type: text/event-stream');
header('Cache-Control: no-cache');
echo "data: first event\n\n";
flush();
$flag = $_GET['flag'];
$until = microtime(true) + 20;
while (!file_exists($flag) && microtime(true) < $until) usleep(10000);
echo file_exists($flag) ? "data: second event\n\n" : "data: the flag never came\n\n";
)PHP";

struct Server {
    TempDir dir;
    int port = 0;
    fs::path root, log;
    std::unique_ptr<PogoProcess> pogo;
    std::string url(std::string_view path) const { return "http://127.0.0.1:" + std::to_string(port) + std::string(path); }
};

std::unique_ptr<Server> start_server() {
    auto s = std::make_unique<Server>();
    s->root = s->dir.path() / "public";
    s->log = s->dir.path() / "access.log";
    const fs::path& root = s->root;
    fs::create_directories(root / "min");
    fs::create_directories(root / "matched");
    fs::create_directories(root / "pre");
    fs::create_directories(root / "gzfirst");
    fs::create_directories(root / "browse" / "sub");
    fs::create_directories(root / "thru");
    fs::create_directories(root / "idx" / "second");
    write_file(root / "page.php", "<?php header('Content-Type: text/html; charset=UTF-8'); echo str_repeat('<p>hello pogo</p>', (int)($_GET['n'] ?? 100));");
    write_file(root / "json.php", "<?php header('Content-Type: application/json'); echo json_encode(array_fill(0, 200, 'pogo'));");
    write_file(root / "png.php", "<?php header('Content-Type: image/png'); echo str_repeat('x', 5000);");
    write_file(root / "events.php", kEvents);
    write_file(root / "min" / "small.txt", text_of(1500));
    write_file(root / "min" / "large.txt", text_of(2500));
    write_file(root / "matched" / "image.bmp", text_of(4000));
    write_file(root / "matched" / "page.html", text_of(4000));
    // Precompressed sidecars: their content says which one was served.
    for (const char* dir : {"pre", "gzfirst"}) {
        write_file(root / dir / "app.css", "body { color: plain }");
        write_file(root / dir / "app.css.br", "BROTLI BYTES");
        write_file(root / dir / "app.css.zst", "ZSTD BYTES");
        write_file(root / dir / "app.css.gz", "GZIP BYTES");
        write_file(root / dir / "only.js", "plain js");
        write_file(root / dir / "only.js.gz", "GZIP JS");
    }
    write_file(root / "browse" / "a.txt", "a");
    write_file(root / "browse" / "b & c.txt", "bc");
    write_file(root / "browse" / "secret.txt", "secret");
    write_file(root / "browse" / "notes.bak", "backup");
    write_file(root / "browse" / "sub" / "deep.txt", "deep");
    write_file(root / "thru" / "here.txt", "here");
    write_file(root / "idx" / "second" / "home.htm", "the second index");
    s->port = free_port();
    write_file(s->dir.path() / "Caddyfile", R"({
	admin off
	servers {
		protocols h1 h2 h2c
	}
}
http://127.0.0.1:{$PORT} {
	root * {$ROOT}
	log {
		output file {$LOG}
	}
	handle /min/* {
		encode gzip {
			minimum_length 2000
		}
		file_server
	}
	handle /matched/* {
		encode br {
			match {
				status 2xx
				header Content-Type image/*
			}
		}
		file_server
	}
	handle /pre/* {
		file_server {
			precompressed br zstd gzip
		}
	}
	handle /gzfirst/* {
		file_server {
			precompressed gzip br
		}
	}
	handle_path /sse/* {
		encode br {
			minimum_length 10
		}
		php_server
	}
	handle /browse* {
		file_server browse {
			hide secret.txt *.bak
		}
	}
	handle /idx/* {
		file_server {
			index index.html home.htm
		}
	}
	handle /thru/* {
		route {
			file_server {
				pass_thru
			}
			respond "fell through to the next handler" 200
		}
	}
	handle {
		encode zstd br gzip
		php_server
	}
}
)");
    s->pogo = std::make_unique<PogoProcess>(
        std::vector<std::string>{"run", "--config", (s->dir.path() / "Caddyfile").string()},
        std::vector<std::string>{"PORT=" + std::to_string(s->port), "ROOT=" + root.string(), "LOG=" + s->log.string()});
    REQUIRE_MESSAGE(s->pogo->wait_listening(), s->pogo->describe());
    return s;
}

// The access log line of the request whose URI is `uri`, once written.
json access_line(const Server& s, const std::string& uri) {
    json found;
    poll_until([&] {
        std::ifstream in(s.log);
        std::string line;
        while (std::getline(in, line)) {
            json j = json::parse(line, nullptr, false);
            if (!j.is_discarded() && j.contains("request") && j["request"].value("uri", "") == uri) found = j;
        }
        return !found.is_null();
    });
    return found;
}


TEST_CASE("encode zstd br gzip: the client's q-values first, then the directive's order") {
    auto s = start_server();
    HttpClient client;
    Response plain = client.get(s->url("/page.php"));
    REQUIRE(plain.status == 200);
    CHECK_FALSE(plain.has_header("Content-Encoding"));
    CHECK(plain.header("Vary") == "Accept-Encoding");
    const std::string html = plain.body;
    REQUIRE(html.size() == 1700);

    struct Case {
        const char* accept;
        const char* chosen;
    } cases[] = {
        {"gzip, deflate, br", "br"},              // equal q: br comes before gzip in the directive
        {"gzip, deflate, br, zstd", "zstd"},      // a browser's header: zstd first
        {"br;q=0.5, gzip;q=0.9", "gzip"},         // the client's q-values win
        {"zstd;q=0.1, br;q=0.2, gzip;q=0.1", "br"},
        {"gzip", "gzip"},
        {"br", "br"},
        {"zstd;q=0, br;q=0, gzip;q=0", ""},
        {"deflate", ""},
    };
    for (const auto& c : cases) {
        CAPTURE(c.accept);
        Response r = client.get(s->url("/page.php"), {std::string("Accept-Encoding: ") + c.accept});
        REQUIRE(r.status == 200);
        CHECK(r.header("Content-Encoding") == c.chosen);
        CHECK(r.header("Vary") == "Accept-Encoding");
        std::string enc = c.chosen;
        if (!enc.empty()) CHECK_FALSE(r.has_header("Content-Length"));
        std::string decoded = enc == "br" ? unbrotli(r.body) : enc == "zstd" ? unzstd(r.body) : enc == "gzip" ? gunzip(r.body) : r.body;
        CHECK(decoded == html);
        if (!enc.empty()) CHECK(r.body.size() < html.size() / 4);
    }
    // Over HTTP/2 (h2c) the same.
    Request h2;
    h2.url = s->url("/page.php");
    h2.headers = {"Accept-Encoding: gzip, br"};
    h2.http2_prior_knowledge = true;
    Response over_h2 = client.perform(h2);
    CHECK(over_h2.http_version == "HTTP/2");
    CHECK(over_h2.header("Content-Encoding") == "br");
    CHECK(unbrotli(over_h2.body) == html);

    // JSON from PHP is on Caddy's list; an image is not.
    Response j = client.get(s->url("/json.php"), {"Accept-Encoding: br"});
    CHECK(j.header("Content-Encoding") == "br");
    CHECK(json::parse(unbrotli(j.body)).size() == 200);
    Response png = client.get(s->url("/png.php"), {"Accept-Encoding: br"});
    CHECK_FALSE(png.has_header("Content-Encoding"));
    CHECK(png.body.size() == 5000);
    // No more than 512 bytes (the default minimum_length): sent as is, with its length.
    Response small = client.get(s->url("/page.php?n=30"), {"Accept-Encoding: br"});
    CHECK_FALSE(small.has_header("Content-Encoding"));
    CHECK(small.header("Content-Length") == "510");
    // A WebSocket handshake, or a request that says no-transform, is never encoded.
    Response ws = client.get(s->url("/page.php"), {"Accept-Encoding: br", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="});
    CHECK_FALSE(ws.has_header("Content-Encoding"));
    Response nt = client.get(s->url("/page.php"), {"Accept-Encoding: br", "Cache-Control: no-transform"});
    CHECK_FALSE(nt.has_header("Content-Encoding"));
    CHECK(nt.body == html);

    // The access log counts the bytes sent (compressed), not those PHP wrote.
    Response logged = client.get(s->url("/page.php?n=500"), {"Accept-Encoding: br"});
    REQUIRE(logged.header("Content-Encoding") == "br");
    CHECK(unbrotli(logged.body).size() == 8500);
    json line = access_line(*s, "/page.php?n=500");
    REQUIRE_FALSE(line.is_null());
    CHECK(line["size"] == logged.body.size());
    CHECK(line["resp_headers"]["Content-Encoding"] == json::array({"br"}));
    CHECK(s->pogo->stop() == 0);
}

// Streams /PATH?flag=F and lets the script go on once the first event was decoded from what
// arrived so far; returns the response and whether that happened before the end.
struct Streamed {
    Response response;
    std::string decoded;
    bool flag_written = false;
    bool complete = false;
};

Streamed stream_events(const Server& s, const std::string& path, const std::string& flag_name) {
    const fs::path flag = s.dir.path() / flag_name;
    Streamed out;
    pogo::test::Unbrotli decoder;
    bool brotli = false, headers_seen = false;
    Request req;
    req.url = s.url(path + "?flag=" + url_encode(flag.string()));
    req.headers = {"Accept-Encoding: br"};
    HttpClient client;
    req.on_data = [&](std::string_view data) {
        if (!headers_seen) {
            headers_seen = true;  // the first body bytes: brotli's, or the event's own text
            brotli = !data.starts_with("data:");
        }
        out.decoded += brotli ? decoder.feed(data) : std::string(data);
        // The first event decoded while the script still waits: the test lets it go on.
        if (!out.flag_written && out.decoded.find("data: first event\n\n") != std::string::npos) {
            write_file(flag, "go");
            out.flag_written = true;
        }
    };
    out.response = client.perform(req);
    out.complete = brotli ? decoder.complete : true;
    return out;
}

}  // namespace

TEST_CASE("encode br streams: each flush() reaches the client decodable, before the script ends") {
    auto s = start_server();
    // encode br { minimum_length 10 }: the first event (19 bytes) is longer, so the stream is brotli.
    Streamed br = stream_events(*s, "/sse/events.php", "flag-br");
    INFO(br.response.describe());
    REQUIRE(br.response.status == 200);
    CHECK(br.response.header("Content-Encoding") == "br");
    CHECK(br.flag_written);
    CHECK(br.decoded == "data: first event\n\ndata: second event\n\n");
    CHECK(br.complete);

    // The default minimum_length (512): a short first piece means, as in Caddy, that the response
    // goes out unencoded — and still as it is flushed, not held back.
    Streamed plain = stream_events(*s, "/events.php", "flag-plain");
    INFO(plain.response.describe());
    REQUIRE(plain.response.status == 200);
    CHECK_FALSE(plain.response.has_header("Content-Encoding"));
    CHECK(plain.response.header("Vary") == "Accept-Encoding");
    CHECK(plain.flag_written);
    CHECK(plain.decoded == "data: first event\n\ndata: second event\n\n");
    CHECK(s->pogo->stop() == 0);
}

TEST_CASE("encode minimum_length and a response matcher") {
    auto s = start_server();
    HttpClient client;
    // minimum_length 2000: a 1500-byte file is sent as is, a 2500-byte one is compressed.
    Response small = client.get(s->url("/min/small.txt"), {"Accept-Encoding: gzip"});
    CHECK_FALSE(small.has_header("Content-Encoding"));
    CHECK(small.body == text_of(1500));
    Response large = client.get(s->url("/min/large.txt"), {"Accept-Encoding: gzip"});
    CHECK(large.header("Content-Encoding") == "gzip");
    CHECK_FALSE(large.has_header("Accept-Ranges"));  // no byte ranges of an encoded body
    CHECK(gunzip(large.body) == text_of(2500));
    // The encoded representation's ETag is weak; revalidating with it gives a 304 that still varies.
    const std::string etag = large.header("ETag");
    CHECK(etag.starts_with("W/\""));
    Response again = client.get(s->url("/min/large.txt"), {"Accept-Encoding: gzip", "If-None-Match: " + etag});
    CHECK(again.status == 304);
    CHECK(again.header("Vary") == "Accept-Encoding");

    // match { status 2xx; header Content-Type image/* }: replaces the default Content-Type list.
    Response bmp = client.get(s->url("/matched/image.bmp"), {"Accept-Encoding: br, gzip"});
    CHECK(bmp.header("Content-Encoding") == "br");
    CHECK(unbrotli(bmp.body) == text_of(4000));
    Response html = client.get(s->url("/matched/page.html"), {"Accept-Encoding: br, gzip"});
    CHECK_FALSE(html.has_header("Content-Encoding"));
    CHECK(html.body == text_of(4000));
    Response missing = client.get(s->url("/matched/none.bmp"), {"Accept-Encoding: br"});
    CHECK(missing.status == 404);
    CHECK_FALSE(missing.has_header("Content-Encoding"));
    CHECK(s->pogo->stop() == 0);
}

TEST_CASE("file_server precompressed: the sidecar the client accepts, in the directive's order") {
    auto s = start_server();
    HttpClient client;
    struct Case {
        const char* path;
        const char* accept;
        const char* encoding;
        const char* body;
    } cases[] = {
        {"/pre/app.css", "gzip, br, zstd", "br", "BROTLI BYTES"},  // precompressed br zstd gzip
        {"/pre/app.css", "gzip, zstd", "zstd", "ZSTD BYTES"},
        {"/pre/app.css", "gzip", "gzip", "GZIP BYTES"},
        {"/pre/app.css", "br;q=0.5, gzip", "gzip", "GZIP BYTES"},  // q-values first
        {"/pre/app.css", "", "", "body { color: plain }"},
        {"/pre/app.css", "deflate", "", "body { color: plain }"},
        {"/pre/only.js", "br, zstd", "", "plain js"},  // no such sidecar: the plain file
        {"/pre/only.js", "br, gzip", "gzip", "GZIP JS"},
        {"/gzfirst/app.css", "br, zstd, gzip", "gzip", "GZIP BYTES"},  // precompressed gzip br
        {"/gzfirst/app.css", "br, zstd", "br", "BROTLI BYTES"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.path);
        CAPTURE(c.accept);
        std::vector<std::string> headers;
        if (*c.accept) headers.push_back(std::string("Accept-Encoding: ") + c.accept);
        Response r = client.get(s->url(c.path), headers);
        REQUIRE(r.status == 200);
        CHECK(r.header("Content-Encoding") == c.encoding);
        CHECK(r.body == c.body);
        CHECK(r.header("Vary") == "Accept-Encoding");
        // The type is the plain file's, whichever bytes were sent.
        CHECK(r.header("Content-Type").starts_with(std::string(c.path).ends_with(".css") ? "text/css" : "text/javascript"));
        CHECK(r.header("Content-Length") == std::to_string(std::string(c.body).size()));
    }
    CHECK(s->pogo->stop() == 0);
}

TEST_CASE("file_server browse (HTML and JSON), hide, index names and pass_thru") {
    auto s = start_server();
    HttpClient client;
    Response html = client.get(s->url("/browse/"));
    REQUIRE(html.status == 200);
    CHECK(html.header("Content-Type") == "text/html; charset=utf-8");
    CHECK(html.body.find("href=\"./a.txt\"") != std::string::npos);
    CHECK(html.body.find("b &amp; c.txt") != std::string::npos);
    CHECK(html.body.find("href=\"./sub/\"") != std::string::npos);
    CHECK(html.body.find("secret.txt") == std::string::npos);  // hidden by name
    CHECK(html.body.find("notes.bak") == std::string::npos);   // hidden by glob
    Response redirect = client.get(s->url("/browse"));
    CHECK(redirect.status == 308);
    CHECK(redirect.header("Location") == "/browse/");

    Response listing = client.get(s->url("/browse/"), {"Accept: application/json"});
    REQUIRE(listing.status == 200);
    CHECK(listing.header("Content-Type") == "application/json; charset=utf-8");
    json entries = body_json(listing);
    REQUIRE(entries.is_array());
    std::vector<std::string> names;
    for (const auto& e : entries) names.push_back(e["name"]);
    CHECK(names == std::vector<std::string>{"sub/", "a.txt", "b & c.txt"});
    CHECK(entries[0]["is_dir"] == true);
    CHECK(entries[0]["url"] == "./sub/");
    CHECK(entries[1]["size"] == 1);
    CHECK(entries[2]["url"] == "./b%20&%20c.txt");
    const std::string mod_time = entries[1]["mod_time"];  // RFC 3339, as Go writes a time
    CHECK(mod_time.size() >= 20);
    CHECK(mod_time[10] == 'T');
    CHECK(mod_time.ends_with("Z"));

    // Hidden files are as if missing, whatever the listing says.
    CHECK(client.get(s->url("/browse/secret.txt")).status == 404);
    CHECK(client.get(s->url("/browse/notes.bak")).status == 404);
    CHECK(client.get(s->url("/browse/a.txt")).body == "a");

    // index index.html home.htm: the first that exists.
    Response idx = client.get(s->url("/idx/second/"));
    CHECK(idx.status == 200);
    CHECK(idx.body == "the second index");

    // pass_thru: a file that exists is served; a missing one falls to the next handler.
    CHECK(client.get(s->url("/thru/here.txt")).body == "here");
    Response thru = client.get(s->url("/thru/missing.txt"));
    CHECK(thru.status == 200);
    CHECK(thru.body == "fell through to the next handler");
    CHECK(s->pogo->stop() == 0);
}

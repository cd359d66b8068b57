// Static files through a real Server: validators, ranges, traversal, and never serving .php.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "server/file_reader.h"
#include "test_client.h"
#include "test_server.h"

TEST_CASE("static files: type, validators, 304, ranges, 416") {
  TestServer t;
  auto r = curl_get(t.url("/style.css"));
  CHECK(r.status == 200);
  CHECK(r.body == "body { color: red; }\n");
  CHECK(r.header("Content-Type") == "text/css; charset=utf-8");
  CHECK(r.header("Accept-Ranges") == "bytes");
  std::string etag = r.header("Etag");
  std::string lm = r.header("Last-Modified");
  REQUIRE(etag.size() > 2);
  CHECK(etag.front() == '"');

  CurlOptions inm;
  inm.headers = {"If-None-Match: " + etag};
  auto nm = curl_get(t.url("/style.css"), inm);
  CHECK(nm.status == 304);
  CHECK(nm.body.empty());
  CHECK(nm.header("Etag") == etag);

  CurlOptions weak;
  weak.headers = {"If-None-Match: \"other\", W/" + etag};
  CHECK(curl_get(t.url("/style.css"), weak).status == 304);

  CurlOptions ims;
  ims.headers = {"If-Modified-Since: " + lm};
  CHECK(curl_get(t.url("/style.css"), ims).status == 304);
  ims.headers = {"If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT"};
  CHECK(curl_get(t.url("/style.css"), ims).status == 200);

  CurlOptions range;
  range.headers = {"Range: bytes=7-11"};
  auto pr = curl_get(t.url("/style.css"), range);
  CHECK(pr.status == 206);
  CHECK(pr.body == "color");
  CHECK(pr.header("Content-Range") == "bytes 7-11/21");

  range.headers = {"Range: bytes=-3"};
  auto suffix = curl_get(t.url("/big.bin"), range);
  CHECK(suffix.status == 206);
  CHECK(suffix.body == big_bin_content().substr((3 << 20) - 3));

  range.headers = {"Range: bytes=1000-"};
  auto bad = curl_get(t.url("/style.css"), range);
  CHECK(bad.status == 416);
  CHECK(bad.header("Content-Range") == "bytes */21");

  range.headers = {"Range: bytes=0-1,4-5"};
  auto multi = curl_get(t.url("/style.css"), range);
  CHECK(multi.status == 200);
  CHECK(multi.body.size() == 21);

  range.headers = {"Range: bytes=0-3", "If-Range: \"stale\""};
  CHECK(curl_get(t.url("/style.css"), range).status == 200);
  range.headers = {"Range: bytes=0-3", "If-Range: " + etag};
  CHECK(curl_get(t.url("/style.css"), range).status == 206);
}

TEST_CASE("a large static file arrives intact; file_server's directories serve index.html") {
  for (bool php : {true, false}) {
    CAPTURE(php);
    TestServer t({}, {.php = php});
    auto r = curl_get(t.url("/big.bin"));
    CHECK(r.status == 200);
    CHECK(r.header("Content-Type") == "application/octet-stream");
    CHECK(r.body == big_bin_content());
  }
  // php_server sends a directory without index.php to its front controller (try_files).
  TestServer t({}, {.php = false});
  auto idx = curl_get(t.url("/static/"));
  CHECK(idx.status == 200);
  CHECK(idx.body == "<h1>static index</h1>\n");
}

TEST_CASE("traversal attempts never reach a byte outside the root") {
  for (bool php : {true, false}) {
    CAPTURE(php);
    TestServer t({}, {.php = php});
    const char* attempts[] = {
        "/../outside/secret.txt",
        "/%2e%2e/outside/secret.txt",
        "/..%2foutside%2fsecret.txt",
        "/%2e%2e%2foutside%2fsecret.txt",
        "/....//outside/secret.txt",
        "/static/../../outside/secret.txt",
        "/escape",
        "/..\\outside\\secret.txt",
        "/%252e%252e/outside/secret.txt",
    };
    for (const char* path : attempts) {
      CAPTURE(std::string(path));
      auto r = raw_roundtrip(t.port, std::string("GET ") + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      CHECK(r.data.starts_with("HTTP/1.1 "));
      CHECK(r.data.find(kSecret) == std::string::npos);
    }
  }
}

TEST_CASE("file server mode never serves .php source") {
  TestServer t({}, {.php = false});
  for (const char* path : {"/index.php", "/INDEX.PHP", "/info.php", "/source.txt", "/app/", "/app/index.php", "/info.php/x"}) {
    CAPTURE(std::string(path));
    auto r = curl_get(t.url(path));
    CHECK(r.status == 404);
    CHECK(r.body.find("SOURCE_MARKER") == std::string::npos);
  }
  CHECK(curl_get(t.url("/style.css")).status == 200);
  auto redirect = raw_roundtrip(t.port, "GET /static HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(redirect.data.starts_with("HTTP/1.1 308"));
  CHECK(redirect.data.find("Location: /static/") != std::string::npos);
  CurlOptions post;
  post.method = "POST";
  post.body = "x";
  CHECK(curl_get(t.url("/style.css"), post).status == 405);
}

TEST_CASE("php_server mode never serves .php source either") {
  TestServer t;
  auto r = curl_get(t.url("/source.txt"));
  CHECK(r.status == 404);
  CHECK(r.body.find("SOURCE_MARKER") == std::string::npos);
}

TEST_CASE("files not in the page cache are read through the thread pool") {
  pogo::server::FileReader::set_page_cache_reads(false);
  {
    TestServer t;
    auto r = curl_get(t.url("/big.bin"));
    CHECK(r.body == big_bin_content());
    CurlOptions range;
    range.headers = {"Range: bytes=100000-199999"};
    auto pr = curl_get(t.url("/big.bin"), range);
    CHECK(pr.status == 206);
    CHECK(pr.body == big_bin_content().substr(100000, 100000));
    // A client that leaves mid-file: the connection waits for the pool read before it is freed.
    for (int i = 0; i < 5; ++i) {
      RawClient c(t.port);
      c.send("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n");
      c.read_until([](const std::string& d) { return d.size() > 100000; });
    }
    CHECK(curl_get(t.url("/style.css")).status == 200);
  }
  pogo::server::FileReader::set_page_cache_reads(true);
}

TEST_CASE("a large file to a client that reads slowly arrives intact, and the connection goes on") {
  // Plaintext HTTP/1.1 sends a large file with sendfile until the socket is full, then a queued
  // write; the bytes and the framing must be the same either way.
  TestServer t;
  RawClient c(t.port);
  c.send("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\nGET /style.css HTTP/1.1\r\nHost: x\r\n\r\n");
  auto r = c.read_until(
      [](const std::string& d) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));  // a slow reader
        return d.find("color: red") != std::string::npos;
      },
      std::chrono::seconds(60));
  size_t head_end = r.data.find("\r\n\r\n");
  REQUIRE(head_end != std::string::npos);
  CHECK(r.data.find("Content-Length: 3145728\r\n") < head_end);
  std::string rest = r.data.substr(head_end + 4);
  REQUIRE(rest.size() >= big_bin_content().size());
  CHECK(rest.substr(0, big_bin_content().size()) == big_bin_content());
  std::string second = rest.substr(big_bin_content().size());
  CHECK(second.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(second.ends_with("\r\n\r\nbody { color: red; }\n"));
}

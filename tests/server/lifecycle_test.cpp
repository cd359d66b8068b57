// Server life cycle and limits: start-up errors, many concurrent clients, graceful shutdown,
// header and body limits, timeouts, access log.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "server/log.h"
#include "server/server.h"
#include "test_client.h"
#include "test_server.h"

using pogo::server::Server;
using pogo::server::ServerOptions;
using pogo::server::StartupError;

TEST_CASE("start-up errors are one line") {
  TestServer t;
  ServerOptions o;
  RoutedServer busy = routed_server(site_caddyfile(t.root, "\tfile_server"), o, nullptr,
                                    {"127.0.0.1:" + std::to_string(t.port)});
  std::string msg;
  try {
    busy.server->start();
  } catch (const StartupError& e) {
    msg = e.what();
  }
  CHECK(msg == "listen tcp 127.0.0.1:" + std::to_string(t.port) + ": address already in use");

  RoutedServer bad = routed_server(site_caddyfile(t.root, "\tfile_server"), o, nullptr, {"nonsense"});
  CHECK_THROWS_AS(bad.server->start(), StartupError);
}

TEST_CASE("listen address forms") {
  TestServer t({}, {.listen = {":0", "[::1]:0", "localhost:0"}});
  auto addrs = t.server->addresses();
  REQUIRE(addrs.size() == 3);
  for (const auto& a : addrs) {
    CAPTURE(a);
    auto r = curl_get("http://" + a + "/style.css");
    CHECK(r.status == 200);
  }
}

TEST_CASE("200 concurrent requests") {
  TestServer t;
  CURLM* multi = curl_multi_init();
  std::vector<CURL*> handles;
  std::vector<std::string> bodies(200);
  for (int i = 0; i < 200; ++i) {
    CURL* h = curl_easy_init();
    std::string path = i % 2 ? "/echo.php?i=" + std::to_string(i) : "/style.css";
    curl_easy_setopt(h, CURLOPT_URL, t.url(path).c_str());
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, +[](char* p, size_t s, size_t n, void* ud) {
      static_cast<std::string*>(ud)->append(p, s * n);
      return s * n;
    });
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &bodies[i]);
    curl_multi_add_handle(multi, h);
    handles.push_back(h);
  }
  int running = 1;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (running && std::chrono::steady_clock::now() < deadline) {
    curl_multi_perform(multi, &running);
    curl_multi_poll(multi, nullptr, 0, 100, nullptr);
  }
  int ok = 0;
  for (int i = 0; i < 200; ++i) {
    long status = 0;
    curl_easy_getinfo(handles[i], CURLINFO_RESPONSE_CODE, &status);
    bool body_ok = i % 2 ? bodies[i].find("query=i=" + std::to_string(i) + " ") != std::string::npos
                         : bodies[i] == "body { color: red; }\n";
    if (status == 200 && body_ok) ++ok;
    curl_multi_remove_handle(multi, handles[i]);
    curl_easy_cleanup(handles[i]);
  }
  curl_multi_cleanup(multi);
  CHECK(ok == 200);
}

TEST_CASE("connections are spread evenly over the loops, whatever the kernel's SO_REUSEPORT hash does") {
  // 8 loops and 160 keep-alive connections: by the hash alone the loops' shares range over ten or
  // more; handed to the least busy loop, they stay within a few of each other. Each connection
  // then gets its answer, wherever it is served.
  TestServer t([](ServerOptions& o) { o.loops = 8; });
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 160; ++i) {
    clients.push_back(std::make_unique<RawClient>(t.port));
    REQUIRE(clients.back()->ok());
  }
  auto total = [&] {
    size_t n = 0;
    for (size_t c : t.server->open_per_loop()) n += c;
    return n;
  };
  REQUIRE(wait_for([&] { return total() == 160; }));
  std::vector<size_t> per = t.server->open_per_loop();
  REQUIRE(per.size() == 8);
  auto [lo, hi] = std::minmax_element(per.begin(), per.end());
  std::string shares;
  for (size_t c : per) shares += std::to_string(c) + " ";
  INFO("connections per loop: " << shares);
  CHECK(*hi - *lo <= 3);
  for (auto& c : clients) c->send("GET /style.css HTTP/1.1\r\nHost: x\r\n\r\n");
  int ok = 0;
  for (auto& c : clients) {
    RawResult r = c->read_until([](const std::string& d) { return d.find("color: red") != std::string::npos; });
    if (r.data.starts_with("HTTP/1.1 200") && r.data.find("color: red") != std::string::npos) ++ok;
  }
  CHECK(ok == 160);
}

TEST_CASE("graceful shutdown lets an in-flight request finish and closes idle connections") {
  TestServer t;
  RawClient idle(t.port);
  idle.send("GET /style.css HTTP/1.1\r\nHost: x\r\n\r\n");
  auto first = idle.read_until([](const std::string& d) { return d.find("color: red") != std::string::npos; });
  REQUIRE_FALSE(first.closed);

  CurlResult slow;
  std::thread client([&] { slow = curl_get(t.url("/slow.php")); });
  REQUIRE(wait_for([&] { return t.backend.started.load() == 1; }));
  t.server->shutdown();
  client.join();
  CHECK(slow.status == 200);
  CHECK(slow.body == "slow done");
  CHECK(idle.read_to_eof().closed);
  CHECK(t.server->closed_cleanly());
}

TEST_CASE("grace period over: remaining requests are aborted") {
  TestServer t([](ServerOptions& o) { o.grace_period = std::chrono::milliseconds(100); });
  RawClient c(t.port);
  c.send("GET /forever.php HTTP/1.1\r\nHost: x\r\n\r\n");
  c.read_until([](const std::string& d) { return d.size() > 1000; });
  t.server->shutdown();
  CHECK(wait_for([&] { return t.backend.aborted.load() == 1; }));
}

TEST_CASE("header limit: 431 then close") {
  TestServer t([](ServerOptions& o) { o.max_header_size = 8192; });
  auto r = raw_roundtrip(t.port, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(10000, 'a') + "\r\n\r\n");
  CHECK(r.data.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
  CHECK(r.closed);
  CHECK(curl_get(t.url("/style.css")).status == 200);
}

TEST_CASE("body limit: 413 for a declared length before reading, and for chunked bodies") {
  TestServer t([](ServerOptions& o) { o.max_body_size = 1000; });
  RawClient c(t.port);
  c.send("POST /echo.php HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n");
  auto r = c.read_to_eof();
  CHECK(r.data.starts_with("HTTP/1.1 413 "));
  CHECK(r.closed);
  CHECK(t.backend.started.load() == 0);

  auto ch = raw_roundtrip(t.port, "POST /echo.php HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" "7d0\r\n" +
                                      std::string(2000, 'x') + "\r\n0\r\n\r\n");
  CHECK(ch.data.starts_with("HTTP/1.1 413 "));
  CHECK(ch.closed);

  CurlOptions small;
  small.method = "POST";
  small.body = std::string(1000, 'y');
  auto ok = curl_get(t.url("/echo.php"), small);
  CHECK(ok.body.find("body=1000") != std::string::npos);
}

TEST_CASE("read header timeout closes a silent or slow client") {
  TestServer t([](ServerOptions& o) { o.read_header_timeout = std::chrono::milliseconds(200); });
  RawClient silent(t.port);
  CHECK(silent.read_to_eof().closed);
  RawClient partial(t.port);
  partial.send("GET / HTTP/1.1\r\nHost: x\r\n");
  CHECK(partial.read_to_eof().closed);
}

TEST_CASE("idle keep-alive timeout closes the connection after a response") {
  TestServer t([](ServerOptions& o) { o.idle_timeout = std::chrono::milliseconds(200); });
  RawClient c(t.port);
  c.send("GET /style.css HTTP/1.1\r\nHost: x\r\n\r\n");
  auto r = c.read_to_eof();
  CHECK(r.data.find("color: red") != std::string::npos);
  CHECK(r.closed);
}

namespace {
// Redirects fd 2 into a temporary file while alive.
struct StderrCapture {
  std::string path = std::filesystem::temp_directory_path() / ("pogo-stderr-" + std::to_string(::getpid()));
  int saved = ::dup(2);
  StderrCapture() {
    int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
    ::dup2(fd, 2);
    ::close(fd);
  }
  std::string text() const {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  ~StderrCapture() {
    ::dup2(saved, 2);
    ::close(saved);
    std::filesystem::remove(path);
  }
};
}  // namespace

TEST_CASE("read body timeout drops a client that stops sending its body; the backend never sees it") {
  TestServer t([](ServerOptions& o) { o.read_body_timeout = std::chrono::milliseconds(200); });
  RawClient c(t.port);
  c.send("POST /echo.php HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789");
  CHECK(c.read_to_eof().closed);
  // The body is received before the backend is given the request: an incomplete one never is.
  CHECK(t.backend.started.load() == 0);
  CurlOptions o;
  o.method = "POST";
  o.body = "0123456789";
  CHECK(curl_get(t.url("/echo.php"), o).body.size() > 0);
  CHECK(t.backend.started.load() == 1);
  CHECK(t.backend.last_body_size.load() == 10);
}

TEST_CASE("body inactivity timeout drops a client whose upload stalls") {
  TestServer t([](ServerOptions& o) { o.body_idle_timeout = std::chrono::milliseconds(300); });
  RawClient c(t.port);
  StderrCapture cap;
  c.send("POST /echo.php HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789");
  CHECK(c.read_to_eof().closed);
  CHECK(t.backend.started.load() == 0);
  CHECK(cap.text().find("read body timeout: no data from the client") != std::string::npos);
}



TEST_CASE("access log: one JSON line per request with Caddy's field names") {
  std::string text;
  {
    StderrCapture cap;
    pogo::log::set_json(true);
    {
      TestServer t({}, {.directives = "\tlog"});
      CurlOptions o;
      o.headers = {"X-Test: yes"};
      auto r = curl_get(t.url("/style.css?v=1"), o);
      CHECK(r.status == 200);
    }
    pogo::log::set_json(false);
    text = cap.text();
  }
  nlohmann::json entry;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.value("logger", "").starts_with("http.log.access")) entry = j;
  }
  REQUIRE(entry.is_object());
  CHECK(entry["msg"] == "handled request");
  CHECK(entry["status"] == 200);
  CHECK(entry["size"] == 21);
  CHECK(entry["duration"].is_number());
  const auto& req = entry["request"];
  CHECK(req["remote_ip"] == "127.0.0.1");
  CHECK(req["remote_port"].is_string());
  CHECK(req["proto"] == "HTTP/1.1");
  CHECK(req["method"] == "GET");
  CHECK(req["uri"] == "/style.css?v=1");
  CHECK(req["host"].get<std::string>().starts_with("127.0.0.1:"));
  CHECK(req["headers"]["X-Test"][0] == "yes");
}

TEST_CASE("write timeout drops a client that does not read its response") {
  TestServer t([](ServerOptions& o) { o.write_timeout = std::chrono::milliseconds(300); });
  RawClient c(t.port);
  StderrCapture cap;
  c.send("GET /big.php HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(wait_for([&] { return t.backend.finished.load() == 1; }));  // spooled: the producer is done
  CHECK(wait_for([&] { return cap.text().find("write timeout") != std::string::npos; }));
  auto r = c.read_to_eof();
  CHECK(r.closed);
  CHECK(r.data.size() < size_t(20) << 20);  // cut off: the rest was never sent
}

TEST_CASE("write inactivity timeout drops a client that stops reading") {
  TestServer t([](ServerOptions& o) { o.write_idle_timeout = std::chrono::milliseconds(300); });
  RawClient c(t.port);
  StderrCapture cap;
  c.send("GET /big.php HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(wait_for([&] { return t.backend.finished.load() == 1; }));
  CHECK(wait_for([&] { return cap.text().find("write timeout: the client stopped reading") != std::string::npos; }));
  auto r = c.read_to_eof();
  CHECK(r.closed);
  CHECK(r.data.size() < size_t(20) << 20);
}

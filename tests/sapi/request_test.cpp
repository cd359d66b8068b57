// Classic requests through PhpBackend: output, headers, status, request data in.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "tests/sapi/harness.h"

using namespace pogo::sapi::test;
using nlohmann::json;

TEST_CASE("hello world: 200, default content type, the body, End last") {
  Response r = run(make_head("GET", "hello.php"));
  CHECK(r.status == 200);
  CHECK(r.body == "Hello, World!");
  REQUIRE(r.header("Content-Type"));
  CHECK(*r.header("Content-Type") == "text/html; charset=UTF-8");
  REQUIRE(!r.kinds.empty());
  CHECK(r.kinds.front() == pogo::server::Exchange::Event::Head);
  CHECK(r.kinds.back() == pogo::server::Exchange::Event::End);
}

TEST_CASE("HEAD: the head of a GET, no body") {
  Response r = run(make_head("HEAD", "hello.php"));
  CHECK(r.status == 200);
  CHECK(r.header("Content-Type"));
  CHECK(r.body.empty());
  CHECK(r.ended);
}

TEST_CASE("GET query and POST urlencoded fill $_GET, $_POST, $_REQUEST") {
  auto head = make_head("POST", "echo_request.php", "a=1&b[]=x&b[]=y",
                        {{"Content-Type", "application/x-www-form-urlencoded"}});
  Response r = run(std::move(head), "name=pogo&list%5B%5D=1&list%5B%5D=2");
  REQUIRE(r.status == 200);
  json j = json::parse(r.body);
  CHECK(j["method"] == "POST");
  CHECK(j["get"]["a"] == "1");
  CHECK(j["get"]["b"] == json::array({"x", "y"}));
  CHECK(j["post"]["name"] == "pogo");
  CHECK(j["post"]["list"] == json::array({"1", "2"}));
  CHECK(j["request"]["name"] == "pogo");
  CHECK(j["input"] == "name=pogo&list%5B%5D=1&list%5B%5D=2");  // php://input still readable
}

TEST_CASE("a JSON body is read through php://input, $_POST stays empty") {
  std::string body = R"({"hello":"world","n":[1,2,3]})";
  Response r = run(make_head("POST", "echo_request.php", "", {{"Content-Type", "application/json"}}), body);
  json j = json::parse(r.body);
  CHECK(j["input"] == body);
  CHECK(j["post"].empty());
  CHECK(json::parse(j["input"].get<std::string>())["n"][2] == 3);
}

TEST_CASE("multipart upload with two files: $_FILES names, sizes, readable temp files") {
  std::string b = "----pogoBoundary42";
  std::string file1 = "first file content\n";
  std::string file2(100000, 'z');
  std::string body = "--" + b + "\r\n"
                     "Content-Disposition: form-data; name=\"title\"\r\n\r\n"
                     "two files\r\n"
                     "--" + b + "\r\n"
                     "Content-Disposition: form-data; name=\"one\"; filename=\"a.txt\"\r\n"
                     "Content-Type: text/plain\r\n\r\n" + file1 + "\r\n"
                     "--" + b + "\r\n"
                     "Content-Disposition: form-data; name=\"two\"; filename=\"b.bin\"\r\n"
                     "Content-Type: application/octet-stream\r\n\r\n" + file2 + "\r\n"
                     "--" + b + "--\r\n";
  Response r = run(make_head("POST", "upload.php", "", {{"Content-Type", "multipart/form-data; boundary=" + b}}), body);
  REQUIRE(r.status == 200);
  json j = json::parse(r.body);
  CHECK(j["post"]["title"] == "two files");
  CHECK(j["files"]["one"]["name"] == "a.txt");
  CHECK(j["files"]["one"]["type"] == "text/plain");
  CHECK(j["files"]["one"]["size"] == file1.size());
  CHECK(j["files"]["one"]["error"] == 0);
  CHECK(j["files"]["one"]["uploaded"] == true);
  CHECK(j["files"]["one"]["content"] == file1);
  CHECK(j["files"]["two"]["name"] == "b.bin");
  CHECK(j["files"]["two"]["size"] == file2.size());
  CHECK(j["files"]["two"]["content"] == file2);
}

TEST_CASE("cookies from several Cookie headers in, two Set-Cookie headers out") {
  Response r = run(make_head("GET", "cookies.php", "", {{"Cookie", "a=1; b=2"}, {"Cookie", "c=3"}}));
  json j = json::parse(r.body);
  CHECK(j["a"] == "1");
  CHECK(j["b"] == "2");
  CHECK(j["c"] == "3");
  CHECK(r.header_count("Set-Cookie") == 2);
  std::vector<std::string> set;
  for (const auto& h : r.headers)
    if (pogo::server::header_name_equals(h.name, "set-cookie")) set.push_back(h.value);
  REQUIRE(set.size() == 2);
  CHECK(set[0] == "first=one");
  CHECK(set[1] == "second=two");
}

TEST_CASE("status codes and headers") {
  SUBCASE("http_response_code, custom and repeated headers, a line without colon dropped") {
    Response r = run(make_head("GET", "status.php", "case=code"));
    CHECK(r.status == 201);
    CHECK(r.body == "created");
    REQUIRE(r.header("X-Custom"));
    CHECK(*r.header("X-Custom") == "yes");
    CHECK(r.header_count("X-Multi") == 2);
    CHECK(r.header("NoColonHere") == nullptr);
    for (const auto& h : r.headers) CHECK(h.name.find("NoColon") == std::string::npos);
  }
  SUBCASE("a status line set with header()") {
    Response r = run(make_head("GET", "status.php", "case=teapot"));
    CHECK(r.status == 418);
    CHECK(r.body == "short and stout");
  }
  SUBCASE("Location without a status becomes 302") {
    Response r = run(make_head("GET", "status.php", "case=redirect"));
    CHECK(r.status == 302);
    REQUIRE(r.header("Location"));
    CHECK(*r.header("Location") == "/elsewhere");
  }
}

TEST_CASE("sessions: the cookie set by the first request brings the data back") {
  Response first = run(make_head("GET", "session.php"));
  CHECK(first.body == "1");
  const std::string* set = first.header("Set-Cookie");
  REQUIRE(set);
  std::string cookie = set->substr(0, set->find(';'));
  CHECK(cookie.rfind("PHPSESSID=", 0) == 0);
  Response second = run(make_head("GET", "session.php", "", {{"Cookie", cookie}}));
  CHECK(second.body == "2");
  Response third = run(make_head("GET", "session.php", "", {{"Cookie", cookie}}));
  CHECK(third.body == "3");
}

TEST_CASE("50 concurrent exchanges across the threads each get their own answer") {
  auto& backend = shared_backend();
  std::vector<std::unique_ptr<Driver>> drivers;
  for (int i = 0; i < 50; ++i) {
    drivers.push_back(std::make_unique<Driver>(make_head("GET", "id.php", "id=" + std::to_string(i)), ""));
    backend.handle(drivers.back()->exchange());
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  size_t done = 0;
  while (done < drivers.size() && std::chrono::steady_clock::now() < deadline) {
    done = 0;
    bool any = false;
    for (auto& d : drivers) {
      if (!d->response().ended) any |= d->turn();
      done += d->response().ended;
    }
    if (!any) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  REQUIRE(done == drivers.size());
  for (int i = 0; i < 50; ++i) {
    CHECK(drivers[i]->response().status == 200);
    CHECK(drivers[i]->response().body == "id=" + std::to_string(i));
  }
}

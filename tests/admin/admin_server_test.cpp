// The AdminServer over real sockets: libcurl against an ephemeral loopback port and a unix
// socket, requests answered in order, POST /stop acted on after its response, the request body
// limit.
#include <curl/curl.h>
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "admin/admin_server.h"
#include "test_control.h"

using namespace pogo::admin;

namespace {

struct Reply {
  long status = 0;
  std::string body;
};

size_t collect(char* d, size_t s, size_t n, void* out) {
  static_cast<std::string*>(out)->append(d, s * n);
  return s * n;
}

Reply request(const std::string& url, const char* method, const std::string& body = "",
              const std::vector<std::string>& headers = {}, const std::string& unix_path = "") {
  Reply r;
  CURL* c = curl_easy_init();
  curl_slist* h = nullptr;
  for (const auto& x : headers) h = curl_slist_append(h, x.c_str());
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  if (!body.empty() || std::string(method) == "POST") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.size()));
  }
  if (!unix_path.empty()) curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, unix_path.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  return r;
}

bool eventually(const std::function<bool()>& f) {
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < end) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return f();
}

}  // namespace

TEST_CASE("the admin server answers over TCP; Host checked against its address") {
  test::TestControl control;
  AdminServer server("127.0.0.1:0", control);
  server.start();
  std::string addr = server.bound_address();
  REQUIRE(addr.rfind("127.0.0.1:", 0) == 0);
  std::string port = addr.substr(addr.find(':') + 1);
  std::string base = "http://127.0.0.1:" + port;
  Reply cfg = request(base + "/config/", "GET");
  CHECK(cfg.status == 200);
  CHECK(nlohmann::json::parse(cfg.body) == control.doc);
  Reply foreign = request(base + "/config/", "GET", "", {"Host: rebound.example:" + port});
  CHECK(foreign.status == 403);
  CHECK(foreign.body == "{\"error\":\"host not allowed: rebound.example:" + port + "\"}\n");
  Reply patch = request(base + "/config/apps/frankenphp/num_threads", "PATCH", "2", {"Content-Type: application/json"});
  CHECK(patch.status == 200);
  CHECK(control.doc["apps"]["frankenphp"]["num_threads"] == 2);
  // A body over the limit is refused without reaching the API.
  std::string huge(AdminServer::kMaxBody + 1, 'x');
  Reply big = request(base + "/load", "POST", huge, {"Content-Type: application/json"});
  CHECK(big.status == 413);
  Reply stop = request(base + "/stop", "POST");
  CHECK(stop.status == 200);
  CHECK(eventually([&] { return control.stops.load() == 1; }));
  server.stop();
}

TEST_CASE("the admin server listens on a unix socket (no Host check)") {
  test::TestControl control;
  std::string path = (std::filesystem::temp_directory_path() / ("pogo-admin-test-" + std::to_string(::getpid()) + ".sock")).string();
  {
    AdminServer server("unix/" + path, control);
    server.start();
    CHECK(std::filesystem::is_socket(path));
    Reply r = request("http://anything/config/apps", "GET", "", {}, path);
    CHECK(r.status == 200);
    CHECK(nlohmann::json::parse(r.body) == control.doc["apps"]);
    server.stop();
  }
  // A socket file left behind is replaced by the next server.
  test::TestControl again;
  AdminServer second("unix/" + path, again);
  second.start();
  CHECK(request("http://x/config/", "GET", "", {}, path).status == 200);
  second.stop();
  std::filesystem::remove(path);
}

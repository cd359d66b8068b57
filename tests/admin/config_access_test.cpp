// Caddy's /config/[path] rules on a JSON document: every method, arrays and objects, the errors
// with their statuses and messages, Etag and If-Match.
#include <doctest/doctest.h>

#include "admin/config_access.h"
#include "admin/error.h"

using nlohmann::json;
using namespace pogo::admin;

namespace {

const json kDoc = json::parse(R"({"apps": {"frankenphp": {"num_threads": 4, "workers": [{"file_name": "a.php"}]}},
                                  "list": [1, 2, 3]})");

json edited(std::string_view method, std::string_view path, std::optional<json> body) {
  json doc = kDoc;
  config_edit(doc, method, path, body);
  return doc;
}

// The status and message of the AdminError `f` throws ("" when it does not).
std::pair<int, std::string> failure(const std::function<void()>& f) {
  try {
    f();
  } catch (const AdminError& e) {
    return {e.status(), e.what()};
  }
  return {0, ""};
}

}  // namespace

TEST_CASE("GET reads the value at a path, the whole document at /config/") {
  CHECK(config_get(kDoc, "/config/") == kDoc);
  CHECK(config_get(kDoc, "/config") == kDoc);
  CHECK(config_get(kDoc, "/config/apps/frankenphp/num_threads") == 4);
  CHECK(config_get(kDoc, "/config/apps/frankenphp/workers/0/file_name") == "a.php");
  CHECK(config_get(kDoc, "/config/list/2") == 3);
  CHECK(config_get(kDoc, "/config/apps/missing").is_null());  // as Caddy: null, not an error
}

TEST_CASE("edits follow Caddy's method rules") {
  struct Case {
    const char* method;
    const char* path;
    const char* body;
    const char* check_path;
    const char* expect;
  };
  const Case cases[] = {
      {"POST", "/config/list", "4", "/config/list", "[1,2,3,4]"},
      {"POST", "/config/list/...", "[4,5]", "/config/list", "[1,2,3,4,5]"},
      {"POST", "/config/apps/frankenphp/num_threads", "8", "/config/apps/frankenphp/num_threads", "8"},
      {"POST", "/config/apps/new_key", "{\"a\":1}", "/config/apps/new_key", "{\"a\":1}"},
      {"PUT", "/config/list/0", "0", "/config/list", "[0,1,2,3]"},
      {"PUT", "/config/list/3", "9", "/config/list", "[1,2,3,9]"},
      {"PUT", "/config/apps/http", "{}", "/config/apps/http", "{}"},
      {"PUT", "/config/deep/er/key", "true", "/config/deep", "{\"er\":{\"key\":true}}"},
      {"PATCH", "/config/list/1", "7", "/config/list", "[1,7,3]"},
      {"PATCH", "/config/apps/frankenphp", "{\"num_threads\":2}", "/config/apps/frankenphp", "{\"num_threads\":2}"},
      {"DELETE", "/config/list/0", nullptr, "/config/list", "[2,3]"},
      {"DELETE", "/config/apps/frankenphp", nullptr, "/config/apps", "{}"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.method);
    CAPTURE(c.path);
    std::optional<json> body;
    if (c.body) body = json::parse(c.body);
    CHECK(config_get(edited(c.method, c.path, body), c.check_path) == json::parse(c.expect));
  }
}

TEST_CASE("bad edits are refused with Caddy's statuses and messages, the document unchanged") {
  struct Case {
    const char* method;
    const char* path;
    const char* body;
    int status;
    const char* message;
  };
  const Case cases[] = {
      {"PUT", "/config/apps/frankenphp", "{}", 409, "[/config/apps/frankenphp] key already exists: frankenphp"},
      {"PATCH", "/config/apps/nope", "{}", 404, "[/config/apps/nope] key does not exist: nope"},
      {"DELETE", "/config/apps/nope", nullptr, 404, "[/config/apps/nope] key does not exist: nope"},
      {"PATCH", "/config/list/3", "1", 400, "[/config/list/3] array index out of bounds: 3"},
      {"PATCH", "/config/list/01", "1", 400, "[/config/list/01] invalid array index '01'"},
      {"POST", "/config/list/...", "5", 400, "final element is not an array"},
      {"POST", "/config/nope/deeper", "5", 400, "[/config/nope] invalid traversal path"},
      {"GET", "/config/list", nullptr, 405, "method not allowed"},
      {"POST", "/config/list", nullptr, 400, "missing request body"},
      {"DELETE", "/config/", nullptr, 400, "Pogo cannot run without a configuration: use POST /stop to stop it"},
      {"POST", "/", "1", 400, "no traversable path"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.method);
    CAPTURE(c.path);
    json doc = kDoc;
    std::optional<json> body;
    if (c.body) body = json::parse(c.body);
    auto [status, message] = failure([&] { config_edit(doc, c.method, c.path, body); });
    CHECK(status == c.status);
    CHECK(message == c.message);
    CHECK(doc == kDoc);
  }
}

TEST_CASE("Etag names the path and the value's hash; If-Match checks it") {
  std::string etag = config_etag(kDoc, "/config/apps/frankenphp");
  CHECK(etag.rfind("\"/config/apps/frankenphp ", 0) == 0);
  CHECK(etag.back() == '"');
  CHECK(etag != config_etag(kDoc, "/config/list"));
  CHECK(failure([&] { check_if_match(kDoc, etag); }).first == 0);
  json changed = edited("PATCH", "/config/apps/frankenphp/num_threads", json(5));
  auto [status, message] = failure([&] { check_if_match(changed, etag); });
  CHECK(status == 412);
  CHECK(message == "If-Match header did not match current config hash");
  CHECK(failure([&] { check_if_match(kDoc, "no-quotes"); }) ==
        std::pair<int, std::string>{400, "malformed If-Match header; expect quoted string"});
  CHECK(failure([&] { check_if_match(kDoc, "\"onlyonepart\""); }).first == 400);
  // An edit elsewhere leaves the Etag of an untouched path as it was.
  json other = edited("POST", "/config/list", json(4));
  CHECK(config_etag(other, "/config/apps/frankenphp") == etag);
}

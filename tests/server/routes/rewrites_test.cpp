// rewrite, uri, redir and try_files as pure operations, and basic_auth's pieces.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "server/routes/basic_auth.h"
#include "server/routes/route.h"
#include "server/routes/rewrites.h"
#include "server/routes/try_files.h"

using namespace pogo::server;
namespace fs = std::filesystem;

TEST_CASE("rewrite replaces the path, and the query when it has one") {
  struct Case {
    const char* path;
    const char* query;
    const char* target;
    const char* new_path;
    const char* new_query;
  } cases[] = {
      {"/a", "x=1", "/index.php", "/index.php", "x=1"},
      {"/a", "x=1", "/index.php?", "/index.php", ""},
      {"/a", "x=1", "/index.php?p=/a&x=1", "/index.php", "p=/a&x=1"},
      {"/a", "x=1", "?y=2", "/a", "y=2"},
      {"/a", "", "/b/../c/%41", "/c/A", ""},
      {"/a", "", "relative", "/relative", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.target);
    RequestHead h;
    h.path = c.path;
    h.query = c.query;
    REQUIRE(apply_rewrite(c.target, h));
    CHECK(h.path == c.new_path);
    CHECK(h.query == c.new_query);
  }
  RequestHead h;
  h.path = "/a";
  CHECK_FALSE(apply_rewrite("/bad%zz", h));
}

TEST_CASE("uri operations") {
  CHECK(strip_prefix_op("/api/users", "/api") == "/users");
  CHECK(strip_prefix_op("/api", "/api") == "/");
  CHECK(strip_prefix_op("/other", "/api") == "/other");
  CHECK(strip_suffix_op("/page.html", ".html") == "/page");
  CHECK(replace_op("/a/b/a/b", "a", "x", 0) == "/x/b/x/b");
  CHECK(replace_op("/a/b/a/b", "a", "x", 1) == "/x/b/a/b");
  auto re = make_path_regexp_op("^/old/(.*)$", "/new/$1");
  CHECK(std::regex_replace(std::string("/old/x/y"), re.re, re.replacement) == "/new/x/y");
  CHECK_THROWS(make_path_regexp_op("(", "x"));
  CHECK(strip_path_prefix("/V1/docs/a", "/v1") == "/docs/a");
  CHECK(strip_path_prefix("/v1", "/v1") == "/");
  CHECK(strip_path_prefix("/v2/x", "/v1") == "/v2/x");
}

TEST_CASE("uri query operations") {
  struct Case {
    const char* query;
    std::vector<std::string> args;
    const char* out;
  } cases[] = {
      {"a=1&b=2", {"-a"}, "b=2"},
      {"a=1&b=2&a=3", {"-a"}, "b=2"},
      {"a=1&b=2", {"b>c"}, "a=1&c=2"},
      {"a=1", {"+a", "x y"}, "a=1&a=x+y"},
      {"a=1&b=2", {"a", "z&"}, "b=2&a=z%26"},
      {"", {"new", "v"}, "new=v"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.query);
    std::string q = c.query;
    REQUIRE(apply_query_op(q, c.args));
    CHECK(q == c.out);
  }
  std::string q = "a=1";
  CHECK_FALSE(apply_query_op(q, {"-"}));
}

TEST_CASE("redir html escapes its target") {
  std::string body = html_redirect_body("/x?a=<b>&c=\"d\"");
  CHECK(body.find("&lt;b&gt;") != std::string::npos);
  CHECK(body.find("<b>") == std::string::npos);
  CHECK(body.find("http-equiv=\"refresh\"") != std::string::npos);
}

TEST_CASE("try_files looks candidates up under the root") {
  fs::path base = fs::temp_directory_path() / ("pogo-tf-" + std::to_string(::getpid()));
  fs::remove_all(base);
  fs::create_directories(base / "root/dir");
  fs::create_directories(base / "outside");
  for (auto f : {"root/index.php", "root/a.txt", "root/dir/index.php", "root/big.txt", "outside/x.txt"})
    std::ofstream(base / f) << "x";
  std::ofstream(base / "root/big.txt") << "0123456789";
  std::string root = fs::canonical(base / "root").string();

  RequestHead h;
  h.path = "/dir";
  h.query = "q=1";
  Request r(h);
  r.root = root;
  TryFilesOptions o;
  o.files = compile_templates({"{path}", "{path}/", "/index.php?{query}&x=y"});
  auto m = try_files(o, r);
  REQUIRE(m);
  CHECK(m->relative == "/dir/");  // a directory only matches a candidate ending in '/'

  h.path = "/missing";
  m = try_files(o, r);
  REQUIRE(m);
  CHECK(m->relative == "/index.php");
  CHECK(m->has_query);
  CHECK(m->query == "q=1&x=y");

  h.path = "/../outside/x.txt";
  o.files = compile_templates({"{path}"});
  CHECK_FALSE(try_files(o, r));

  o.files = compile_templates({"{path}", "=404"});
  h.path = "/nope";
  m = try_files(o, r);
  REQUIRE(m);
  CHECK(m->status == 404);

  o.files = compile_templates({"/a.txt", "/big.txt"});
  o.policy = "largest_size";
  CHECK(try_files(o, r)->relative == "/big.txt");
  o.policy = "smallest_size";
  CHECK(try_files(o, r)->relative == "/a.txt");

  o.files = compile_templates({"/nope", "/index.php"});
  o.policy = "first_exist";
  o.split_path = {".php"};
  h.path = "/index.php/extra";
  o.files = compile_templates({"{path}"});
  m = try_files(o, r);
  REQUIRE(m);
  CHECK(m->relative == "/index.php");
  CHECK(m->remainder == "/extra");

  o.files = compile_templates({"/nope", "/neither.php"});
  o.split_path.clear();
  o.policy = "first_exist_fallback";
  CHECK(try_files(o, r)->relative == "/neither.php");

  CHECK(split_position("/a.PHP/b", {".php"}) == 6);
  CHECK(split_position("/a.phpx/b.php", {".php"}) == 13);
  CHECK(split_position("/a.b.c.php/x.php", {".php"}) == 10);
  CHECK(split_position("/.php", {".php"}) == 5);
  CHECK(split_position("/a.ph", {".php"}) == std::string::npos);
  CHECK(split_position("/a.p", {".php"}) == std::string::npos);
  CHECK(split_position("/index.HTML/x", {".php", "Index.html"}) == 11);  // a delimiter starting with a letter
  CHECK(split_position("/a.php.php", {".php"}) == 10);
  fs::remove_all(base);
}

TEST_CASE("basic auth credentials and bcrypt") {
  auto c = parse_basic_credentials("Basic Ym9iOnNlY3JldDpjb2xvbg==");  // bob:secret:colon
  REQUIRE(c);
  CHECK(c->first == "bob");
  CHECK(c->second == "secret:colon");
  CHECK_FALSE(parse_basic_credentials("Bearer abc"));
  CHECK_FALSE(parse_basic_credentials("Basic !!!"));
  const std::string hash = "$2b$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW";  // "secret"
  CHECK(bcrypt_matches("secret", hash));
  CHECK_FALSE(bcrypt_matches("Secret", hash));
  std::string y = hash;
  y[2] = 'y';
  CHECK(bcrypt_matches("secret", y));
}

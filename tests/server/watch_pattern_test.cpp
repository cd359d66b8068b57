#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "server/watch_pattern.h"

using namespace pogo::server;

TEST_CASE("glob_match: *, ?, classes, escapes, ** and braces") {
  struct Case {
    const char* glob;
    const char* path;
    bool want;
  };
  const Case cases[] = {
      {"*.php", "index.php", true},
      {"*.php", "src/index.php", false},  // '*' never crosses '/'
      {"*.php", ".hidden.php", true},     // no special rule for dot files (Go's filepath.Match)
      {"*.php", "index.php.bak", false},
      {"*", "a", true},
      {"a*b*c", "aXbYc", true},
      {"a*b*c", "aXbY", false},
      {"a*", "a", true},
      {"?.php", "a.php", true},
      {"?.php", "ab.php", false},
      {"[a-c].php", "b.php", true},
      {"[a-c].php", "d.php", false},
      {"[^a-c].php", "d.php", true},
      {"[^a-c].php", "a.php", false},
      {"[xyz]", "y", true},
      {"\\*.php", "*.php", true},
      {"\\*.php", "a.php", false},
      {"**/*.php", "index.php", true},  // ** is zero or more directories
      {"**/*.php", "src/index.php", true},
      {"**/*.php", "src/a/b/c/index.php", true},
      {"**/*.php", "src/index.twig", false},
      {"src/**/*.php", "src/a.php", true},
      {"src/**/*.php", "src/x/y/a.php", true},
      {"src/**/*.php", "lib/src/a.php", false},  // anchored at the start
      {"src/**", "src/a/b", true},
      {"**", "anything/at/all", true},
      {"a/**/b/**/c.php", "a/b/c.php", true},
      {"a/**/b/**/c.php", "a/x/b/y/z/c.php", true},
      {"a/**/b/**/c.php", "a/x/y/z/c.php", false},
      {"*/config.yaml", "app/config.yaml", true},
      {"*/config.yaml", "config.yaml", false},
      {"**/*.{env,php,twig,yaml,yml}", "config/services.yaml", true},
      {"**/*.{env,php,twig,yaml,yml}", ".env", true},
      {"**/*.{env,php,twig,yaml,yml}", "templates/base.html.twig", true},
      {"**/*.{env,php,twig,yaml,yml}", "public/app.js", false},
      {"**/*.{env,php,twig,yaml,yml}", "var/log/dev.log", false},
      {"{src,lib}/*.{php,inc}", "lib/a.inc", true},  // several brace sets
      {"{src,lib}/*.{php,inc}", "app/a.php", false},
      {"*.{ph{p,tml},twig}", "a.phtml", true},  // nested
      {"*.{ph{p,tml},twig}", "a.php", true},
      {"*.{ph{p,tml},twig}", "a.ph", false},
      {"*.{php", "a.{php", true},  // an unclosed brace is literal
      {"[a-", "a", false},         // malformed: matches nothing
  };
  for (const auto& c : cases) {
    CAPTURE(c.glob);
    CAPTURE(c.path);
    CHECK(glob_match(c.glob, c.path) == c.want);
  }
}

TEST_CASE("expand_braces") {
  CHECK(expand_braces("a{b,c}d") == std::vector<std::string>{"abd", "acd"});
  CHECK(expand_braces("{a,b}{1,2}") == std::vector<std::string>{"a1", "a2", "b1", "b2"});
  CHECK(expand_braces("x{,y}") == std::vector<std::string>{"x", "xy"});
  CHECK(expand_braces("plain") == std::vector<std::string>{"plain"});
  CHECK(expand_braces("\\{a,b}") == std::vector<std::string>{"\\{a,b}"});
}

TEST_CASE("WatchPattern::parse splits the directory from the glob as FrankenPHP does") {
  struct Case {
    const char* pattern;
    const char* dir;
    const char* glob;
    bool recursive;
  };
  // Directories that do not exist, so no symlink resolution gets in the way.
  const Case cases[] = {
      {"/nonexistent/app", "/nonexistent/app", "", true},  // a plain directory: everything under it
      {"/nonexistent/app/", "/nonexistent/app", "", true},
      {"/nonexistent/app/*.php", "/nonexistent/app", "*.php", false},
      {"/nonexistent/app/**/*.php", "/nonexistent/app", "**/*.php", true},
      {"/nonexistent/app/**/*.{php,twig}", "/nonexistent/app", "**/*.{php,twig}", true},
      {"/nonexistent/app/src/*/x.php", "/nonexistent/app/src", "*/x.php", true},
      {"/nonexistent/etc/site.caddy", "/nonexistent/etc", "site.caddy", false},  // a file name (has a dot)
      {"/nonexistent/etc/Caddyfile", "/nonexistent/etc/Caddyfile", "", true},  // no dot: the path itself
      {"/nonexistent/a/../b/./*.php", "/nonexistent/b", "*.php", false},
      {"./**/*.{env,php,twig,yaml,yml}", "/nonexistent/base", "**/*.{env,php,twig,yaml,yml}", true},
      {"rel/*.php", "/nonexistent/base/rel", "*.php", false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.pattern);
    WatchPattern w = WatchPattern::parse(c.pattern, "/nonexistent/base");
    CHECK(w.dir == c.dir);
    CHECK(w.glob == c.glob);
    CHECK(w.recursive == c.recursive);
    CHECK(w.written == c.pattern);
  }
}

TEST_CASE("WatchPattern::parse refuses a malformed glob, naming it") {
  try {
    (void)WatchPattern::parse("/nonexistent/[a-*.php");
    FAIL("no exception");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()) == "watch pattern \"/nonexistent/[a-*.php\": malformed glob");
  }
}

TEST_CASE("WatchPattern::matches and covers_dir") {
  WatchPattern all = WatchPattern::parse("/nonexistent/app");
  CHECK(all.matches("/nonexistent/app/x/y.txt"));
  CHECK(all.matches("/nonexistent/app"));
  CHECK_FALSE(all.matches("/nonexistent/application/x"));
  CHECK(all.covers_dir("/nonexistent/app/deep/er"));

  WatchPattern php = WatchPattern::parse("/nonexistent/app/*.php");
  CHECK(php.matches("/nonexistent/app/index.php"));
  CHECK_FALSE(php.matches("/nonexistent/app/src/index.php"));
  CHECK_FALSE(php.matches("/nonexistent/app"));
  CHECK(php.covers_dir("/nonexistent/app"));
  CHECK_FALSE(php.covers_dir("/nonexistent/app/src"));

  WatchPattern one = WatchPattern::parse("/nonexistent/etc/Caddyfile");
  CHECK(one.matches("/nonexistent/etc/Caddyfile"));
  CHECK_FALSE(one.matches("/nonexistent/etc/Caddyfile.bak"));
  CHECK_FALSE(one.matches("/nonexistent/etc/other"));
}

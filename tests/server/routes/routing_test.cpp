// Caddyfile text -> build_routes -> what a request gets: listeners by port, sites by Host (most
// specific first), handle blocks (mutually exclusive, most specific path first), handle_path,
// route order, matchers and the directives' actions — without sockets.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "caddyfile/error.h"
#include "caddyfile/load.h"
#include "server/routes/build.h"
#include "server/routes/site.h"

using namespace pogo::server;
namespace fs = std::filesystem;

namespace {

class NullBackend : public Backend {
 public:
  void handle(std::shared_ptr<Exchange>) override {}
};

struct Routed {
  Action action;
  RequestHead head;
  ResponseFilters filters;
  const ErrorRoutes* errors = nullptr;  // the routed site's handle_errors, when it has any
  int status() const {
    if (auto* r = std::get_if<Respond>(&action)) return r->status;
    return std::holds_alternative<ServeFile>(action) ? 1 : 2;  // 1: file, 2: backend
  }
  std::string body() const { return std::get<Respond>(action).body; }
  std::string header(std::string_view n) const {
    for (const auto& h : std::get<Respond>(action).headers)
      if (header_name_equals(h.name, n)) return h.value;
    return {};
  }
};

struct Fixture {
  fs::path base;
  NullBackend backend;
  BuiltRoutes routes;

  explicit Fixture(std::string text) {
    base = fs::temp_directory_path() / ("pogo-rt-" + std::to_string(::getpid()));
    fs::remove_all(base);
    fs::create_directories(base / "www/docs/sub");
    std::ofstream(base / "www/index.php") << "<?php";
    std::ofstream(base / "www/docs/a.txt") << "a";
    std::ofstream(base / "www/docs/sub/index.html") << "i";
    for (size_t p; (p = text.find("@ROOT@")) != std::string::npos;) text.replace(p, 6, (base / "www").string());
    auto cfg = caddyfile::parse_config(text, (base / "Caddyfile").string());
    routes = build_routes(cfg, &backend);
  }
  ~Fixture() { fs::remove_all(base); }

  Routed get(const std::string& address, std::string host, std::string path, std::string method = "GET",
             std::vector<Header> extra = {}) {
    Routed out;
    RequestHead& h = out.head;
    h.method = std::move(method);
    auto q = path.find('?');
    h.path = path.substr(0, q);
    h.query = q == std::string::npos ? "" : path.substr(q + 1);
    h.uri = path;
    h.remote_addr = "127.0.0.1";
    h.headers = {{"Host", host}};
    for (auto& e : extra) h.headers.push_back(e);
    for (auto& l : routes.listeners)
      if (l.address == address) {
        // Through the Router, as a stream routes: a host no site serves gets Caddy's empty 200.
        Request r(h);
        out.action = l.sites->route(host, r, out.errors);
        out.filters = r.filters;
        return out;
      }
    FAIL("no listener " << address);
    return out;
  }
};

}  // namespace

TEST_CASE("listeners per port, sites per host, most specific first") {
  Fixture f(R"(
{
	http_port 8080
}
http://a.example.com:9001, http://*.example.com:9001 {
	respond "wild {host}"
}
http://shop.example.com:9001 {
	respond "shop"
}
:9001 {
	respond "any"
}
http://b.test:9002 {
	respond "b"
}
http://c.test {
	respond "c on the http_port"
}
)");
  std::vector<std::string> addrs;
  for (auto& l : f.routes.listeners) addrs.push_back(l.address);
  CHECK(addrs == std::vector<std::string>{":9001", ":9002", ":8080"});
  CHECK(f.get(":9001", "shop.example.com", "/").body() == "shop");
  CHECK(f.get(":9001", "SHOP.example.com:9001", "/").body() == "shop");
  CHECK(f.get(":9001", "x.example.com", "/").body() == "wild x.example.com");
  CHECK(f.get(":9001", "a.example.com", "/").body() == "wild a.example.com");
  CHECK(f.get(":9001", "other.org", "/").body() == "any");
  CHECK(f.get(":9002", "b.test", "/").body() == "b");
  Routed none = f.get(":9002", "nobody.test", "/");  // no site: Caddy's empty 200
  CHECK(none.status() == 200);
  CHECK(none.body().empty());
  CHECK(f.get(":8080", "c.test", "/").body() == "c on the http_port");
}

TEST_CASE("handle blocks: first match wins, most specific path first; handle_path strips") {
  Fixture f(R"(
http://h.test:9100 {
	root * @ROOT@
	handle {
		respond "fallback"
	}
	handle /api/* {
		respond "api {path}"
	}
	handle /api/v2/* {
		respond "v2 {path}"
	}
	handle_path /docs/* {
		respond "docs {path} {http.request.orig_uri.path}"
	}
	route {
		header X-Route 1
		respond /route/* "route"
	}
	respond "never reached"
}
)");
  const std::string l = ":9100";
  CHECK(f.get(l, "h.test", "/api/v2/x").body() == "v2 /api/v2/x");
  CHECK(f.get(l, "h.test", "/api/x").body() == "api /api/x");
  CHECK(f.get(l, "h.test", "/docs/a/b").body() == "docs /a/b /docs/a/b");
  CHECK(f.get(l, "h.test", "/other").body() == "fallback");
  // handle runs before route in Caddy's order; the fallback handle answers everything else.
  CHECK(f.get(l, "h.test", "/route/x").body() == "fallback");
}

TEST_CASE("directives in Caddy's order: redir before rewrite before respond; matchers") {
  Fixture f(R"(
http://d.test:9200 {
	@post method POST
	@old path_regexp old ^/old/(.*)$
	respond @post "posted" 201
	rewrite /r /target?from=r
	respond /target "target {query.from}"
	redir @old /new/{re.old.1} permanent
	redir /tmp /x 307
	redir /html https://example.com/ html
	error /private/* "nope" 403
	header X-Site d
	header /x/* -X-Site
	basic_auth /secret/* {
		bob $2b$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW
	}
	respond /secret/* "in {http.auth.user.id}"
	@json header Accept *json*
	respond @json `{"ok":true}`
	encode gzip
	request_body {
		max_size 1KB
	}
}
)");
  const std::string l = ":9200";
  Routed r = f.get(l, "d.test", "/old/a/b");
  CHECK(r.status() == 301);
  CHECK(r.header("Location") == "/new/a/b");
  CHECK(f.get(l, "d.test", "/tmp").status() == 307);
  Routed html = f.get(l, "d.test", "/html");
  CHECK(html.status() == 200);
  CHECK(html.body().find("https://example.com/") != std::string::npos);
  CHECK(f.get(l, "d.test", "/r").body() == "target r");
  CHECK(f.get(l, "d.test", "/x", "POST").body() == "posted");
  Routed err = f.get(l, "d.test", "/private/x");
  CHECK(err.status() == 403);
  CHECK(err.body().empty());
  Routed denied = f.get(l, "d.test", "/secret/x");
  CHECK(denied.status() == 401);
  CHECK(denied.header("WWW-Authenticate") == "Basic realm=\"restricted\"");
  Routed allowed = f.get(l, "d.test", "/secret/x", "GET", {{"Authorization", "Basic Ym9iOnNlY3JldA=="}});
  CHECK(allowed.body() == "in bob");
  CHECK(allowed.filters.user_id == "bob");
  Routed json = f.get(l, "d.test", "/j", "GET", {{"Accept", "application/json"}});
  CHECK(json.body() == "{\"ok\":true}");
  CHECK(json.filters.header_ops.size() == 1);
  REQUIRE(json.filters.encode);
  CHECK(json.filters.encode->formats == std::vector<std::string>{"gzip"});
  CHECK(f.get(l, "d.test", "/x/y").filters.header_ops.size() == 2);
  Routed nothing = f.get(l, "d.test", "/unhandled");
  CHECK(nothing.status() == 200);  // no handler wrote a response: Caddy's empty 200
}

TEST_CASE("php_server and file_server decisions") {
  Fixture f(R"(
http://p.test:9300 {
	root * @ROOT@
	handle_path /static/* {
		file_server browse {
			hide a.txt
		}
	}
	php_server
}
)");
  const std::string l = ":9300";
  Routed script = f.get(l, "p.test", "/index.php/extra?x=1");
  REQUIRE(script.status() == 2);
  CHECK(script.head.script_name == "/index.php");
  CHECK(script.head.path_info == "/extra");
  Routed fallback = f.get(l, "p.test", "/some/route");
  REQUIRE(fallback.status() == 2);
  CHECK(fallback.head.script_name == "/index.php");
  Routed dir = f.get(l, "p.test", "/static/docs");
  CHECK(dir.status() == 308);
  CHECK(dir.header("Location") == "/static/docs/");
  Routed listing = f.get(l, "p.test", "/static/docs/");
  CHECK(listing.status() == 200);
  CHECK(listing.body().find("sub/") != std::string::npos);
  CHECK(listing.body().find("a.txt") == std::string::npos);  // hidden
  CHECK(f.get(l, "p.test", "/static/docs/a.txt").status() == 404);
  CHECK(f.get(l, "p.test", "/static/docs/sub/").status() == 1);  // index.html
  CHECK(f.get(l, "p.test", "/static/index.php").status() == 404);  // never PHP source
}

TEST_CASE("what cannot be honoured is a file:line error") {
  auto fails = [](const std::string& text, const std::string& needle) {
    NullBackend b;
    try {
      auto cfg = caddyfile::parse_config(text, "Caddyfile");
      build_routes(cfg, &b);
    } catch (const caddyfile::Error& e) {
      std::string what = e.what();
      CAPTURE(what);
      CHECK(std::string(e.what()).find(needle) != std::string::npos);
      return;
    }
    FAIL("no error for: " << text);
  };
  fails("http://a.test:9400 {\n\turi query -\n}\n", "Caddyfile:2: uri query: expected");
  fails("http://a.test:9400 {\n\t@bad path_regexp (x\n\trespond @bad 1\n}\n", "Caddyfile:2: path_regexp");
  fails("http://a.test:9400 {\n\t@ip remote_ip 1.2.3.4/99\n\trespond @ip 1\n}\n", "Caddyfile:2: remote_ip");
  fails("http://a.test:9400 {\n}\nhttp://a.test:9400 {\n}\n", "Caddyfile:3: site");
  fails("http://a.test:9400/api {\n}\n", "Caddyfile:1: site address");
  fails("http://a.test:9400 {\n\tcopy_response\n}\n",
        "Caddyfile:2: copy_response: only reverse_proxy's handle_response routes have an upstream response to copy");
  fails("http://a.test:9400 {\n\tintercept {\n\t\thandle_response {\n\t\t\tcopy_response_headers\n\t\t}\n\t}\n}\n",
        "Caddyfile:4: copy_response_headers: only reverse_proxy's handle_response routes have an upstream response to copy");
  fails("http://a.test:9400 {\n\tintercept {\n\t\thandle_response {\n\t\t\tphp_server {\n\t\t\t\tworker /bin/sh\n"
        "\t\t\t}\n\t\t}\n\t}\n}\n",
        "Caddyfile:4: php_server: a worker inside handle_response is not supported by Pogo");
  // Inside reverse_proxy's handle_response they are fine.
  NullBackend b;
  auto ok = caddyfile::parse_config("http://a.test:9400 {\n\treverse_proxy 127.0.0.1:9 {\n\t\thandle_response {\n"
                                    "\t\t\tcopy_response_headers\n\t\t\tcopy_response\n\t\t}\n\t}\n}\n",
                                    "Caddyfile");
  CHECK_NOTHROW(build_routes(ok, &b));
}

TEST_CASE("php, php_fastcgi, the file matcher, try_files and uri") {
  Fixture f(R"(
http://q.test:9500 {
	root * @ROOT@
	@exists file {path}.txt
	respond @exists "exists {file_match.relative}"
	uri /strip/* strip_prefix /strip
	try_files {path}.html {path}/index.html
	@php path *.php
	php @php
	php_fastcgi /fcgi/* 127.0.0.1:9000
}
)");
  const std::string l = ":9500";
  CHECK(f.get(l, "q.test", "/docs/a").body() == "exists /docs/a.txt");
  Routed script = f.get(l, "q.test", "/strip/index.php");
  REQUIRE(script.status() == 2);
  CHECK(script.head.script_name == "/index.php");
  CHECK(script.head.path == "/index.php");
  CHECK(f.get(l, "q.test", "/missing.php").status() == 404);  // php: the script must exist
  Routed tried = f.get(l, "q.test", "/docs/sub");  // respond runs before php: nothing answers this one
  CHECK(tried.status() == 200);
  CHECK(tried.head.path == "/docs/sub/index.html");
  Routed fcgi = f.get(l, "q.test", "/fcgi/route");  // php_fastcgi: try_files to the index
  REQUIRE(fcgi.status() == 2);
  CHECK(fcgi.head.script_name == "/index.php");
}

TEST_CASE("handle_errors: the site's error routes, most specific first; respond keeps the error's status") {
  Fixture f(R"(:9301 {
	error /x 500
	handle_errors {
		respond "any"
	}
	handle_errors 5xx {
		respond "class {err.status_code}"
	}
	handle_errors 404 502 {
		respond "code" 299
	}
}
:9302 {
	respond hi
}
)");
  REQUIRE(f.routes.listeners.size() == 2);
  const ErrorRoutes* errors = f.get(":9301", "localhost", "/").errors;
  REQUIRE(errors);
  auto answer = [&](int status) {
    REQUIRE(errors->handles(status));
    RequestHead h;
    h.path = "/x";
    Request r(h);
    HttpError e{status, "m", "", "id"};
    r.error = &e;
    auto a = errors->answer(status, r);
    REQUIRE(a);
    const Respond& resp = std::get<Respond>(*a);
    return std::to_string(resp.status) + " " + resp.body;
  };
  CHECK(answer(404) == "299 code");
  CHECK(answer(502) == "299 code");
  CHECK(answer(503) == "503 class 503");
  CHECK(answer(418) == "418 any");
  // The error directive's answer is marked as a handler error for them.
  Routed r = f.get(":9301", "localhost", "/x");
  REQUIRE(std::holds_alternative<Respond>(r.action));
  CHECK(std::get<Respond>(r.action).error);
  CHECK(r.status() == 500);
  // A site without handle_errors has none (nothing kept per request for it).
  CHECK(f.get(":9302", "localhost", "/").errors == nullptr);
}

TEST_CASE("a rewrite to a relative target: only a path pattern written without '/' matches it, as in Caddy") {
  // symfony-docker's front controller: unknown paths are rewritten to "index.php", which
  // `path index.php` matches; /index.php requested as such is not rewritten and not matched.
  Fixture f(R"(
http://s.test:9300 {
	root * @ROOT@
	@phpRoute not file {path}
	rewrite @phpRoute index.php
	@front path index.php
	respond @front "front {path}"
	@slash path /index.php
	respond @slash "slash"
	respond "other {path}"
}
)");
  const std::string l = ":9300";
  CHECK(f.get(l, "s.test", "/products/1").body() == "front /index.php");
  CHECK(f.get(l, "s.test", "/index.php").body() == "slash");
  CHECK(f.get(l, "s.test", "/docs/a.txt").body() == "other /docs/a.txt");
}

TEST_CASE("php_server workers: match before try_files, by file otherwise; the head names the worker") {
  Fixture f(R"(
http://w.test:9301 {
	php_server {
		root @ROOT@
		worker {
			file @ROOT@/index.php
			name front
			match /api/*
		}
	}
}
http://v.test:9301 {
	php_server {
		root @ROOT@
		worker index.php
	}
}
)");
  const std::string l = ":9301";
  Routed api = f.get(l, "w.test", "/api/users");
  CHECK(api.status() == 2);
  CHECK(api.head.worker == "front");
  CHECK(api.head.path == "/api/users");  // not rewritten by try_files
  CHECK(f.get(l, "w.test", "/docs/a.txt").status() == 1);
  Routed other = f.get(l, "w.test", "/elsewhere");  // try_files -> index.php, but its worker has `match`
  CHECK(other.status() == 2);
  CHECK(other.head.worker.empty());
  Routed by_file = f.get(l, "v.test", "/elsewhere");
  CHECK(by_file.status() == 2);
  CHECK(by_file.head.worker == by_file.head.script_filename);  // unnamed here: known by its file
}

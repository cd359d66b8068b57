// Sites: addresses and HTTPS, directives with their matchers, named matchers, directive order.
#include <doctest/doctest.h>

#include "caddyfile/config_json.h"
#include "config_test_util.h"

using namespace caddyfile;

namespace {

std::string order_of(const std::vector<Handler>& hs) {
    std::string out;
    for (const Handler& h : hs) {
        out += (out.empty() ? "" : " ") + h.directive;
        if (h.match.kind == MatchSpec::Kind::path) out += "(" + h.match.value + ")";
        if (h.match.kind == MatchSpec::Kind::named) out += "(@" + h.match.value + ")";
    }
    return out;
}

}  // namespace

TEST_CASE("sites: addresses and HTTPS") {
    Config c = test::load(":8080, http://example.com {\n\trespond hi\n}\nhttps://secure.example.com {\n\ttls cert.pem key.pem\n}\n");
    REQUIRE(c.sites.size() == 2);
    CHECK(c.sites[0].addresses[0].scheme == "http");
    CHECK(c.sites[0].addresses[0].port == 8080);
    CHECK(c.sites[0].addresses[1].port == 80);
    CHECK(c.sites[1].addresses[0].scheme == "https");
    REQUIRE(c.sites[1].tls);
    CHECK(c.sites[1].tls->cert == "cert.pem");

    // A host name is HTTPS (Caddy's automatic HTTPS), on the HTTPS port unless one is written.
    Config local = test::load("localhost {\n\trespond hi\n}\n:80, example.com:8443 {\n}\n");
    CHECK(local.sites[0].addresses[0].scheme == "https");
    CHECK(local.sites[0].addresses[0].port == 443);
    CHECK(local.sites[1].addresses[1].scheme == "https");
    CHECK(local.sites[1].addresses[1].port == 8443);
    CHECK(local.https.certificates.size() == 2);
    Config off = test::load("{\n\tauto_https off\n}\nlocalhost {\n\trespond hi\n}\n");
    CHECK(off.sites[0].addresses[0].scheme == "http");
    CHECK(off.sites[0].addresses[0].port == 443);
    CHECK(test::load_error(":80 {\n}\n:80 {\n}") == "/app/Caddyfile:3: site \":80\" is already defined at /app/Caddyfile:1");
    CHECK(test::load_error(":8443 {\n}\nhttps://a.com:8443 {\n\ttls c k\n}") ==
          "/app/Caddyfile:3: site \"https://a.com:8443\" is served over HTTPS on port 8443, but site \":8443\" "
          "(/app/Caddyfile:1) uses that port for HTTP");
    CHECK(test::load_error("{\n\thttp_port 443\n}") == "/app/Caddyfile:2: http_port and https_port are both 443");
    CHECK(test::load("localhost {\n\ttls internal\n}").sites[0].tls->internal);
}

TEST_CASE("sites: directives parse into typed specs") {
    Config c = test::load(R"(:8080 {
	root * public/
	header /api/* {
		Cache-Control "no-store"
		+Vary Accept
		-Server
		?X-Frame-Options DENY
		Link old new
	}
	header X-Powered-By Pogo
	request_body {
		max_size 10MB
	}
	redir /old /new permanent
	rewrite @spa /index.html
	uri strip_prefix /app
	try_files {path} {path}/ /index.php?{query}
	basic_auth /admin/* {
		alice $2a$14$Zkx19XLiW6VYouLHR5NmfOFU0z2GTNmpkT/5qqR7hx4IjWJPDhjvG
	}
	encode zstd gzip
	respond /health "OK" 200
	error /forbidden "Nope" 403
	php_server {
		root public/
		env APP_ENV prod
		index index.php
		try_files {path} index.php
		file_server off
		worker worker.php 2
	}
	file_server browse {
		hide .git
		precompressed gzip
	}
	log {
		output stdout
		format console
	}
	@spa {
		not path /api/*
		file {
			try_files {path}
		}
		method GET HEAD
		header Accept *text/html*
		query debug=1
		remote_ip 10.0.0.0/8
		expression {http.request.host} == "example.com"
	}
}
)");
    REQUIRE(c.sites.size() == 1);
    const Site& s = c.sites[0];
    CHECK(order_of(s.handlers) ==
          "root header(/api/*) header request_body redir(/old) rewrite(@spa) uri try_files basic_auth(/admin/*) encode "
          "error(/forbidden) respond(/health) php_server file_server");
    auto spec = [&](size_t i) -> const HandlerSpec& { return s.handlers[i].spec; };
    CHECK(std::get<RootSpec>(spec(0)).path == "public/");
    const auto& h = std::get<HeaderSpec>(spec(1));
    REQUIRE(h.ops.size() == 5);
    CHECK(h.ops[0].op == HeaderOp::Op::set);
    CHECK(h.ops[0].value == "no-store");
    CHECK(h.ops[1].op == HeaderOp::Op::add);
    CHECK(h.ops[2].op == HeaderOp::Op::remove);
    CHECK(h.ops[3].op == HeaderOp::Op::set_default);
    CHECK(h.ops[4].op == HeaderOp::Op::replace);
    CHECK(h.ops[4].replacement == "new");
    CHECK(h.defer);
    CHECK(std::get<RequestBodySpec>(spec(3)).max_size == 10000000u);
    CHECK(std::get<RedirSpec>(spec(4)).to == "/new");
    CHECK(std::get<RedirSpec>(spec(4)).status == 301);
    CHECK(std::get<RewriteSpec>(spec(5)).to == "/index.html");
    CHECK(std::get<UriSpec>(spec(6)).op == "strip_prefix");
    CHECK(std::get<TryFilesSpec>(spec(7)).files == std::vector<std::string>{"{path}", "{path}/", "/index.php?{query}"});
    CHECK(std::get<BasicAuthSpec>(spec(8)).accounts[0].first == "alice");
    CHECK(std::get<EncodeSpec>(spec(9)).formats == std::vector<std::string>{"zstd", "gzip"});
    CHECK(std::get<ErrorSpec>(spec(10)).status == 403);
    CHECK(std::get<RespondSpec>(spec(11)).body == "OK");
    CHECK(std::get<RespondSpec>(spec(11)).status == 200);
    const auto& php = std::get<PhpSpec>(spec(12));
    CHECK(php.root == "public/");
    CHECK(php.env == KeyValues{{"APP_ENV", "prod"}});
    CHECK(!php.file_server);
    REQUIRE(php.workers.size() == 1);
    CHECK(php.workers[0].path == "/app/public/worker.php");  // relative to the block's root
    CHECK(std::get<FileServerSpec>(spec(13)).browse);
    CHECK(std::get<FileServerSpec>(spec(13)).hide == std::vector<std::string>{".git"});
    REQUIRE(s.logs.size() == 1);
    CHECK(s.logs[0].output == "stdout");
    REQUIRE(s.matchers.size() == 1);
    const MatcherSet& m = s.matchers[0].set;
    CHECK(m.nots.size() == 1);
    CHECK(m.nots[0].paths == std::vector<std::string>{"/api/*"});
    CHECK(m.file->try_files == std::vector<std::string>{"{path}"});
    CHECK(m.methods == std::vector<std::string>{"GET", "HEAD"});
    CHECK(m.headers[0].first == "Accept");
    CHECK(m.query[0] == std::pair<std::string, std::string>{"debug", "1"});
    CHECK(m.remote_ips == std::vector<std::string>{"10.0.0.0/8"});
    CHECK(m.expression == "{http.request.host} == \"example.com\"");
}

TEST_CASE("sites: php_server and php workers, as FrankenPHP reads them") {
    Config c = test::load(R"(:8080 {
	php_server {
		worker {
			file index.php
			num 2
			name front
			env APP_ENV prod
			match /api/* *.json
			watch
			max_threads 4
			max_consecutive_failures -1
		}
		split .php .phtml
		root public
		worker ../pogo/cpu-worker.php
	}
	php /jobs/* {
		worker /app/public/worker.php 1
		split .php
	}
}
)");
    const Site& s = c.sites.at(0);
    const auto& server = std::get<PhpSpec>(s.handlers.at(1).spec);  // php comes first in Caddy's order
    CHECK(server.split_path == std::vector<std::string>{".php", ".phtml"});
    REQUIRE(server.workers.size() == 2);
    const PhpWorker& w = server.workers[0];
    CHECK(w.path == "/app/public/index.php");  // from the block's root, wherever it is written
    CHECK(w.num == 2);
    CHECK(w.name == "front");
    CHECK(w.env == KeyValues{{"APP_ENV", "prod"}});
    CHECK(w.match == std::vector<std::string>{"/api/*", "*.json"});
    CHECK(w.watch == std::vector<std::string>{"./**/*.{env,php,twig,yaml,yml}"});
    CHECK(w.max_threads == 4);
    CHECK(w.max_consecutive_failures == -1);
    CHECK(server.workers[1].path == "/app/pogo/cpu-worker.php");
    const auto& php = std::get<PhpSpec>(s.handlers.at(0).spec);
    REQUIRE(php.workers.size() == 1);
    CHECK(php.workers[0].path == "/app/public/worker.php");
    CHECK(php.workers[0].num == 1);
    // Without a root in the block, a relative file starts from the working directory (the site's
    // `root` directive does not count, as in FrankenPHP).
    Config d = test::load(":80 {\n\troot * public\n\tphp_server {\n\t\tworker public/index.php\n\t}\n}");
    CHECK(std::get<PhpSpec>(d.sites.at(0).handlers.at(1).spec).workers.at(0).path == "/app/public/index.php");
}

TEST_CASE("sites: php_server's split is also spelled split_path, as FrankenPHP's documentation writes it") {
    for (const char* name : {"split", "split_path"}) {
        Config c = test::load(std::string(":80 {\n\tphp_server {\n\t\t") + name + " .php .phtml\n\t}\n}\n");
        const auto& spec = std::get<PhpSpec>(c.sites.at(0).handlers.at(0).spec);
        CHECK(spec.split_path == std::vector<std::string>{".php", ".phtml"});
    }
}

TEST_CASE("sites: directive order") {
    const std::pair<std::string, std::string> cases[] = {
        {":80 {\n\tfile_server\n\tphp_server\n\troot * /srv\n\tencode gzip\n}", "root encode php_server file_server"},
        {":80 {\n\trespond /a* 1\n\trespond /abc 2\n\trespond 3\n\trespond /ab 4\n}",
         "respond(/abc) respond(/ab) respond(/a*) respond"},
        {":80 {\n\t@x method GET\n\trespond 1\n\trespond @x 2\n}", "respond(@x) respond"},
        {":80 {\n\troute {\n\t\tfile_server\n\t\troot * /srv\n\t}\n\theader X y\n}", "header route"},
        {"{\n\torder file_server before root\n}\n:80 {\n\troot * /srv\n\tfile_server\n}", "file_server root"},
        {"{\n\torder respond first\n}\n:80 {\n\troot * /srv\n\trespond x\n}", "respond root"},
        {"{\n\torder root last\n}\n:80 {\n\troot * /srv\n\trespond x\n}", "respond root"},
        {"{\n\torder php_server after file_server\n}\n:80 {\n\tphp_server\n\tfile_server\n}", "file_server php_server"},
        {":80 {\n\thandle /api/* {\n\t\trespond x\n\t}\n\thandle {\n\t\tfile_server\n\t}\n\tredir /a /b\n}",
         "redir(/a) handle(/api/*) handle"},
        {":80 {\n\thandle {\n\t\trespond x\n\t}\n\thandle_path /api/* {\n\t\trespond y\n\t}\n}",
         "handle_path(/api/*) handle"},
        {":80 {\n\tphp_server\n\tvulcain\n\tencode gzip\n}", "encode vulcain php_server"},
        {"{\n\torder vulcain after reverse_proxy\n}\n:80 {\n\tphp_server\n\tvulcain\n\trespond /x 1\n}",
         "respond(/x) vulcain php_server"},
        {":80 {\n\tbasicauth /x {\n\t\tu JDJhJDE0JFpreDE5WExpVzZWWW91TEhSNU5tZk9GVTB6MkdUTm1wa1QvNXFxUjdoeDRJaldKUERoanZH\n\t}\n\theader a b\n}",
         "header basic_auth(/x)"},
    };
    for (const auto& [input, order] : cases) {
        CAPTURE(input);
        CHECK(order_of(test::load(input).sites.at(0).handlers) == order);
    }
    // route keeps written order inside, handle sorts inside
    Config c = test::load(":80 {\n\troute {\n\t\tfile_server\n\t\troot * /srv\n\t}\n\thandle {\n\t\tfile_server\n\t\troot * /srv\n\t}\n}");
    REQUIRE(c.sites[0].handlers[0].directive == "handle");
    CHECK(order_of(std::get<SubrouteSpec>(c.sites[0].handlers[0].spec).handlers) == "root file_server");
    CHECK(order_of(std::get<SubrouteSpec>(c.sites[0].handlers[1].spec).handlers) == "file_server root");
    CHECK(c.sites[0].handlers[0].group == "handle");
    CHECK(c.sites[0].handlers[1].group.empty());
}

TEST_CASE("sites: vulcain and its options") {
    Config c = test::load(R"(:80 {
	route {
		vulcain
		vulcain /api/* {
			max_pushes 0
			early_hints false
		}
		vulcain {
			early_hints
			max_pushes 20
		}
		php_server
	}
})");
    const auto& sub = std::get<SubrouteSpec>(c.sites[0].handlers[0].spec);
    REQUIRE(sub.handlers.size() == 4);
    const auto& bare = std::get<VulcainSpec>(sub.handlers[0].spec);
    CHECK(bare.max_pushes == -1);
    CHECK(bare.early_hints);
    const auto& off = std::get<VulcainSpec>(sub.handlers[1].spec);
    CHECK(sub.handlers[1].match.value == "/api/*");
    CHECK(off.max_pushes == 0);
    CHECK(!off.early_hints);
    const auto& on = std::get<VulcainSpec>(sub.handlers[2].spec);
    CHECK(on.max_pushes == 20);
    CHECK(on.early_hints);
}

TEST_CASE("sites: handle_path strips its prefix; matchers inside blocks are scoped") {
    Config c = test::load(":80 {\n\t@get method GET\n\thandle_path /api/* {\n\t\t@post method POST\n\t\trespond @post 1\n\t\trespond @get 2\n\t}\n}");
    const auto& sub = std::get<SubrouteSpec>(c.sites[0].handlers[0].spec);
    CHECK(sub.strip_prefix == "/api/");
    CHECK(sub.matchers.size() == 1);
    CHECK(order_of(sub.handlers) == "respond(@post) respond(@get)");
}

TEST_CASE("sites: warnings") {
    Config c = test::load(":80 {\n\tencode zstd br gzip\n\tphp_fastcgi localhost:9000\n}");
    REQUIRE(c.warnings.size() == 1);  // brotli is served: no warning for `br`
    CHECK(std::get<EncodeSpec>(c.sites[0].handlers[0].spec).formats == std::vector<std::string>{"zstd", "br", "gzip"});
    CHECK(c.warnings[0].str() ==
          "/app/Caddyfile:3: php_fastcgi: the upstream \"localhost:9000\" is ignored; PHP runs in Pogo's embedded engine");
    const auto& php = std::get<PhpSpec>(c.sites[0].handlers[1].spec);
    CHECK(!php.file_server);
    CHECK(php.upstream == "localhost:9000");
}

TEST_CASE("sites: encode's formats, options and response matcher") {
    Config c = test::load(R"(:80 {
	encode gzip br {
		zstd best {
			disable_checksum
		}
		minimum_length 1024
		match {
			status 2xx 404
			header Content-Type text/*
			header Content-Type application/json*
			header !X-Raw
		}
	}
	encode @api {
		br 9 18
		gzip 7
		match header Content-Type *
	}
	@api path /api/*
	encode
}
)");
    REQUIRE(c.sites[0].handlers.size() == 3);
    // As Caddy sorts one directive's handlers: those with a matcher before those without.
    const auto& a = std::get<EncodeSpec>(c.sites[0].handlers[1].spec);
    CHECK(a.formats == std::vector<std::string>{"zstd", "gzip", "br"});  // the block's first, as Caddy
    CHECK(a.zstd_level == "best");
    CHECK_FALSE(a.zstd_checksum);
    CHECK(a.minimum_length == 1024);
    REQUIRE(a.match);
    CHECK(a.match->status_codes == std::vector<int>{2, 404});
    REQUIRE(a.match->headers.size() == 2);
    CHECK(a.match->headers[0].first == "Content-Type");
    CHECK(a.match->headers[0].second == std::vector<std::string>{"text/*", "application/json*"});
    CHECK(a.match->headers[1].first == "!X-Raw");
    const auto& b = std::get<EncodeSpec>(c.sites[0].handlers[0].spec);
    CHECK(b.formats == std::vector<std::string>{"br", "gzip"});
    CHECK(b.br_quality == 9);
    CHECK(b.br_window == 18);
    CHECK(b.gzip_level == 7);
    REQUIRE(b.match);
    CHECK(b.match->status_codes.empty());
    CHECK(b.match->headers[0].second == std::vector<std::string>{"*"});
    const auto& d = std::get<EncodeSpec>(c.sites[0].handlers[2].spec);
    CHECK(d.formats == std::vector<std::string>{"zstd", "gzip"});
    CHECK_FALSE(d.match);
    CHECK(d.minimum_length == 512);
    CHECK(d.br_quality == -1);
    CHECK(c.warnings.empty());
}

TEST_CASE("sites: intercept and reverse_proxy's handle_response") {
    Config c = test::load(R"(:80 {
	request_header X-Sendfile-Type x-accel-redirect
	intercept /downloads/* {
		handle_response {
			respond "last"
		}
		@accel header X-Accel-Redirect *
		handle_response @accel {
			file_server
			header -X-Accel-Redirect
			method * GET
			rewrite * {resp.header.X-Accel-Redirect}
			root * /srv/private
		}
		replace_status @gone 404
		@gone {
			status 410 5xx
			header X-Gone
		}
	}
	reverse_proxy app:8080 {
		@error status 500 503
		replace_status 200
		handle_response @error {
			@api path /api/*
			respond @api "{rp.status_code} {rp.header.X-Reason}"
			copy_response_headers {
				exclude Set-Cookie
			}
			copy_response 502 {
				status 503
			}
		}
	}
	php_server
}
)");
    const auto& hs = c.sites[0].handlers;
    CHECK(order_of(hs) == "request_header intercept(/downloads/*) reverse_proxy php_server");
    const auto& i = std::get<InterceptSpec>(hs[1].spec).responses;
    REQUIRE(i.matchers.size() == 2);
    CHECK(i.matchers[0].first == "accel");
    CHECK(i.matchers[0].second.headers == std::vector<std::pair<std::string, std::vector<std::string>>>{{"X-Accel-Redirect", {"*"}}});
    CHECK(i.matchers[1].first == "gone");
    CHECK(i.matchers[1].second.status_codes == std::vector<int>{410, 5});
    CHECK(i.matchers[1].second.headers[0].first == "X-Gone");
    // Caddy's order: replace_status first, then handle_response, those without a matcher last.
    REQUIRE(i.routes.size() == 3);
    CHECK(i.routes[0].matcher == "gone");
    CHECK(i.routes[0].replace_status == 404);
    CHECK(i.routes[0].handlers.empty());
    CHECK(i.routes[1].matcher == "accel");
    CHECK(i.routes[1].replace_status == 0);
    CHECK(i.routes[1].where.line == 8);
    CHECK(order_of(i.routes[1].handlers) == "root header method rewrite file_server");  // sorted as a site
    CHECK(std::get<RewriteSpec>(i.routes[1].handlers[3].spec).to == "{resp.header.X-Accel-Redirect}");
    CHECK(i.routes[2].matcher.empty());
    CHECK(order_of(i.routes[2].handlers) == "respond");

    const auto& p = std::get<ReverseProxySpec>(hs[2].spec);
    CHECK(p.upstreams == std::vector<std::string>{"app:8080"});
    REQUIRE(p.responses.routes.size() == 2);
    CHECK(p.responses.routes[0].matcher == "error");
    CHECK(p.responses.routes[0].replace_status == 0);
    REQUIRE(p.responses.routes[0].matchers.size() == 1);
    CHECK(p.responses.routes[0].matchers[0].name == "api");
    CHECK(order_of(p.responses.routes[0].handlers) == "copy_response_headers copy_response respond(@api)");
    CHECK(std::get<CopyResponseHeadersSpec>(p.responses.routes[0].handlers[0].spec).exclude ==
          std::vector<std::string>{"Set-Cookie"});
    CHECK(std::get<CopyResponseSpec>(p.responses.routes[0].handlers[1].spec).status == 503);
    CHECK(p.responses.routes[1].matcher.empty());
    CHECK(p.responses.routes[1].replace_status == 200);
    CHECK(p.responses.matchers[0].second.status_codes == std::vector<int>{500, 503});

    nlohmann::json j = to_json(c);
    const auto& ij = j["sites"][0]["handlers"][1]["handle_response"];
    CHECK(ij["response_matchers"]["accel"]["headers"][0][0] == "X-Accel-Redirect");
    CHECK(ij["routes"][0]["match"] == "@gone");
    CHECK(ij["routes"][0]["replace_status"] == 404);
    CHECK(ij["routes"][2]["match"] == "*");
    CHECK(ij["routes"][1]["handlers"][4]["directive"] == "file_server");
    CHECK(j["sites"][0]["handlers"][2]["handle_response"]["routes"][0]["handlers"][1]["status"] == 503);
}

TEST_CASE("sites: errors") {
    const std::pair<std::string, std::string> cases[] = {
        {":80 {\n\tfoo bar\n}", "2: unrecognized directive \"foo\""},
        {":80 {\n\tforward_auth localhost:9000\n}", "2: directive \"forward_auth\" is not supported by Pogo"},
        {":80 {\n\treverse_proxy\n}", "2: reverse_proxy: no upstreams given"},
        {":80 {\n\tmethod\n}", "2: missing argument for \"method\""},
        {":80 {\n\tmethod G/T\n}", "2: method: invalid method \"G/T\""},
        {":80 {\n\treverse_proxy https://api.example.com http://b:80\n}",
         "2: reverse_proxy: \"http://b:80\" is http:// while another upstream is https://; they share one transport"},
        {":80 {\n\treverse_proxy h2c://api:80\n}",
         "2: reverse_proxy: h2c upstreams are not supported by Pogo yet (HTTP/1.1 only): \"h2c://api:80\""},
        {":80 {\n\treverse_proxy http://a:1 {\n\t\ttransport http {\n\t\t\ttls\n\t\t}\n\t}\n}",
         "2: reverse_proxy: \"http://a:1\" is http:// but the transport has tls"},
        {":80 {\n\treverse_proxy a:1 {\n\t\ttransport http {\n\t\t\ttls_trust_pool inline ABC\n\t\t}\n\t}\n}",
         "4: reverse_proxy transport http tls_trust_pool: Pogo has the file source only, got \"inline\""},
        {":80 {\n\treverse_proxy localhost:99999\n}", "2: reverse_proxy: invalid port in upstream address \"localhost:99999\""},
        {":80 {\n\treverse_proxy localhost/api\n}",
         "2: reverse_proxy: an upstream address cannot have a path (use rewrite): \"localhost/api\""},
        {":80 {\n\treverse_proxy app:http\n}", "2: reverse_proxy: invalid port in upstream address \"app:http\""},
        {":80 {\n\treverse_proxy ftp://{http.request.host}:80\n}",
         "2: reverse_proxy: an upstream address with placeholders may only have the http scheme: \"ftp://{http.request.host}:80\""},
        {":80 {\n\treverse_proxy a:1 {\n\t\thandle_response {\n\t\t\tcolor\n\t\t}\n\t}\n}", "4: unrecognized directive \"color\""},
        {":80 {\n\treverse_proxy a:1 {\n\t\thandle_response @5xx\n\t}\n}",
         "3: reverse_proxy handle_response: no response matcher named \"@5xx\" is defined in this block"},
        {":80 {\n\treverse_proxy a:1 {\n\t\tdynamic a\n\t}\n}", "3: reverse_proxy: dynamic is not supported by Pogo yet"},
        {":80 {\n\tintercept {\n\t\tcolor red\n\t}\n}", "3: unrecognized intercept subdirective \"color\""},
        {":80 {\n\tintercept {\n\t}\n}", "2: intercept: expected handle_response or replace_status in its block"},
        {":80 {\n\tintercept extra {\n\t\treplace_status 200\n\t}\n}", "2: too many arguments for \"intercept\""},
        {":80 {\n\tintercept {\n\t\thandle_response accel {\n\t\t}\n\t}\n}",
         "3: intercept handle_response: expected a named response matcher starting with '@', got \"accel\""},
        {":80 {\n\tintercept {\n\t\thandle_response @a @b {\n\t\t}\n\t}\n}",
         "3: intercept handle_response: takes at most one argument, a named response matcher"},
        {":80 {\n\tintercept {\n\t\t@a status 2yy\n\t\treplace_status @a 201\n\t}\n}",
         "3: invalid number \"2yy\" for \"intercept @a status\""},
        {":80 {\n\tintercept {\n\t\t@a path /x\n\t\treplace_status @a 201\n\t}\n}",
         "3: intercept @a: unknown response matcher \"path\" (expected status or header)"},
        {":80 {\n\tintercept {\n\t\t@a\n\t\treplace_status @a 201\n\t}\n}", "3: intercept @a: expected status or header conditions"},
        {":80 {\n\tintercept {\n\t\t@a status 200\n\t\t@a status 201\n\t\treplace_status 200\n\t}\n}",
         "4: intercept: response matcher @a is defined twice"},
        {":80 {\n\tintercept {\n\t\treplace_status 20\n\t}\n}",
         "3: invalid status code \"20\" for \"intercept replace_status\": expected 100-999"},
        {":80 {\n\tintercept {\n\t\treplace_status {resp.status_code}\n\t}\n}",
         "3: invalid status code \"{resp.status_code}\" for \"intercept replace_status\": expected 100-999"},
        {":80 {\n\tintercept {\n\t\treplace_status 200 {\n\t\t}\n\t}\n}",
         "3: intercept replace_status: takes no routes (use handle_response for those)"},
        {":80 {\n\tintercept {\n\t\treplace_status @a 200 201\n\t}\n}", "3: too many arguments for \"replace_status\""},
        {":80 {\n\tcopy_response abc\n}", "2: invalid status code \"abc\" for \"copy_response\": expected 100-999"},
        {":80 {\n\tcopy_response {\n\t\tcode 200\n\t}\n}", "3: unrecognized copy_response subdirective \"code\""},
        {":80 {\n\tcopy_response_headers x\n}", "2: too many arguments for \"copy_response_headers\""},
        {":80 {\n\tcopy_response_headers {\n\t\tinclude A\n\t\texclude B\n\t}\n}",
         "2: copy_response_headers: include and exclude cannot be given together"},
        {":80 {\n\tcopy_response_headers {\n\t\tinclude\n\t}\n}", "3: missing argument for \"include\""},
        {":80 {\n\treverse_proxy a:1 {\n\t\tlb_policy cookie\n\t}\n}", "3: reverse_proxy lb_policy: cookie is not supported by Pogo yet"},
        {":80 {\n\treverse_proxy a:1 {\n\t\tlb_policy fastest\n\t}\n}", "3: reverse_proxy lb_policy: unknown policy \"fastest\""},
        {":80 {\n\treverse_proxy a:1 {\n\t\tlb_policy header\n\t}\n}", "3: reverse_proxy lb_policy header: expected the header field"},
        {":80 {\n\treverse_proxy a:1 {\n\t\tunhealthy_status 5zz\n\t}\n}",
         "3: invalid status code \"5zz\" for \"reverse_proxy unhealthy_status\": expected 100-999"},
        {":80 {\n\treverse_proxy a:1 {\n\t\thealth_uri health\n\t}\n}",
         "3: reverse_proxy health_uri: expected a path starting with /"},
        {":80 {\n\treverse_proxy a:1 {\n\t\tcolor red\n\t}\n}", "3: unrecognized reverse_proxy subdirective \"color\""},
        {":80 {\n\treverse_proxy a:1 {\n\t\ttransport fastcgi\n\t}\n}",
         "3: reverse_proxy transport: Pogo has the http transport only, got \"fastcgi\""},
        {":80 {\n\treverse_proxy a:1 {\n\t\ttransport http {\n\t\t\ttls_client_auth a.pem b.pem\n\t\t}\n\t}\n}",
         "4: reverse_proxy transport http: tls_client_auth is not supported by Pogo yet"},
        {":80 {\n\treverse_proxy a:1 {\n\t\ttransport http {\n\t\t\tdial_timeout soon\n\t\t}\n\t}\n}",
         "4: transport http dial_timeout: invalid duration \"soon\""},
        {":80 {\n\treverse_proxy a:1 {\n\t\ttrusted_proxies 10.0.0.0/99\n\t}\n}",
         "3: reverse_proxy trusted_proxies: invalid IP address or CIDR range \"10.0.0.0/99\""},
        {":80 {\n\treverse_proxy a:1 {\n\t\theader_up\n\t}\n}", "3: missing argument for \"header_up\""},
        {":80\nrespond hi\nexample.com {\n}",
         "3: unrecognized directive \"example.com\": to define more than one site, wrap each site's directives in braces"},
        {":80 {\n\tworker index.php\n}", "2: unrecognized directive \"worker\": worker belongs inside php_server or php"},
        {":80 {\n\thandle {\n\t\ttls a b\n\t}\n}",
         "3: \"tls\" belongs at the top level of a site block, not inside handle, handle_path or route"},
        {":80 {\n\trespond @nope 200\n}", "2: undefined matcher \"@nope\": define it in this site with \"@nope { ... }\""},
        {":80 {\n\t@a path /a\n\t@a path /b\n}", "3: matcher @a is defined twice (first at /app/Caddyfile:2)"},
        {":80 {\n\t@a {\n\t\tcolor red\n\t}\n}", "3: unrecognized matcher \"color\""},
        {":80 {\n\t@a tls sni x\n}", "2: matcher \"tls\" is not supported by Pogo"},
        {":80 {\n\t@a vars x\n}", "2: missing argument for \"vars\""},
        {":80 {\n\t@a\n}", "2: matcher @a has no matchers"},
        {":80 {\n\t@a expression {path}.all(x, x == 1)\n}", "2: expression matcher: unsupported function \"all\""},
        {":80 {\n\t@a {\n\t\tnot expression size({path}) > 1\n\t}\n}", "3: expression matcher: unsupported function \"size\""},
        {":80 {\n\t@a \"{path} + 'x' == 'y'\"\n}", "2: expression matcher: unsupported operator \"+\" (Pogo evaluates no arithmetic)"},
        {":80 {\n\troot\n}", "2: missing argument for \"root\""},
        {":80 {\n\troot * a b\n}", "2: too many arguments for \"root\""},
        {":80 {\n\trewrite /a /b /c\n}", "2: too many arguments for \"rewrite\""},
        {":80 {\n\tredir /a /b sometimes\n}", "2: invalid status code \"sometimes\" for \"redir\": expected 100-999"},
        {":80 {\n\tredir /a /b 200\n}", "2: redir: status must be 3xx, permanent, temporary or html, got 200"},
        {":80 {\n\trespond \"x\" 2000\n}", "2: invalid status code \"2000\" for \"respond\": expected 100-999"},
        {":80 {\n\trespond {\n\t\tbody x\n\t\tcolor y\n\t}\n}", "4: unrecognized respond subdirective \"color\""},
        {":80 {\n\terror 200\n}", "2: error: the status must be 400 or more, got 200"},
        {":80 {\n\trequest_body {\n\t\tmax_size huge\n\t}\n}", "3: max_size: invalid size \"huge\""},
        {":80 {\n\trequest_body {\n\t\tmin_size 1\n\t}\n}", "3: unrecognized request_body subdirective \"min_size\""},
        {":80 {\n\tencode br2\n}", "2: encode: unknown format \"br2\" (expected gzip, zstd or br)"},
        {":80 {\n\tencode gzip {\n\t\tgzip 5\n\t}\n}", "2: encode: format \"gzip\" is given twice"},
        {":80 {\n\tencode {\n\t\tgzip 10\n\t}\n}", "3: \"gzip level\" must be at most 9, got 10"},
        {":80 {\n\tencode {\n\t\tbr 12\n\t}\n}", "3: \"br quality\" must be at most 11, got 12"},
        {":80 {\n\tencode {\n\t\tbr 5 9\n\t}\n}", "3: \"br window (lgwin)\" must be at least 10, got 9"},
        {":80 {\n\tencode {\n\t\tbr 5 20 1\n\t}\n}", "3: too many arguments for \"br\""},
        {":80 {\n\tencode {\n\t\tzstd fast\n\t}\n}",
         "3: encode zstd: unknown level \"fast\" (expected fastest, default, better or best)"},
        {":80 {\n\tencode {\n\t\tzstd best {\n\t\t\tlevel better\n\t\t}\n\t}\n}",
         "4: encode zstd: compression level already specified"},
        {":80 {\n\tencode {\n\t\tzstd {\n\t\t\tdictionary x\n\t\t}\n\t}\n}",
         "4: unrecognized encode zstd subdirective \"dictionary\""},
        {":80 {\n\tencode {\n\t\tmatch {\n\t\t\tpath /x\n\t\t}\n\t}\n}",
         "4: encode match: unknown response matcher \"path\" (expected status or header)"},
        {":80 {\n\tencode {\n\t\tmatch status 2yy\n\t}\n}", "3: invalid number \"2yy\" for \"encode match status\""},
        {":80 {\n\tencode {\n\t\tmatch status 42\n\t}\n}", "3: encode match: bad status \"42\" (expected 2xx, 2 or 200)"},
        {":80 {\n\tencode {\n\t\tmatch {\n\t\t\tstatus\n\t\t}\n\t}\n}", "4: encode match: status needs at least one code"},
        {":80 {\n\tencode {\n\t\tmatch {\n\t\t\theader !X-A b\n\t\t}\n\t}\n}",
         "4: encode match: a header that must be absent (!X-A) takes no value"},
        {":80 {\n\tencode {\n\t\tmatch\n\t}\n}", "3: encode match: expected status or header conditions"},
        {":80 {\n\tencode {\n\t\tmatch status 200\n\t\tmatch status 201\n\t}\n}", "4: encode: match is given twice"},
        {":80 {\n\tencode {\n\t\tprefer br\n\t}\n}", "3: unrecognized encode subdirective \"prefer\""},
        {":80 {\n\tbasic_auth {\n\t\tbob secret\n\t}\n}", "3: basic_auth: the password of \"bob\" is not a bcrypt hash"},
        {":80 {\n\tbasic_auth\n}", "2: basic_auth needs at least one account in its block: USER HASH"},
        {":80 {\n\tbasic_auth scrypt {\n\t}\n}", "2: basic_auth: hash algorithm \"scrypt\" is not supported (use bcrypt)"},
        {":80 {\n\thandle_path {\n\t}\n}", "2: handle_path needs a path matcher as its first argument, e.g. handle_path /api/*"},
        {":80 {\n\tphp_server {\n\t\tdocroot x\n\t}\n}", "3: unrecognized php_server subdirective \"docroot\""},
        {":80 {\n\tphp {\n\t\ttry_files x\n\t}\n}", "3: unrecognized php subdirective \"try_files\""},
        {":80 {\n\tphp_server extra\n}", "2: too many arguments for \"php_server\""},
        {":80 {\n\tphp_server {\n\t\tworker missing.php\n\t}\n}", "3: worker file not found: /app/missing.php"},
        {":80 {\n\tphp_fastcgi\n}", "2: missing argument for \"php_fastcgi\""},
        {":80 {\n\tphp_server {\n\t\tsplit\n\t}\n}", "3: missing argument for \"split\""},
        {":80 {\n\tphp_server {\n\t\troot public\n\t\tworker index.php\n\t\tworker {\n\t\t\tfile index.php\n\t\t}\n\t}\n}",
         "5: php_server: two workers of this block have the file \"/app/public/index.php\""},
        {"{\n\tfrankenphp {\n\t\tworker {\n\t\t\tfile public/index.php\n\t\t\tmatch *\n\t\t}\n\t}\n}\n:80 {\n\tphp_server\n}",
         "3: worker \"public/index.php\": \"match\" is only for a worker inside php_server or php, not a global one"},
        {"{\n\tfrankenphp {\n\t\tworker public/index.php\n\t\tworker /app/public/index.php 2\n\t}\n}\n:80 {\n\tphp_server\n}",
         "4: two global workers have the file \"/app/public/index.php\""},
        {":80 {\n\tfile_server {\n\t\tfs s3\n\t}\n}", "3: unrecognized file_server subdirective \"fs\""},
        {":80 {\n\tfile_server list\n}", "2: file_server: expected \"browse\" or nothing, got \"list\""},
        {":80 {\n\turi reverse\n}", "2: uri: expected strip_prefix, strip_suffix, replace, path_regexp or query, got \"reverse\""},
        {":80 {\n\turi replace a\n}", "2: missing argument for \"uri replace\""},
        {":80 {\n\ttry_files\n}", "2: missing argument for \"try_files\""},
        {":80 {\n\theader {\n\t\tX\n\t}\n}", "3: header X: missing value"},
        {":80 {\n\troute /x extra {\n\t}\n}", "2: too many arguments for \"route\""},
        {":80 {\n\trespond x {\n\t\tcolor y\n\t}\n}", "3: unrecognized respond subdirective \"color\""},
        {":80 {\n\troot * /srv {\n\t}\n}", "2: \"root\" does not take a block"},
        {":80 {\n\tlog {\n\t\tinclude x\n\t}\n}", "3: unrecognized log subdirective \"include\""},
        {":80 {\n\tvulcain {\n\t\topenapi_file openapi.yaml\n\t}\n}",
         "3: vulcain: openapi_file (relations described by OpenAPI) is not supported by Pogo; only hypermedia documents "
         "whose relations are URLs"},
        {":80 {\n\tvulcain {\n\t\tmax_pushes many\n\t}\n}", "3: invalid number \"many\" for \"vulcain max_pushes\""},
        {":80 {\n\tvulcain {\n\t\tmax_pushes -2\n\t}\n}", "3: \"vulcain max_pushes\" must be at least -1, got -2"},
        {":80 {\n\tvulcain {\n\t\tearly_hints maybe\n\t}\n}", "3: vulcain early_hints: expected true or false, got \"maybe\""},
        {":80 {\n\tvulcain {\n\t\tcache on\n\t}\n}", "3: unrecognized vulcain subdirective \"cache\""},
        {":80 {\n\tvulcain extra\n}", "2: too many arguments for \"vulcain\""},
        {":80 {\n\ttls a\n}", "2: tls \"a\": a single argument must be \"internal\" or an email address (certificate "
                                 "files are given as tls CERT_FILE KEY_FILE)"},
    };
    for (const auto& [input, error] : cases) {
        CAPTURE(input);
        CHECK(test::load_error(input) == "/app/Caddyfile:" + error);
    }
}

TEST_CASE("sites: handle_errors blocks, most specific first") {
    Config c = test::load(R"(:80 {
	@api path /api/*
	error /gone "Gone" 410
	file_server
	handle_errors {
		respond "any {err.status_code}"
	}
	handle_errors 5xx 404 {
		respond "class"
	}
	handle_errors 404 410 {
		rewrite * /errors/{err.status_code}.html
		file_server
	}
	handle_errors 403 {
		@local remote_ip 127.0.0.1
		respond @local "local"
		respond @api "api"
	}
}
)");
    const Site& s = c.sites[0];
    CHECK(order_of(s.handlers) == "error(/gone) file_server");
    REQUIRE(s.errors.size() == 4);
    CHECK(s.errors[0].codes == std::vector<int>{404, 410});
    CHECK(order_of(s.errors[0].handlers) == "rewrite file_server");
    CHECK(s.errors[0].where.line == 11);
    CHECK(s.errors[1].codes == std::vector<int>{403});
    CHECK(s.errors[1].matchers.size() == 1);
    CHECK(order_of(s.errors[1].handlers) == "respond(@api) respond(@local)");
    CHECK(s.errors[2].classes == std::vector<int>{5});
    CHECK(s.errors[2].codes == std::vector<int>{404});
    CHECK(s.errors[3].codes.empty());
    CHECK(s.errors[3].classes.empty());
    CHECK(s.errors[3].handles(418));
    CHECK(s.errors[2].handles(503));
    CHECK(s.errors[2].handles(404));
    CHECK(!s.errors[2].handles(410));
    CHECK(!s.errors[0].handles(500));
    // a respond without a status keeps 0: 200, or the error's status inside handle_errors
    CHECK(std::get<RespondSpec>(s.errors[3].handlers[0].spec).status == 0);

    nlohmann::json j = to_json(c);
    const auto& routes = j["sites"][0]["errors"]["routes"];
    REQUIRE(routes.size() == 4);
    CHECK(routes[0]["status_codes"] == nlohmann::json({"404", "410"}));
    CHECK(routes[2]["status_codes"] == nlohmann::json({"404", "5xx"}));
    CHECK(routes[3]["status_codes"] == nlohmann::json::array());
    CHECK(routes[1]["matchers"].contains("local"));
    CHECK(routes[0]["where"] == "/app/Caddyfile:11");
    CHECK(!to_json(test::load(":80 {\n\trespond hi\n}")).at("sites")[0].contains("errors"));
}

TEST_CASE("sites: the error directive") {
    Config c = test::load(":80 {\n\terror /a 404\n\terror /b \"Bad thing\"\n\terror /c {\n\t\tmessage Teapot\n\t\tstatus 418\n\t}\n"
                          "\terror {\n\t\tmessage Down\n\t}\n}");
    REQUIRE(c.sites[0].handlers.size() == 4);
    auto spec = [&](size_t i) { return std::get<ErrorSpec>(c.sites[0].handlers[i].spec); };
    CHECK(spec(0).status == 404);
    CHECK(spec(0).message.empty());
    CHECK(spec(1).status == 500);
    CHECK(spec(1).message == "Bad thing");
    CHECK(spec(2).status == 418);
    CHECK(spec(2).message == "Teapot");
    CHECK(spec(3).status == 500);
    CHECK(spec(3).message == "Down");
}

TEST_CASE("sites: bad handle_errors and error name file:line") {
    const std::pair<const char*, const char*> cases[] = {
        {":80 {\n\thandle_errors 404 abc {\n\t\trespond x\n\t}\n}",
         "2: handle_errors: bad status value \"abc\": expected an error status code (400-599, e.g. 404) or a class (4xx, "
         "5xx)"},
        {":80 {\n\thandle_errors 302 {\n\t\trespond x\n\t}\n}",
         "2: handle_errors: bad status value \"302\": expected an error status code (400-599, e.g. 404) or a class (4xx, "
         "5xx)"},
        {":80 {\n\thandle_errors 3xx {\n\t\trespond x\n\t}\n}",
         "2: handle_errors: bad status value \"3xx\": expected an error status code (400-599, e.g. 404) or a class (4xx, "
         "5xx)"},
        {":80 {\n\thandle_errors 4040 {\n\t\trespond x\n\t}\n}",
         "2: handle_errors: bad status value \"4040\": expected an error status code (400-599, e.g. 404) or a class "
         "(4xx, 5xx)"},
        {":80 {\n\thandle_errors 404\n}", "2: handle_errors needs a block of directives: handle_errors [codes] { ... }"},
        {":80 {\n\thandle_errors {\n\t\tbogus\n\t}\n}", "3: unrecognized directive \"bogus\""},
        {":80 {\n\thandle_errors {\n\t\trespond @nope x\n\t}\n}", "3: undefined matcher \"@nope\": define it in this site with \"@nope { ... }\""},
        {":80 {\n\thandle {\n\t\thandle_errors {\n\t\t\trespond x\n\t\t}\n\t}\n}",
         "3: \"handle_errors\" belongs at the top level of a site block, not inside handle, handle_path or route"},
        {":80 {\n\terror {\n\t\tcode 500\n\t}\n}", "3: unrecognized error subdirective \"code\""},
        {":80 {\n\terror {\n\t\tstatus 302\n\t}\n}", "2: error: the status must be 400 or more, got 302"},
    };
    for (const auto& [input, error] : cases) {
        CAPTURE(input);
        CHECK(test::load_error(input) == std::string("/app/Caddyfile:") + error);
    }
}

TEST_CASE("sites: errors inside imported snippets name the import") {
    CHECK(test::load_error("(bad) {\n\tfoo\n}\n:80 {\n\timport bad\n}") ==
          "/app/Caddyfile:2: unrecognized directive \"foo\" (imported at /app/Caddyfile:5)");
}

TEST_CASE("to_json") {
    Config c = test::load("{\n\tpogo {\n\t\tworker public/pogo-worker.php\n\t}\n}\n:8080 {\n\t@api path /api/*\n\trespond @api \"hi\" 201\n}\n");
    nlohmann::json j = to_json(c);
    CHECK(j["apps"]["pogo"]["pools"][0]["name"] == "default");
    CHECK(j["apps"]["pogo"]["pools"][0]["max_wait"] == "30s");
    CHECK(!j["global"].contains("pogo"));
    CHECK(!j["global"].contains("frankenphp"));
    CHECK(!j["apps"].contains("frankenphp"));
    CHECK(j["sites"][0]["addresses"][0]["port"] == 8080);
    CHECK(j["sites"][0]["addresses"][0]["scheme"] == "http");
    CHECK(j["sites"][0]["matchers"]["api"]["paths"][0] == "/api/*");
    CHECK(j["sites"][0]["handlers"][0]["directive"] == "respond");
    CHECK(j["sites"][0]["handlers"][0]["match"] == "@api");
    CHECK(j["sites"][0]["handlers"][0]["status"] == 201);
    CHECK(j["sites"][0]["handlers"][0]["where"] == "/app/Caddyfile:8");
}

// config_from_json, the inverse of to_json: every Caddyfile the tests use comes back identical
// through JSON; Octane's GET/PATCH of /config/apps/frankenphp; edits change the Config; bad
// documents are refused with errors that name the JSON path.
#include <doctest/doctest.h>

#include <functional>

#include "caddyfile/config_from_json.h"
#include "caddyfile/config_json.h"
#include "config_test_util.h"

using namespace caddyfile;
using nlohmann::json;

namespace {

const std::string kFixtures = CADDYFILE_FIXTURES;
const std::string kE2eFixtures = kFixtures + "/../../fixtures/caddy";

LoadOptions options_in(const std::string& dir, std::map<std::string, std::string> env) {
    LoadOptions o;
    o.working_dir = dir;
    o.env = [env](const std::string& name) -> std::optional<std::string> {
        auto it = env.find(name);
        if (it == env.end()) return std::nullopt;
        return it->second;
    };
    return o;
}

// to_json(config_from_json(to_json(c))) == to_json(c), and once more through text.
void check_round_trip(const Config& c, const LoadOptions& options) {
    const json j = to_json(c);
    CHECK(to_json(config_from_json(j, options)) == j);
    const json reparsed = json::parse(j.dump(-1, ' ', false, json::error_handler_t::replace));
    CHECK(to_json(config_from_json(reparsed, options)) == j);
}

const char* const kFrankenphp = R"({
	frankenphp {
		num_threads 8
		max_threads 16
		max_wait_time 2s
		max_idle_time 30s
		max_requests 500
		php_ini memory_limit 256M
		php_ini {
			opcache.enable 1
			display_errors Off
		}
		worker public/worker.php 2
		worker {
			file /app/public/index.php
			num 3
			env APP_ENV prod
			env B 2
			name main
			max_threads 6
			max_consecutive_failures 3
			watch
		}
	}
}
:8080 {
	php_server
}
)";

// Caddyfiles the other caddyfile tests load (site_test, global_options_test, tls_test), with
// every handler directive, matcher kind, global option and TLS form between them.
const char* const kInline[] = {
    R"(:8080 {
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
		worker {
			file ../pogo/cpu-worker.php
			match /jobs/*
		}
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
)",
    ":80 {\n\t@get method GET\n\thandle_path /api/* {\n\t\t@post method POST\n\t\trespond @post 1\n\t\trespond @get 2\n\t}\n"
    "\troute {\n\t\tfile_server\n\t\troot * /srv\n\t}\n\thandle {\n\t\tfile_server\n\t\troot * /srv\n\t}\n}",
    ":80 {\n\tencode zstd br gzip\n\tphp_fastcgi localhost:9000\n}",
    R"({
	debug
	http_port 8080
	https_port 8443
	admin off
	auto_https disable_redirects
	grace_period 10s
	shutdown_delay 1m30s
	order rewrite first
	log {
		output file /var/log/pogo.log
		format json
		level warn
	}
	servers {
		timeouts {
			read_body 10s
			read_header 5s
			write 30s
			idle 2m
		}
		max_header_size 16KB
		protocols h1 h2
	}
	servers :8443 {
		name main
		log_credentials
		enable_full_duplex
	}
	email admin@example.com
	acme_ca https://acme.example/directory
}
example.com, www.example.com {
	respond hi
}
:8080 {
	bind 127.0.0.1 ::1
	respond hi
}
)",
    kFrankenphp,
    R"({
	frankenphp
	pogo {
		pool default {
			worker public/pogo-worker.php
			num_threads 8
			max_wait 30s
		}
		pool cpu {
			worker pogo/cpu-worker.php
		}
	}
}
)",
    R"({
	email admin@example.com
	acme_ca https://acme-staging-v02.api.letsencrypt.org/directory
	acme_ca_root /etc/ca/root.pem
	skip_install_trust
	storage file_system {
		root /var/lib/pogo
	}
	default_sni example.com
	ocsp_stapling off
	key_type ed25519
	cert_issuer acme {
		disable_http_challenge
	}
	renew_interval 30m
}
example.com {
	tls {
		protocols tls1.2 tls1.3
		ciphers TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
		curves x25519
		alpn h2
		key_type p256
		client_auth {
			mode request
			trusted_ca_cert_file /ca.pem
		}
	}
}
a.localhost {
	tls internal
}
b.localhost {
	tls {
		issuer internal {
			lifetime 2d
		}
	}
}
)",
    "{\n\tcert_issuer internal {\n\t\tlifetime 2d\n\t}\n}\nlocalhost, example.com {\n\ttls ops@example.com\n}\n",
    ":8443 {\n\ttls c.pem k.pem\n}\nhttp://a.test, a.test {\n\ttls c.pem k.pem\n}\n",
    "{\n\tauto_https off\n}\na.test {\n\ttls c.pem k.pem\n}\nb.test:8080 {\n}\n",
    R"(:80 {
	@static path /assets/*
	error /gone "Gone for good" 410
	file_server
	handle_errors {
		respond "Oops {err.status_code}"
	}
	handle_errors 404 410 {
		@html header Accept *text/html*
		rewrite @html /errors/{err.status_code}.html
		file_server
	}
	handle_errors 5xx 418 {
		header @static X-Error {err.id}
		respond "{err.status_code} {err.status_text}: {err.message}" 503
	}
}
)",
    ":8080 {\n\tvulcain\n\troute /api/* {\n\t\tvulcain {\n\t\t\tmax_pushes 0\n\t\t\tearly_hints false\n\t\t}\n"
    "\t\tphp_server\n\t}\n}\n",
    // log: rolling file output and the filter encoder with every filter (logging.logs' writer/encoder)
    R"({
	log {
		output file /var/log/pogo.log {
			roll_size 5MiB
			roll_keep 3
			roll_keep_for 48h
			roll_uncompressed
			roll_local_time
		}
		format filter {
			wrap console
			fields {
				msg regexp "secret" "***"
			}
		}
	}
}
:80 {
	log {
		output file /var/log/caddy/access.log {
			roll_disabled
		}
		format filter {
			request>uri query {
				replace authorization REDACTED
				delete x
				hash token
			}
			request>headers>Authorization delete
			request>headers>X-Token replace gone
			request>headers>X-Key hash
			request>headers>Cookie cookie {
				replace session REDACTED
				delete secret
				hash id
			}
			resp_headers>Set-Cookie set_cookie {
				delete session
			}
			request>remote_ip ip_mask 24 32
			request>headers>User-Agent regexp "Chrome/[0-9.]+" "Chrome"
			request>headers>User-Agent regexp "[0-9]+" "N"
			request>headers>Referer regexp "\?.*" ""
		}
	}
	respond hi
}
)",
    R"(:80 {
	encode gzip {
		zstd better {
			disable_checksum
		}
		br 11 24
		minimum_length 0
		match {
			status 2xx 404 3
			header Content-Type text/*
			header Content-Type *json*
			header X-Compress
			header !X-Raw
		}
	}
	encode /api/* {
		gzip 9
		match status 200
	}
})",
    R"CF(:80 {
	vars tier gold
	vars /vip/* {
		tier platinum
		who {header.X-Who}
	}
	request_header X-From yes
	request_header -Cookie
	request_header Accept ^text/(.*)$ app/$1
	header Location ^http://(.*)$ https://$1
	header >Server pogo
	@cel expression `{path}.startsWith('/api') && method('GET') || header({'X': ['a', 'b']})`
	@short "{query.n} >= 10 && !path_regexp('v', '^/v([0-9])')"
	@vars {
		vars tier gold silver
		vars_regexp t {vars.who} ^(ad)min
		not expression {scheme} == 'https'
		file {
			try_files {path} {path}.html
			try_policy first_exist_fallback
			split_path .php
			root /srv
		}
	}
	respond @cel 1
}
)CF",
    // Octane's error page: the status being handled.
    ":80 {\n\trespond hi\n\thandle_errors {\n\t\trespond \"{err.status_code} {err.status_text}\" {err.status_code}\n\t}\n}",
    R"(:80 {
	reverse_proxy /api/* localhost:9000 http://[::1]:9001 :9002 {
		to 10.0.0.1
		flush_interval 100ms
		header_up Host {upstream_hostport}
		header_up -X-Drop
		header_up X-Version ^v(.*)$ version-$1
		header_down +X-Via pogo
		trusted_proxies private_ranges 192.0.2.0/24
		transport http {
			dial_timeout 2s
			response_header_timeout 30s
			read_buffer 16KiB
			keepalive 90s
			keepalive_idle_conns 8
		}
	}
	method /as-put/* put
	reverse_proxy /dyn/* {http.request.header.X-Backend} http://{vars.pool}:8080 fixed:80
	reverse_proxy /tls/* https://api.example.com wss://[::1]:8443 {
		transport http {
			tls_server_name internal.example
			tls_trusted_ca_certs /etc/ssl/private-ca.pem
		}
	}
	reverse_proxy /insecure/* 10.0.0.9:443 {
		transport http {
			tls_insecure_skip_verify
		}
	}
	reverse_proxy app:8080 app:8081 {
		lb_policy header X-Tenant
		lb_retries 2
		lb_try_duration 5s
		lb_try_interval 100ms
		fail_duration 30s
		max_fails 3
		unhealthy_status 5xx 429
		health_uri /healthz?full=1
		health_interval 10s
		health_timeout 2s
		health_status 2xx
		flush_interval -1
		transport http {
			keepalive off
		}
	}
}
)",
    R"(:8080 {
	request_header X-Sendfile-Type x-accel-redirect
	intercept /downloads/* {
		@accel header X-Accel-Redirect *
		@gone {
			status 410 5xx
			header !X-Keep
		}
		replace_status @gone 404
		handle_response @accel {
			@head method HEAD
			root * /srv/private
			rewrite * {resp.header.X-Accel-Redirect}
			method * GET
			header -X-Accel-Redirect
			header @head X-Head 1
			file_server
		}
		handle_response {
			respond "{resp.status_code}"
		}
	}
	reverse_proxy app:8080 {
		@error status 5xx
		@redirect {
			status 3xx
			header Location /login*
		}
		replace_status @redirect 401
		handle_response @error {
			copy_response_headers {
				include Retry-After
			}
			copy_response 503
		}
		handle_response {
			copy_response_headers
			respond "{rp.status_code} {rp.status_text}"
		}
	}
	php_server
}
)",
};

// Octane's reload: GET /config/apps/frankenphp, then PATCH it back with that body.
json patch_frankenphp(json doc, const json& body) {
    doc["apps"]["frankenphp"] = body;
    return doc;
}

}  // namespace

TEST_CASE("config_from_json: every fixture Caddyfile comes back identical") {
    const std::pair<std::string, std::map<std::string, std::string>> files[] = {
        {kFixtures + "/real/frankenphp-docker.Caddyfile", {{"SERVER_NAME", ":80"}}},
        {kFixtures + "/real/frankenphp-docker.Caddyfile",
         {{"SERVER_NAME", ":80"}, {"FRANKENPHP_CONFIG", "worker ./public/index.php 2"}, {"CADDY_GLOBAL_OPTIONS", "debug"}}},
        {kFixtures + "/real/frankenphp-docker.Caddyfile", {}},
        // symfony-docker enables Vulcain through this variable.
        {kFixtures + "/real/frankenphp-docker.Caddyfile", {{"SERVER_NAME", ":80"}, {"CADDY_SERVER_EXTRA_DIRECTIVES", "vulcain"}}},
        {kFixtures + "/real/frankenphp-docker.Caddyfile",
         {{"SERVER_NAME", "shop.example.com"}, {"CADDY_GLOBAL_OPTIONS", "email ops@example.com"}}},
        {kFixtures + "/real/frankenphp-docker.Caddyfile", {{"CADDY_GLOBAL_OPTIONS", "auto_https off"}}},
        {kFixtures + "/real/laravel.Caddyfile", {}},
        {kFixtures + "/real/mercure.Caddyfile", {}},
        {kFixtures + "/real/mercure.Caddyfile", {{"MERCURE_TRANSPORT_URL", "local://local"}}},
        {kFixtures + "/real/symfony.Caddyfile", {}},
        {kFixtures + "/real/wordpress.Caddyfile", {}},
        {kFixtures + "/real/multisite.Caddyfile", {}},
        {kFixtures + "/imports/main.caddy", {}},
        {kE2eFixtures + "/docker/Caddyfile", {{"PORT", "8999"}, {"SERVER_NAME", ":8999"}}},
        {kE2eFixtures + "/laravel/Caddyfile", {{"PORT", "8999"}}},
        {kE2eFixtures + "/symfony/Caddyfile", {{"PORT", "8999"}}},
        {kE2eFixtures + "/wordpress/Caddyfile", {{"PORT", "8999"}}},
        {kE2eFixtures + "/multisite/Caddyfile", {{"PORT", "8999"}}},
    };
    for (const auto& [path, env] : files) {
        CAPTURE(path);
        LoadOptions o = options_in(parent_dir(path), env);
        check_round_trip(load_config(path, o), o);
    }
    for (const char* text : kInline) {
        CAPTURE(text);
        check_round_trip(test::load(text), test::app_options());
    }
}

TEST_CASE("config_from_json: apps.frankenphp is FrankenPHP's app, Octane's PATCH is a no-op") {
    const Config c = test::load(kFrankenphp);
    const json j = to_json(c);
    CHECK(!j["global"].contains("frankenphp"));
    CHECK(!j["global"].contains("pogo"));
    const json& f = j["apps"]["frankenphp"];
    CHECK(f["num_threads"] == 8);
    CHECK(f["max_threads"] == 16);
    CHECK(f["max_wait_time"] == 2'000'000'000);
    CHECK(f["max_idle_time"] == 30'000'000'000LL);
    CHECK(f["php_ini"] == json({{"memory_limit", "256M"}, {"opcache.enable", "1"}, {"display_errors", "Off"}}));
    REQUIRE(f["workers"].size() == 2);
    CHECK(f["workers"][0]["file_name"] == "public/worker.php");
    CHECK(f["workers"][0]["path"] == "/app/public/worker.php");
    CHECK(f["workers"][0]["num"] == 2);
    CHECK(f["workers"][1]["name"] == "main");
    CHECK(f["workers"][1]["env"] == json({{"APP_ENV", "prod"}, {"B", "2"}}));
    CHECK(f["workers"][1]["match"] == json::array());
    CHECK(f["workers"][1]["max_consecutive_failures"] == 3);
    CHECK(f["workers"][1]["max_threads"] == 6);

    // The body goes over HTTP as text, both ways.
    const json body = json::parse(f.dump());
    const Config back = config_from_json(patch_frankenphp(j, body), test::app_options());
    CHECK(to_json(back) == j);
    CHECK(back.global.frankenphp.num_threads == 8);
    CHECK(back.global.frankenphp.workers[1].env == KeyValues{{"APP_ENV", "prod"}, {"B", "2"}});
    CHECK(back.global.frankenphp.max_wait_time == std::chrono::seconds(2));

    // FrankenPHP's own spellings are accepted too: a duration string, max_threads "auto", keys
    // left out.
    json short_body = {{"num_threads", 8},
                       {"max_threads", "auto"},
                       {"max_wait_time", "1m"},
                       {"workers", {{{"file_name", "public/worker.php"}, {"num", 2}}}}};
    const Config s = config_from_json(patch_frankenphp(j, short_body), test::app_options());
    CHECK(s.global.frankenphp.max_threads == -1);
    CHECK(s.global.frankenphp.max_wait_time == std::chrono::minutes(1));
    CHECK(s.global.frankenphp.workers.at(0).path == "/app/public/worker.php");
    CHECK(!s.global.frankenphp.max_idle_time);
}

TEST_CASE("config_from_json: an edited document changes the Config") {
    const json j = to_json(test::load(kFrankenphp));
    json edited = j;
    edited["apps"]["frankenphp"]["num_threads"] = 12;
    edited["apps"]["frankenphp"]["workers"][0]["num"] = 4;
    edited["apps"]["frankenphp"]["php_ini"]["memory_limit"] = "1G";
    const Config c = config_from_json(edited, test::app_options());
    CHECK(c.global.frankenphp.num_threads == 12);
    CHECK(c.global.frankenphp.workers[0].num == 4);
    CHECK(c.global.frankenphp.php_ini == KeyValues{{"display_errors", "Off"}, {"memory_limit", "1G"}, {"opcache.enable", "1"}});
    json expected = j;
    expected["apps"]["frankenphp"]["num_threads"] = 12;
    expected["apps"]["frankenphp"]["workers"][0]["num"] = 4;
    expected["apps"]["frankenphp"]["php_ini"]["memory_limit"] = "1G";
    CHECK(to_json(c) == expected);

    // A site edit changes what apps.http and https derive from: an editor strips them first.
    json moved = j;
    moved["sites"][0]["addresses"][0]["port"] = 9090;
    moved["sites"][0]["addresses"][0]["original"] = ":9090";
    CHECK_THROWS_WITH_AS(config_from_json(moved, test::app_options()),
                         "config: /apps/http is derived from /sites: edit the sites instead", Error);
    strip_derived(moved);
    const Config m = config_from_json(moved, test::app_options());
    CHECK(m.sites[0].addresses[0].port == 9090);
    CHECK(to_json(m)["apps"]["http"]["servers"]["srv0"]["listen"] == json({":9090"}));
}

TEST_CASE("config_from_json: apps.http and apps.pogo") {
    const json j = to_json(test::load(kInline[3]));
    const json& servers = j["apps"]["http"]["servers"];
    CHECK(servers == json::parse(R"({
        "main": {"listen": [":8443"], "protocols": ["h1", "h2"], "automatic_https": {"disable_redirects": true}},
        "srv1": {"listen": ["127.0.0.1:8080", "[::1]:8080"], "protocols": ["h1", "h2"],
                 "automatic_https": {"disable_redirects": true}}
    })"));
    const json p = to_json(test::load(kInline[5]))["apps"]["pogo"];
    REQUIRE(p["pools"].size() == 2);
    CHECK(p["pools"][0]["name"] == "default");
    CHECK(p["pools"][0]["worker_path"] == "/app/public/pogo-worker.php");
    CHECK(p["pools"][0]["max_wait"] == "30s");
    CHECK(p["pools"][1]["where"] == "/app/Caddyfile:9");
}

TEST_CASE("config_from_json: bad documents name the JSON path") {
    const json base = to_json(test::load(kFrankenphp));
    using Edit = std::function<void(json&)>;
    const std::pair<Edit, std::string> cases[] = {
        {[](json& d) { d["apps"]["frankenphp"]["num_threads"] = "x"; },
         "config: /apps/frankenphp/num_threads: expected an integer, got \"x\""},
        {[](json& d) { d["apps"]["frankenphp"]["num_threads"] = -2; },
         "config: /apps/frankenphp/num_threads: must be at least 0, got -2"},
        {[](json& d) { d["apps"]["frankenphp"]["num_threads"] = 4; },
         "config: /apps/frankenphp/num_threads: num_threads (4) must be greater than the number of worker threads (5)"},
        {[](json& d) { d["apps"]["frankenphp"]["max_threads"] = 4; },
         "config: /apps/frankenphp/max_threads: max_threads (4) must be greater than or equal to num_threads (8)"},
        {[](json& d) { d["apps"]["frankenphp"]["workers"][0]["name"] = "main"; },
         "config: /apps/frankenphp/workers/1/name: two workers are named \"main\""},
        {[](json& d) { d["apps"]["frankenphp"]["workers"][1]["match"] = "/w/*"; },
         "config: /apps/frankenphp/workers/1/name: worker \"/app/public/index.php\": \"match\" is only for a worker "
         "inside php_server or php, not a global one"},
        {[](json& d) { d["apps"]["frankenphp"]["workers"][1]["file_name"] = "public/worker.php"; },
         "config: /apps/frankenphp/workers/1/name: two global workers have the file \"/app/public/worker.php\""},
        {[](json& d) { d["apps"]["frankenphp"]["bogus"] = 1; }, "config: /apps/frankenphp: unknown key \"bogus\""},
        {[](json& d) { d["apps"]["frankenphp"]["max_wait_time"] = "soon"; },
         "config: /apps/frankenphp/max_wait_time: invalid duration \"soon\""},
        {[](json& d) { d["apps"]["frankenphp"]["php_ini"] = json::array({1}); },
         "config: /apps/frankenphp/php_ini/0: expected a [key, value] pair, got 1"},
        {[](json& d) { d["apps"]["frankenphp"]["workers"][0]["file_name"] = "public/missing.php"; },
         "config: /apps/frankenphp/workers/0/file_name: worker file not found: /app/public/missing.php"},
        {[](json& d) { d["apps"]["frankenphp"]["workers"][1]["env"]["X"] = 1; },
         "config: /apps/frankenphp/workers/1/env/X: expected a string, got 1"},
        {[](json& d) { d["apps"]["pogo"] = {{"pools", json::array()}}; },
         "config: /apps/pogo/pools: pogo requires a \"default\" pool"},
        {[](json& d) { d["apps"]["pogo"] = {{"pools", {{{"name", "default"}}}}}; },
         "config: /apps/pogo/pools/0/worker: pogo pool \"default\" worker is required"},
        {[](json& d) { d["apps"]["nope"] = {}; }, "config: /apps: unknown key \"nope\""},
        {[](json& d) { d["global"]["frankenphp"] = nullptr; d["global"]["http_port"] = 1e9; },
         "config: /global/http_port: expected an integer, got 1000000000.0"},
        {[](json& d) { d["global"]["auto_https"] = "sometimes"; },
         "config: /global/auto_https: expected one of on, off, disable_redirects, disable_certs, ignore_loaded_certs, "
         "prefer_wildcard, got \"sometimes\""},
        {[](json& d) { d["global"]["pogo"] = json::object(); }, "config: /global/pogo: the pogo pools live in /apps/pogo"},
        {[](json& d) { d["sites"][0]["handlers"][0]["directive"] = "forward_auth"; },
         "config: /sites/0/handlers/0/directive: directive \"forward_auth\" is not supported by Pogo"},
        {[](json& d) { d["sites"][0]["handlers"][0] = {{"directive", "reverse_proxy"}, {"upstreams", {"h2c://x"}}}; },
         "config: /sites/0/handlers/0/upstreams/0: reverse_proxy: h2c upstreams are not supported by Pogo yet "
         "(HTTP/1.1 only): \"h2c://x\""},
        {[](json& d) { d["sites"][0]["handlers"][0] = {{"directive", "reverse_proxy"}, {"upstreams", json::array()}}; },
         "config: /sites/0/handlers/0/upstreams: reverse_proxy: no upstreams given"},
        {[](json& d) { d["sites"][0]["handlers"][0] = {{"directive", "intercept"}}; },
         "config: /sites/0/handlers/0/handle_response: intercept: expected handle_response or replace_status routes"},
        {[](json& d) {
             d["sites"][0]["handlers"][0] = {{"directive", "intercept"},
                                             {"handle_response", {{"routes", {{{"match", "@nope"}, {"replace_status", 200}}}}}}};
         },
         "config: /sites/0/handlers/0/handle_response/routes/0/match: expected \"*\" or a response matcher of this block "
         "(\"@name\"), got \"@nope\""},
        {[](json& d) {
             d["sites"][0]["handlers"][0] = {
                 {"directive", "intercept"},
                 {"handle_response", {{"routes", {{{"replace_status", 200}, {"handlers", {{{"directive", "respond"}}}}}}}}}};
         },
         "config: /sites/0/handlers/0/handle_response/routes/0/handlers: replace_status takes no routes"},
        {[](json& d) { d["sites"][0]["handlers"][0] = {{"directive", "copy_response_headers"}, {"include", {"A"}}, {"exclude", {"B"}}}; },
         "config: /sites/0/handlers/0/include: include and exclude cannot be given together"},
        {[](json& d) {
             d["sites"][0]["handlers"][0] = {{"directive", "reverse_proxy"}, {"upstreams", {"a:1"}},
                                             {"transport", {{"keepalive_idle", "soon"}}}};
         },
         "config: /sites/0/handlers/0/transport/keepalive_idle: invalid duration \"soon\""},
        {[](json& d) { d["sites"][0]["handlers"][0]["match"] = "@nope"; },
         "config: /sites/0/handlers/0/match: matcher \"@nope\" is not defined"},
        {[](json& d) { d["sites"][0]["matchers"]["spa"]["expression"] = "{path}.exists(x, true)"; },
         "config: /sites/0/matchers/spa/expression: expression matcher: unsupported function \"exists\""},
        {[](json& d) { d["sites"][0]["handlers"][0]["colour"] = "red"; },
         "config: /sites/0/handlers/0: unknown key \"colour\""},
        {[](json& d) { d["sites"][0]["addresses"][0]["where"] = "Caddyfile"; },
         "config: /sites/0/addresses/0/where: expected \"FILE:LINE\", got \"Caddyfile\""},
        {[](json& d) { d["sites"].push_back(d["sites"][0]); },
         "/app/Caddyfile:26: site \":8080\" is already defined at /app/Caddyfile:26"},
        {[](json& d) { d["apps"]["http"]["servers"]["srv0"]["listen"] = json({":1"}); },
         "config: /apps/http is derived from /sites: edit the sites instead"},
        {[](json& d) { d["https"]["install_trust"] = true; },
         "config: /https is derived from /sites and /global: edit those instead"},
        {[](json& d) { d = json::array(); }, "config: /: expected an object, got []"},
        {[](json& d) { d["warnings"] = {"no location"}; },
         "config: /warnings/0: expected \"FILE:LINE: message\", got \"no location\""},
    };
    for (const auto& [edit, error] : cases) {
        json d = base;
        edit(d);
        CAPTURE(d.dump());
        std::string got = "no error";
        try {
            config_from_json(d, test::app_options());
        } catch (const Error& e) {
            got = e.what();
        }
        CHECK(got == error);
    }
}

TEST_CASE("config_from_json: encode's formats, Caddy's prefer, options and response matcher") {
    const Config c = test::load(":80 {\n\tencode zstd br gzip {\n\t\tmatch status 2xx\n\t}\n}\n");
    const json j = to_json(c);
    const json& e = j["sites"][0]["handlers"][0];
    CHECK(e["formats"] == json({"zstd", "br", "gzip"}));
    CHECK(e["response_match"] == json::parse(R"({"status_codes": [2], "headers": []})"));

    auto handler_of = [&](const json& doc) -> EncodeSpec {
        return std::get<EncodeSpec>(config_from_json(doc, test::app_options()).sites[0].handlers[0].spec);
    };
    json edited = j;
    edited["sites"][0]["handlers"][0]["prefer"] = {"gzip", "br"};  // these first, then the rest
    CHECK(handler_of(edited).formats == std::vector<std::string>{"gzip", "br", "zstd"});
    edited["sites"][0]["handlers"][0].erase("response_match");
    CHECK_FALSE(handler_of(edited).match);

    auto error_of = [&](const json& doc) -> std::string {
        try {
            config_from_json(doc, test::app_options());
        } catch (const Error& err) {
            return err.what();
        }
        return "no error";
    };
    const std::pair<std::pair<std::string, json>, std::string> cases[] = {
        {{"prefer", {"deflate"}}, "config: /sites/0/handlers/0/prefer/0: encoding deflate not enabled"},
        {{"prefer", {"br", "br"}}, "config: /sites/0/handlers/0/prefer/1: encoding br is duplicated in prefer"},
        {{"formats", {"br", "lzma"}}, "config: /sites/0/handlers/0/formats/1: unknown format \"lzma\" (expected gzip, zstd or br)"},
        {{"formats", {"br", "br"}}, "config: /sites/0/handlers/0/formats/1: format br is given twice"},
        {{"br_quality", 12}, "config: /sites/0/handlers/0/br_quality: must be at most 11, got 12"},
        {{"br_window", 5}, "config: /sites/0/handlers/0/br_window: expected 0 or 10 to 24"},
        {{"zstd_level", "fast"}, "config: /sites/0/handlers/0/zstd_level: expected one of \"\", fastest, default, better, best, got \"fast\""},
        {{"response_match", {{"status_codes", {42}}}}, "config: /sites/0/handlers/0/response_match/status_codes/0: expected a status class 1-5 or a code 100-599"},
        {{"response_match", {{"headers", {"Content-Type"}}}}, "config: /sites/0/handlers/0/response_match/headers/0: expected a [field, [values]] pair, got \"Content-Type\""},
        {{"response_match", {{"codes", {200}}}}, "config: /sites/0/handlers/0/response_match: unknown key \"codes\""},
    };
    for (const auto& [edit, error] : cases) {
        json d = j;
        d["sites"][0]["handlers"][0][edit.first] = edit.second;
        CAPTURE(edit.first);
        CHECK(error_of(d) == error);
    }
}

TEST_CASE("load_config_text: a Caddyfile as text, relative paths from the current directory") {
    LoadOptions o = test::app_options();
    Config c = load_config_text(":8080 {\n\trespond hi\n}\n", "Caddyfile", o);
    REQUIRE(c.sites.size() == 1);
    CHECK(c.sites[0].where.file == "Caddyfile");
    CHECK(c.source == "Caddyfile");
    try {
        load_config_text(":8080 {\n\tnope\n}\n", "Caddyfile", o);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(std::string(e.what()) == "Caddyfile:2: unrecognized directive \"nope\"");
    }
}

TEST_CASE("config_from_json: logs use Caddy's writer and encoder keys") {
    const Config c = test::load(":80 {\n\tlog {\n\t\toutput file /l/a.log {\n\t\t\troll_size 3MiB\n\t\t\troll_keep 2\n"
                                "\t\t\troll_keep_for 72h\n\t\t}\n\t\tformat filter {\n\t\t\trequest>uri query {\n"
                                "\t\t\t\treplace authorization X\n\t\t\t}\n\t\t\trequest>remote_ip ip_mask 24\n\t\t}\n\t}\n"
                                "\trespond hi\n}\n");
    const json j = to_json(c);
    const json& log = j["sites"][0]["logs"][0];
    CHECK(log["writer"] == json::parse(R"({"output": "file", "filename": "/l/a.log", "roll": true, "roll_size_mb": 3,
        "roll_keep": 2, "roll_keep_days": 3, "roll_gzip": true, "roll_local_time": false})"));
    CHECK(log["encoder"] == json::parse(R"({"format": "filter", "wrap": {"format": "json"}, "fields": {
        "request>uri": {"filter": "query", "actions": [{"type": "replace", "parameter": "authorization", "value": "X"}]},
        "request>remote_ip": {"filter": "ip_mask", "ipv4_cidr": 24, "ipv6_cidr": 0}}})"));

    // Caddy's own spelling of absent values: roll_* omitted are its defaults.
    json edited = j;
    edited["sites"][0]["logs"][0]["writer"] = {{"output", "file"}, {"filename", "/l/b.log"}};
    const LogConfig l = config_from_json(edited, test::app_options()).sites[0].logs[0];
    CHECK(l.file == "/l/b.log");
    CHECK(l.roll.size_mb == 100);
    CHECK(l.roll.keep == 10);
    CHECK(l.roll.keep_days == 90);
    CHECK(l.roll.gzip);

    auto error_of = [&](const json& doc) -> std::string {
        try {
            config_from_json(doc, test::app_options());
        } catch (const Error& e) {
            return e.what();
        }
        return "no error";
    };
    json bad = j;
    bad["sites"][0]["logs"][0]["encoder"]["fields"]["request>uri"]["filter"] = "scramble";
    CHECK(error_of(bad).find("/sites/0/logs/0/encoder/fields/request>uri/filter") != std::string::npos);
    bad = j;
    bad["sites"][0]["logs"][0]["encoder"]["fields"]["request>remote_ip"]["ipv4_cidr"] = 40;
    CHECK(error_of(bad).find("/sites/0/logs/0/encoder/fields/request>remote_ip/ipv4_cidr") != std::string::npos);
    bad = j;
    bad["sites"][0]["logs"][0]["writer"]["roll_size"] = "10MiB";
    CHECK(error_of(bad).find("/sites/0/logs/0/writer") != std::string::npos);
}

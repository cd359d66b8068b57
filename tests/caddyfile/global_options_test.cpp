// Global options: values, the frankenphp and pogo blocks, and each error exactly.
#include <doctest/doctest.h>

#include "config_test_util.h"

using namespace caddyfile;
using namespace std::chrono_literals;

TEST_CASE("global options: values") {
    Config c = test::load(R"({
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
		log_credentials
		enable_full_duplex
	}
	email admin@example.com
	acme_ca https://acme.example/directory
}
)");
    const GlobalOptions& g = c.global;
    CHECK(g.debug);
    CHECK(g.http_port == 8080);
    CHECK(g.https_port == 8443);
    CHECK(g.admin == "off");
    CHECK(g.auto_https == "disable_redirects");
    CHECK(g.grace_period == 10s);
    CHECK(g.shutdown_delay == 90s);
    CHECK(g.directive_order.front() == "rewrite");
    REQUIRE(g.logs.size() == 1);
    CHECK(g.logs[0].output == "file");
    CHECK(g.logs[0].file == "/var/log/pogo.log");
    CHECK(g.logs[0].format == "json");
    CHECK(g.logs[0].level == "WARN");
    REQUIRE(g.servers.size() == 1);
    CHECK(g.servers[0].read_body == 10s);
    CHECK(g.servers[0].read_header == 5s);
    CHECK(g.servers[0].write == 30s);
    CHECK(g.servers[0].idle == 120s);
    CHECK(g.servers[0].max_header_size == 16000u);
    CHECK(g.servers[0].protocols == std::vector<std::string>{"h1", "h2"});
    CHECK(g.servers[0].log_credentials);
    CHECK(g.servers[0].enable_full_duplex);
    CHECK(g.email == "admin@example.com");
    CHECK(g.acme_ca == "https://acme.example/directory");
    CHECK(c.warnings.empty());
}

TEST_CASE("global options: frankenphp") {
    Config c = test::load(R"({
	frankenphp {
		num_threads 8
		max_threads auto
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
			name main
			max_threads 6
			max_consecutive_failures 3
			watch
		}
	}
}
)");
    const FrankenPhpOptions& f = c.global.frankenphp;
    CHECK(f.present);
    CHECK(f.num_threads == 8);
    CHECK(f.max_threads == -1);
    CHECK(f.max_wait_time == 2s);
    CHECK(f.max_idle_time == 30s);
    CHECK(f.max_requests == 500);
    CHECK(f.php_ini == KeyValues{{"memory_limit", "256M"}, {"opcache.enable", "1"}, {"display_errors", "Off"}});
    REQUIRE(f.workers.size() == 2);
    CHECK(f.workers[0].file == "public/worker.php");
    CHECK(f.workers[0].path == "/app/public/worker.php");
    CHECK(f.workers[0].num == 2);
    CHECK(f.workers[1].path == "/app/public/index.php");
    CHECK(f.workers[1].num == 3);
    CHECK(f.workers[1].env == KeyValues{{"APP_ENV", "prod"}});
    CHECK(f.workers[1].name == "main");
    CHECK(f.workers[1].max_threads == 6);
    CHECK(f.workers[1].max_consecutive_failures == 3);
    CHECK(f.workers[1].match.empty());  // `match` belongs to php_server workers (site_test)
    CHECK(f.workers[1].watch == std::vector<std::string>{"./**/*.{env,php,twig,yaml,yml}"});
}

TEST_CASE("global options: worker watch takes several patterns, and `worker FILE watch` as FrankenPHP") {
    Config c = test::load(R"({
	frankenphp {
		worker public/worker.php watch
		worker {
			file public/index.php
			watch src/**/*.php config
			watch /etc/app/*.{yaml,yml}
		}
	}
}
)");
    const FrankenPhpOptions& f = c.global.frankenphp;
    REQUIRE(f.workers.size() == 2);
    CHECK(f.workers[0].num == 0);
    CHECK(f.workers[0].watch == std::vector<std::string>{"./**/*.{env,php,twig,yaml,yml}"});
    CHECK(f.workers[1].watch == std::vector<std::string>{"src/**/*.php", "config", "/etc/app/*.{yaml,yml}"});
}

TEST_CASE("global options: pogo") {
    Config c = test::load(R"({
	frankenphp
	pogo {
		pool default {
			worker public/pogo-worker.php
			num_threads 8
			max_wait 30s
		}
		pool external_api {
			worker public/pogo-worker.php
			num_threads 16
			max_wait 10s
		}
		pool cpu {
			worker pogo/cpu-worker.php
		}
	}
}
)");
    const PogoOptions& p = c.global.pogo;
    CHECK(p.present);
    REQUIRE(p.pools.size() == 3);
    CHECK(p.pools[0].name == "default");
    CHECK(p.pools[0].worker_path == "/app/public/pogo-worker.php");
    CHECK(p.pools[0].num_threads == 8);
    CHECK(p.pools[0].max_wait == 30s);
    CHECK(p.pools[1].name == "external_api");
    CHECK(p.pools[1].max_wait == 10s);
    CHECK(p.pools[2].num_threads == 0);
    CHECK(p.pools[2].max_wait == 30s);

    Config shorthand = test::load("{\n\tpogo {\n\t\tworker public/pogo-worker.php\n\t\tnum_threads 4\n\t\tmax_wait 500ms\n\t}\n}\n");
    REQUIRE(shorthand.global.pogo.pools.size() == 1);
    CHECK(shorthand.global.pogo.pools[0].name == "default");
    CHECK(shorthand.global.pogo.pools[0].num_threads == 4);
    CHECK(shorthand.global.pogo.pools[0].max_wait == 500ms);
}

TEST_CASE("global options: metrics, its per_host block, and the legacy servers { metrics }") {
    CHECK(!test::load("{\n}\n").global.metrics);
    Config on = test::load("{\n\tmetrics\n}\n");
    CHECK(on.global.metrics);
    CHECK(!on.global.metrics_per_host);
    Config per_host = test::load("{\n\tmetrics {\n\t\tper_host\n\t}\n}\n");
    CHECK(per_host.global.metrics);
    CHECK(per_host.global.metrics_per_host);
    Config legacy = test::load("{\n\tservers {\n\t\tmetrics\n\t}\n}\n");
    CHECK(!legacy.global.metrics);
    REQUIRE(legacy.global.servers.size() == 1);
    CHECK(legacy.global.servers[0].metrics);
    bool warned_legacy = false;
    for (const Warning& w : legacy.warnings) warned_legacy = warned_legacy || w.str().find("metrics") != std::string::npos;
    CHECK(!warned_legacy);
}

TEST_CASE("global options: errors") {
    const std::pair<std::string, std::string> cases[] = {
        {"{\n\tfoo\n}", "2: unrecognized global option \"foo\""},
        {"{\n\tdebug yes\n}", "2: too many arguments for \"debug\""},
        {"{\n\tmetrics on\n}", "2: too many arguments for \"metrics\""},
        {"{\n\tmetrics {\n\t\tper_path\n\t}\n}", "3: unrecognized metrics subdirective \"per_path\""},
        {"{\n\tmetrics\n\tmetrics\n}", "3: global option \"metrics\" is set twice"},
        {"{\n\thttp_port\n}", "2: missing argument for \"http_port\""},
        {"{\n\thttp_port 99999\n}", "2: invalid port \"99999\" for \"http_port\": expected a number from 1 to 65535"},
        {"{\n\thttps_port abc\n}", "2: invalid port \"abc\" for \"https_port\": expected a number from 1 to 65535"},
        {"{\n\tgrace_period 30\n}", "2: grace_period: missing unit in duration \"30\""},
        {"{\n\tshutdown_delay 5y\n}", "2: shutdown_delay: unknown unit \"y\" in duration \"5y\""},
        {"{\n\tauto_https maybe\n}",
         "2: auto_https: expected off, disable_redirects, disable_certs, ignore_loaded_certs or prefer_wildcard, got \"maybe\""},
        {"{\n\tdebug\n\tdebug\n}", "3: global option \"debug\" is set twice"},
        {"{\n\t@m path /x\n}", "2: matcher definitions are only allowed inside a site block"},
        {"{\n\torder foo first\n}", "2: order: unrecognized directive \"foo\""},
        {"{\n\torder php_server sideways\n}", "2: order: expected first, last, before or after, got \"sideways\""},
        {"{\n\torder php_server before\n}", "2: missing argument for \"order\""},
        {"{\n\tlog {\n\t\toutput net localhost:9999\n\t}\n}",
         "3: log output: expected stderr, stdout, discard or file, got \"net\""},
        {"{\n\tlog {\n\t\tlevel loud\n\t}\n}", "3: log level: expected DEBUG, INFO, WARN, ERROR, PANIC or FATAL, got \"loud\""},
        {"{\n\tlog {\n\t\tformat xml\n\t}\n}", "3: log format: expected json, console or filter, got \"xml\""},
        {"{\n\tlog {\n\t\trotate\n\t}\n}", "3: unrecognized log subdirective \"rotate\""},
        {"{\n\tservers {\n\t\ttimeouts {\n\t\t\tread 5s\n\t\t}\n\t}\n}", "4: unrecognized timeouts subdirective \"read\""},
        {"{\n\tservers {\n\t\tprotocols h4\n\t}\n}", "3: protocols: expected h1, h2, h2c or h3, got \"h4\""},
        {"{\n\tservers {\n\t\tmax_header_size lots\n\t}\n}", "3: max_header_size: invalid size \"lots\""},
        // frankenphp
        {"{\n\tfrankenphp {\n\t\tnum_thread 4\n\t}\n}", "3: unrecognized frankenphp subdirective \"num_thread\""},
        {"{\n\tfrankenphp {\n\t\tnum_threads 0\n\t}\n}", "3: \"num_threads\" must be at least 1, got 0"},
        {"{\n\tfrankenphp {\n\t\tnum_threads four\n\t}\n}", "3: invalid number \"four\" for \"num_threads\""},
        {"{\n\tfrankenphp {\n\t\tnum_threads 4\n\t\tmax_threads 2\n\t}\n}",
         "4: max_threads (2) must be greater than or equal to num_threads (4)"},
        {"{\n\tfrankenphp {\n\t\tmax_wait_time 10\n\t}\n}", "3: max_wait_time: missing unit in duration \"10\""},
        {"{\n\tfrankenphp {\n\t\tnum_threads 2\n\t\tworker public/worker.php 2\n\t}\n}",
         "3: num_threads (2) must be greater than the number of worker threads (2)"},
        {"{\n\tfrankenphp {\n\t\tworker missing.php\n\t}\n}", "3: worker file not found: /app/missing.php"},
        {"{\n\tfrankenphp {\n\t\tworker {\n\t\t\tnum 2\n\t\t}\n\t}\n}",
         "3: worker: missing the worker file (\"worker FILE\" or \"file FILE\" in its block)"},
        {"{\n\tfrankenphp {\n\t\tworker {\n\t\t\tfile public/worker.php\n\t\t\tthreads 2\n\t\t}\n\t}\n}",
         "5: unrecognized worker subdirective \"threads\""},
        {"{\n\tfrankenphp {\n\t\tphp_ini memory_limit\n\t}\n}", "3: missing argument for \"php_ini\""},
        {"{\n\tfrankenphp {\n\t\tworker public/worker.php x\n\t}\n}", "3: invalid number \"x\" for \"num\""},
        // pogo (spec/pogo.md)
        {"{\n\tpogo {\n\t\tpool cpu {\n\t\t\tworker public/pogo-worker.php\n\t\t}\n\t}\n}",
         "2: pogo requires a \"default\" pool"},
        {"{\n\tpogo\n}", "2: pogo requires a \"default\" pool"},
        {"{\n\tpogo {\n\t\tworker public/pogo-worker.php\n\t\tpool cpu {\n\t\t\tworker public/pogo-worker.php\n\t\t}\n\t\t"
         "pool cpu {\n\t\t\tworker public/pogo-worker.php\n\t\t}\n\t}\n}",
         "7: duplicate pogo pool \"cpu\""},
        {"{\n\tpogo {\n\t\tpool default {\n\t\t\tworker public/pogo-worker.php\n\t\t}\n\t\tworker public/pogo-worker.php\n\t}\n}",
         "6: duplicate pogo pool \"default\""},
        {"{\n\tpogo {\n\t\tpool default {\n\t\t\tworker public/pogo-worker.php\n\t\t}\n\t\tpool cpu {\n\t\t\tnum_threads 2\n\t\t}\n\t}\n}",
         "6: pogo pool \"cpu\" worker is required"},
        {"{\n\tpogo {\n\t\tpool default {\n\t\t\tworker public/pogo-worker.php\n\t\t\tthread 4\n\t\t}\n\t}\n}",
         "5: unrecognized pool subdirective \"thread\""},
        {"{\n\tpogo {\n\t\tpool default extra {\n\t\t\tworker public/pogo-worker.php\n\t\t}\n\t}\n}",
         "3: too many arguments for \"pool\""},
        {"{\n\tpogo {\n\t\tpool {\n\t\t\tworker public/pogo-worker.php\n\t\t}\n\t}\n}", "3: missing argument for \"pool\""},
        {"{\n\tpogo {\n\t\tworker nope.php\n\t}\n}", "3: pogo pool \"default\" worker file not found: /app/nope.php"},
        {"{\n\tpogo {\n\t\tworker public/pogo-worker.php\n\t\tnum_threads 0\n\t}\n}", "4: \"num_threads\" must be at least 1, got 0"},
        {"{\n\tpogo {\n\t\tworker public/pogo-worker.php\n\t\tmax_wait 30\n\t}\n}", "4: max_wait: missing unit in duration \"30\""},
        {"{\n\tpogo {\n\t\tworker public/pogo-worker.php\n\t\tqueue 10\n\t}\n}", "4: unrecognized pogo subdirective \"queue\""},
        {"{\n\tpogo {\n\t\tpool default {\n\t\t\tworker public/pogo-worker.php\n\t\t}\n\t\tpool a/b {\n\t\t}\n\t}\n}",
         "6: invalid pogo pool name \"a/b\": use letters, digits, '_', '-' and '.'"},
        {"{\n\tpogo {\n\t\tworker public/pogo-worker.php x\n\t}\n}", "3: too many arguments for \"worker\""},
    };
    for (const auto& [input, error] : cases) {
        CAPTURE(input);
        CHECK(test::load_error(input) == "/app/Caddyfile:" + error);
    }
}

TEST_CASE("global options: pogo error line matches the spec example") {
    // spec/pogo.md: `Caddyfile:4: pogo requires a "default" pool`
    CHECK(test::load_error("{\n\tfrankenphp\n\n\tpogo {\n\t\tpool cpu {\n\t\t\tworker public/pogo-worker.php\n\t\t}\n\t}\n}\n") ==
          "/app/Caddyfile:4: pogo requires a \"default\" pool");
}

// The `log` directive and global option: file outputs with Caddy's rolling options, the `filter`
// encoder in both syntaxes (inside `fields { }` and directly in the block), and the errors.
#include <doctest/doctest.h>

#include "config_test_util.h"

using namespace caddyfile;

namespace {

const char* const kSymfonyDockerLog = R"(:80 {
	log {
		output file /var/log/caddy/access.log {
			roll_size 10MiB
			roll_keep 5
			roll_keep_for 720h
		}
		format filter {
			wrap console
			fields {
				uri query {
					replace authorization REDACTED
				}
				request>headers>Authorization delete
				request>headers>Cookie cookie {
					replace session REDACTED
					delete secret
				}
				request>remote_ip ip_mask {
					ipv4 24
					ipv6 32
				}
			}
		}
		level INFO
	}
	respond hi
}
)";

}  // namespace

TEST_CASE("log: file output with rolling options, as Caddy reads them") {
    Config c = test::load(kSymfonyDockerLog);
    REQUIRE(c.sites.size() == 1);
    REQUIRE(c.sites[0].logs.size() == 1);
    const LogConfig& l = c.sites[0].logs[0];
    CHECK(l.output == "file");
    CHECK(l.file == "/var/log/caddy/access.log");
    CHECK(l.roll.enabled);
    CHECK(l.roll.size_mb == 10);
    CHECK(l.roll.keep == 5);
    CHECK(l.roll.keep_days == 30);
    CHECK(l.roll.gzip);
    CHECK_FALSE(l.roll.local_time);
    CHECK(l.level == "INFO");

    // Caddy rounds sizes up to whole MiB and keep_for up to whole days; its defaults otherwise.
    Config d = test::load(":80 {\n\tlog {\n\t\toutput file a.log {\n\t\t\troll_size 1500KB\n\t\t\troll_keep_for 25h\n"
                          "\t\t\troll_uncompressed\n\t\t\troll_local_time\n\t\t\troll_disabled\n\t\t}\n\t}\n}\n");
    const LogRoll& r = d.sites[0].logs[0].roll;
    CHECK(r.size_mb == 2);
    CHECK(r.keep_days == 2);
    CHECK(r.keep == 10);
    CHECK_FALSE(r.gzip);
    CHECK(r.local_time);
    CHECK_FALSE(r.enabled);
    const LogRoll defaults = test::load(":80 {\n\tlog {\n\t\toutput file a.log\n\t}\n}\n").sites[0].logs[0].roll;
    CHECK(defaults.size_mb == 100);
    CHECK(defaults.keep == 10);
    CHECK(defaults.keep_days == 90);
}

TEST_CASE("log: format filter with fields { }") {
    const LogConfig l = test::load(kSymfonyDockerLog).sites[0].logs[0];
    CHECK(l.format == "filter");
    CHECK(l.wrap == "console");
    REQUIRE(l.filters.size() == 4);
    CHECK(l.filters[0].field == "uri");
    CHECK(l.filters[0].filter == "query");
    REQUIRE(l.filters[0].actions.size() == 1);
    CHECK(l.filters[0].actions[0].type == "replace");
    CHECK(l.filters[0].actions[0].name == "authorization");
    CHECK(l.filters[0].actions[0].value == "REDACTED");
    CHECK(l.filters[1].field == "request>headers>Authorization");
    CHECK(l.filters[1].filter == "delete");
    CHECK(l.filters[2].filter == "cookie");
    REQUIRE(l.filters[2].actions.size() == 2);
    CHECK(l.filters[2].actions[1].type == "delete");
    CHECK(l.filters[2].actions[1].name == "secret");
    CHECK(l.filters[3].filter == "ip_mask");
    CHECK(l.filters[3].ipv4_cidr == 24);
    CHECK(l.filters[3].ipv6_cidr == 32);
}

TEST_CASE("log: format filter, newer syntax: paths directly in the block; every filter") {
    const LogConfig l = test::load(R"(:80 {
	log {
		format filter {
			request>uri query {
				hash token
			}
			request>headers>Authorization replace REDACTED
			request>headers>X-Api-Key hash
			request>client_ip ip_mask 16 64
			resp_headers>Set-Cookie set_cookie {
				delete session
			}
			request>headers>User-Agent regexp "Chrome/[0-9.]+" "Chrome"
			request>headers>User-Agent regexp "\d+" "N"
		}
	}
	respond hi
}
)").sites[0].logs[0];
    CHECK(l.wrap == "json");
    REQUIRE(l.filters.size() == 6);
    CHECK(l.filters[0].actions[0].type == "hash");
    CHECK(l.filters[1].value == "REDACTED");
    CHECK(l.filters[2].filter == "hash");
    CHECK(l.filters[3].ipv4_cidr == 16);
    CHECK(l.filters[3].ipv6_cidr == 64);
    CHECK(l.filters[4].filter == "set_cookie");
    REQUIRE(l.filters[5].regexps.size() == 2);  // two regexps on one field apply in order
    CHECK(l.filters[5].regexps[1].first == "\\d+");
}

TEST_CASE("log: errors name the line") {
    auto site_log = [](const std::string& body) { return ":80 {\n\tlog {\n" + body + "\t}\n}\n"; };
    const std::pair<std::string, std::string> cases[] = {
        {site_log("\t\toutput file a.log {\n\t\t\troll_size lots\n\t\t}\n"), "4: roll_size: invalid size \"lots\""},
        {site_log("\t\toutput file a.log {\n\t\t\troll_keep -1\n\t\t}\n"), "4: \"roll_keep\" must be at least 0, got -1"},
        {site_log("\t\toutput file a.log {\n\t\t\troll_keep_for 30\n\t\t}\n"),
         "4: roll_keep_for: missing unit in duration \"30\""},
        {site_log("\t\toutput file a.log {\n\t\t\troll_keep_for -1h\n\t\t}\n"),
         "4: roll_keep_for must not be negative, got -1h"},
        {site_log("\t\toutput file a.log {\n\t\t\troll_often\n\t\t}\n"),
         "4: unrecognized log output file subdirective \"roll_often\""},
        {site_log("\t\toutput file a.log {\n\t\t\troll_interval 1h\n\t\t}\n"),
         "4: log output file: roll_interval is not supported by Pogo"},
        {site_log("\t\toutput stdout {\n\t\t\troll_keep 1\n\t\t}\n"), "3: \"output\" does not take a block"},
        {site_log("\t\tformat filter {\n\t\t\trequest>uri scramble\n\t\t}\n"),
         "4: log format filter: unknown filter \"scramble\" for request>uri, expected delete, replace, hash, "
         "ip_mask, query, cookie, set_cookie or regexp"},
        {site_log("\t\tformat filter {\n\t\t\tfields {\n\t\t\t\trequest>uri\n\t\t\t}\n\t\t}\n"),
         "5: log format filter: field \"request>uri\" needs a filter: delete, replace, hash, ip_mask, query, "
         "cookie, set_cookie or regexp"},
        {site_log("\t\tformat filter {\n\t\t\trequest>>uri delete\n\t\t}\n"),
         "4: log format filter: bad field path \"request>>uri\" (keys separated by >)"},
        {site_log("\t\tformat filter {\n\t\t\twrap xml\n\t\t}\n"),
         "4: log format filter: wrap expected json or console, got \"xml\""},
        {site_log("\t\tformat filter {\n\t\t\trequest>remote_ip ip_mask 33\n\t\t}\n"),
         "4: \"ip_mask for request>remote_ip (IPv4 prefix length)\" must be at most 32, got 33"},
        {site_log("\t\tformat filter {\n\t\t\trequest>remote_ip ip_mask {\n\t\t\t\tipv6 129\n\t\t\t}\n\t\t}\n"),
         "5: \"ip_mask for request>remote_ip ipv6\" must be at most 128, got 129"},
        {site_log("\t\tformat filter {\n\t\t\trequest>remote_ip ip_mask {\n\t\t\t\tipv5 8\n\t\t\t}\n\t\t}\n"),
         "5: unrecognized ip_mask subdirective \"ipv5\""},
        {site_log("\t\tformat filter {\n\t\t\trequest>remote_ip ip_mask\n\t\t}\n"),
         "4: ip_mask for request>remote_ip: expected an ipv4 or ipv6 prefix length"},
        {site_log("\t\tformat filter {\n\t\t\turi query {\n\t\t\t\tscramble a\n\t\t\t}\n\t\t}\n"),
         "5: query for uri: unknown action \"scramble\", expected replace, delete or hash"},
        {site_log("\t\tformat filter {\n\t\t\turi query {\n\t\t\t\treplace a\n\t\t\t}\n\t\t}\n"),
         "5: missing argument for \"replace\""},
        {site_log("\t\tformat filter {\n\t\t\turi query\n\t\t}\n"),
         "4: query for uri: expected at least one replace, delete or hash action"},
        {site_log("\t\tformat filter {\n\t\t\turi regexp \"(\" x\n\t\t}\n"),
         "4: log format filter: regexp for uri: invalid regular expression \"(\": "},
        {site_log("\t\tformat filter {\n\t\t\turi delete\n\t\t\turi hash\n\t\t}\n"),
         "5: log format filter: field uri already has a filter (line 4); only regexp filters may be repeated"},
    };
    for (const auto& [input, error] : cases) {
        CAPTURE(input);
        const std::string got = test::load_error(input);
        // std::regex's own message follows the prefix for a bad pattern; the rest is exact.
        CHECK(got.substr(0, std::string("/app/Caddyfile:" + error).size()) == "/app/Caddyfile:" + error);
        if (error.back() != ' ') CHECK(got == "/app/Caddyfile:" + error);
    }
}

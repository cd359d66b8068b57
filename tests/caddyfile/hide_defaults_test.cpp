// `hide_defaults on|off` in file_server and php_server: the built-in hide list is on unless a
// directive turns it off, only the directives that serve static files accept it, and `pogo
// adapt` shows the setting.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "caddyfile/config_json.h"
#include "config_test_util.h"

using namespace caddyfile;

namespace {
const HandlerSpec& only_handler(const Config& c) {
    REQUIRE(c.sites.size() == 1);
    REQUIRE(c.sites[0].handlers.size() == 1);
    return c.sites[0].handlers[0].spec;
}
}  // namespace

TEST_CASE("hide_defaults: on unless turned off, in file_server and php_server") {
    struct Case {
        std::string caddyfile;
        bool file_server;  // which spec the site's one handler is
        bool expected;
    };
    const Case cases[] = {
        {":80 {\n\tfile_server\n}", true, true},
        {":80 {\n\tfile_server browse\n}", true, true},
        {":80 {\n\tfile_server {\n\t\thide .secret\n\t}\n}", true, true},
        {":80 {\n\tfile_server {\n\t\thide_defaults off\n\t}\n}", true, false},
        {":80 {\n\tfile_server {\n\t\thide_defaults on\n\t}\n}", true, true},
        {":80 {\n\tphp_server\n}", false, true},
        {":80 {\n\tphp_server {\n\t\thide_defaults off\n\t}\n}", false, false},
        {":80 {\n\tphp_server {\n\t\thide_defaults on\n\t}\n}", false, true},
    };
    for (const auto& c : cases) {
        CAPTURE(c.caddyfile);
        Config config = test::load(c.caddyfile);
        const HandlerSpec& spec = only_handler(config);
        if (c.file_server) {
            REQUIRE(std::holds_alternative<FileServerSpec>(spec));
            CHECK(std::get<FileServerSpec>(spec).hide_defaults == c.expected);
        } else {
            REQUIRE(std::holds_alternative<PhpSpec>(spec));
            CHECK(std::get<PhpSpec>(spec).hide_defaults == c.expected);
        }
        nlohmann::json j = to_json(config);
        CHECK(j["sites"][0]["handlers"][0]["hide_defaults"] == c.expected);
    }
}

TEST_CASE("hide_defaults: errors name the line and what was expected") {
    const std::pair<std::string, std::string> cases[] = {
        {":80 {\n\tfile_server {\n\t\thide_defaults\n\t}\n}", "/app/Caddyfile:3: "},
        {":80 {\n\tfile_server {\n\t\thide_defaults no\n\t}\n}",
         "/app/Caddyfile:3: file_server hide_defaults: expected \"on\" or \"off\", got \"no\""},
        {":80 {\n\tphp_server {\n\t\thide_defaults false\n\t}\n}",
         "/app/Caddyfile:3: php_server hide_defaults: expected \"on\" or \"off\", got \"false\""},
        {":80 {\n\tfile_server {\n\t\thide_defaults off on\n\t}\n}", "/app/Caddyfile:3: "},
        // php and php_fastcgi serve no static files: nothing to hide
        {":80 {\n\tphp {\n\t\thide_defaults off\n\t}\n}", "/app/Caddyfile:3: "},
        {":80 {\n\tphp_fastcgi localhost:9000 {\n\t\thide_defaults off\n\t}\n}", "/app/Caddyfile:3: "},
    };
    for (const auto& [text, error] : cases) {
        CAPTURE(text);
        std::string got = test::load_error(text);
        CHECK(got.starts_with(error));
        CHECK(got.find("hide_defaults") != std::string::npos);
    }
}

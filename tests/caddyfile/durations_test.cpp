// Durations and sizes in Caddy syntax.
#include <doctest/doctest.h>

#include <stdexcept>

#include "caddyfile/durations.h"

using namespace caddyfile;
using namespace std::chrono_literals;

TEST_CASE("durations") {
    const std::pair<const char*, Duration> ok[] = {
        {"500ms", 500ms}, {"30s", 30s},          {"1m30s", 90s},      {"1d", 24h},     {"1h", 1h},
        {"1.5s", 1500ms}, {"2h45m", 165min},     {"10us", 10us},      {"7ns", 7ns},    {"0", 0s},
        {"-5s", -5s},     {"1d2h", 26h},         {"0.5m", 30s},
    };
    for (const auto& [text, value] : ok) {
        CAPTURE(text);
        CHECK(parse_duration(text) == value);
    }
    const std::pair<const char*, const char*> bad[] = {
        {"30", "missing unit in duration \"30\""},
        {"5x", "unknown unit \"x\" in duration \"5x\""},
        {"", "invalid duration \"\""},
        {"abc", "invalid duration \"abc\""},
        {"s", "invalid duration \"s\""},
        {"1m30", "missing unit in duration \"1m30\""},
    };
    for (const auto& [text, message] : bad) {
        CAPTURE(text);
        CHECK_THROWS_WITH_AS(parse_duration(text), message, std::invalid_argument);
    }
    CHECK(format_duration(90s) == "1m30s");
    CHECK(format_duration(500ms) == "500ms");
    CHECK(format_duration(0s) == "0s");
    CHECK(format_duration(48h) == "2d");
    CHECK(format_duration(3h) == "3h");
    CHECK(format_duration(3723s) == "1h2m3s");
    for (const auto& [text, value] : ok) CHECK(parse_duration(format_duration(value)) == value);
}

TEST_CASE("sizes") {
    CHECK(parse_size("512") == 512);
    CHECK(parse_size("10KB") == 10000);
    CHECK(parse_size("10kb") == 10000);
    CHECK(parse_size("1MiB") == 1048576);
    CHECK(parse_size("1.5MB") == 1500000);
    CHECK(parse_size("2GB") == 2000000000ULL);
    CHECK_THROWS_WITH_AS(parse_size("10XB"), "unknown unit in size \"10XB\"", std::invalid_argument);
    CHECK_THROWS_WITH_AS(parse_size("MB"), "invalid size \"MB\"", std::invalid_argument);
}

// What every end-to-end test file includes: the harness, both clients, JSON, doctest.
#pragma once

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/e2e/harness.h"
#include "tests/e2e/http_client.h"
#include "tests/e2e/raw_client.h"

namespace e2e {

using json = nlohmann::json;

// Parses a response body as JSON; fails the current test with the response if it is not.
inline json body_json(const Response& r) {
    json j = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
    INFO(r.describe());
    REQUIRE_MESSAGE(!j.is_discarded(), "response body is not JSON");
    return j;
}

}  // namespace e2e

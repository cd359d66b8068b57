// Reading the CA's JSON leniently: ACME objects (RFC 8555 §7.1) and problem documents (§6.7,
// RFC 7807) come from another party, so a missing or mistyped member reads as "" and the caller
// reports what it expected instead of nlohmann's type_error.
//
// Threads: pure functions; any thread.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace pogo::tls {

// The parsed body, or a discarded value (is_discarded()) when it is not JSON.
nlohmann::json acme_parse(const std::string& body);
// j[key] when j is an object and that member is a string; "" otherwise.
std::string acme_string(const nlohmann::json& j, const char* key);
// "type: detail", then each subproblem (§6.7.1) as "; identifier: type: detail".
std::string acme_problem_text(const nlohmann::json& problem);

}  // namespace pogo::tls

#include "tls/acme_json.h"

namespace pogo::tls {

nlohmann::json acme_parse(const std::string& body) { return nlohmann::json::parse(body, nullptr, false); }

std::string acme_string(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string acme_problem_text(const nlohmann::json& problem) {
  std::string out = acme_string(problem, "type");
  std::string detail = acme_string(problem, "detail");
  if (!detail.empty()) out += (out.empty() ? "" : ": ") + detail;
  if (problem.is_object() && problem.contains("subproblems") && problem["subproblems"].is_array()) {
    for (const auto& sub : problem["subproblems"]) {
      out += "; ";
      std::string id = sub.contains("identifier") ? acme_string(sub["identifier"], "value") : "";
      if (!id.empty()) out += id + ": ";
      out += acme_problem_text(sub);
    }
  }
  return out.empty() ? "no problem details" : out;
}

}  // namespace pogo::tls

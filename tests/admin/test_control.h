// A Control for the admin tests: the configuration is a JSON document in memory; every call is
// recorded so a test can check what the API asked for.
#pragma once

#include <atomic>
#include <mutex>

#include "admin/control.h"
#include "admin/error.h"

namespace pogo::admin::test {

class TestControl : public Control {
 public:
  nlohmann::json doc = nlohmann::json::parse(R"({"apps": {"frankenphp": {"num_threads": 4}}, "sites": []})");
  int loads = 0;  // reloads that happened
  bool last_force = false;
  std::atomic<int> stops{0};
  int restarts = 0;

  nlohmann::json config() override {
    std::lock_guard lock(mu_);
    return doc;
  }
  LoadResult change(const std::function<nlohmann::json(const nlohmann::json&)>& edit, bool force) override {
    std::lock_guard lock(mu_);
    nlohmann::json next = edit(doc);
    last_force = force;
    if (next.contains("invalid")) throw AdminError(400, "loading new config: the test refuses \"invalid\"");
    if (!force && next == doc) return {};
    doc = next;
    ++loads;
    return {true, {}};
  }
  nlohmann::json adapt(const std::string& text, std::vector<std::string>& warnings) override {
    if (text.find("bad") != std::string::npos) throw AdminError(400, "Caddyfile:1: bad things");
    warnings.push_back("Caddyfile:2: a warning");
    return nlohmann::json{{"adapted", text}};
  }
  void stop() override { ++stops; }
  void restart_workers() override { ++restarts; }
  nlohmann::json threads() override {
    return nlohmann::json{{"ThreadDebugStates", nlohmann::json::array({{{"Index", 0}, {"Name", "t"}}})},
                          {"ReservedThreadCount", 0}};
  }
  std::string metrics() override { return "# HELP x y\n# TYPE x gauge\nx 1\n"; }
  std::atomic<bool> is_ready{true};
  bool ready() override { return is_ready.load(); }

 private:
  std::mutex mu_;
};

}  // namespace pogo::admin::test

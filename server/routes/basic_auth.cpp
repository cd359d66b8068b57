#include "server/routes/basic_auth.h"

#include <crypt.h>

#include <cstring>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <unordered_set>

#include "caddyfile/base64.h"

namespace pogo::server {

namespace {

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char d = 0;
  for (size_t i = 0; i < a.size(); ++i) d |= static_cast<unsigned char>(a[i] ^ b[i]);
  return d == 0;
}

class BasicAuthHandler final : public Handler {
 public:
  explicit BasicAuthHandler(caddyfile::BasicAuthSpec spec) : spec_(std::move(spec)) {
    for (auto& [user, hash] : spec_.accounts) {
      if (hash.rfind("$2y$", 0) == 0) hash[2] = 'b';  // the same algorithm; libxcrypt knows $2b$
      crypt_data data{};
      const char* probe = crypt_r("probe", hash.c_str(), &data);
      if (!probe || probe[0] == '*') throw std::runtime_error("basic_auth: cannot check the bcrypt hash of user \"" + user + "\"");
    }
  }

  std::optional<Action> handle(Request& r) const override {
    const std::string* auth = r.head.header("Authorization");
    if (auth) {
      if (auto cred = parse_basic_credentials(*auth)) {
        for (const auto& [user, hash] : spec_.accounts) {
          if (user != cred->first) continue;
          if (check(user, cred->second, hash)) {
            r.vars["http.auth.user.id"] = user;
            r.filters.user_id = user;
            return std::nullopt;
          }
        }
      }
    }
    Respond resp;
    resp.status = 401;
    resp.headers.push_back({"WWW-Authenticate", "Basic realm=\"" + spec_.realm + "\""});
    return resp;
  }

 private:
  bool check(const std::string& user, const std::string& password, const std::string& hash) const {
    size_t key = std::hash<std::string>{}(user + '\0' + password + '\0' + hash);
    {
      std::lock_guard lk(mu_);
      if (ok_.count(key)) return true;
    }
    if (!bcrypt_matches(password, hash)) return false;
    std::lock_guard lk(mu_);
    if (ok_.size() > 10000) ok_.clear();
    ok_.insert(key);
    return true;
  }

  caddyfile::BasicAuthSpec spec_;
  mutable std::mutex mu_;
  mutable std::unordered_set<size_t> ok_;
};

}  // namespace

std::optional<std::pair<std::string, std::string>> parse_basic_credentials(std::string_view v) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  if (v.size() < 6 || strncasecmp(v.data(), "basic ", 6) != 0) return std::nullopt;
  v.remove_prefix(6);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  std::string decoded = caddyfile::base64_decode(v);
  auto colon = decoded.find(':');
  if (colon == std::string::npos) return std::nullopt;
  return std::make_pair(decoded.substr(0, colon), decoded.substr(colon + 1));
}

bool bcrypt_matches(const std::string& password, const std::string& hash) {
  std::string h = hash;
  if (h.rfind("$2y$", 0) == 0) h[2] = 'b';
  crypt_data data{};
  const char* out = crypt_r(password.c_str(), h.c_str(), &data);
  return out && out[0] != '*' && constant_time_equal(out, h);
}

std::unique_ptr<Handler> make_basic_auth_handler(caddyfile::BasicAuthSpec spec) {
  return std::make_unique<BasicAuthHandler>(std::move(spec));
}

}  // namespace pogo::server

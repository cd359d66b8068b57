// AcmeIssuer: Caddy's issuer key and account layout, and the account reused from storage across
// issuers (a restart), against pebble.
#include <doctest/doctest.h>

#include <map>

#include "pebble_harness.h"
#include "tls/acme_issuer.h"
#include "tls/error.h"
#include "tls/storage.h"

using pebble_test::Pebble;
using pogo::tls::AcmeIssuer;
using pogo::tls::AcmeOptions;
using pogo::tls::Challenges;

namespace {

struct MemoryStore {
  std::map<std::string, std::string> files;
  pogo::tls::AcmeAccountStore view() {
    return {[this](const std::string& k) -> std::optional<std::string> {
              auto it = files.find(k);
              return it == files.end() ? std::nullopt : std::optional<std::string>(it->second);
            },
            [this](const std::string& k, const std::string& v) { files[k] = v; }};
  }
};

AcmeOptions options_for(const Pebble& pebble, std::string email) {
  AcmeOptions o;
  o.directory_url = pebble.directory_url();
  o.trusted_roots = {pebble.ca_root_file()};
  o.email = std::move(email);
  o.poll_initial = std::chrono::milliseconds(50);
  return o;
}

}  // namespace

TEST_CASE("AcmeIssuer::storage_key: certmagic's issuer key, made storage-safe") {
  Challenges c;
  struct Case {
    const char* url;
    const char* key;
  };
  for (Case t : {Case{"https://acme-v02.api.letsencrypt.org/directory", "acme-v02.api.letsencrypt.org-directory"},
                 Case{"https://acme-staging-v02.api.letsencrypt.org/directory",
                      "acme-staging-v02.api.letsencrypt.org-directory"},
                 Case{"https://localhost:14000/dir", "localhost-14000-dir"},
                 Case{"https://127.0.0.1:14000/dir", "127.0.0.1-14000-dir"},
                 Case{"https://acme.zerossl.com/v2/DV90", "acme.zerossl.com-v2-dv90"},
                 Case{"https://ca.internal/acme/acme/directory/", "ca.internal-acme-acme-directory"}}) {
    AcmeOptions o;
    o.directory_url = t.url;
    AcmeIssuer issuer(o, c, MemoryStore{}.view());
    CHECK_MESSAGE(issuer.storage_key() == t.key, t.url);
  }
  AcmeIssuer defaults(AcmeOptions{}, c, MemoryStore{}.view());
  CHECK(defaults.storage_key() == "acme-v02.api.letsencrypt.org-directory");  // Let's Encrypt by default
}

TEST_CASE("AcmeIssuer: the account key and registration are saved where Caddy keeps them, and reused") {
  Pebble pebble;
  Challenges challenges;
  pebble_test::Http01Responder http(challenges, pebble.http_port());
  MemoryStore store;
  const std::string dir = "acme/127.0.0.1-" + std::to_string(pebble.listen_port()) + "-dir/users/";

  std::string account_url;
  {
    AcmeIssuer issuer(options_for(pebble, "Ops@Pogo.test"), challenges, store.view());
    auto issued = issuer.issue({"issuer.pogo.test"});
    CHECK(pebble_test::check_issued(issued, pebble.issuance_root_pem(), {"issuer.pogo.test"}) == "");
    account_url = issuer.account().url;
  }
  REQUIRE(store.files.count(dir + "ops@pogo.test/ops.key") == 1);
  REQUIRE(store.files.count(dir + "ops@pogo.test/ops.json") == 1);
  CHECK(store.files[dir + "ops@pogo.test/ops.key"].rfind("-----BEGIN EC PRIVATE KEY-----", 0) == 0);
  auto registration = nlohmann::json::parse(store.files[dir + "ops@pogo.test/ops.json"]);
  CHECK(registration["location"] == account_url);
  CHECK(registration["status"] == "valid");
  CHECK(registration["contact"][0] == "mailto:Ops@Pogo.test");

  // A restart: a new issuer over the same storage finds the same account.
  std::string saved_key = store.files[dir + "ops@pogo.test/ops.key"];
  AcmeIssuer again(options_for(pebble, "Ops@Pogo.test"), challenges, store.view());
  CHECK_FALSE(again.account().created);
  CHECK(again.account().url == account_url);
  CHECK(store.files[dir + "ops@pogo.test/ops.key"] == saved_key);

  // No email: Caddy's "default" user.
  AcmeIssuer anonymous(options_for(pebble, ""), challenges, store.view());
  CHECK(anonymous.account().url != account_url);
  CHECK(store.files.count(dir + "default/default.key") == 1);
  CHECK(store.files.count(dir + "default/default.json") == 1);
}

TEST_CASE("AcmeIssuer over a Storage directory: the files Caddy would read") {
  Pebble pebble;
  Challenges challenges;
  pebble_test::TempDir root;
  pogo::tls::Storage storage(root.path());
  AcmeIssuer issuer(options_for(pebble, "admin@pogo.test"), challenges, pogo::tls::AcmeAccountStore::over(storage));
  issuer.account();
  auto users = root.path() / "acme" / ("127.0.0.1-" + std::to_string(pebble.listen_port()) + "-dir") / "users";
  CHECK(std::filesystem::exists(users / "admin@pogo.test" / "admin.key"));
  CHECK(std::filesystem::exists(users / "admin@pogo.test" / "admin.json"));
}

TEST_CASE("AcmeIssuer: a stored account key that is not P-256 PEM is an error naming its key") {
  Challenges challenges;
  MemoryStore store;
  AcmeOptions o;
  o.directory_url = "https://127.0.0.1:9/dir";  // never reached
  store.files["acme/127.0.0.1-9-dir/users/default/default.key"] = "garbage";
  AcmeIssuer issuer(o, challenges, store.view());
  CHECK_THROWS_WITH_AS(issuer.issue({"x.pogo.test"}),
                       doctest::Contains("acme/127.0.0.1-9-dir/users/default/default.key"), pogo::tls::Error);
}

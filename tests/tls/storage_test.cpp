#include "tls/storage.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "tests/tls/storage_fixture.h"
#include "tls/error.h"

using namespace pogo::tls;
using pogo::tls::testing::TempDir;

namespace {

unsigned mode_of(const std::filesystem::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

// Sets an environment variable for one scope and puts the old value back.
struct ScopedEnv {
  std::string name;
  std::optional<std::string> old;
  ScopedEnv(const char* n, const char* value) : name(n) {
    if (const char* v = std::getenv(n)) old = v;
    if (value) setenv(n, value, 1);
    else unsetenv(n);
  }
  ~ScopedEnv() {
    if (old) setenv(name.c_str(), old->c_str(), 1);
    else unsetenv(name.c_str());
  }
};

}  // namespace

TEST_CASE("safe_key: certmagic's KeyBuilder.Safe") {
  struct Case {
    const char* in;
    const char* out;
  };
  const Case cases[] = {
      {"example.com", "example.com"},
      {"Example.COM", "example.com"},
      {"*.example.com", "wildcard_.example.com"},
      {"  spaced name ", "spaced_name"},
      {"a+b", "a_plus_b"},
      {"localhost:8443", "localhost-8443"},
      {"::1", "--1"},
      {"127.0.0.1", "127.0.0.1"},
      {"../../etc/passwd", "etcpasswd"},
      {"a...b", "a.b"},
      {"user@example.com", "user@example.com"},
      {"d\xc3\xa9j\xc3\xa0.example", "dj.example"},
      {"a/b\\c?d", "abcd"},
      {"under_score-dash", "under_score-dash"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.in);
    CHECK(safe_key(c.in) == c.out);
    CHECK(safe_key(safe_key(c.in)) == c.out);  // idempotent
  }
}

TEST_CASE("acme_issuer_key: host and path of the directory URL") {
  CHECK(acme_issuer_key("https://acme-v02.api.letsencrypt.org/directory") == "acme-v02.api.letsencrypt.org-directory");
  CHECK(acme_issuer_key("https://acme-staging-v02.api.letsencrypt.org/directory") ==
        "acme-staging-v02.api.letsencrypt.org-directory");
  CHECK(acme_issuer_key("https://acme.zerossl.com/v2/DV90") == "acme.zerossl.com-v2-DV90");
  CHECK(acme_issuer_key("https://localhost:14000/dir") == "localhost:14000-dir");
  CHECK(acme_issuer_key("https://ca.example/") == "ca.example");
  CHECK(acme_issuer_key("https://ca.example") == "ca.example");
  CHECK(acme_issuer_key("https://ca.example/acme/dir?x=1") == "ca.example-acme-dir");
}

TEST_CASE("storage keys: Caddy's layout") {
  auto c = certificate_keys("local", "example.com");
  CHECK(c.cert == "certificates/local/example.com/example.com.crt");
  CHECK(c.key == "certificates/local/example.com/example.com.key");
  CHECK(c.meta == "certificates/local/example.com/example.com.json");

  auto w = certificate_keys(acme_issuer_key("https://acme-v02.api.letsencrypt.org/directory"), "*.Example.com");
  CHECK(w.cert ==
        "certificates/acme-v02.api.letsencrypt.org-directory/wildcard_.example.com/wildcard_.example.com.crt");

  auto p = certificate_keys(acme_issuer_key("https://localhost:14000/dir"), "127.0.0.1");
  CHECK(p.key == "certificates/localhost-14000-dir/127.0.0.1/127.0.0.1.key");

  auto a = authority_keys();
  CHECK(a.root_cert == "pki/authorities/local/root.crt");
  CHECK(a.root_key == "pki/authorities/local/root.key");
  CHECK(a.intermediate_cert == "pki/authorities/local/intermediate.crt");
  CHECK(a.intermediate_key == "pki/authorities/local/intermediate.key");

  std::string le = acme_issuer_key("https://acme-v02.api.letsencrypt.org/directory");
  auto d = acme_account_keys(le, "");
  CHECK(d.registration == "acme/acme-v02.api.letsencrypt.org-directory/users/default/default.json");
  CHECK(d.private_key == "acme/acme-v02.api.letsencrypt.org-directory/users/default/default.key");
  auto e = acme_account_keys(le, "Admin@Example.com");
  CHECK(e.registration == "acme/acme-v02.api.letsencrypt.org-directory/users/admin@example.com/admin.json");
  CHECK(e.private_key == "acme/acme-v02.api.letsencrypt.org-directory/users/admin@example.com/admin.key");
  CHECK(acme_users_prefix(le) == "acme/acme-v02.api.letsencrypt.org-directory/users");
}

TEST_CASE("Storage::default_root: Caddy's AppDataDir on Linux") {
  {
    ScopedEnv xdg("XDG_DATA_HOME", "/data");
    ScopedEnv home("HOME", "/root");
    CHECK(Storage::default_root() == "/data/caddy");
    CHECK(Storage::open().root() == "/data/caddy");
    CHECK(Storage::open("/srv/certs").root() == "/srv/certs");
  }
  {
    ScopedEnv xdg("XDG_DATA_HOME", "");
    ScopedEnv home("HOME", "/home/u");
    CHECK(Storage::default_root() == "/home/u/.local/share/caddy");
  }
  {
    ScopedEnv xdg("XDG_DATA_HOME", nullptr);
    ScopedEnv home("HOME", nullptr);
    CHECK(Storage::default_root() == "./caddy");
  }
}

TEST_CASE("Storage: atomic writes, 0600 files, 0700 directories") {
  TempDir dir;
  Storage s(dir.path / "caddy");
  auto keys = certificate_keys("local", "example.com");
  CHECK_FALSE(s.load(keys.cert).has_value());
  CHECK_FALSE(s.exists(keys.cert));

  s.store(keys.cert, "first");
  CHECK(*s.load(keys.cert) == "first");
  CHECK(mode_of(s.path_of(keys.cert)) == 0600);
  CHECK(mode_of(dir.path / "caddy") == 0700);
  CHECK(mode_of(dir.path / "caddy/certificates") == 0700);
  CHECK(mode_of(dir.path / "caddy/certificates/local/example.com") == 0700);

  // A replacement is a new file renamed over the old: a reader holding the old one open still
  // reads the old bytes whole, and no temporary file is left beside it.
  std::ifstream old_reader(s.path_of(keys.cert));
  s.store(keys.cert, std::string(100000, 'x'));
  std::string old_text((std::istreambuf_iterator<char>(old_reader)), std::istreambuf_iterator<char>());
  CHECK(old_text == "first");
  CHECK(s.load(keys.cert)->size() == 100000);
  CHECK(s.list("certificates/local/example.com") == std::vector<std::string>{"example.com.crt"});

  s.store(keys.key, "k");
  s.store(keys.meta, "{}");
  CHECK(s.list("certificates/local/example.com").size() == 3);
  CHECK(s.list("certificates/local") == std::vector<std::string>{"example.com"});
  CHECK(s.list("nothing/here").empty());

  s.remove("certificates/local/example.com");
  CHECK_FALSE(s.exists(keys.cert));
  s.remove("certificates/local/example.com");  // absent: fine
}

TEST_CASE("Storage: an unwritable root is a tls::Error naming the path") {
  TempDir dir;
  {
    std::ofstream f(dir.path / "file");
  }
  Storage s(dir.path / "file");  // a regular file where a directory should be
  try {
    s.store("certificates/x", "y");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find((dir.path / "file").string()) != std::string::npos);
  }
}

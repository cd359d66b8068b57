#include "tls/trust_store.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "tests/tls/storage_fixture.h"
#include "tls/internal_issuer.h"

using namespace pogo::tls;
using pogo::tls::testing::TempDir;

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// X509_verify_cert of a chain against the system's default trust (what curl and PHP's openssl use).
bool system_trusts(const std::string& chain_pem) {
  auto chain = pogo::tls::testing::read_pem_certs(chain_pem);
  X509_STORE* store = X509_STORE_new();
  X509_STORE_set_default_paths(store);
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  for (size_t i = 1; i < chain.size(); ++i) sk_X509_push(untrusted, chain[i]);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, chain[0], untrusted);
  bool ok = X509_verify_cert(ctx) == 1;
  X509_STORE_CTX_free(ctx);
  sk_X509_free(untrusted);
  X509_STORE_free(store);
  pogo::tls::testing::free_certs(chain);
  take_openssl_errors();
  return ok;
}

}  // namespace

TEST_CASE("trust store: install writes the root (0644) and runs the tool; untrust removes it") {
  TempDir dir;
  Storage storage(dir.path / "data");
  std::string marker = (dir.path / "ran").string();
  TrustStore store{dir.path / "anchors" / "pogo-local-ca.crt", {"/bin/sh", "-c", "echo ran >> " + marker}};

  CHECK_FALSE(root_installed(storage, store));
  CHECK(install_root(storage, store) == "");  // creates the CA first
  REQUIRE(storage.exists(authority_keys().root_cert));
  CHECK(slurp(store.cert_file) == *storage.load(authority_keys().root_cert));
  struct stat st {};
  REQUIRE(::stat(store.cert_file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);
  CHECK(slurp(marker) == "ran\n");
  CHECK(root_installed(storage, store));

  CHECK(install_root(storage, store) == "");  // already there: the tool is not run again
  CHECK(slurp(marker) == "ran\n");
  CHECK(install_root(storage, store, /*force=*/true) == "");
  CHECK(slurp(marker) == "ran\nran\n");

  CHECK(uninstall_root(store) == "");
  CHECK_FALSE(std::filesystem::exists(store.cert_file));
  CHECK(slurp(marker) == "ran\nran\nran\n");
  CHECK(uninstall_root(store) == "");  // nothing installed: nothing to do
  CHECK(slurp(marker) == "ran\nran\nran\n");

  TrustStore failing{store.cert_file, {"/bin/sh", "-c", "echo boom; exit 3"}};
  CHECK(install_root(storage, failing) == "/bin/sh exited with status 3: boom");
  TrustStore missing{store.cert_file, {"/nonexistent/update-tool"}};
  CHECK(uninstall_root(missing).find("cannot run /nonexistent/update-tool") == 0);
  TrustStore unwritable{"/proc/pogo-cannot-write/pogo-local-ca.crt", {"true"}};
  CHECK(install_root(storage, unwritable).find("cannot write /proc/pogo-cannot-write/pogo-local-ca.crt") == 0);
}

TEST_CASE("trust store: the system's (update-ca-certificates), then restored") {
  std::optional<TrustStore> store = system_trust_store();
  if (!store || ::geteuid() != 0) {
    MESSAGE("skipped: needs root and update-ca-certificates or update-ca-trust");
    return;
  }
  // Whatever a person installed before this test is put back afterwards.
  std::optional<std::string> before;
  if (std::filesystem::exists(store->cert_file)) before = slurp(store->cert_file);

  TempDir dir;
  Storage storage(dir.path);
  auto ca = LocalCA::load_or_create(storage);
  IssuedCertificate leaf = InternalIssuer(ca).issue({"trusted.test"});
  CHECK_FALSE(system_trusts(leaf.chain_pem));

  CHECK(install_root(storage) == "");
  CHECK(root_installed(storage, *store));
  CHECK(system_trusts(leaf.chain_pem));

  CHECK(uninstall_root() == "");
  CHECK_FALSE(std::filesystem::exists(store->cert_file));
  CHECK_FALSE(system_trusts(leaf.chain_pem));

  if (before) {
    std::ofstream(store->cert_file) << *before;
    ::chmod(store->cert_file.c_str(), 0644);
    std::string cmd;
    for (const std::string& a : store->update_command) cmd += a + " ";
    CHECK(std::system((cmd + ">/dev/null 2>&1").c_str()) == 0);
  }
}

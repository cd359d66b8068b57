#include "tls/local_ca.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <openssl/x509v3.h>

#include "tests/tls/storage_fixture.h"
#include "tls/internal_issuer.h"

using namespace pogo::tls;
using namespace std::chrono_literals;
using pogo::tls::testing::read_pem_certs;
using pogo::tls::testing::TempDir;
using pogo::tls::testing::verify_chain;

namespace {

std::string common_name(X509* cert) {
  char buf[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf);
  return buf;
}

std::vector<std::string> sans_of(X509* cert) {
  std::vector<std::string> out;
  auto* gens = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); ++i) {
    GENERAL_NAME* g = sk_GENERAL_NAME_value(gens, i);
    if (g->type == GEN_DNS) {
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(g->d.dNSName)),
                       static_cast<size_t>(ASN1_STRING_length(g->d.dNSName)));
    } else if (g->type == GEN_IPADD) {
      char text[INET6_ADDRSTRLEN] = {};
      int family = g->d.iPAddress->length == 4 ? AF_INET : AF_INET6;
      inet_ntop(family, g->d.iPAddress->data, text, sizeof text);
      out.emplace_back(text);
    }
  }
  GENERAL_NAMES_free(gens);
  return out;
}

struct FakeClock {
  TimePoint now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  Clock clock() {
    return [this] { return now; };
  }
};

}  // namespace

TEST_CASE("LocalCA: created once in Caddy's layout, then loaded unchanged by a second instance") {
  TempDir dir;
  Storage storage(dir.path);
  auto ca = LocalCA::load_or_create(storage);
  auto keys = authority_keys();
  for (const std::string& k : {keys.root_cert, keys.root_key, keys.intermediate_cert, keys.intermediate_key})
    CHECK(storage.exists(k));
  CHECK(storage.load(keys.root_key)->find("BEGIN EC PRIVATE KEY") != std::string::npos);

  X509* root = ca->root();
  CHECK(common_name(root).find("Pogo Local Authority - ") == 0);
  CHECK(common_name(root).find(" ECC Root") != std::string::npos);
  CHECK(X509_check_ca(root) >= 1);
  CHECK((X509_get_key_usage(root) & (KU_KEY_CERT_SIGN | KU_CRL_SIGN)) == (KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  CHECK(X509_check_issued(root, root) == X509_V_OK);
  auto root_life = not_after_of(root) - not_before_of(root);
  CHECK(root_life == std::chrono::duration_cast<std::chrono::system_clock::duration>(kLocalRootLifetime));
  EVP_PKEY* pub = X509_get0_pubkey(root);
  CHECK(EVP_PKEY_get_base_id(pub) == EVP_PKEY_EC);
  CHECK(EVP_PKEY_get_bits(pub) == 256);

  auto inter = read_pem_certs(ca->intermediate_pem());
  REQUIRE(inter.size() == 1);
  CHECK(common_name(inter[0]) == "Pogo Local Authority - ECC Intermediate");
  CHECK(X509_check_issued(root, inter[0]) == X509_V_OK);
  CHECK(not_after_of(inter[0]) - not_before_of(inter[0]) ==
        std::chrono::duration_cast<std::chrono::system_clock::duration>(kLocalIntermediateLifetime));
  pogo::tls::testing::free_certs(inter);

  std::string root_bytes = *storage.load(keys.root_cert);
  std::string inter_bytes = *storage.load(keys.intermediate_cert);
  auto again = LocalCA::load_or_create(storage);
  CHECK(again->root_pem() == root_bytes);
  CHECK(*storage.load(keys.root_cert) == root_bytes);
  CHECK(*storage.load(keys.intermediate_cert) == inter_bytes);
  CHECK(again->intermediate_pem() == inter_bytes);
}

TEST_CASE("InternalIssuer: the leaf verifies against the root for its DNS and IP names") {
  TempDir dir;
  Storage storage(dir.path);
  auto ca = LocalCA::load_or_create(storage);
  InternalIssuer issuer(ca);
  CHECK(issuer.storage_key() == "local");
  auto before = std::chrono::system_clock::now();
  IssuedCertificate issued = issuer.issue({"Example.test", "*.example.test", "127.0.0.1", "[::1]"});

  auto chain = read_pem_certs(issued.chain_pem);
  REQUIRE(chain.size() == 2);
  X509* leaf = chain[0];
  CHECK(sans_of(leaf) == std::vector<std::string>{"example.test", "*.example.test", "127.0.0.1", "::1"});
  CHECK(X509_check_ca(leaf) == 0);
  CHECK((X509_get_extended_key_usage(leaf) & XKU_SSL_SERVER) != 0);
  CHECK((X509_get_extension_flags(leaf) & EXFLAG_BCONS) != 0);
  auto life = not_after_of(leaf) - not_before_of(leaf);
  CHECK(life == std::chrono::duration_cast<std::chrono::system_clock::duration>(kInternalLeafLifetime));
  CHECK(not_before_of(leaf) >= std::chrono::floor<std::chrono::seconds>(before));
  CHECK(issued.key_pem.find("BEGIN PRIVATE KEY") != std::string::npos);
  PkeyPtr key = key_from_pem(issued.key_pem, "leaf key");
  CHECK(X509_check_private_key(leaf, key.get()) == 1);
  CHECK(EVP_PKEY_get_bits(key.get()) == 256);
  pogo::tls::testing::free_certs(chain);

  auto now = std::chrono::system_clock::now();
  for (const char* name : {"example.test", "a.example.test", "127.0.0.1", "::1"}) {
    CAPTURE(name);
    CHECK(verify_chain(issued.chain_pem, ca->root_pem(), name, now) == "");
  }
  CHECK(verify_chain(issued.chain_pem, ca->root_pem(), "other.test", now) != "");
  CHECK(verify_chain(issued.chain_pem, ca->root_pem(), "a.b.example.test", now) != "");
  CHECK(verify_chain(issued.chain_pem, ca->root_pem(), "127.0.0.2", now) != "");
  CHECK(verify_chain(issued.chain_pem, ca->root_pem(), "example.test", now + 13h) ==
        "certificate has expired");

  // Another CA's root does not vouch for it.
  TempDir other_dir;
  Storage other(other_dir.path);
  CHECK(verify_chain(issued.chain_pem, LocalCA::load_or_create(other)->root_pem(), "example.test", now) != "");

  CHECK_THROWS_AS(issuer.issue({}), Error);
  CHECK_THROWS_AS(issuer.issue({""}), Error);
}

TEST_CASE("LocalCA: an intermediate with a fifth of its life left is replaced, the root kept") {
  TempDir dir;
  Storage storage(dir.path);
  FakeClock fake;
  LocalCA::Options options;
  options.clock = fake.clock();
  auto ca = LocalCA::load_or_create(storage, options);
  std::string root = ca->root_pem();
  std::string first = ca->intermediate_pem();

  fake.now += 5 * 24h;  // 2 of 7 days left: more than a fifth
  CHECK_FALSE(ca->renew_intermediate_if_due());
  CHECK(LocalCA::load_or_create(storage, options)->intermediate_pem() == first);

  fake.now += 15h;  // the window is 1.4 days (33.6 h); 33 h are left
  auto reloaded = LocalCA::load_or_create(storage, options);
  std::string second = reloaded->intermediate_pem();
  CHECK(second != first);
  CHECK(reloaded->root_pem() == root);
  CHECK(*storage.load(authority_keys().intermediate_cert) == second);
  CHECK(reloaded->intermediate_not_after() == fake.now + kLocalIntermediateLifetime);

  // The instance still running renews on its own before it signs.
  IssuedCertificate leaf = InternalIssuer(ca).issue({"example.test"});
  CHECK(ca->intermediate_pem() != first);
  CHECK(verify_chain(leaf.chain_pem, root, "example.test", fake.now + 1h) == "");
}

TEST_CASE("LocalCA: a leaf never outlives the intermediate that signed it") {
  TempDir dir;
  Storage storage(dir.path);
  FakeClock fake;
  LocalCA::Options options;
  options.clock = fake.clock();
  auto ca = LocalCA::load_or_create(storage, options);
  IssuedCertificate leaf = InternalIssuer(ca, std::chrono::hours(24 * 30)).issue({"long.test"});
  auto chain = read_pem_certs(leaf.chain_pem);
  REQUIRE(chain.size() == 2);
  CHECK(not_after_of(chain[0]) == not_after_of(chain[1]));
  pogo::tls::testing::free_certs(chain);
}

TEST_CASE("LocalCA: a Caddy-made CA is used as is; a broken intermediate is replaced") {
  TempDir dir;
  Storage storage(dir.path);
  auto keys = authority_keys();
  // A root made with the openssl tool, stored as Caddy would: the Pogo code only loads it.
  PkeyPtr key = generate_p256_key();
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  X509Ptr root = build_certificate({CertKind::root, "Caddy Local Authority - 2024 ECC Root", {}, now, now + 24h * 3600},
                                   key.get(), nullptr, key.get());
  storage.store(keys.root_cert, cert_to_pem(root.get()));
  storage.store(keys.root_key, key_to_traditional_pem(key.get()));
  storage.store(keys.intermediate_cert, "garbage");
  storage.store(keys.intermediate_key, "garbage");

  auto ca = LocalCA::load_or_create(storage);
  CHECK(common_name(ca->root()) == "Caddy Local Authority - 2024 ECC Root");
  CHECK(*storage.load(keys.intermediate_cert) != "garbage");
  IssuedCertificate leaf = InternalIssuer(ca).issue({"site.test"});
  CHECK(verify_chain(leaf.chain_pem, cert_to_pem(root.get()), "site.test", std::chrono::system_clock::now()) == "");

  // A root certificate whose key is gone is an error, not a silent new CA.
  storage.remove(keys.root_key);
  CHECK_THROWS_AS(LocalCA::load_or_create(storage), Error);
}

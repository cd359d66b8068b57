// JWS and JWK for ACME: base64url, the RFC 7638 thumbprint (the RFC's own example), and ES256
// signatures checked by OpenSSL's verifier against a public key rebuilt from our JWK alone.
#include <doctest/doctest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <nlohmann/json.hpp>

#include "tls/error.h"
#include "tls/jws.h"

using pogo::tls::AccountKey;
using pogo::tls::base64url;
using pogo::tls::base64url_decode;

namespace {

// The verifier's key comes from the JWK's x and y, so a wrong JWK fails the signature check too.
EVP_PKEY* public_key_from_jwk(const nlohmann::json& jwk) {
  std::string point =
      "\x04" + base64url_decode(jwk["x"].get<std::string>()) + base64url_decode(jwk["y"].get<std::string>());
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* key = nullptr;
  REQUIRE(EVP_PKEY_fromdata_init(ctx) == 1);
  REQUIRE(EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  return key;
}

// ES256's raw r||s back to the DER form EVP_DigestVerify takes.
bool verify_es256(EVP_PKEY* key, const std::string& data, const std::string& raw) {
  if (raw.size() != 64) return false;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr),
                 BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr));
  unsigned char* der = nullptr;
  int der_len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
            EVP_DigestVerify(ctx, der, static_cast<size_t>(der_len),
                             reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  OPENSSL_free(der);
  return ok;
}

}  // namespace

TEST_CASE("base64url: RFC 4648 vectors, URL alphabet, no padding, round trip") {
  CHECK(base64url("") == "");
  CHECK(base64url("f") == "Zg");
  CHECK(base64url("fo") == "Zm8");
  CHECK(base64url("foo") == "Zm9v");
  CHECK(base64url("foob") == "Zm9vYg");
  CHECK(base64url("fooba") == "Zm9vYmE");
  CHECK(base64url("foobar") == "Zm9vYmFy");
  CHECK(base64url(std::string("\xfb\xff\xbf", 3)) == "-_-_");
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  CHECK(base64url_decode(base64url(all)) == all);
  CHECK_THROWS_AS(base64url_decode("a+b="), pogo::tls::Error);
}

TEST_CASE("jwk_thumbprint: RFC 7638 section 3.1's example key gives its published thumbprint") {
  nlohmann::json jwk = {{"kty", "RSA"},
                        {"n",
                         "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"
                         "BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-"
                         "5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_"
                         "FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-"
                         "bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"},
                        {"e", "AQAB"},
                        {"alg", "RS256"},  // optional members do not enter the thumbprint
                        {"kid", "2011-04-29"}};
  CHECK(pogo::tls::jwk_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  CHECK_THROWS_AS(pogo::tls::jwk_thumbprint({{"kty", "oct"}, {"k", "x"}}), pogo::tls::Error);
  CHECK_THROWS_AS(pogo::tls::jwk_thumbprint({{"kty", "EC"}, {"crv", "P-256"}, {"x", "a"}}), pogo::tls::Error);
}

TEST_CASE("AccountKey: P-256 JWK, thumbprint, key authorization, SEC1 PEM round trip") {
  AccountKey key = AccountKey::generate();
  const nlohmann::json& jwk = key.jwk();
  CHECK(jwk.size() == 4);
  CHECK(jwk["kty"] == "EC");
  CHECK(jwk["crv"] == "P-256");
  CHECK(base64url_decode(jwk["x"].get<std::string>()).size() == 32);
  CHECK(base64url_decode(jwk["y"].get<std::string>()).size() == 32);
  CHECK(key.thumbprint() == pogo::tls::jwk_thumbprint(jwk));
  CHECK(key.thumbprint().size() == 43);
  CHECK(key.key_authorization("tok-en") == "tok-en." + key.thumbprint());

  std::string pem = key.to_pem();
  CHECK(pem.rfind("-----BEGIN EC PRIVATE KEY-----", 0) == 0);  // Caddy's form
  AccountKey again = AccountKey::from_pem(pem, "test");
  CHECK(again.thumbprint() == key.thumbprint());
  CHECK(AccountKey::generate().thumbprint() != key.thumbprint());

  // PKCS#8 is read too.
  BIO* bio = BIO_new(BIO_s_mem());
  REQUIRE(PEM_write_bio_PrivateKey(bio, key.pkey(), nullptr, nullptr, 0, nullptr, nullptr) == 1);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pkcs8(data, static_cast<size_t>(len));
  BIO_free(bio);
  CHECK(pkcs8.rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
  CHECK(AccountKey::from_pem(pkcs8, "test").thumbprint() == key.thumbprint());
}

TEST_CASE("AccountKey::from_pem: refuses garbage and keys that are not P-256, naming the source") {
  try {
    AccountKey::from_pem("nothing", "acme/x/users/default/default.key");
    FAIL("no throw");
  } catch (const pogo::tls::Error& e) {
    CHECK(std::string(e.what()).find("acme/x/users/default/default.key") != std::string::npos);
  }
  EVP_PKEY* p384 = EVP_EC_gen("P-384");
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, p384, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  EVP_PKEY_free(p384);
  CHECK_THROWS_WITH_AS(AccountKey::from_pem(pem, "k"), doctest::Contains("P-256"), pogo::tls::Error);
}

TEST_CASE("sign_es256: 64 raw bytes that OpenSSL verifies with the key rebuilt from the JWK") {
  AccountKey key = AccountKey::generate();
  EVP_PKEY* pub = public_key_from_jwk(key.jwk());
  for (std::string data : {std::string(), std::string("abc"), std::string(1000, 'x')}) {
    std::string sig = key.sign_es256(data);
    CHECK(sig.size() == 64);
    CHECK(verify_es256(pub, data, sig));
    CHECK_FALSE(verify_es256(pub, data + "!", sig));
  }
  EVP_PKEY_free(pub);
}

TEST_CASE("jws_encode: flattened JWS with jwk or kid, POST-as-GET's empty payload, a valid signature") {
  AccountKey key = AccountKey::generate();
  EVP_PKEY* pub = public_key_from_jwk(key.jwk());
  auto decode = [](const nlohmann::json& body, const char* member) {
    return nlohmann::json::parse(base64url_decode(body[member].get<std::string>()));
  };

  nlohmann::json a = nlohmann::json::parse(
      pogo::tls::jws_encode(key, "", "n0nce", "https://ca/new-acct", nlohmann::json{{"termsOfServiceAgreed", true}}));
  nlohmann::json ha = decode(a, "protected");
  CHECK(ha["alg"] == "ES256");
  CHECK(ha["nonce"] == "n0nce");
  CHECK(ha["url"] == "https://ca/new-acct");
  CHECK(ha["jwk"] == key.jwk());
  CHECK_FALSE(ha.contains("kid"));
  CHECK(decode(a, "payload")["termsOfServiceAgreed"] == true);
  CHECK(verify_es256(pub, a["protected"].get<std::string>() + "." + a["payload"].get<std::string>(),
                     base64url_decode(a["signature"].get<std::string>())));

  nlohmann::json b =
      nlohmann::json::parse(pogo::tls::jws_encode(key, "https://ca/acct/1", "n2", "https://ca/authz/7", std::nullopt));
  nlohmann::json hb = decode(b, "protected");
  CHECK(hb["kid"] == "https://ca/acct/1");
  CHECK_FALSE(hb.contains("jwk"));
  CHECK(b["payload"] == "");
  CHECK(
      verify_es256(pub, b["protected"].get<std::string>() + ".", base64url_decode(b["signature"].get<std::string>())));

  nlohmann::json c =
      nlohmann::json::parse(pogo::tls::jws_encode(key, "k", "n3", "https://ca/chall/1", nlohmann::json::object()));
  CHECK(c["payload"] == base64url("{}"));
  EVP_PKEY_free(pub);
}

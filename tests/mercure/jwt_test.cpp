// mercure/jwt.h: tokens are signed here with OpenSSL (keys generated per run), then every accept
// and reject case is checked against the verifier.
#include "mercure/jwt.h"

#include "mercure/base64url.h"

#include <doctest/doctest.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

using namespace pogo::mercure;
using nlohmann::json;

namespace {

struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

const Pkey& rsa_key() {
    static Pkey k(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
    return k;
}
const Pkey& ec_key() {
    static Pkey k(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    return k;
}

std::string public_pem(EVP_PKEY* key) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, key);
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(len));
    BIO_free(bio);
    return out;
}

// The PKCS#1 form of an RSA public key ("RSA PUBLIC KEY").
std::string pkcs1_public_pem(EVP_PKEY* key) {
    OSSL_ENCODER_CTX* ctx =
        OSSL_ENCODER_CTX_new_for_pkey(key, OSSL_KEYMGMT_SELECT_PUBLIC_KEY, "PEM", "type-specific", nullptr);
    unsigned char* data = nullptr;
    size_t len = 0;
    REQUIRE(OSSL_ENCODER_to_data(ctx, &data, &len) == 1);
    OSSL_ENCODER_CTX_free(ctx);
    std::string out(reinterpret_cast<char*>(data), len);
    OPENSSL_free(data);
    return out;
}

// A self-signed certificate for `key`, in PEM.
std::string certificate_pem(EVP_PKEY* key) {
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("hub"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509_set_pubkey(cert, key);
    X509_sign(cert, key, EVP_sha256());
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, cert);
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(len));
    BIO_free(bio);
    X509_free(cert);
    return out;
}

std::string sign_digest(EVP_PKEY* key, const EVP_MD* md, const std::string& input) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    size_t len = 0;
    REQUIRE(EVP_DigestSignInit(ctx, nullptr, md, nullptr, key) == 1);
    REQUIRE(EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1);
    std::string sig(len, '\0');
    REQUIRE(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                           reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1);
    sig.resize(len);
    EVP_MD_CTX_free(ctx);
    return sig;
}

// DER ECDSA-Sig-Value -> the JWS form, r||s with 32 bytes each.
std::string der_to_raw(const std::string& der) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
    REQUIRE(sig);
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(sig);
    return raw;
}

// Signs `claims` with header {"alg": alg_name} using the HMAC secret or the private key.
std::string sign(const std::string& alg_name, const json& claims, const std::string& secret = {},
                 EVP_PKEY* key = nullptr, json header = json::object()) {
    header["alg"] = alg_name;
    if (!header.contains("typ")) header["typ"] = "JWT";
    const std::string input = base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
    std::string sig;
    if (alg_name.rfind("HS", 0) == 0) {
        const EVP_MD* md = alg_name == "HS256" ? EVP_sha256() : alg_name == "HS384" ? EVP_sha384() : EVP_sha512();
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        HMAC(md, secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(input.data()),
             input.size(), mac, &len);
        sig.assign(reinterpret_cast<char*>(mac), len);
    } else if (alg_name == "RS256" || alg_name == "RS512") {
        sig = sign_digest(key, alg_name == "RS256" ? EVP_sha256() : EVP_sha512(), input);
    } else if (alg_name == "ES256") {
        sig = der_to_raw(sign_digest(key, EVP_sha256(), input));
    }
    return input + "." + base64url_encode(sig);
}

const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
const json kClaims = {{"exp", 1'800'000'060},
                      {"mercure", {{"publish", {"https://example.com/books/{id}"}},
                                   {"subscribe", {"*"}},
                                   {"payload", {{"user", "alice"}}}}}};

std::unique_ptr<JwtVerifier> verifier(const std::string& key, JwtAlg alg) {
    std::string error;
    auto v = JwtVerifier::create(key, alg, &error);
    INFO(error);
    REQUIRE(v);
    return v;
}

}  // namespace

TEST_CASE("jwt: base64url round-trips and refuses padding and foreign characters") {
    for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\xff\xfe\x00\x01", 4)})
        CHECK(base64url_decode(base64url_encode(s)) == s);
    CHECK(base64url_encode("\xfb\xff") == "-_8");
    CHECK_FALSE(base64url_decode("Zg=="));
    CHECK_FALSE(base64url_decode("Zm9v+"));
    CHECK_FALSE(base64url_decode("Z"));
}

TEST_CASE("jwt: alg names") {
    for (auto name : {"HS256", "HS384", "HS512", "RS256", "RS512", "ES256"}) {
        auto alg = parse_jwt_alg(name);
        REQUIRE(alg);
        CHECK(jwt_alg_name(*alg) == name);
    }
    CHECK_FALSE(parse_jwt_alg("none"));
    CHECK_FALSE(parse_jwt_alg("hs256"));
    CHECK_FALSE(parse_jwt_alg("ES384"));
}

TEST_CASE("jwt: HS256/HS384/HS512 accept a token signed with the secret and extract the mercure claim") {
    for (auto [name, alg] : {std::pair{"HS256", JwtAlg::HS256}, {"HS384", JwtAlg::HS384}, {"HS512", JwtAlg::HS512}}) {
        INFO(name);
        auto v = verifier("!ChangeThisMercureHubJWTSecretKey!", alg);
        auto r = v->verify(sign(name, kClaims, "!ChangeThisMercureHubJWTSecretKey!"), kNow);
        INFO(r.detail);
        REQUIRE(r.ok());
        CHECK(r.claim.publish == std::vector<std::string>{"https://example.com/books/{id}"});
        CHECK(r.claim.subscribe == std::vector<std::string>{"*"});
        CHECK(r.claim.payload == json{{"user", "alice"}});
        REQUIRE(r.expires);
        CHECK(*r.expires == kNow + std::chrono::seconds(60));
        // Another secret: bad signature.
        CHECK(v->verify(sign(name, kClaims, "another secret"), kNow).error == JwtError::bad_signature);
    }
}

TEST_CASE("jwt: RS256/RS512 with a PEM public key (SPKI or PKCS#1) or a certificate") {
    const std::string pem = public_pem(rsa_key().get());
    const std::string pkcs1 = pkcs1_public_pem(rsa_key().get());
    REQUIRE(pkcs1.find("-----BEGIN RSA PUBLIC KEY-----") == 0);
    const std::string cert = certificate_pem(rsa_key().get());
    for (const auto& key : {pem, pkcs1, cert}) {
        for (auto [name, alg] : {std::pair{"RS256", JwtAlg::RS256}, {"RS512", JwtAlg::RS512}}) {
            INFO(name);
            auto v = verifier(key, alg);
            auto r = v->verify(sign(name, kClaims, {}, rsa_key().get()), kNow);
            INFO(r.detail);
            CHECK(r.ok());
            CHECK(r.claim.subscribe == std::vector<std::string>{"*"});
            // Signed by another RSA key.
            Pkey other(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
            CHECK(v->verify(sign(name, kClaims, {}, other.get()), kNow).error == JwtError::bad_signature);
        }
    }
}

TEST_CASE("jwt: ES256 with a PEM public key; the signature is raw r||s") {
    auto v = verifier(public_pem(ec_key().get()), JwtAlg::ES256);
    const std::string token = sign("ES256", kClaims, {}, ec_key().get());
    auto r = v->verify(token, kNow);
    INFO(r.detail);
    CHECK(r.ok());
    CHECK(r.claim.publish.size() == 1);
    // The DER form (what OpenSSL produces) is not a JWS signature.
    const std::string input = token.substr(0, token.rfind('.'));
    CHECK(v->verify(input + "." + base64url_encode(sign_digest(ec_key().get(), EVP_sha256(), input)), kNow).error ==
          JwtError::bad_signature);
    // Another key, a flipped bit.
    Pkey other(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    CHECK(v->verify(sign("ES256", kClaims, {}, other.get()), kNow).error == JwtError::bad_signature);
    std::string raw = *base64url_decode(token.substr(token.rfind('.') + 1));
    raw[10] ^= 1;
    CHECK(v->verify(input + "." + base64url_encode(raw), kNow).error == JwtError::bad_signature);
    // A certificate works too.
    auto from_cert = verifier(certificate_pem(ec_key().get()), JwtAlg::ES256);
    CHECK(from_cert->verify(token, kNow).ok());
}

TEST_CASE("jwt: the configured alg wins: none, alg confusion and other algs are refused") {
    const std::string pem = public_pem(rsa_key().get());
    auto rs = verifier(pem, JwtAlg::RS256);
    // HS256 "signed" with the public key text as secret: the classic confusion.
    auto r = rs->verify(sign("HS256", kClaims, pem), kNow);
    CHECK(r.error == JwtError::wrong_alg);
    CHECK(r.detail == "the token is signed with HS256, the hub expects RS256");
    // alg none, with and without a signature part.
    const std::string unsigned_token =
        base64url_encode(R"({"alg":"none"})") + "." + base64url_encode(kClaims.dump()) + ".";
    CHECK(rs->verify(unsigned_token, kNow).error == JwtError::wrong_alg);
    auto hs = verifier("secret", JwtAlg::HS256);
    CHECK(hs->verify(unsigned_token, kNow).error == JwtError::wrong_alg);
    CHECK(hs->verify(sign("HS512", kClaims, "secret"), kNow).error == JwtError::wrong_alg);
    CHECK(rs->verify(sign("RS512", kClaims, {}, rsa_key().get()), kNow).error == JwtError::wrong_alg);
    // An RSA signature against an ES256 verifier is a wrong alg before anything else.
    auto es = verifier(public_pem(ec_key().get()), JwtAlg::ES256);
    CHECK(es->verify(sign("RS256", kClaims, {}, rsa_key().get()), kNow).error == JwtError::wrong_alg);
}

TEST_CASE("jwt: exp and nbf against the given clock") {
    auto v = verifier("secret", JwtAlg::HS256);
    json claims = kClaims;
    CHECK(v->verify(sign("HS256", claims, "secret"), kNow + std::chrono::seconds(59)).ok());
    CHECK(v->verify(sign("HS256", claims, "secret"), kNow + std::chrono::seconds(60)).error == JwtError::expired);
    claims["nbf"] = 1'800'000'010;
    CHECK(v->verify(sign("HS256", claims, "secret"), kNow).error == JwtError::not_yet_valid);
    CHECK(v->verify(sign("HS256", claims, "secret"), kNow + std::chrono::seconds(10)).ok());
    // No exp: accepted, as the reference hub does; no expiry reported.
    claims.erase("exp");
    claims.erase("nbf");
    auto r = v->verify(sign("HS256", claims, "secret"), kNow + std::chrono::hours(24 * 365));
    CHECK(r.ok());
    CHECK_FALSE(r.expires);
    // An exp past what the clock can represent is "never", not an overflow.
    claims["exp"] = 1e300;
    r = v->verify(sign("HS256", claims, "secret"), kNow);
    CHECK(r.ok());
    CHECK(r.expires == std::chrono::system_clock::time_point::max());
    claims["exp"] = "tomorrow";
    CHECK(v->verify(sign("HS256", claims, "secret"), kNow).error == JwtError::malformed);
}

TEST_CASE("jwt: malformed tokens and claims are precise errors, never exceptions") {
    auto v = verifier("secret", JwtAlg::HS256);
    for (std::string bad : {"", "abc", "a.b", "a.b.c.d", "....", "!!.e30.", "e30.e30.sig"}) {
        INFO(bad);
        auto r = v->verify(bad, kNow);
        CHECK_FALSE(r.ok());
        CHECK((r.error == JwtError::malformed || r.error == JwtError::wrong_alg));
    }
    // A header that is JSON but not an object, a header without alg.
    CHECK(v->verify(base64url_encode("[1]") + ".e30.", kNow).error == JwtError::malformed);
    CHECK(v->verify(base64url_encode("{}") + ".e30.", kNow).error == JwtError::malformed);
    // crit extensions we do not understand.
    CHECK(v->verify(sign("HS256", kClaims, "secret", nullptr, {{"crit", {"exp"}}}), kNow).error == JwtError::malformed);
    // Signature is checked before the claims are read: garbage claims with a bad signature.
    CHECK(v->verify(base64url_encode(R"({"alg":"HS256"})") + ".!!!.AAAA", kNow).error == JwtError::bad_signature);
    // Well signed but the claims are no object, or the mercure claim has the wrong shape.
    for (json claims : {json::array(), json{{"mercure", "all"}}, json{{"mercure", {{"publish", "*"}}}},
                        json{{"mercure", {{"subscribe", {1, 2}}}}}}) {
        INFO(claims.dump());
        CHECK(v->verify(sign("HS256", claims, "secret"), kNow).error == JwtError::malformed);
    }
    // No mercure claim at all: valid, grants nothing.
    auto r = v->verify(sign("HS256", json{{"sub", "x"}}, "secret"), kNow);
    CHECK(r.ok());
    CHECK(r.claim.publish.empty());
    CHECK(r.claim.subscribe.empty());
    CHECK(r.claim.payload.is_null());
}

TEST_CASE("jwt: unusable keys are refused when the verifier is created") {
    std::string error;
    CHECK_FALSE(JwtVerifier::create("", JwtAlg::HS256, &error));
    CHECK(error == "the JWT key is empty");
    CHECK_FALSE(JwtVerifier::create("not pem", JwtAlg::RS256, &error));
    CHECK(error == "the JWT key for RS256 is not a PEM public key or certificate");
    CHECK_FALSE(JwtVerifier::create(public_pem(ec_key().get()), JwtAlg::RS256, &error));
    CHECK(error == "the JWT key is not an RSA public key, as RS256 needs");
    CHECK_FALSE(JwtVerifier::create(public_pem(rsa_key().get()), JwtAlg::ES256, &error));
    CHECK(error == "the JWT key is not an EC P-256 public key, as ES256 needs");
    // A private key is refused with a hint.
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, rsa_key().get(), nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    const std::string private_pem(data, static_cast<size_t>(len));
    BIO_free(bio);
    CHECK_FALSE(JwtVerifier::create(private_pem, JwtAlg::RS256, &error));
    CHECK(error == "the JWT key for RS256 is a private key: give the hub the public key (or a certificate)");
    Pkey p384(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
    CHECK_FALSE(JwtVerifier::create(public_pem(p384.get()), JwtAlg::ES256, &error));
}

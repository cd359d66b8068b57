#include "tls/ticket_keys.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "tls/error.h"

namespace pogo::tls {

namespace {

// The SSL_CTX's reference to its keys: a heap shared_ptr in the context's ex_data, released by
// OpenSSL when the last SSL using the context is gone (a Session may outlive its ServerContext).
void free_keys(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<std::shared_ptr<TicketKeys>*>(ptr);
}

int keys_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, free_keys);
  return index;
}

int ticket_callback(SSL* ssl, unsigned char key_name[16], unsigned char iv[EVP_MAX_IV_LENGTH], EVP_CIPHER_CTX* cipher,
                    EVP_MAC_CTX* mac, int encrypt) {
  auto* keys = static_cast<std::shared_ptr<TicketKeys>*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), keys_index()));
  if (!keys || !*keys) return -1;
  return (*keys)->on_ticket(key_name, iv, cipher, mac, encrypt);
}

}  // namespace

TicketKeys::TicketKeys(Clock clock) : clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::steady_clock::now(); };
  keys_.push_front(random_key());
  next_rotation_ = clock_() + kRotation;
}

TicketKeys::~TicketKeys() {
  for (Key& k : keys_) OPENSSL_cleanse(&k, sizeof k);
}

std::shared_ptr<TicketKeys> TicketKeys::process() {
  static const std::shared_ptr<TicketKeys> keys = std::make_shared<TicketKeys>();
  return keys;
}

void TicketKeys::install(SSL_CTX* ctx, std::shared_ptr<TicketKeys> keys) {
  auto* held = new std::shared_ptr<TicketKeys>(std::move(keys));
  if (SSL_CTX_set_ex_data(ctx, keys_index(), held) != 1) {
    delete held;
    throw Error("TLS session tickets: cannot attach the ticket keys: " + take_openssl_errors());
  }
  SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_callback);
}

TicketKeys::Key TicketKeys::random_key() {
  Key k;
  if (RAND_bytes(k.name.data(), k.name.size()) != 1 || RAND_bytes(k.aes.data(), k.aes.size()) != 1 ||
      RAND_bytes(k.hmac.data(), k.hmac.size()) != 1)
    throw Error("TLS session tickets: no random bytes for a key: " + take_openssl_errors());
  return k;
}

void TicketKeys::rotate_locked(std::chrono::steady_clock::time_point now) {
  // After a long idle period (a suspended machine), at most kKeys new keys are useful: every
  // older one would be dropped at once.
  for (size_t added = 0; now >= next_rotation_ && added < kKeys; ++added) {
    keys_.push_front(random_key());
    next_rotation_ += kRotation;
  }
  if (now >= next_rotation_) next_rotation_ = now + kRotation;
  while (keys_.size() > kKeys) {
    OPENSSL_cleanse(&keys_.back(), sizeof(Key));
    keys_.pop_back();
  }
}

TicketKeys::Key TicketKeys::current() {
  auto now = clock_();
  {
    std::shared_lock lock(mu_);
    if (now < next_rotation_) return keys_.front();
  }
  std::unique_lock lock(mu_);
  rotate_locked(now);
  return keys_.front();
}

size_t TicketKeys::size() const {
  std::shared_lock lock(mu_);
  return keys_.size();
}

int TicketKeys::on_ticket(unsigned char key_name[16], unsigned char* iv, EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac,
                          int encrypt) {
  // Runs inside OpenSSL's handshake: no exception may leave (random_key() can throw).
  try {
    Key key;
    int found = 1;
    if (encrypt) {
      key = current();
      std::memcpy(key_name, key.name.data(), key.name.size());
      if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(EVP_aes_256_cbc())) != 1) return -1;
    } else {
      (void)current();  // rotate first, so a ticket under a key that just expired is refused
      std::shared_lock lock(mu_);
      auto it = std::find_if(keys_.begin(), keys_.end(),
                             [&](const Key& k) { return std::memcmp(k.name.data(), key_name, k.name.size()) == 0; });
      if (it == keys_.end()) return 0;
      key = *it;
      found = it == keys_.begin() ? 1 : 2;
    }
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, key.hmac.data(), key.hmac.size()),
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
        OSSL_PARAM_construct_end(),
    };
    bool ok = EVP_MAC_CTX_set_params(mac, params) == 1 &&
              (encrypt ? EVP_EncryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key.aes.data(), iv)
                       : EVP_DecryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key.aes.data(), iv)) == 1;
    OPENSSL_cleanse(&key, sizeof key);
    return ok ? found : -1;
  } catch (...) {
    return -1;
  }
}

}  // namespace pogo::tls

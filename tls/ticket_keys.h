// TicketKeys are the secrets that encrypt TLS session tickets, so a returning client resumes its
// session (one round trip, no certificate, no key exchange signature) on any loop thread of the
// process. Like Caddy's default, a new key starts every 12 hours and the previous 3 still decrypt
// tickets (a ticket lives at most 2 days); a ticket under an older key is accepted and renewed.
// The keys are random per process and never written anywhere: a restart forgets them, which
// only costs each client one full handshake.
//
// Threads: install() on the main thread while a ServerContext is built; the ticket callback runs
// on every loop thread at once, so the key ring is behind a shared_mutex (rotation is the only
// writer, twice a day).
#pragma once

#include <openssl/ssl.h>

#include <array>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <shared_mutex>

namespace pogo::tls {

class TicketKeys {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  static constexpr std::chrono::hours kRotation{12};
  static constexpr size_t kKeys = 4;  // the current key and the previous 3

  // `clock` is for tests, which move time forward to force a rotation.
  explicit TicketKeys(Clock clock = {});
  ~TicketKeys();
  TicketKeys(const TicketKeys&) = delete;
  TicketKeys& operator=(const TicketKeys&) = delete;

  // The keys every ServerContext of this process shares unless given its own, so a reload keeps
  // clients' tickets valid.
  static std::shared_ptr<TicketKeys> process();

  // Makes `ctx` encrypt and decrypt its tickets with `keys`; the SSL_CTX keeps them alive.
  static void install(SSL_CTX* ctx, std::shared_ptr<TicketKeys> keys);

  // OpenSSL's ticket key callback (SSL_CTX_set_tlsext_ticket_key_evp_cb): 1 = use this key,
  // 2 = decrypted with an older key (issue a fresh ticket), 0 = unknown key (full handshake),
  // -1 = failure.
  int on_ticket(unsigned char key_name[16], unsigned char* iv, EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac, int encrypt);

  // How many keys are kept now (tests).
  size_t size() const;

 private:
  struct Key {
    std::array<unsigned char, 16> name;
    std::array<unsigned char, 32> aes;
    std::array<unsigned char, 32> hmac;
  };
  static Key random_key();
  // Adds keys for the periods that passed since the last rotation; called with mu_ held uniquely.
  void rotate_locked(std::chrono::steady_clock::time_point now);
  // The key to encrypt with (the newest), after rotating if a period has passed.
  Key current();

  Clock clock_;
  mutable std::shared_mutex mu_;
  std::deque<Key> keys_;  // newest first
  std::chrono::steady_clock::time_point next_rotation_;
};

}  // namespace pogo::tls

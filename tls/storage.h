// Storage is Caddy's file-system storage (certmagic's FileStorage): a directory of small files
// addressed by slash-separated keys, laid out exactly as Caddy and FrankenPHP lay it out, so an
// existing `/data/caddy` volume is read as is and its local root CA and certificates are reused:
//
//   pki/authorities/local/{root.crt,root.key,intermediate.crt,intermediate.key}
//   certificates/<issuer key>/<name>/<name>.{crt,key,json}
//   acme/<issuer key>/users/<email or "default">/<user part of email>.{json,key}
//
// Every key component goes through safe_key() (certmagic's KeyBuilder.Safe). Writes are atomic
// (a temporary file in the same directory, then rename), files are 0600 and directories 0700,
// as certmagic makes them.
//
// Threads: a Storage holds only its root; every member is const and may be called from any
// thread. Two writers of one key never leave a torn file: the last rename wins.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pogo::tls {

// certmagic's KeyBuilder.Safe: lower-case, trimmed, ' ' -> '_', '+' -> "_plus_",
// '*' -> "wildcard_", ':' -> '-', ".." removed, then every byte outside [A-Za-z0-9_@.-] dropped.
// Idempotent. safe_key("*.Example.com") == "wildcard_.example.com".
std::string safe_key(std::string_view component);

// The issuer key of an ACME CA (certmagic's ACMEIssuer.issuerKey): the directory URL's host
// (with its port) and path, slashes turned into '-'.
// "https://acme-v02.api.letsencrypt.org/directory" -> "acme-v02.api.letsencrypt.org-directory".
std::string acme_issuer_key(std::string_view directory_url);

// Keys of one certificate, certificates/<issuer key>/<name>/<name>.{crt,key,json}.
struct CertificateKeys {
  std::string cert, key, meta;
};
CertificateKeys certificate_keys(std::string_view issuer_key, std::string_view name);

// Keys of a local CA, pki/authorities/<id>/...; Caddy's default CA id is "local".
struct AuthorityKeys {
  std::string root_cert, root_key, intermediate_cert, intermediate_key;
};
AuthorityKeys authority_keys(std::string_view ca_id = "local");

// Keys of an ACME account: acme/<issuer key>/users/<email>/<user>.{json,key}, with "default"
// standing for an empty email, and <user> the part of the email before '@'.
struct AcmeAccountKeys {
  std::string registration;  // the account's JSON (certmagic's acme.Account)
  std::string private_key;   // the account key, PEM
};
AcmeAccountKeys acme_account_keys(std::string_view issuer_key, std::string_view email);
// acme/<issuer key>/users: one directory per stored account's email.
std::string acme_users_prefix(std::string_view issuer_key);

class Storage {
 public:
  explicit Storage(std::filesystem::path root);

  // Caddy's AppDataDir on Linux: $XDG_DATA_HOME/caddy, else $HOME/.local/share/caddy, else
  // ./caddy (FrankenPHP's image sets XDG_DATA_HOME=/data, hence /data/caddy).
  static std::filesystem::path default_root();
  // The `storage file_system { root DIR }` option's directory if given, else default_root().
  static Storage open(std::string_view configured_root = {});

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path path_of(std::string_view key) const;

  // The file's bytes; nullopt when it does not exist. Throws tls::Error on any other failure.
  std::optional<std::string> load(std::string_view key) const;
  // Writes atomically (0600, parent directories 0700). Throws tls::Error.
  void store(std::string_view key, std::string_view value) const;
  bool exists(std::string_view key) const;
  // Removes a file, or a directory with everything under it; absent is not an error.
  void remove(std::string_view key) const;
  // The names directly under a key (files and directories), sorted; empty if it is absent.
  std::vector<std::string> list(std::string_view prefix) const;

 private:
  std::filesystem::path root_;
};

}  // namespace pogo::tls

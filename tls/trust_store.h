// The system trust store, where the local CA's root goes so that browsers and tools on this
// machine accept the certificates `tls internal` makes — what `caddy trust` does, for Linux
// distributions' shared store:
//
//   Debian, Ubuntu, Alpine: /usr/local/share/ca-certificates/pogo-local-ca.crt, then
//                           update-ca-certificates;
//   Fedora, RHEL, Arch:     /etc/pki/ca-trust/source/anchors/pogo-local-ca.crt, then
//                           update-ca-trust extract (Arch's trust tool reads the same anchors).
//
// Writing there needs root. Like Caddy, the server tries at start unless `skip_install_trust`
// is set, and a failure is a warning; `pogo trust` / `pogo untrust` do it on demand. Firefox's
// and Java's own stores are not touched (Caddy's smallstep truststore does those too).
//
// Threads: blocking (it runs a program); the main thread, at start-up or in the CLI.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tls/storage.h"

namespace pogo::tls {

struct TrustStore {
  std::filesystem::path cert_file;          // where the root certificate is written (0644)
  std::vector<std::string> update_command;  // run after writing or removing it
};

// The first layout whose update tool exists on this system; nullopt when none does.
std::optional<TrustStore> system_trust_store();

// Puts the local root of `storage` (creating the CA first if there is none, as `caddy trust`
// does) into `store` and runs its update command. With `force` false, a root already installed
// byte for byte is left alone without running the tool (the server's every start). Returns ""
// on success, else why not, in a sentence.
std::string install_root(const Storage& storage, const TrustStore& store, bool force = false);
// The same with system_trust_store(); "" on success.
std::string install_root(const Storage& storage);

// Removes what install_root() wrote and runs the update command. Returns "" on success (and
// when nothing was installed), else why not.
std::string uninstall_root(const TrustStore& store);
std::string uninstall_root();

// True when `store` holds exactly this storage's root (false when there is no CA yet).
bool root_installed(const Storage& storage, const TrustStore& store);

}  // namespace pogo::tls

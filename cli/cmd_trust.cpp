// pogo trust / pogo untrust: put the local CA's root into the system trust store, or take it out,
// as `caddy trust` / `caddy untrust` do. The CA lives where the server keeps it (Caddy's data
// directory: $XDG_DATA_HOME/caddy, else ~/.local/share/caddy) unless --storage names another
// (the Caddyfile's `storage file_system { root DIR }`). Main thread only.
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "tls/storage.h"
#include "tls/trust_store.h"

namespace pogo::cli {

namespace {

// Parses `[--storage DIR]`; false (after a message) on anything else.
bool parse_storage(const char* cmd, const Args& args, std::string& storage_root, bool& help) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      help = true;
    } else if (a == "--storage" && i + 1 < args.size()) {
      storage_root = args[++i];
    } else if (a.rfind("--storage=", 0) == 0) {
      storage_root = a.substr(10);
    } else {
      std::fprintf(stderr, "pogo %s: unexpected argument \"%s\" (usage: pogo %s [--storage DIR])\n", cmd, a.c_str(),
                   cmd);
      return false;
    }
  }
  return true;
}

}  // namespace

int cmd_trust(const Args& args) {
  std::string root;
  bool help = false;
  if (!parse_storage("trust", args, root, help)) return 2;
  if (help) {
    std::printf("Usage: pogo trust [--storage DIR]\n"
                "Installs the local CA's root certificate into the system trust store (needs root).\n"
                "The CA is created first if there is none. DIR defaults to Caddy's data directory.\n");
    return 0;
  }
  std::optional<tls::TrustStore> store = tls::system_trust_store();
  if (!store) {
    std::fprintf(stderr, "pogo trust: no system trust store found (neither update-ca-certificates nor update-ca-trust)\n");
    return 1;
  }
  tls::Storage storage = tls::Storage::open(root);
  std::string err = tls::install_root(storage, *store, /*force=*/true);
  if (!err.empty()) {
    std::fprintf(stderr, "pogo trust: %s\n", err.c_str());
    return 1;
  }
  std::printf("pogo: the local CA's root %s is trusted (%s)\n",
              storage.path_of(tls::authority_keys().root_cert).c_str(), store->cert_file.c_str());
  return 0;
}

int cmd_untrust(const Args& args) {
  std::string root;
  bool help = false;
  if (!parse_storage("untrust", args, root, help)) return 2;
  if (help) {
    std::printf("Usage: pogo untrust [--storage DIR]\n"
                "Removes the local CA's root certificate from the system trust store (needs root).\n");
    return 0;
  }
  std::optional<tls::TrustStore> store = tls::system_trust_store();
  if (!store) {
    std::fprintf(stderr, "pogo untrust: no system trust store found\n");
    return 1;
  }
  std::string err = tls::uninstall_root(*store);
  if (!err.empty()) {
    std::fprintf(stderr, "pogo untrust: %s\n", err.c_str());
    return 1;
  }
  std::printf("pogo: the local CA's root is no longer in the system trust store (%s)\n", store->cert_file.c_str());
  return 0;
}

}  // namespace pogo::cli

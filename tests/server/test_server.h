// A real Server on 127.0.0.1:<ephemeral> over a temporary document root, with FakeBackend as
// its PHP, built as `pogo run` builds a Caddyfile's site (routed_server.h): `php_server` (with
// `env APP_ENV test`), or `file_server`. The tree:
//   index.php echo.php stream.php big.php length.php early.php slow.php forever.php info.php
//   style.css  big.bin (3 MiB)  static/index.html  app/index.php
//   escape -> ../outside/secret.txt (symlink out of the root)   source.txt -> info.php
// and outside/secret.txt next to the root.
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>

#include "fake_backend.h"
#include "routed_server.h"
#include "server/server.h"

inline constexpr const char* kPhpSource = "<?php echo 'SOURCE_MARKER';";
inline constexpr const char* kSecret = "TOP_SECRET_OUTSIDE_ROOT";

inline std::string big_bin_content() {
  std::string s(3 << 20, '\0');
  uint32_t x = 12345;
  for (auto& c : s) {
    x = x * 1103515245u + 12345u;
    c = char(x >> 24);
  }
  return s;
}

// What the test's site is, beyond the server's options.
struct TestSite {
  std::vector<std::string> listen{"127.0.0.1:0"};
  bool php = true;         // php_server; false: file_server
  std::string directives;  // more lines of the site block ("log", ...)
};

struct TestServer {
  std::filesystem::path base;
  std::string root;
  FakeBackend backend;
  RoutedServer routed;
  pogo::server::Server* server = nullptr;
  int port = 0;

  explicit TestServer(const std::function<void(pogo::server::ServerOptions&)>& tweak = {}, const TestSite& site = {}) {
    namespace fs = std::filesystem;
    static int counter = 0;
    base = fs::temp_directory_path() / ("pogo-srv-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(base);
    fs::create_directories(base / "root/static");
    fs::create_directories(base / "root/app");
    fs::create_directories(base / "outside");
    for (auto f : {"index.php", "echo.php", "stream.php", "big.php", "length.php", "early.php", "slow.php",
                   "forever.php", "info.php", "head.php", "short.php", "app/index.php"})
      std::ofstream(base / "root" / f) << kPhpSource;
    std::ofstream(base / "root/style.css") << "body { color: red; }\n";
    std::ofstream(base / "root/static/index.html") << "<h1>static index</h1>\n";
    std::ofstream(base / "root/big.bin", std::ios::binary) << big_bin_content();
    std::ofstream(base / "outside/secret.txt") << kSecret;
    fs::create_symlink("../outside/secret.txt", base / "root/escape");
    fs::create_symlink("info.php", base / "root/source.txt");
    root = fs::canonical(base / "root").string();

    pogo::server::ServerOptions o;
    o.loops = 2;
    o.grace_period = std::chrono::seconds(10);
    if (tweak) tweak(o);
    std::string body = site.php ? "\tphp_server {\n\t\tenv APP_ENV test\n\t}" : "\tfile_server";
    if (!site.directives.empty()) body += "\n" + site.directives;
    routed = routed_server(site_caddyfile(root, body), o, site.php ? &backend : nullptr, site.listen);
    server = routed.server.get();
    server->start();
    auto addr = server->addresses().at(0);
    port = std::stoi(addr.substr(addr.rfind(':') + 1));
  }

  ~TestServer() {
    server->shutdown();
    CHECK(server->closed_cleanly());
    routed.server.reset();
    backend.join();
    std::filesystem::remove_all(base);
  }

  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port) + path; }
};

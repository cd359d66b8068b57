#include "server/server.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <climits>
#include <cstring>
#include <csignal>
#include <cstdlib>
#include <thread>

#include "metrics/http.h"
#include "server/http_loop.h"
#include "server/listener.h"
#include "server/log.h"
#include "server/router.h"

namespace pogo::server {

Server::Server(ServerOptions options, std::vector<ListenerSites> listeners)
    : options_(std::move(options)), listener_sites_(std::move(listeners)) {}

Server::~Server() { shutdown(); }

void Server::start(ListenSockets* inherit) {
  if (started_) throw StartupError("server already started");
  // A peer that resets mid-write must be an EPIPE error, not a process-killing SIGPIPE
  // (libuv writes with plain write/writev).
  ::signal(SIGPIPE, SIG_IGN);
  for (const auto& l : listener_sites_)
    if (!l.sites) throw StartupError("listener " + l.address + " has no sites");
  if (options_.metrics)
    for (size_t i = 0; i < listener_sites_.size(); ++i)
      listener_sites_[i].metrics =
          &metrics::http_server(options_.name.empty() ? "srv" + std::to_string(i) : options_.name);
  std::vector<std::pair<ListenAddress, const ListenerSites*>> addrs;
  for (const auto& l : listener_sites_) addrs.emplace_back(parse_listen_address(l.address), &l);
  if (addrs.empty()) throw StartupError("no listen address");
  unsigned n = options_.loops ? options_.loops : std::max(1u, std::thread::hardware_concurrency());

  std::vector<std::unique_ptr<HttpLoop>> loops;
  for (unsigned i = 0; i < n; ++i) loops.push_back(std::make_unique<HttpLoop>(options_));
  std::vector<std::string> bound_addresses;
  std::vector<std::pair<std::string, int>> listen_fds;
  for (const auto& [addr, listener] : addrs) {
    std::string key = listen_socket_key(addr);
    std::vector<int> inherited;
    if (inherit && !key.empty()) {
      auto it = inherit->find(key);
      if (it != inherit->end()) {
        inherited = std::move(it->second);
        inherit->erase(it);
      }
    }
    uint16_t port = addr.port;
    // Every inherited socket is served (closing one would reset what waits in its backlog); each
    // loop has one at least.
    size_t count = std::max<size_t>(addr.unix_path.empty() ? n : 1, inherited.size());  // unix: no SO_REUSEPORT
    for (size_t i = 0; i < count; ++i) {
      sockaddr_storage bound{};
      int fd;
      if (i < inherited.size()) {
        fd = inherited[i];
        socklen_t len = sizeof bound;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
      } else {
        // Port 0: the first bind picks the port, the other loops join it.
        fd = bind_listen_socket(addr, port, i == 0, bound);
      }
      if (i == 0) {
        port = socket_port(bound);
        bound_addresses.push_back(format_socket_address(bound));
      }
      listen_fds.emplace_back(key, fd);
      loops[i % n]->add_listener(fd, *listener);
    }
  }
  listen_fds_ = std::move(listen_fds);
  loops_ = std::move(loops);
  addresses_ = std::move(bound_addresses);
  std::vector<HttpLoop*> siblings;
  for (auto& l : loops_) siblings.push_back(l.get());
  if (siblings.size() > 1)
    for (auto& l : loops_) l->set_siblings(siblings);
  for (auto& l : loops_) l->start();
  started_ = true;
  for (size_t i = 0; i < addresses_.size() && !options_.quiet; ++i)
    log::info(options_.logger, "listening", {{"address", (addrs[i].second->tls ? "https://" : "http://") + addresses_[i]}});
}

std::vector<std::string> Server::addresses() const { return addresses_; }

std::vector<size_t> Server::open_per_loop() const {
  std::vector<size_t> out;
  for (const auto& l : loops_) out.push_back(l->open_connections());
  return out;
}

ListenSockets Server::duplicate_listen_sockets() const {
  ListenSockets out;
  if (stopped_) return out;
  for (const auto& [key, fd] : listen_fds_) {
    if (key.empty()) continue;
    int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) {
      log::error("http", "cannot duplicate a listening socket for the next configuration",
                 {{"listener", key}, {"error", std::strerror(errno)}});
      continue;
    }
    out[key].push_back(copy);
  }
  return out;
}

std::string listen_socket_key(const ListenAddress& a) {
  if (!a.unix_path.empty()) return "unix|" + a.unix_path;
  return a.port ? a.host + "|" + std::to_string(a.port) : "";
}

void close_listen_sockets(ListenSockets& sockets) {
  for (auto& [key, fds] : sockets)
    for (int fd : fds) ::close(fd);
  sockets.clear();
}

void Server::stop_accepting() {
  if (!started_ || stopped_) return;
  for (auto& l : loops_) l->stop_accepting();
}

void Server::shutdown(bool last_call) {
  if (!started_ || stopped_) return;
  stopped_ = true;
  listen_fds_.clear();
  for (auto& l : loops_) l->drain(last_call);
  auto open = [&] {
    size_t total = 0;
    for (auto& l : loops_) total += l->open_connections();
    return total;
  };
  auto deadline = std::chrono::steady_clock::now() + options_.grace_period;
  while (open() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (open() > 0) {
    log::warn("http", "grace period over; aborting remaining requests", {{"connections", open()}});
    for (auto& l : loops_) l->kill();
  }
  for (auto& l : loops_) clean_ = l->stop() && clean_;
  loops_.clear();
  if (!options_.quiet) log::info(options_.logger, "server stopped");
}

}  // namespace pogo::server

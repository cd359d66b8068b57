#include "admin/admin_server.h"

#include "server/listener.h"
#include "server/log.h"
#include "server/routes/site.h"

namespace pogo::admin {

namespace {

// The admin site's only handler: everything to the admin thread.
class ToAdmin : public server::Handler {
 public:
  explicit ToAdmin(server::Backend* backend) : backend_(backend) {}
  std::optional<server::Action> handle(server::Request&) const override { return server::ToBackend{backend_}; }

 private:
  server::Backend* backend_;
};

}  // namespace

AdminServer::AdminServer(std::string address, Control& control)
    : address_(std::move(address)), api_(control, address_) {}

AdminServer::~AdminServer() { stop(); }

void AdminServer::start() {
  server::ServerOptions o;
  o.loops = 1;
  o.logger = "admin";
  o.quiet = true;
  o.h2 = o.h2c = false;
  o.grace_period = std::chrono::milliseconds(5000);
  auto site = std::make_unique<server::Site>();
  site->chain.push_back(std::make_unique<ToAdmin>(this));
  auto table = std::make_shared<server::SiteTable>();
  table->add(std::move(site));
  server::ListenerSites listener;
  listener.address = address_;
  listener.sites = table;
  listener.h2 = false;
  std::vector<server::ListenerSites> listeners;
  listeners.push_back(std::move(listener));
  server_ = std::make_unique<server::Server>(o, std::move(listeners));
  try {
    server_->start();
  } catch (...) {
    stop();
    throw;
  }
  // Requests queue in handle() until the thread runs: the API knows the bound port first.
  if (address_.rfind("unix/", 0) != 0) {
    server::ListenAddress configured = server::parse_listen_address(address_);
    std::string bound = bound_address();
    std::string port = bound.substr(bound.rfind(':') + 1);
    std::string host = configured.host.find(':') != std::string::npos ? "[" + configured.host + "]" : configured.host;
    api_.set_address(host + ":" + port);
  }
  thread_ = std::thread([this] { run(); });
  nlohmann::json origins = nlohmann::json::array();
  for (const auto& h : api_.allowed_hosts()) origins.push_back("//" + h);
  log::info("admin", "admin endpoint started",
            {{"address", bound_address()}, {"enforce_origin", false}, {"origins", origins}});
}

std::string AdminServer::bound_address() const {
  if (!server_) return "";
  auto a = server_->addresses();
  return a.empty() ? "" : a.front();
}

void AdminServer::stop() {
  // The thread first: it answers what is queued while the loop it wakes still runs. Requests that
  // arrive after it ended are cut off by the server's shutdown (grace period).
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (server_) {
    server_->shutdown();
    server_.reset();
    log::info("admin", "stopped previous server", {{"address", address_}});
  }
  std::lock_guard lock(mu_);
  queue_.clear();
}

void AdminServer::handle(std::shared_ptr<server::Exchange> exchange) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(exchange));
  }
  cv_.notify_one();
}

void AdminServer::run() {
  for (;;) {
    std::shared_ptr<server::Exchange> ex;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      ex = std::move(queue_.front());
      queue_.pop_front();
    }
    answer(*ex);
  }
}

void AdminServer::answer(server::Exchange& ex) {
  const server::RequestHead& head = ex.head();
  ApiRequest req;
  req.method = head.method;
  req.path = head.path;
  req.uri = head.uri;
  req.head = &head;
  char buf[16384];
  bool too_large = false;
  while (size_t n = ex.read_body(buf, sizeof buf)) {
    if (req.body.size() + n > kMaxBody) too_large = true;
    if (!too_large) req.body.append(buf, n);
  }
  ApiResponse res;
  if (too_large) {
    res.status = 413;
    res.headers.push_back({"Content-Type", "application/json"});
    res.body = "{\"error\":\"http: request body too large\"}\n";
  } else {
    res = api_.handle(req);
  }
  res.headers.push_back({"Content-Length", std::to_string(res.body.size())});
  ex.send_head({res.status, std::move(res.headers)});
  if (!res.body.empty() && head.method != "HEAD") ex.write(res.body);
  ex.finish();
  if (res.after) res.after();
}

}  // namespace pogo::admin

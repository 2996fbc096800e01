#include "plugins/skydns-registry/http_api.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <iostream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "plugins/skydns-registry/service_json.h"

namespace skycore::plugins::skydns_registry {
namespace {

using Reply = HttpApi::Reply;

std::string text(const Poco::JSON::Object& obj) {
  std::ostringstream out;
  obj.stringify(out);
  return out.str();
}

Reply error(int status, const std::string& reason) {
  Poco::JSON::Object obj;
  obj.set("error", reason);
  return {status, text(obj), {}};
}

Reply service_reply(int status, const Service& s, WallClock::time_point now) {
  return {status, to_json_text(s, now), {}};
}

// A uuid ends up as the first label of a DNS name, so it must be one.
bool valid_label(const std::string& s) {
  return !s.empty() && s.size() <= 63 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-';
  });
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Takes as long wherever the strings first differ, so timing does not
// reveal the secret a byte at a time.
bool same_secret(const std::string& given, const std::string& secret) {
  unsigned diff = given.size() == secret.size() ? 0 : 1;
  for (size_t i = 0; i < secret.size(); ++i)
    diff |= static_cast<unsigned char>(i < given.size() ? given[i] : 0) ^
            static_cast<unsigned char>(secret[i]);
  return diff == 0;
}

Poco::Net::SocketAddress listen_address(const std::string& addr) {
  auto colon = addr.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("want HOST:PORT, got " + addr);
  std::string host = addr.substr(0, colon), port = addr.substr(colon + 1);
  unsigned p = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (ec != std::errc() || end != port.data() + port.size() || p > 65535)
    throw std::runtime_error("bad port in " + addr);
  if (host.empty()) host = "0.0.0.0";
  if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
  return Poco::Net::SocketAddress(host, static_cast<uint16_t>(p));
}

// One notification for a removed service: DELETE http://Reply:Port/skydns/callbacks/UUID
// with the service as the body, as SkyDNS 1 sent it.
struct Delivery {
  CallbackTarget target;
  std::string uuid;
  std::string body;
};

// Sends deliveries one at a time on a thread of its own, so that a slow or
// dead callback host never holds up the API or the registry.
class CallbackSender {
 public:
  void start() {
    std::lock_guard lock(mu_);
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] { run(); });
  }
  void stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      if (!queue_.empty())
        std::cerr << "skydns-registry: dropping " << queue_.size() << " undelivered callbacks\n";
      queue_.clear();
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  void push(Delivery d) {
    {
      std::lock_guard lock(mu_);
      if (queue_.size() >= kMaxQueued) {
        std::cerr << "skydns-registry: callback queue full, dropping callback for " << d.uuid
                  << "\n";
        return;
      }
      queue_.push_back(std::move(d));
    }
    cv_.notify_one();
  }

 private:
  void run() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      Delivery d = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      deliver(d);
      lock.lock();
    }
  }
  static void deliver(const Delivery& d) {
    std::string where = d.target.reply + ":" + std::to_string(d.target.port);
    try {
      Poco::Net::HTTPClientSession session(d.target.reply, d.target.port);
      const Poco::Timespan limit(kTimeoutSeconds, 0);
      session.setTimeout(limit, limit, limit);
      Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_DELETE, "/skydns/callbacks/" + d.uuid,
                                 Poco::Net::HTTPMessage::HTTP_1_1);
      req.setContentType("application/json");
      req.setContentLength(static_cast<std::streamsize>(d.body.size()));
      session.sendRequest(req) << d.body;
      Poco::Net::HTTPResponse resp;
      session.receiveResponse(resp);
      if (resp.getStatus() >= 300)
        std::cerr << "skydns-registry: callback " << where << " for " << d.uuid << " answered "
                  << resp.getStatus() << "\n";
    } catch (const Poco::Exception& e) {
      std::cerr << "skydns-registry: callback " << where << " for " << d.uuid
                << " failed: " << e.displayText() << "\n";
    } catch (const std::exception& e) {
      std::cerr << "skydns-registry: callback " << where << " for " << d.uuid
                << " failed: " << e.what() << "\n";
    }
  }

  static constexpr size_t kMaxQueued = 4096;
  static constexpr int kTimeoutSeconds = 3;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Delivery> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

// What a route sees of a request.
struct Call {
  std::string uuid;   // item routes: the path's uuid, lowercased and checked
  std::string query;  // ?query=
  const std::string& body;
  WallClock::time_point now;
};

}  // namespace

class HttpApi::Impl {
 public:
  Impl(Registry& reg, std::string addr, std::string secret)
      : reg_(reg), addr_(std::move(addr)), secret_(std::move(secret)) {}

  Reply dispatch(const std::string& method, const std::string& uri, const std::string& auth,
                 const std::string& body);

  // Routes: one function each, listed in kRoutes below.
  Reply put_service(const Call& c);
  Reply post_service(const Call& c);
  Reply post_service_in_body(const Call& c);
  Reply patch_service(const Call& c);
  Reply get_service(const Call& c);
  Reply delete_service(const Call& c);
  Reply list_services(const Call& c);
  Reply count_regions(const Call& c);
  Reply count_environments(const Call& c);
  Reply put_callback(const Call& c);

  void notify_removed(const Service& s);

  Registry& reg_;
  const std::string addr_;
  const std::string secret_;
  std::mutex callbacks_mu_;
  std::map<std::string, std::vector<CallbackTarget>> callbacks_;  // by service uuid
  CallbackSender sender_;
  // The pool outlives the server that runs on it.
  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;

 private:
  Reply upsert(Service s, WallClock::time_point now, bool replace);
  Reply counts(const std::map<std::string, size_t>& by_name);
  static constexpr size_t kMaxCallbacksPerService = 32;
};

namespace {

struct Route {
  std::string_view collection;  // /skydns/<collection>/
  bool item;                    // with a /{uuid} after it
  std::string_view method;
  Reply (HttpApi::Impl::*serve)(const Call&);
};

using I = HttpApi::Impl;
constexpr Route kRoutes[] = {
    {"services", true, "PUT", &I::put_service},
    {"services", true, "POST", &I::post_service},
    {"services", true, "PATCH", &I::patch_service},
    {"services", true, "GET", &I::get_service},
    {"services", true, "DELETE", &I::delete_service},
    {"services", false, "GET", &I::list_services},
    {"services", false, "POST", &I::post_service_in_body},
    {"regions", false, "GET", &I::count_regions},
    {"environments", false, "GET", &I::count_environments},
    {"callbacks", true, "PUT", &I::put_callback},
};

}  // namespace

Reply HttpApi::Impl::dispatch(const std::string& method, const std::string& uri,
                              const std::string& auth, const std::string& body) {
  if (!secret_.empty() && !same_secret(auth, secret_)) return error(401, "unauthorized");
  Poco::URI parsed;
  std::string query;
  try {
    parsed = Poco::URI(uri);
    for (const auto& [k, v] : parsed.getQueryParameters())
      if (k == "query") query = v;
  } catch (const Poco::Exception&) {
    return error(400, "malformed request URI");
  }
  // /skydns/<collection>[/] or /skydns/<collection>/<uuid>[/]
  std::string path = parsed.getPath();
  constexpr std::string_view prefix = "/skydns/";
  if (!path.starts_with(prefix)) return error(404, "not found");
  std::string rest = path.substr(prefix.size());
  if (rest.ends_with('/')) rest.pop_back();
  auto slash = rest.find('/');
  std::string collection = rest.substr(0, slash);
  std::string uuid = slash == std::string::npos ? "" : rest.substr(slash + 1);
  bool item = slash != std::string::npos;
  if (item && (uuid.empty() || uuid.find('/') != std::string::npos)) return error(404, "not found");

  std::string allow;
  for (const auto& r : kRoutes) {
    if (r.collection != collection || r.item != item) continue;
    if (r.method == method) {
      if (item && !valid_label(uuid))
        return error(400, "UUID must be a DNS label: letters, digits and '-', at most 63");
      return (this->*r.serve)(Call{lower(uuid), query, body, WallClock::now()});
    }
    allow += (allow.empty() ? "" : ", ") + std::string(r.method);
  }
  if (allow.empty()) return error(404, "not found");
  Reply r = error(405, "method not allowed");
  r.allow = allow;
  return r;
}

Reply HttpApi::Impl::upsert(Service s, WallClock::time_point now, bool replace) {
  // normalise() also reports a missing Host or Port.
  if (auto err = normalise(s)) return error(400, *err);
  Upsert result;
  try {
    result = reg_.upsert(s, now, replace);
  } catch (const std::runtime_error& e) {
    return error(500, std::string("cannot store the change: ") + e.what());
  }
  if (result == Upsert::conflict)
    return error(409, "a different service is registered with UUID " + s.uuid);
  auto stored = reg_.get(s.uuid, now);
  return service_reply(result == Upsert::created ? 201 : 200, stored.value_or(s), now);
}

Reply HttpApi::Impl::put_service(const Call& c) {
  Service s;
  if (auto err = from_json(c.body, s)) return error(400, *err);
  s.uuid = c.uuid;  // the path names the service; a UUID in the body is ignored
  return upsert(std::move(s), c.now, false);
}

Reply HttpApi::Impl::post_service(const Call& c) {
  Service s;
  if (auto err = from_json(c.body, s)) return error(400, *err);
  s.uuid = c.uuid;
  return upsert(std::move(s), c.now, true);
}

Reply HttpApi::Impl::post_service_in_body(const Call& c) {
  Service s;
  if (auto err = from_json(c.body, s)) return error(400, *err);
  if (s.uuid.empty()) return error(400, "missing UUID");
  if (!valid_label(s.uuid))
    return error(400, "UUID must be a DNS label: letters, digits and '-', at most 63");
  s.uuid = lower(s.uuid);
  return upsert(std::move(s), c.now, true);
}

Reply HttpApi::Impl::patch_service(const Call& c) {
  uint32_t ttl = 0;
  if (auto err = ttl_from_json(c.body, ttl)) return error(400, *err);
  try {
    if (!reg_.set_ttl(c.uuid, ttl, c.now)) return error(404, "service not found");
  } catch (const std::runtime_error& e) {
    return error(500, std::string("cannot store the change: ") + e.what());
  }
  auto s = reg_.get(c.uuid, c.now);
  if (!s) return error(404, "service not found");  // it went away meanwhile
  return service_reply(200, *s, c.now);
}

Reply HttpApi::Impl::get_service(const Call& c) {
  auto s = reg_.get(c.uuid, c.now);
  if (!s) return error(404, "service not found");
  return service_reply(200, *s, c.now);
}

Reply HttpApi::Impl::delete_service(const Call& c) {
  auto s = reg_.get(c.uuid, c.now);
  try {
    if (!reg_.remove(c.uuid)) return error(404, "service not found");
  } catch (const std::runtime_error& e) {
    return error(500, std::string("cannot store the change: ") + e.what());
  }
  Service gone;
  gone.uuid = c.uuid;
  return service_reply(200, s.value_or(gone), c.now);
}

Reply HttpApi::Impl::list_services(const Call& c) {
  Poco::JSON::Array all;
  for (const auto& s : reg_.query(c.query, c.now)) all.add(to_json(s, c.now));
  std::ostringstream out;
  all.stringify(out);
  return {200, out.str(), {}};
}

Reply HttpApi::Impl::counts(const std::map<std::string, size_t>& by_name) {
  Poco::JSON::Object obj(Poco::JSON_PRESERVE_KEY_ORDER);
  for (const auto& [name, n] : by_name) obj.set(name, static_cast<Poco::UInt64>(n));
  return {200, text(obj), {}};
}

Reply HttpApi::Impl::count_regions(const Call& c) { return counts(reg_.count_by_region(c.now)); }

Reply HttpApi::Impl::count_environments(const Call& c) {
  return counts(reg_.count_by_environment(c.now));
}

Reply HttpApi::Impl::put_callback(const Call& c) {
  CallbackTarget t;
  if (auto err = callback_from_json(c.body, t)) return error(400, *err);
  if (!reg_.get(c.uuid, c.now)) return error(404, "service not found");
  {
    std::lock_guard lock(callbacks_mu_);
    auto& list = callbacks_[c.uuid];
    auto same = [&](const CallbackTarget& o) { return o.reply == t.reply && o.port == t.port; };
    if (std::none_of(list.begin(), list.end(), same)) {
      if (list.size() >= kMaxCallbacksPerService)
        return error(400, "too many callbacks for this service");
      list.push_back(t);
    }
  }
  // If the service went away between the lookup and the insert, its
  // notify_removed has already run and would never deliver this one.
  if (!reg_.get(c.uuid, c.now)) {
    std::lock_guard lock(callbacks_mu_);
    callbacks_.erase(c.uuid);
    return error(404, "service not found");
  }
  Poco::JSON::Object obj(Poco::JSON_PRESERVE_KEY_ORDER);
  obj.set("UUID", c.uuid);
  obj.set("Reply", t.reply);
  obj.set("Port", static_cast<unsigned>(t.port));
  return {201, text(obj), {}};
}

void HttpApi::Impl::notify_removed(const Service& s) {
  std::vector<CallbackTarget> targets;
  {
    std::lock_guard lock(callbacks_mu_);
    auto it = callbacks_.find(s.uuid);
    if (it == callbacks_.end()) return;
    targets = std::move(it->second);
    callbacks_.erase(it);
  }
  std::string body = to_json_text(s, WallClock::now());
  for (auto& t : targets) sender_.push(Delivery{std::move(t), s.uuid, body});
}

namespace {

// Reads at most kMaxBody + 1 bytes: enough to tell that a body is too big
// without holding all of it.
std::string read_body(std::istream& in) {
  std::string body;
  char buf[8192];
  while (body.size() <= HttpApi::kMaxBody && in) {
    in.read(buf, static_cast<std::streamsize>(
                     std::min(sizeof buf, HttpApi::kMaxBody + 1 - body.size())));
    body.append(buf, static_cast<size_t>(in.gcount()));
  }
  return body;
}

class RequestHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit RequestHandler(HttpApi& api) : api_(api) {}
  void handleRequest(Poco::Net::HTTPServerRequest& req,
                     Poco::Net::HTTPServerResponse& resp) override {
    Reply r;
    bool whole_body_read = true;
    try {
      if (req.hasContentLength() &&
          req.getContentLength64() > static_cast<int64_t>(HttpApi::kMaxBody)) {
        r = error(413, "body larger than 64 KiB");
        whole_body_read = false;
      } else {
        // (Poco itself answers "Expect: 100-continue" before calling us.)
        std::string body = read_body(req.stream());
        if (body.size() > HttpApi::kMaxBody) {
          r = error(413, "body larger than 64 KiB");
          whole_body_read = false;
        } else {
          r = api_.handle(req.getMethod(), req.getURI(), req.get("Authorization", ""), body);
        }
      }
    } catch (const std::exception& e) {
      std::cerr << "skydns-registry: API request failed: " << e.what() << "\n";
      r = error(500, "internal error");
      whole_body_read = false;
    } catch (...) {
      r = error(500, "internal error");
      whole_body_read = false;
    }
    try {
      // An unread body would be taken for the next request on the connection.
      if (!whole_body_read) resp.setKeepAlive(false);
      resp.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(r.status));
      resp.setContentType("application/json");
      if (!r.allow.empty()) resp.set("Allow", r.allow);
      resp.setContentLength(static_cast<std::streamsize>(r.body.size()));
      resp.send() << r.body;
    } catch (...) {
      // The client went away; nothing left to tell it.
    }
  }

 private:
  HttpApi& api_;
};

class HandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit HandlerFactory(HttpApi& api) : api_(api) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new RequestHandler(api_);
  }

 private:
  HttpApi& api_;
};

}  // namespace

HttpApi::HttpApi(Registry& reg, std::string addr, std::string secret)
    : impl_(std::make_unique<Impl>(reg, std::move(addr), std::move(secret))) {}

HttpApi::~HttpApi() { stop(); }

void HttpApi::start() {
  if (impl_->server_) return;
  try {
    Poco::Net::ServerSocket socket;
    // SO_REUSEADDR for quick restarts, but not SO_REUSEPORT (Poco's default with
    // reuse): a second server on the same port must fail, not share it.
    socket.bind(listen_address(impl_->addr_), true, false);
    socket.listen(64);
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(4);
    params->setMaxQueued(64);
    // Bounds how long a slow client can hold one of the few threads.
    params->setTimeout(Poco::Timespan(10, 0));
    params->setKeepAliveTimeout(Poco::Timespan(10, 0));
    impl_->pool_ = std::make_unique<Poco::ThreadPool>(1, 4);
    impl_->server_ = std::make_unique<Poco::Net::HTTPServer>(new HandlerFactory(*this),
                                                             *impl_->pool_, socket, params);
    impl_->server_->start();
  } catch (const Poco::Exception& e) {
    impl_->server_.reset();
    throw std::runtime_error("skydns-registry: cannot listen on " + impl_->addr_ + ": " +
                             e.displayText());
  }
  impl_->sender_.start();
}

void HttpApi::stop() {
  if (impl_->server_) {
    impl_->server_->stopAll(true);
    impl_->server_.reset();
    impl_->pool_->joinAll();
    impl_->pool_.reset();
  }
  impl_->sender_.stop();
}

void HttpApi::notify_removed(const Service& s) { impl_->notify_removed(s); }

HttpApi::Reply HttpApi::handle(const std::string& method, const std::string& uri,
                               const std::string& authorization, const std::string& body) {
  try {
    return impl_->dispatch(method, uri, authorization, body);
  } catch (const std::exception& e) {
    std::cerr << "skydns-registry: API request failed: " << e.what() << "\n";
    return error(500, "internal error");
  }
}

}  // namespace skycore::plugins::skydns_registry

// The inside of HttpApi, shared by its routes (http_api.cpp) and its HTTP
// server glue (http_server.cpp). Not for other users.
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <asio/thread_pool.hpp>

#include "core/plugin/http_server.h"
#include "plugins/skydns-registry/callback_sender.h"
#include "plugins/skydns-registry/event_stream.h"
#include "plugins/skydns-registry/http_api.h"

namespace skycore::plugins::skydns_registry {

using Reply = HttpApi::Reply;
using Finish = HttpApi::Finish;

// {"error": reason} with `status` (defined in http_api.cpp).
Reply error(int status, const std::string& reason);

// What a route sees of a request.
struct Call {
  std::string uuid;   // item routes: the path's uuid, lowercased and checked
  std::string query;  // ?query=
  const std::string& body;
  WallClock::time_point now;
  const ApiToken* token = nullptr;  // who is asking (null: no token, where none is needed)
};

class HttpApi::Impl {
 public:
  Impl(Registry& reg, std::string addr, ApiAuth auth) : reg_(reg), addr_(std::move(addr)), auth_(std::move(auth)) {}

  void dispatch(const std::string& method, const std::string& uri, const std::string& auth,
                const std::string& body, Finish finish);

  // Routes: one function each, listed in kRoutes in http_api.cpp. Each calls
  // `finish` once: the writers from the registry's commit thread, once
  // their change is durable; the others at once.
  void put_service(const Call& c, Finish finish);
  void post_service(const Call& c, Finish finish);
  void post_service_in_body(const Call& c, Finish finish);
  void patch_service(const Call& c, Finish finish);
  void get_service(const Call& c, Finish finish);
  void delete_service(const Call& c, Finish finish);
  void list_services(const Call& c, Finish finish);
  void count_regions(const Call& c, Finish finish);
  void count_environments(const Call& c, Finish finish);
  void put_callback(const Call& c, Finish finish);
  void follow_events(const Call& c, Finish finish);

  void notify_removed(const Service& s);
  void notify_health(const Service& s);

  Registry& reg_;
  const std::string addr_;
  const ApiAuth auth_;
  std::mutex callbacks_mu_;
  std::map<std::string, std::vector<CallbackTarget>> callbacks_;  // by service uuid
  CallbackSender sender_;
  EventStream events_{reg_};
  asio::thread_pool reader_{1};  // routes that walk the whole registry
  std::unique_ptr<HttpServer> server_;

 private:
  void upsert(Service s, const Call& c, bool replace, Finish finish);
  // Null if `c`'s token may change a service of `environment`, else the 403.
  std::optional<Reply> forbidden(const Call& c, const std::string& environment) const;
  // The same for the service registered as c.uuid, if there is one.
  std::optional<Reply> forbidden_existing(const Call& c) const;
  Reply counts(const std::map<std::string, size_t>& by_name);
  Reply callback(const Call& c);
  static constexpr size_t kMaxCallbacksPerService = 32;
};

}  // namespace skycore::plugins::skydns_registry

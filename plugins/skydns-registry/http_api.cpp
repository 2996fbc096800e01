#include "plugins/skydns-registry/http_api_impl.h"
#include "plugins/skydns-registry/live_view.h"

#include <Poco/Exception.h>
#include <asio/post.hpp>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
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

std::string text(const Poco::JSON::Object& obj) {
  std::ostringstream out;
  obj.stringify(out);
  return out.str();
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

// Takes as long wherever the strings first differ, so timing does not
// reveal the secret a byte at a time.

}  // namespace

Reply error(int status, const std::string& reason) {
  Poco::JSON::Object obj;
  obj.set("error", reason);
  return {status, text(obj), {}};
}


namespace {

struct Route {
  std::string_view collection;  // /skydns/<collection>/
  bool item;                    // with a /{uuid} after it
  std::string_view method;
  void (HttpApi::Impl::*serve)(const Call&, Finish);
  // Walks the whole registry (100,000 services make a 20 MB list): run on
  // the API's own reader thread, so the I/O thread goes on answering.
  bool walks_all = false;
};

using I = HttpApi::Impl;
constexpr Route kRoutes[] = {
    {"services", true, "PUT", &I::put_service},
    {"services", true, "POST", &I::post_service},
    {"services", true, "PATCH", &I::patch_service},
    {"services", true, "GET", &I::get_service},
    {"services", true, "DELETE", &I::delete_service},
    {"services", false, "GET", &I::list_services, true},
    {"services", false, "POST", &I::post_service_in_body},
    {"regions", false, "GET", &I::count_regions, true},
    {"environments", false, "GET", &I::count_environments, true},
    {"callbacks", true, "PUT", &I::put_callback},
    {"events", false, "GET", &I::follow_events},
};

}  // namespace

void HttpApi::Impl::dispatch(const std::string& method, const std::string& uri, const std::string& auth,
                             const std::string& body, Finish finish) {
  // Who is asking: checked before anything of the request is looked at.
  const ApiToken* token = auth_.find(auth);
  const bool read = method == "GET" || method == "HEAD";
  if (!token && (read ? auth_.reads_need_token() : auth_.enabled()))
    return finish(error(401, auth.empty() ? "unauthorized: an Authorization token is needed" : "unauthorized: unknown token"));
  if (!read && token && token->read_only)
    return finish(error(403, "forbidden: token '" + token->name + "' is read-only"));
  Poco::URI parsed;
  std::string query;
  try {
    parsed = Poco::URI(uri);
    for (const auto& [k, v] : parsed.getQueryParameters())
      if (k == "query") query = v;
  } catch (const Poco::Exception&) {
    return finish(error(400, "malformed request URI"));
  }
  // /skydns/<collection>[/] or /skydns/<collection>/<uuid>[/]
  std::string path = parsed.getPath();
  if (path == "/") {  // the live view
    if (!read) return finish(Reply{405, R"({"error":"method not allowed"})", "GET, HEAD"});
    Reply page{200, std::string(live_view_html()), "", "text/html; charset=utf-8"};
    return finish(std::move(page));
  }
  constexpr std::string_view prefix = "/skydns/";
  if (!path.starts_with(prefix)) return finish(error(404, "not found"));
  std::string rest = path.substr(prefix.size());
  if (rest.ends_with('/')) rest.pop_back();
  auto slash = rest.find('/');
  std::string collection = rest.substr(0, slash);
  std::string uuid = slash == std::string::npos ? "" : rest.substr(slash + 1);
  bool item = slash != std::string::npos;
  if (item && (uuid.empty() || uuid.find('/') != std::string::npos)) return finish(error(404, "not found"));

  std::string allow;
  for (const auto& r : kRoutes) {
    if (r.collection != collection || r.item != item) continue;
    if (r.method == method) {
      if (item && !valid_label(uuid))
        return finish(error(400, "UUID must be a DNS label: letters, digits and '-', at most 63"));
      if (r.walks_all) {
        // The body is not needed by these routes; the query is copied.
        asio::post(reader_, [this, serve = r.serve, uuid = lower(uuid), query, finish = std::move(finish)]() mutable {
          static const std::string kNoBody;
          try {
            (this->*serve)(Call{uuid, query, kNoBody, WallClock::now(), nullptr}, finish);
          } catch (const std::exception&) {
            finish(error(500, "internal error"));
          }
        });
        return;
      }
      return (this->*r.serve)(Call{lower(uuid), query, body, WallClock::now(), token}, std::move(finish));
    }
    allow += (allow.empty() ? "" : ", ") + std::string(r.method);
  }
  if (allow.empty()) return finish(error(404, "not found"));
  Reply r = error(405, "method not allowed");
  r.allow = allow;
  finish(std::move(r));
}

namespace {
Reply store_failure(std::exception_ptr failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    return error(503, std::string("cannot store the change: ") + e.what());
  }
}
}  // namespace

std::optional<Reply> HttpApi::Impl::forbidden(const Call& c, const std::string& environment) const {
  if (!auth_.enabled() || (c.token && c.token->may_change(environment))) return std::nullopt;
  return error(403, "forbidden: token '" + (c.token ? c.token->name : std::string()) +
                        "' may not change services of environment '" + environment + "'");
}

std::optional<Reply> HttpApi::Impl::forbidden_existing(const Call& c) const {
  if (!auth_.enabled()) return std::nullopt;
  auto old = reg_.get(c.uuid, c.now);
  return old ? forbidden(c, old->environment) : std::nullopt;
}

// A token scoped to some environments may write only services in them,
// both the one it sends and the one it would replace. (Two writers racing
// on one UUID are checked against what each saw.)
void HttpApi::Impl::upsert(Service s, const Call& c, bool replace, Finish finish) {
  const WallClock::time_point now = c.now;
  // normalise() also reports a missing Host or Port.
  if (auto err = normalise(s)) return finish(error(400, *err));
  if (auto no = forbidden(c, s.environment)) return finish(std::move(*no));
  if (auto no = forbidden_existing(Call{s.uuid, c.query, c.body, c.now, c.token})) return finish(std::move(*no));
  std::string uuid = s.uuid;
  Upsert result;
  try {
    result = reg_.upsert(std::move(s), now, replace,
                         [this, uuid, now, finish](Upsert result, std::exception_ptr failure) {
                           if (failure) return finish(store_failure(failure));
                           Service gone;  // a DELETE overtook it
                           gone.uuid = uuid;
                           finish(service_reply(result == Upsert::created ? 201 : 200,
                                                reg_.get(uuid, now).value_or(gone), now));
                         });
  } catch (const std::runtime_error& e) {
    return finish(error(503, std::string("cannot store the change: ") + e.what()));
  }
  if (result == Upsert::conflict) finish(error(409, "a different service is registered with UUID " + uuid));
}

void HttpApi::Impl::put_service(const Call& c, Finish finish) {
  Service s;
  if (auto err = from_json(c.body, s)) return finish(error(400, *err));
  s.uuid = c.uuid;  // the path names the service; a UUID in the body is ignored
  upsert(std::move(s), c, false, std::move(finish));
}

void HttpApi::Impl::post_service(const Call& c, Finish finish) {
  Service s;
  if (auto err = from_json(c.body, s)) return finish(error(400, *err));
  s.uuid = c.uuid;
  upsert(std::move(s), c, true, std::move(finish));
}

void HttpApi::Impl::post_service_in_body(const Call& c, Finish finish) {
  Service s;
  if (auto err = from_json(c.body, s)) return finish(error(400, *err));
  if (s.uuid.empty()) return finish(error(400, "missing UUID"));
  if (!valid_label(s.uuid))
    return finish(error(400, "UUID must be a DNS label: letters, digits and '-', at most 63"));
  s.uuid = lower(s.uuid);
  upsert(std::move(s), c, true, std::move(finish));
}

void HttpApi::Impl::patch_service(const Call& c, Finish finish) {
  uint32_t ttl = 0;
  if (auto err = ttl_from_json(c.body, ttl)) return finish(error(400, *err));
  if (auto no = forbidden_existing(c)) return finish(std::move(*no));
  try {
    bool known = reg_.set_ttl(c.uuid, ttl, c.now, [this, uuid = c.uuid, now = c.now, finish](std::exception_ptr failure) {
      if (failure) return finish(store_failure(failure));
      auto s = reg_.get(uuid, now);
      if (!s) return finish(error(404, "service not found"));  // it went away meanwhile
      finish(service_reply(200, *s, now));
    });
    if (!known) finish(error(404, "service not found"));
  } catch (const std::runtime_error& e) {
    finish(error(503, std::string("cannot store the change: ") + e.what()));
  }
}

void HttpApi::Impl::get_service(const Call& c, Finish finish) {
  auto s = reg_.get(c.uuid, c.now);
  if (!s) return finish(error(404, "service not found"));
  finish(service_reply(200, *s, c.now));
}

void HttpApi::Impl::delete_service(const Call& c, Finish finish) {
  Service gone;
  gone.uuid = c.uuid;
  Service shown = reg_.get(c.uuid, c.now).value_or(gone);
  if (auto no = forbidden_existing(c)) return finish(std::move(*no));
  try {
    bool known = reg_.remove(c.uuid, [shown, now = c.now, finish](std::exception_ptr failure) {
      if (failure) return finish(store_failure(failure));
      finish(service_reply(200, shown, now));
    });
    if (!known) finish(error(404, "service not found"));
  } catch (const std::runtime_error& e) {
    finish(error(503, std::string("cannot store the change: ") + e.what()));
  }
}

void HttpApi::Impl::list_services(const Call& c, Finish finish) {
  std::string out = "[";
  for (const auto& s : reg_.query(c.query, c.now)) {
    if (out.size() > 1) out += ',';
    out += to_json_text(s, c.now);
  }
  out += ']';
  finish({200, std::move(out), {}});
}

Reply HttpApi::Impl::counts(const std::map<std::string, size_t>& by_name) {
  Poco::JSON::Object obj(Poco::JSON_PRESERVE_KEY_ORDER);
  for (const auto& [name, n] : by_name) obj.set(name, static_cast<Poco::UInt64>(n));
  return {200, text(obj), {}};
}

void HttpApi::Impl::count_regions(const Call& c, Finish finish) { finish(counts(reg_.count_by_region(c.now))); }

void HttpApi::Impl::count_environments(const Call& c, Finish finish) {
  finish(counts(reg_.count_by_environment(c.now)));
}

void HttpApi::Impl::put_callback(const Call& c, Finish finish) {
  finish(callback(c));
}

Reply HttpApi::Impl::callback(const Call& c) {
  CallbackTarget t;
  if (auto err = callback_from_json(c.body, t)) return error(400, *err);
  if (!reg_.get(c.uuid, c.now)) return error(404, "service not found");
  if (auto no = forbidden_existing(c)) return std::move(*no);
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

void HttpApi::Impl::follow_events(const Call&, Finish finish) {
  auto stream = events_.subscribe();
  if (!stream)
    return finish(error(503, "too many event streams: at most " + std::to_string(EventStream::kMaxSubscribers)));
  Reply r{200, "", "", "text/event-stream", std::move(stream)};
  finish(std::move(r));
}

void HttpApi::Impl::notify_health(const Service& s) {
  std::vector<CallbackTarget> targets;
  {
    std::lock_guard lock(callbacks_mu_);
    auto it = callbacks_.find(s.uuid);
    if (it == callbacks_.end()) return;
    targets = it->second;  // kept: the service is still there
  }
  std::string body = to_json_text(s, WallClock::now());
  for (auto& t : targets) sender_.push(Delivery{std::move(t), s.uuid, body, false});
}

}  // namespace skycore::plugins::skydns_registry

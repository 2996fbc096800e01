#include "plugins/skydns-registry/etcd_client.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <fmt/format.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "core/corefile/port.h"

namespace skycore::plugins::skydns_registry {
namespace {

const Poco::Timespan kConnectTimeout(2, 0);
const Poco::Timespan kCallTimeout(5, 0);
// A quiet watch is re-opened after this long, so a peer that vanished
// without closing the connection is noticed.
const Poco::Timespan kWatchIdle(30, 0);

std::string b64(const std::string& s) {
  std::ostringstream out;
  Poco::Base64Encoder enc(out);
  enc.rdbuf()->setLineLength(0);
  enc << s;
  enc.close();
  return out.str();
}

std::string unb64(const std::string& s) {
  std::istringstream in(s);
  Poco::Base64Decoder dec(in);
  std::string out((std::istreambuf_iterator<char>(dec)), std::istreambuf_iterator<char>());
  return out;
}

// The gateway writes int64s as JSON strings and leaves zero values out.
int64_t int_field(const Poco::JSON::Object::Ptr& o, const char* name) {
  if (!o || !o->has(name)) return 0;
  auto v = o->get(name);
  if (v.isString()) return std::stoll(v.extract<std::string>());
  return v.convert<int64_t>();
}

int64_t header_revision(const Poco::JSON::Object::Ptr& o) {
  return int_field(o->getObject("header"), "revision");
}

KeyValue key_value(const Poco::JSON::Object::Ptr& kv) {
  KeyValue out;
  out.key = unb64(kv->optValue<std::string>("key", ""));
  out.value = unb64(kv->optValue<std::string>("value", ""));
  out.mod_revision = int_field(kv, "mod_revision");
  out.lease = int_field(kv, "lease");
  return out;
}

std::string body_text(const Poco::JSON::Object& body) {
  std::ostringstream out;
  body.stringify(out);
  return out.str();
}

}  // namespace

std::optional<EtcdEndpoint> parse_etcd_endpoint(const std::string& text) {
  std::string rest = text;
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  else if (rest.find("://") != std::string::npos) return std::nullopt;
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  auto hp = corefile::split_host_port(rest);
  if (!hp || hp->host.find('/') != std::string::npos) return std::nullopt;
  return EtcdEndpoint{hp->host, hp->port.value_or(2379)};
}

std::string prefix_end(std::string prefix) {
  // Increment the last byte that can be; a prefix of all 0xff has no end.
  while (!prefix.empty()) {
    auto& c = reinterpret_cast<unsigned char&>(prefix.back());
    if (c < 0xff) {
      ++c;
      return prefix;
    }
    prefix.pop_back();
  }
  return std::string(1, '\0');
}

EtcdClient::EtcdClient(std::vector<EtcdEndpoint> endpoints) : endpoints_(std::move(endpoints)) {}
EtcdClient::~EtcdClient() = default;

Poco::JSON::Object::Ptr EtcdClient::call(const std::string& path, const Poco::JSON::Object& body) {
  const std::string text = body_text(body);
  // A keep-alive session of our own for this call (callers on other threads
  // have theirs), taken from the idle ones when there is one.
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  size_t at;
  {
    std::lock_guard lock(mu_);
    at = current_;
    if (!idle_.empty()) {
      session = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  std::string last_error;
  for (size_t tries = 0; tries < endpoints_.size(); ++tries) {
    const EtcdEndpoint& ep = endpoints_[at];
    try {
      if (!session) {
        session = std::make_unique<Poco::Net::HTTPClientSession>(ep.host, ep.port);
        session->setTimeout(kConnectTimeout, kCallTimeout, kCallTimeout);
        session->setKeepAlive(true);
      }
      Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_POST, path, Poco::Net::HTTPMessage::HTTP_1_1);
      req.setContentType("application/json");
      req.setContentLength(static_cast<std::streamsize>(text.size()));
      req.setKeepAlive(true);
      session->sendRequest(req) << text;
      Poco::Net::HTTPResponse resp;
      std::istream& in = session->receiveResponse(resp);
      std::string reply((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      auto parsed = Poco::JSON::Parser().parse(reply).extract<Poco::JSON::Object::Ptr>();
      {
        std::lock_guard lock(mu_);
        if (at == current_ && idle_.size() < kMaxIdleSessions) idle_.push_back(std::move(session));
      }
      if (resp.getStatus() != Poco::Net::HTTPResponse::HTTP_OK) {
        // etcd answered and refused: trying another member will not help.
        throw std::runtime_error(fmt::format("etcd {}:{} {}: {}", ep.host, ep.port, path,
                                             parsed->optValue<std::string>("error", reply)));
      }
      return parsed;
    } catch (const Poco::Exception& e) {
      last_error = fmt::format("{}:{}: {}", ep.host, ep.port, e.displayText());
    } catch (const std::runtime_error&) {
      throw;
    } catch (const std::exception& e) {
      last_error = fmt::format("{}:{}: {}", ep.host, ep.port, e.what());
    }
    session.reset();
    std::lock_guard lock(mu_);
    if (current_ == at) {  // the first caller to see this member fail moves everyone on
      current_ = (current_ + 1) % endpoints_.size();
      idle_.clear();
    }
    at = current_;
  }
  throw std::runtime_error("etcd unreachable (" + last_error + ")");
}

int64_t EtcdClient::txn(const std::vector<TxnOp>& ops) {
  Poco::JSON::Array success;
  for (const auto& op : ops) {
    Poco::JSON::Object req, wrapped;
    req.set("key", b64(op.key));
    if (op.remove) {
      wrapped.set("request_delete_range", req);
    } else {
      req.set("value", b64(op.value));
      if (op.lease) req.set("lease", std::to_string(op.lease));
      wrapped.set("request_put", req);
    }
    success.add(wrapped);
  }
  Poco::JSON::Object body;
  body.set("success", success);
  return header_revision(call("/v3/kv/txn", body));
}

int64_t EtcdClient::grant(int64_t ttl_seconds) {
  Poco::JSON::Object body;
  body.set("TTL", std::to_string(ttl_seconds));
  auto reply = call("/v3/lease/grant", body);
  int64_t id = int_field(reply, "ID");
  if (id == 0) throw std::runtime_error("etcd granted no lease: " + reply->optValue<std::string>("error", ""));
  return id;
}

bool EtcdClient::keep_alive(int64_t lease) {
  Poco::JSON::Object body;
  body.set("ID", std::to_string(lease));
  auto reply = call("/v3/lease/keepalive", body);
  // A stream endpoint: the one answer comes wrapped in "result"; a lease
  // etcd no longer has comes back with no TTL.
  return int_field(reply->getObject("result"), "TTL") > 0;
}

void EtcdClient::revoke(int64_t lease) {
  Poco::JSON::Object body;
  body.set("ID", std::to_string(lease));
  call("/v3/lease/revoke", body);
}

std::vector<KeyValue> EtcdClient::range_prefix(const std::string& prefix, int64_t& revision) {
  Poco::JSON::Object body;
  body.set("key", b64(prefix));
  body.set("range_end", b64(prefix_end(prefix)));
  auto reply = call("/v3/kv/range", body);
  revision = header_revision(reply);
  std::vector<KeyValue> out;
  if (auto kvs = reply->getArray("kvs"))
    for (size_t i = 0; i < kvs->size(); ++i) out.push_back(key_value(kvs->getObject(i)));
  return out;
}

void EtcdClient::watch(const std::string& prefix, int64_t start_revision,
                       const std::function<void(const std::vector<WatchEvent>&, int64_t)>& on_events) {
  EtcdEndpoint ep;
  {
    std::lock_guard lock(mu_);
    ep = endpoints_[current_];
  }
  Poco::Net::HTTPClientSession session(ep.host, ep.port);
  session.setTimeout(kConnectTimeout, kCallTimeout, kWatchIdle);
  {
    std::lock_guard lock(watch_mu_);
    if (cancelled_) return;
    watching_ = &session;
  }
  struct Unregister {
    EtcdClient* self;
    ~Unregister() {
      std::lock_guard lock(self->watch_mu_);
      self->watching_ = nullptr;
    }
  } unregister{this};

  Poco::JSON::Object create, body;
  create.set("key", b64(prefix));
  create.set("range_end", b64(prefix_end(prefix)));
  create.set("start_revision", std::to_string(start_revision));
  body.set("create_request", create);
  const std::string text = body_text(body);
  try {
    Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_POST, "/v3/watch", Poco::Net::HTTPMessage::HTTP_1_1);
    req.setContentType("application/json");
    req.setContentLength(static_cast<std::streamsize>(text.size()));
    session.sendRequest(req) << text;
    Poco::Net::HTTPResponse resp;
    std::istream& in = session.receiveResponse(resp);
    if (resp.getStatus() != Poco::Net::HTTPResponse::HTTP_OK)
      throw std::runtime_error(fmt::format("etcd {}:{} refused the watch ({})", ep.host, ep.port,
                                           static_cast<int>(resp.getStatus())));
    std::string line;
    std::vector<WatchEvent> events;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      auto msg = Poco::JSON::Parser().parse(line).extract<Poco::JSON::Object::Ptr>();
      auto result = msg->getObject("result");
      if (!result) throw std::runtime_error("etcd watch failed: " + line);
      if (int_field(result, "compact_revision") > 0)
        throw std::runtime_error(fmt::format("etcd compacted past revision {}", start_revision));
      if (result->optValue<bool>("canceled", false)) throw std::runtime_error("etcd cancelled the watch");
      events.clear();
      if (auto list = result->getArray("events")) {
        for (size_t i = 0; i < list->size(); ++i) {
          auto ev = list->getObject(i);
          WatchEvent w;
          w.deleted = ev->optValue<std::string>("type", "PUT") == "DELETE";
          w.kv = key_value(ev->getObject("kv"));
          events.push_back(std::move(w));
        }
      }
      if (!events.empty()) on_events(events, header_revision(result));
    }
  } catch (const Poco::TimeoutException&) {
    return;  // quiet for kWatchIdle: the caller re-opens from where it was
  } catch (const Poco::Exception& e) {
    if (cancelled_) return;
    throw std::runtime_error(fmt::format("etcd {}:{} watch: {}", ep.host, ep.port, e.displayText()));
  }
  if (cancelled_) return;
  throw std::runtime_error(fmt::format("etcd {}:{} closed the watch", ep.host, ep.port));
}

void EtcdClient::cancel_watch() {
  std::lock_guard lock(watch_mu_);
  cancelled_ = true;
  if (watching_) {
    try {
      watching_->socket().shutdown();  // the blocked read returns at once
    } catch (const Poco::Exception&) {
    }
  }
}

}  // namespace skycore::plugins::skydns_registry

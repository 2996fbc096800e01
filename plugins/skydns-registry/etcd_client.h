// A small client for etcd's v3 JSON gateway (POST /v3/kv/range, /v3/watch,
// /v3/lease/grant ...), enough for the skydns-registry store. Keys and
// values travel base64-encoded and int64s as strings, as the gateway wants.
// Every call tries the endpoints in turn, starting with the last one that
// answered, so a cluster member going away costs one failed connect. Calls
// from several threads run at once, each on a pooled keep-alive session.
#pragma once
#include <Poco/JSON/Object.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <mutex>
#include <string>
#include <vector>

#include "plugins/skydns-registry/etcd_txn_batcher.h"

namespace Poco::Net {
class HTTPClientSession;
}

namespace skycore::plugins::skydns_registry {

struct EtcdEndpoint {
  std::string host;
  uint16_t port = 2379;
};
// "http://HOST:PORT", "HOST:PORT" or "HOST"; nullopt if it is none of those
// (https needs client certificates, which this store does not take yet).
std::optional<EtcdEndpoint> parse_etcd_endpoint(const std::string& text);

struct KeyValue {
  std::string key, value;
  int64_t mod_revision = 0;
  int64_t lease = 0;
};

// One watch event; `value` is empty for deletes.
struct WatchEvent {
  bool deleted = false;
  KeyValue kv;
};

class EtcdClient {
 public:
  explicit EtcdClient(std::vector<EtcdEndpoint> endpoints);
  ~EtcdClient();

  // Each throws std::runtime_error when no endpoint answers or etcd refuses.
  // Every write goes through txn(): the puts and deletes of `ops` in one
  // transaction (at most 128: etcd's default --max-txn-ops); its revision.
  int64_t txn(const std::vector<TxnOp>& ops);
  int64_t grant(int64_t ttl_seconds);
  // Renews a lease; false if etcd no longer knows it (it expired).
  bool keep_alive(int64_t lease);
  void revoke(int64_t lease);
  // Everything under `prefix`, and the revision it was read at.
  std::vector<KeyValue> range_prefix(const std::string& prefix, int64_t& revision);

  // Watches `prefix` from `start_revision` until `stopped()` or the stream
  // ends (etcd gone, compaction); calls on_events once per batch. Returns
  // normally when the stream ends and throws when it cannot start or a
  // revision was compacted away (the caller then re-lists).
  void watch(const std::string& prefix, int64_t start_revision,
             const std::function<void(const std::vector<WatchEvent>&, int64_t revision)>& on_events);
  // Ends a watch() running on another thread.
  void cancel_watch();

 private:
  Poco::JSON::Object::Ptr call(const std::string& path, const Poco::JSON::Object& body);

  std::vector<EtcdEndpoint> endpoints_;
  // Calls run side by side, each on a keep-alive session of its own; the
  // idle ones wait here (all to endpoints_[current_]).
  static constexpr size_t kMaxIdleSessions = 16;
  std::mutex mu_;
  std::vector<std::unique_ptr<Poco::Net::HTTPClientSession>> idle_;
  size_t current_ = 0;

  std::mutex watch_mu_;
  Poco::Net::HTTPClientSession* watching_ = nullptr;
  std::atomic<bool> cancelled_{false};
};

// The range_end that makes `prefix` a prefix query: the prefix with its last
// byte incremented.
std::string prefix_end(std::string prefix);

}  // namespace skycore::plugins::skydns_registry

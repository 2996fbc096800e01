// The registry of services: the control plane's single source of truth.
// Every change is made durable by the Store before it is acknowledged, and
// then published as a new immutable Snapshot that DNS workers read without
// taking any lock (they only compare a version number per query).
#pragma once
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "plugins/skydns-registry/service.h"
#include "core/plugin/snapshot_source.h"
#include "plugins/skydns-registry/snapshot.h"
#include "plugins/skydns-registry/store.h"

namespace skycore::plugins::skydns_registry {

enum class Upsert { created, refreshed, conflict };

class Registry final : private StoreEvents {
 public:
  explicit Registry(std::unique_ptr<Store> store);
  ~Registry() override { stop_watching(); }

  // A shared store (etcd) reports other servers' changes from here on.
  void start_watching() { store_->start_watching(*this); }
  void stop_watching() { store_->stop_watching(); }

  // Replays the store (dropping what expired while we were down) and publishes.
  void load(WallClock::time_point now);

  // PUT semantics: a new uuid is created; the same body refreshes the TTL;
  // a different body for a known uuid is a conflict (nothing changes).
  // POST semantics (`replace` = true): create or refresh; a different body
  // replaces the old registration. Throws std::runtime_error if the store fails.
  Upsert upsert(Service s, WallClock::time_point now, bool replace);
  // New TTL from now; false if unknown.
  bool set_ttl(const std::string& uuid, uint32_t ttl, WallClock::time_point now);
  bool remove(const std::string& uuid);
  std::optional<Service> get(const std::string& uuid, WallClock::time_point now) const;
  // Services whose DNS name matches `pattern` (a query name relative to the
  // zone, wildcards allowed; empty = all).
  std::vector<Service> query(const std::string& pattern, WallClock::time_point now) const;
  std::map<std::string, size_t> count_by_region(WallClock::time_point now) const;
  std::map<std::string, size_t> count_by_environment(WallClock::time_point now) const;
  // Live services (registered, or from the catalogue unless a registration
  // has that uuid) counted by one of their fields.
  std::map<std::string, size_t> count_by(std::string Service::*field, WallClock::time_point now) const;

  // Replaces the static catalogue (services FILE.toml): served beside the
  // registered services, never journaled; a registered uuid wins.
  void set_catalogue(std::vector<Service> services);

  // Drops expired services (durably) and republishes; returns what expired,
  // for callbacks.
  std::vector<Service> purge_expired(WallClock::time_point now);
  // Called after every change with the service that went away (DELETE or expiry).
  void on_removed(std::function<void(const Service&)> f) { on_removed_ = std::move(f); }

  // For DNS workers: the current snapshot and its version.
  std::shared_ptr<const Snapshot> snapshot() const { return snapshot_.current(); }
  uint64_t version() const { return snapshot_.version(); }
  const SnapshotSource<Snapshot>& source() const { return snapshot_; }

 private:
  // Builds a snapshot of everything changed so far, unless a concurrent
  // writer already did: writers that pile up share one rebuild. Called after
  // each change, before the change is acknowledged, so an acknowledged
  // registration is always visible to DNS.
  void publish_pending();
  // StoreEvents: changes other servers made to a shared store.
  void replace_all(std::vector<Service> all, std::vector<RecordPtr> records, int64_t revision) override;
  void apply(const Change& c) override;
  void apply_record(const std::string& key, RecordPtr record) override;
  // Applies a change unless a newer one for the same uuid is already known
  // (the watch and this server's own writes can arrive in either order).
  // Returns the entry a remove took away. Called with mu_ held.
  std::optional<Service> apply_locked(const Change& c);
  mutable std::mutex mu_;
  std::mutex publish_mu_;  // one rebuild at a time; never held with mu_ the other way round
  std::unique_ptr<Store> store_;
  std::map<std::string, EntryPtr> services_;
  std::map<std::string, EntryPtr> catalogue_;
  std::map<std::string, RecordPtr> records_;  // by etcd key: other tools' records
  // Shared stores only: the revision of removes not yet echoed by the watch,
  // so a late echo of an older put cannot bring a removed service back.
  std::map<std::string, int64_t> removed_at_;
  uint64_t changes_ = 0, published_changes_ = ~0ull;
  SnapshotSource<Snapshot> snapshot_;
  std::function<void(const Service&)> on_removed_;
};

}  // namespace skycore::plugins::skydns_registry

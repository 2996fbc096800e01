// The registry of services: the control plane's single source of truth.
// Every change is made durable by the Store before it is acknowledged, and
// then published as a new immutable Snapshot that DNS workers read without
// taking any lock (they only compare a version number per query).
//
// A change is applied here at once (so the next request sees it: a second
// PUT of the same uuid is a refresh), queued with its store ticket, and
// published, with every other change that became durable in the same group
// commit, only once the store has made it durable: DNS and GET never show
// what a crash could still take back. Publishing rebuilds only the pieces
// the changes touched (snapshot_builder.h).
//
// One commit thread does the waiting: it takes every change queued since its
// last round, has the store make them durable together (one fsync for the
// file store), publishes one snapshot for all of them, and then runs their
// Done callbacks, which answer the HTTP requests. So a writer never holds a
// thread while its change is being made durable.
#pragma once
#include <atomic>
#include <condition_variable>
#include <exception>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "plugins/skydns-registry/service.h"
#include "core/plugin/snapshot_source.h"
#include "plugins/skydns-registry/snapshot.h"
#include "plugins/skydns-registry/snapshot_builder.h"
#include "plugins/skydns-registry/store.h"

namespace skycore::plugins::skydns_registry {

enum class Upsert { created, refreshed, conflict };

class Registry final : private StoreEvents {
 public:
  explicit Registry(std::unique_ptr<Store> store);
  // Stops watching, then finishes every queued change (running its Done).
  ~Registry() override;

  // A shared store (etcd) reports other servers' changes from here on.
  void start_watching() { store_->start_watching(*this); }
  void stop_watching() { store_->stop_watching(); }

  // Replays the store (dropping what expired while we were down) and publishes.
  void load(WallClock::time_point now);

  // Runs once a queued change is durable and published (null), or could not
  // be made durable (what the store threw; the change has been undone). On
  // the commit thread, or on the caller's before the call returns when the
  // store had nothing to wait for; it must not wait for another change.
  using Done = std::function<void(std::exception_ptr failure)>;
  // The same with what the upsert did (created or refreshed).
  using UpsertDone = std::function<void(Upsert result, std::exception_ptr failure)>;

  // PUT semantics: a new uuid is created; the same body refreshes the TTL;
  // a different body for a known uuid is a conflict (nothing changes).
  // POST semantics (`replace` = true): create or refresh; a different body
  // replaces the old registration. `done` runs if and only if a change was
  // queued (not for a conflict). Throws std::runtime_error (and never runs
  // `done`) if the store refuses the change at once.
  Upsert upsert(Service s, WallClock::time_point now, bool replace, UpsertDone done);
  // New TTL from now; false (and no `done`) if unknown.
  bool set_ttl(const std::string& uuid, uint32_t ttl, WallClock::time_point now, Done done);
  // false (and no `done`) if unknown; on_removed runs before `done`.
  bool remove(const std::string& uuid, Done done);
  // The same, returning once the change is durable and published; these
  // throw std::runtime_error if it cannot be. Not from a Done callback.
  Upsert upsert(Service s, WallClock::time_point now, bool replace);
  bool set_ttl(const std::string& uuid, uint32_t ttl, WallClock::time_point now);
  bool remove(const std::string& uuid);
  // Whether the store's write() waits for the network (etcd): then callers
  // should not call the writers above from an I/O thread.
  bool slow_writes() const { return store_->slow_writes(); }
  // What DNS answers for `uuid`: a durable registration, or the catalogue's.
  std::optional<Service> get(const std::string& uuid, WallClock::time_point now) const;
  // Services whose DNS name matches `pattern` (a query name relative to the
  // zone, wildcards allowed; empty = all).
  std::vector<Service> query(const std::string& pattern, WallClock::time_point now) const;
  std::map<std::string, size_t> count_by_region(WallClock::time_point now) const;
  std::map<std::string, size_t> count_by_environment(WallClock::time_point now) const;
  // Live services (registered, or from the catalogue unless a registration
  // has that uuid) counted by one of their fields.
  std::map<std::string, size_t> count_by(std::string_view (PackedService::*field)() const,
                                         WallClock::time_point now) const;

  // Replaces the static catalogue (services FILE.toml): served beside the
  // registered services, never journaled; a registered uuid wins.
  void set_catalogue(std::vector<Service> services);

  // Drops expired services (durably) and republishes; returns what expired,
  // for callbacks. Not from a Done callback.
  std::vector<Service> purge_expired(WallClock::time_point now);
  // Called after every change with the service that went away (DELETE or expiry).
  void on_removed(std::function<void(const Service&)> f) { on_removed_ = std::move(f); }

  // --- health (health_checker.h runs the checks) ---
  // Check results: each `uuid` publishes with its `health` if its
  // registration still has the checks that were run (`checked`). One
  // snapshot for the batch; returns how many statuses changed. Health is
  // not journaled: after a restart an instance is critical again until its
  // checks run.
  struct HealthResult {
    std::string uuid;
    DetailsPtr checked;
    Health health;
  };
  size_t set_health(const std::vector<HealthResult>& results);
  // Called, with the registry's lock held (so: only post work elsewhere),
  // whenever a service with checks is published, changed or goes away
  // (entry null): what the health checker follows.
  using ChecksWatch = std::function<void(const std::string& uuid, const EntryPtr& entry)>;
  void on_checks(ChecksWatch f);
  // Called, with the lock held, for every registration published (entry
  // null: gone), once the snapshot holding it is published: the event
  // stream follows the registry with it.
  void on_publish(ChecksWatch f) {
    std::lock_guard lock(mu_);
    on_publish_ = std::move(f);
  }
  // Called after a status change, outside the lock (callbacks, events).
  void on_health(std::function<void(const Service&)> f) { on_health_ = std::move(f); }
  // Live registrations with checks, counted by status.
  std::map<Health, size_t> count_by_health(WallClock::time_point now) const;

  // For DNS workers: the current snapshot and its version.
  std::shared_ptr<const Snapshot> snapshot() const { return snapshot_.current(); }
  uint64_t version() const { return snapshot_.version(); }
  const SnapshotSource<Snapshot>& source() const { return snapshot_; }

 private:
  // What `uuid` should publish as from `ticket` on: its registration, else
  // its catalogue entry, else nothing. Called with mu_ held after every
  // change to services_ or catalogue_.
  void stage_locked(const std::string& uuid, uint64_t ticket);
  // A queued change: once `ticket` is settled, `done` runs; if the store
  // failed it and `undo` is set, `uuid` goes back to `before` unless a
  // later change replaced `after` meanwhile.
  struct Pending {
    uint64_t ticket;
    std::string uuid;
    EntryPtr before, after;
    bool undo = true;
    std::optional<Service> removed;  // for on_removed, once durable
    Done done;
  };
  // Queues `p` for the commit thread; or, if it is durable already and
  // nothing is queued before it, publishes and runs its callbacks at once
  // (unlocking `lock` first).
  void finish(std::unique_lock<std::mutex>& lock, Pending p);
  void commit_loop();  // the commit thread
  // Has the store rewrite its journal from `durable` (the commit thread,
  // between syncs).
  void compact(const Snapshot& durable);
  // Publishes the staged changes up to `settled` (leaving out failed ones).
  void publish_locked(uint64_t settled);
  EntryPtr registered_locked(const std::string& uuid) const;
  // load() without the trim: the live services of `loaded` replace services_.
  void replace_with_loaded(std::vector<Service> loaded, WallClock::time_point now);
  // StoreEvents: changes other servers made to a shared store.
  void replace_all(std::vector<Service> all, std::vector<RecordPtr> records, int64_t revision) override;
  void apply(const Change& c) override;
  void apply_record(const std::string& key, RecordPtr record) override;
  // Applies a change unless a newer one for the same uuid is already known
  // (the watch and this server's own writes can arrive in either order) and
  // stages it at `ticket`. Returns the entry a remove took away. Called with
  // mu_ held.
  std::optional<Service> apply_locked(const Change& c, uint64_t ticket);
  // store_->write(c), with mu_ (held in `lock`) released meanwhile if the
  // store's writes wait for the network.
  Written write(std::unique_lock<std::mutex>& lock, const Change& c);
  // `s` as an entry, with the health it inherits from `before` (kept while
  // the checks stay the same; critical until they have run otherwise).
  static EntryPtr entry_with_health(Service s, const EntryPtr& before);
  // Stamps a change with what the store assigned to it and applies it.
  std::optional<Service> apply_written_locked(Change c, const Written& w);

  struct Staged {
    uint64_t ticket;
    std::string uuid;
    EntryPtr entry;  // what uuid publishes as once ticket is durable
  };
  mutable std::mutex mu_;
  std::unique_ptr<Store> store_;
  std::map<std::string, EntryPtr> services_;  // applied, durable or not yet
  std::map<std::string, EntryPtr> catalogue_;
  std::map<std::string, RecordPtr> records_;  // by etcd key: other tools' records
  // Shared stores only: the revision of removes not yet echoed by the watch,
  // so a late echo of an older put cannot bring a removed service back.
  std::map<std::string, int64_t> removed_at_;
  std::deque<Staged> staged_;  // in ticket order
  uint64_t last_ticket_ = 0;   // the newest ticket the store gave
  uint64_t settled_ = 0;       // every ticket up to here is settled
  std::vector<Pending> pending_;  // for the commit thread, in ticket order
  std::condition_variable pending_cv_;
  bool stopping_ = false;
  SnapshotBuilder builder_;    // the published state's pieces
  SnapshotSource<Snapshot> snapshot_;
  std::function<void(const Service&)> on_removed_;
  std::function<void(const Service&)> on_health_;
  ChecksWatch on_checks_;
  ChecksWatch on_publish_;
  std::vector<std::pair<std::string, EntryPtr>> announced_;  // publish_locked's, for on_publish_ after the snapshot
  std::set<std::string> checked_;  // uuids on_checks_ was last told have checks
  std::thread committer_;  // last: starts once everything above exists
};

}  // namespace skycore::plugins::skydns_registry

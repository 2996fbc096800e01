// Where registrations live between restarts. A change is durable once
// sync() has returned for its ticket: the API acknowledges after that, so
// nothing acknowledged is lost (the file store has fsynced its journal; etcd
// has committed it). write() and sync() are separate so that the file store
// can commit in groups: many writers queue lines and share one fsync.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plugins/skydns-registry/etcd_record.h"
#include "plugins/skydns-registry/service.h"

namespace skycore::plugins::skydns_registry {

struct Change {
  enum Kind { put, remove };
  Change(Kind k = put, Service s = {}, std::optional<Service> prev = std::nullopt)
      : kind(k), service(std::move(s)), previous(std::move(prev)) {}
  Kind kind;
  Service service;  // for remove only the uuid (and key, lease) matter
  // For a put that replaces a live registration: the one it replaces (a
  // shared store renews or moves its key and lease).
  std::optional<Service> previous;
};

// What a shared store assigned to a change: the revision it was written at
// and the key and lease that now hold it.
struct Written {
  int64_t revision = 0;
  std::string key;
  int64_t lease = 0;
  uint64_t ticket = 0;  // for sync(); 0: durable already
};

// How a shared store tells the registry about changes other servers made.
class StoreEvents {
 public:
  virtual ~StoreEvents() = default;
  // Everything in the store as of `revision` (after a reconnect): the
  // registrations and the records other tools wrote.
  virtual void replace_all(std::vector<Service> all, std::vector<RecordPtr> records, int64_t revision) = 0;
  // One change; `c.service.revision` orders it against what is known.
  virtual void apply(const Change& c) = 0;
  // Another tool's record at `key` was written, or deleted (null).
  virtual void apply_record(const std::string& key, RecordPtr record) = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  // Everything stored, as of the last durable change (expired ones included:
  // the registry drops them).
  virtual std::vector<Service> load() = 0;
  // Queues one change (a store without groups makes it durable here);
  // throws std::runtime_error if it cannot. Calls are ordered: a later
  // ticket is never durable before an earlier one.
  virtual Written write(const Change& c) = 0;
  // Returns once every change up to `ticket` is durable, with a ticket up to
  // which every change is settled (durable, or failed: see failed()); throws
  // std::runtime_error if `ticket`'s own change could not be made durable.
  virtual uint64_t sync(uint64_t ticket) { return ticket; }
  // Whether the change with `ticket` failed (a settled ticket only).
  virtual bool failed(uint64_t ticket) const { return false; }
  // write() and sync(): durable on return.
  Written append(const Change& c) {
    Written w = write(c);
    sync(w.ticket);
    return w;
  }
  // Whether write() waits for the network (etcd): then the registry's
  // callers keep it off their I/O thread.
  virtual bool slow_writes() const { return false; }
  // Whether a journal has grown enough, against `live` services, to be
  // rewritten; the registry then calls compact() with its durable state,
  // from the one thread that calls sync(). Optional (the file store).
  virtual bool compaction_due(size_t live) const { return false; }
  // `next` fills in one service at a time and returns false after the last.
  virtual void compact(const std::function<bool(Service&)>& next) {}

  // A shared store is written by other servers too: it expires TTLs itself
  // (so the registry never deletes expired entries from it) and reports
  // others' changes to `events` from a thread of its own between
  // start_watching() and stop_watching().
  virtual bool shared() const { return false; }
  virtual void start_watching(StoreEvents& events) {}
  virtual void stop_watching() {}
};

class MemoryStore final : public Store {
 public:
  std::vector<Service> load() override { return {}; }
  Written write(const Change&) override { return {}; }
};

// An append-only journal of JSON lines in PATH, committed in groups (one
// write and one fsync for the changes queued meanwhile) and rewritten
// (write + fsync + rename) from the registry's state when it grows past a
// few times the live state. A torn last line (kill -9 mid-write) is ignored
// on load.
std::unique_ptr<Store> make_file_store(const std::string& path);

// etcd, in the SkyDNS 2 / CoreDNS etcd layout: see etcd_store.h.
}  // namespace skycore::plugins::skydns_registry

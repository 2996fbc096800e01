// The answer cache itself: wire-format messages (dnsdist style) in shards,
// each a mutex-guarded hash map, so two workers rarely meet. A hit copies
// the stored message into the caller's buffer and ages its TTLs there; it
// takes the shard lock but never allocates. Time is passed in (tests inject
// it). Capacity is a hard limit per kind; a full kind evicts before inserting.
#pragma once
#include <array>
#include <atomic>
#include <chrono>
#include <mutex>
#include <span>
#include <unordered_map>
#include <vector>

#include "core/plugin/per_worker.h"
#include "core/wire/query.h"
#include "plugins/cache/analysis.h"

namespace skycore::plugins::cache {

using Clock = std::chrono::steady_clock;

struct Key {
  uint64_t hash = 0;
  wire::Name qname;  // lowercased
  uint16_t qtype = 0, qclass = 0;
  uint8_t flags = 0;  // bit 0: DO, bit 1: CD
  bool operator==(const Key& o) const {
    return hash == o.hash && qtype == o.qtype && qclass == o.qclass && flags == o.flags &&
           qname.equals_ignore_case(o.qname);
  }
};
Key make_key(const wire::Query& q);

// Written by one worker each (per_worker.h); Store::counters() sums them.
struct Counters {
  WorkerCounter hits[3], misses, evictions[3], prefetches, stale, inserts[3];
};
struct CounterTotals {
  uint64_t hits[3]{}, misses = 0, evictions[3]{}, prefetches = 0, stale = 0, inserts[3]{};
};

enum class Found : uint8_t { miss, fresh, stale };

struct Hit {
  Found found = Found::miss;
  Kind kind = Kind::success;
  size_t len = 0;            // bytes written to the caller's buffer
  bool prefetch_due = false;  // the caller should refresh it in the background
};

struct StoreLimits {
  size_t capacity[3] = {9984, 9984, 9984};  // success, denial, servfail (shares denial's)
  std::chrono::seconds serve_stale{0};
  size_t prefetch_amount = 0;
  std::chrono::seconds prefetch_window{60};
  unsigned prefetch_percentage = 10;
  bool keepttl = false;
  uint32_t stale_ttl = 30;                // the TTL stale answers carry
  std::chrono::seconds failure_recheck{0};  // after a failed refresh, none for this long
  bool prefer_positive = false;           // a negative answer never replaces a usable positive one
};

class Store {
 public:
  static constexpr size_t kShards = 16;

  // `workers`: Request::worker is below it (the counters' slots).
  explicit Store(StoreLimits limits, size_t workers = 1);

  // Copies a live (or, within serve_stale, an expired) entry into `out`
  // with TTLs aged by its time in the cache; ID and question are the
  // caller's to patch. Stale answers carry the stale TTL (30 s unless set).
  // `verifying`: a stale entry found is not counted (serve_stale verify
  // asks the chain first; the caller counts what it served).
  Hit lookup(const Key& key, Clock::time_point now, std::span<uint8_t> out, bool allow_stale,
             uint16_t worker = 0, bool verifying = false);
  // Stores `msg` (without OPT); `a` came from analyze().
  void insert(const Key& key, std::span<const uint8_t> msg, Analysis a, Clock::time_point now,
              uint16_t worker = 0);
  // Lets a later lookup trigger a new prefetch (after one finished).
  void prefetch_done(const Key& key);
  // A refresh failed (or, with prefer_positive, brought only a negative
  // answer): the stale entry stays, and no new refresh starts before the
  // failure recheck time has passed.
  void refresh_failed(const Key& key, Clock::time_point now);
  void count_stale(uint16_t worker) { counters_[worker].stale.add(); }
  void count_miss(uint16_t worker) { counters_[worker].misses.add(); }

  size_t entries(Kind k) const;
  CounterTotals counters() const;

 private:
  struct Entry {
    Key key;
    Kind kind;
    std::vector<uint8_t> wire;
    std::vector<uint16_t> ttl_offsets;
    std::vector<uint32_t> ttls;  // the TTLs as stored
    uint32_t lifetime;           // seconds from `stored` until it expires
    Clock::time_point stored;
    Clock::time_point last_hit;   // prefetch: gaps between hits
    uint32_t window_hits = 0;     // hits since the last gap
    bool prefetching = false;
    Clock::time_point recheck_after{};  // no refresh before (a failed one)
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<uint64_t, Entry> map;
    size_t count[3] = {0, 0, 0};
    uint64_t rng = 0x9e3779b97f4a7c15ull;  // eviction's choice (xorshift, under mu)
  };
  Shard& shard(uint64_t hash) { return shards_[hash % kShards]; }
  void evict_one(Shard& s, Kind kind, Counters& c);

  StoreLimits limits_;
  std::array<Shard, kShards> shards_;
  PerWorker<Counters> counters_;
};

}  // namespace skycore::plugins::cache

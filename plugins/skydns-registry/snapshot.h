// An immutable view of the registry for DNS workers, published in pieces:
// the services of one (environment, service) name form a group, groups are
// hashed into shards, and uuids into shards of their own. A change rebuilds
// only the group and the two shards it touches and shares every other piece
// with the previous snapshot (snapshot_builder.h), so publishing costs what
// changed, not the size of the registry. Never modified after publication.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <type_traits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/wire/name.h"
#include "plugins/skydns-registry/etcd_record.h"
#include "plugins/skydns-registry/packed_service.h"
#include "plugins/skydns-registry/service.h"

namespace skycore::plugins::skydns_registry {

// Label positions in a SkyDNS name, left to right.
enum Position { kUuid, kHost, kRegion, kVersion, kService, kEnvironment, kPositions };

// One registration as DNS answers it: the service, packed, with what its
// answers need computed once (the dashed host and version labels, the group
// key, a named host's wire form) packed beside it. Kept small: 100,000 of
// them should fit in a few tens of MB. Built by make_entry().
struct Entry {
  Entry(const Service& s, std::string_view host_label, std::string_view version_label, std::string_view env_service,
        std::string_view host_wire)
      : service(s, {host_label, version_label, env_service, host_wire}) {}
  Entry(const Entry&) = delete;
  Entry& operator=(const Entry&) = delete;

  PackedService service;
  bool ip = false;
  bool v6 = false;
  bool catalogue = false;          // from `services FILE`: never journaled
  std::array<uint8_t, 16> addr{};  // network order; first 4 bytes for IPv4

  std::string_view host_label() const { return service.extra(0); }     // "db1-example-com"
  std::string_view version_label() const { return service.extra(1); }  // "1-0-2"
  std::string_view env_service() const { return service.extra(2); }    // the group key
  std::string_view label(int pos) const {
    switch (pos) {
      case kUuid: return service.uuid();
      case kHost: return host_label();
      case kRegion: return service.region();
      case kVersion: return version_label();
      case kService: return service.name();
      default: return service.environment();
    }
  }
  // The SRV target of a named host (not for an IP host).
  wire::Name host_name() const {
    std::string_view w = service.extra(3);
    return wire::Name::from_wire_unchecked({reinterpret_cast<const uint8_t*>(w.data()), w.size()});
  }
};
using EntryPtr = std::shared_ptr<const Entry>;
// Entries are built once per registration and shared by every snapshot
// that holds them, so publishing a change does not copy the registry.
EntryPtr make_entry(Service s);

// A query name relative to the zone, as labels left to right; "*" and "any"
// match anything. Fewer labels than positions leave the leftmost ones open.
struct Pattern {
  std::array<std::string_view, kPositions> at{};  // empty = any
  std::string_view port_name;  // `_<name>._tcp.<name>`: instances with that named port
  std::string_view tag;        // `<tag>.tag.<name>`: instances with that tag
  bool skip_critical = false;  // leave out instances whose checks fail
  bool region_named() const { return !at[kRegion].empty(); }
  bool filters() const { return skip_critical || !port_name.empty() || !tag.empty(); }
  bool admits(const Entry& e) const {
    if (skip_critical && e.service.health == Health::critical) return false;
    if (port_name.empty() && tag.empty()) return true;
    const ServiceDetails* d = e.service.details.get();
    return d && (port_name.empty() || d->port(port_name)) && (tag.empty() || d->has_tag(tag));
  }
};
// Builds a pattern; false if there are more labels than positions.
bool make_pattern(std::span<const std::string_view> labels, Pattern& out);

// The pieces. A shard is a vector sorted by the key's 64-bit hash (whose
// low bits chose the shard), so a lookup is a binary search over integers
// and copying a shard to change it is one allocation.
using Group = std::vector<EntryPtr>;  // one name's services, by uuid
using GroupPtr = std::shared_ptr<const Group>;
template <typename Ptr>
struct Hashed {
  uint64_t hash;
  Ptr ptr;
  bool operator<(const Hashed& o) const { return hash < o.hash; }
};
using GroupShard = std::vector<Hashed<GroupPtr>>;  // by hash of env_service
using UuidShard = std::vector<Hashed<EntryPtr>>;   // by hash of uuid
using RecordList = std::vector<RecordPtr>;
inline constexpr size_t kShards = 4096;
inline uint64_t key_hash(std::string_view key) { return std::hash<std::string_view>{}(key); }
inline size_t shard_of(uint64_t hash) { return hash % kShards; }

// kShards shards in a tree of 16 x 16 x 16, so that copying a snapshot
// copies 16 pointers per table and a change copies one path through the
// tree (16 + 16 + 16 pointers) besides its shard: at 100,000 services about
// 75 pointers per table, where one flat array would be 4,096.
template <typename Shard>
class ShardTable {
 public:
  static constexpr size_t kFan = 16;
  static_assert(kFan * kFan * kFan == kShards);
  ShardTable() {
    static const auto empty = [] {
      auto leaf = std::make_shared<Leaf>();
      leaf->fill(std::make_shared<const Shard>());
      auto mid = std::make_shared<Mid>();
      mid->fill(std::shared_ptr<const Leaf>(std::move(leaf)));
      return std::shared_ptr<const Mid>(std::move(mid));
    }();
    top_.fill(empty);
  }
  const Shard& operator[](size_t s) const { return *(*(*top_[s / (kFan * kFan)])[s / kFan % kFan])[s % kFan]; }
  template <typename F>
  void each(F&& f) const {
    for (const auto& mid : top_)
      for (const auto& leaf : *mid)
        for (const auto& shard : *leaf) f(*shard);
  }
  // How many shards are the very same piece in `o` (diagnostics, tests).
  size_t shared_with(const ShardTable& o) const {
    size_t n = 0;
    for (size_t s = 0; s < kShards; ++s) n += &(*this)[s] == &o[s];
    return n;
  }
  // Replaces shards; `changes` is sorted by shard number.
  void replace(std::vector<std::pair<size_t, std::shared_ptr<const Shard>>>& changes) {
    for (size_t i = 0; i < changes.size();) {
      size_t t = changes[i].first / (kFan * kFan);
      auto mid = std::make_shared<Mid>(*top_[t]);
      while (i < changes.size() && changes[i].first / (kFan * kFan) == t) {
        size_t m = changes[i].first / kFan % kFan;
        auto leaf = std::make_shared<Leaf>(*(*mid)[m]);
        for (; i < changes.size() && changes[i].first / kFan == t * kFan + m; ++i)
          (*leaf)[changes[i].first % kFan] = std::move(changes[i].second);
        (*mid)[m] = std::move(leaf);
      }
      top_[t] = std::move(mid);
    }
  }

 private:
  using Leaf = std::array<std::shared_ptr<const Shard>, kFan>;
  using Mid = std::array<std::shared_ptr<const Leaf>, kFan>;
  std::array<std::shared_ptr<const Mid>, kFan> top_;
};

class Snapshot {
 public:
  Snapshot();  // empty
  // Everything at once (tests, tools): the same pieces a builder makes.
  explicit Snapshot(std::vector<EntryPtr> entries, std::vector<RecordPtr> records = {});

  // Calls f(const Entry&) for each live entry matching `p`, ignoring the
  // region label when `ignore_region` (SRV answers rank regions instead);
  // an f that returns bool stops the walk by returning false.
  template <typename F>
  void for_each_match(const Pattern& p, bool ignore_region, WallClock::time_point now, F&& f) const;
  const Entry* by_uuid(std::string_view uuid) const;
  // Calls f(const Entry&) for every entry, live or not, in no order.
  template <typename F>
  void each_entry(F&& f) const {
    uuids_.each([&](const UuidShard& shard) {
      for (const auto& [_, e] : shard) f(*e);
    });
  }
  size_t size() const { return size_; }
  // How many of the 2 * kShards shards this snapshot shares with `o`: a
  // change replaces only the ones it touched (tests, diagnostics).
  size_t pieces_shared_with(const Snapshot& o) const {
    return groups_.shared_with(o.groups_) + uuids_.shared_with(o.uuids_);
  }
  // Records other CoreDNS-etcd tools wrote (usually none), in key order.
  std::span<const RecordPtr> records() const { return *records_; }

 private:
  friend class SnapshotBuilder;
  const Group* group(std::string_view env, std::string_view svc) const;
  const Group* group_by_key(std::string_view env_service) const;
  template <typename F>
  static bool each_live(const Group& g, const Pattern& p, bool ignore_region, bool group_matched,
                        WallClock::time_point now, F& f);

  ShardTable<GroupShard> groups_;
  ShardTable<UuidShard> uuids_;
  std::shared_ptr<const RecordList> records_;
  size_t size_ = 0;
};

inline bool label_matches(std::string_view want, std::string_view have) {
  return want.empty() || want == "*" || want == "any" || want == have;
}

template <typename F>
bool Snapshot::each_live(const Group& g, const Pattern& p, bool ignore_region, bool group_matched,
                         WallClock::time_point now, F& f) {
  // Only the positions the pattern names are compared (a group found by
  // its key has matched environment and service already): a name with
  // 1,000 instances and no other label costs 1,000 expiry checks.
  int want[kPositions];
  int n = 0;
  for (int pos = 0; pos < kPositions; ++pos) {
    if (ignore_region && pos == kRegion) continue;
    if (group_matched && (pos == kEnvironment || pos == kService)) continue;
    std::string_view l = p.at[pos];
    if (!l.empty() && l != "*" && l != "any") want[n++] = pos;
  }
  for (const EntryPtr& ep : g) {
    const Entry& e = *ep;
    if (e.service.expired(now)) continue;  // gone at once, before the purge runs
    if (p.filters() && !p.admits(e)) continue;
    bool ok = true;
    for (int i = 0; i < n && ok; ++i) ok = p.at[want[i]] == e.label(want[i]);
    if (!ok) continue;
    if constexpr (std::is_same_v<std::invoke_result_t<F&, const Entry&>, bool>) {
      if (!f(e)) return false;
    } else {
      f(e);
    }
  }
  return true;
}

template <typename F>
void Snapshot::for_each_match(const Pattern& p, bool ignore_region, WallClock::time_point now,
                              F&& f) const {
  std::string_view env = p.at[kEnvironment], svc = p.at[kService];
  if (!env.empty() && !svc.empty()) {  // the usual query: one group
    if (const Group* g = group(env, svc)) each_live(*g, p, ignore_region, true, now, f);
    return;
  }
  // An environment or everything: every group (each_live checks the labels).
  bool going = true;
  groups_.each([&](const GroupShard& shard) {
    for (const auto& [_, g] : shard) {
      if (!going) return;
      std::string_view key = g->front()->env_service();
      if (env.empty() || (key.size() > env.size() && key[env.size()] == '/' && key.starts_with(env)))
        going = each_live(*g, p, ignore_region, false, now, f);
    }
  });
}

}  // namespace skycore::plugins::skydns_registry

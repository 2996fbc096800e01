// What the plugin answers from: an immutable view of the cluster, swapped
// in atomically, that DNS workers read without locks or allocation. It is
// made of shared immutable pieces: one ServiceRecords per Service, grouped
// in a shard per namespace, and the PTR index in buckets by address. A
// batch of changes makes a new snapshot that shares every piece it did not
// touch with the one before, so a watch event costs what it changed, not
// the size of the cluster.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "plugins/kubernetes/cache.h"
#include "plugins/kubernetes/objects.h"
#include "plugins/kubernetes/pod_index.h"
#include "plugins/kubernetes/records.h"

namespace skycore::plugins::kubernetes {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// The Services of one namespace, by name (the key views the Service's own
// name). StringHash, not std::hash: libstdc++ then keeps each node's hash,
// so a lookup does not hash every node of its bucket again (perf showed it).
struct NamespaceShard {
  std::unordered_map<std::string_view, std::shared_ptr<const ServiceRecords>, StringHash> services;
};

// One PTR answer: an address and the Service (slice == kService) or the
// endpoint (slice, endpoint) it names.
// 32 bytes: the indexes fit beside the address (a slice holds at most 1,000
// endpoints; a Service more than 65,534 slices is not served by PTR).
struct PtrRow {
  static constexpr uint16_t kService = UINT16_MAX;
  Ip ip;
  uint16_t slice;
  uint16_t endpoint;
  const ServiceRecords* records;  // owned by the snapshot's shards
  bool names_service() const { return slice == kService; }
};
static_assert(sizeof(PtrRow) == 32);

// A PTR bucket: IPv4 rows in 16 bytes (most of a cluster's addresses),
// IPv6 rows as PtrRow; each sorted by address.
struct PtrBucket {
  struct V4 {
    uint32_t addr;  // host order, so that < sorts as the address does
    uint16_t slice;
    uint16_t endpoint;
    const ServiceRecords* records;
  };
  static_assert(sizeof(V4) == 16);
  std::vector<V4> v4;
  std::vector<PtrRow> v6;
};

class Snapshot {
 public:
  Snapshot() = default;
  // Everything in `objects` (unit tests, fuzzers).
  Snapshot(const Objects& objects, const BuildOptions& options);
  // `prev` (nullptr: nothing yet) with `changes` applied from `state`.
  static Snapshot next(const Snapshot* prev, const ObjectState& state, const Changes& changes,
                       const BuildOptions& options);

  const ServiceRecords* service(std::string_view ns, std::string_view name) const {
    auto shard = shards_.find(ns);
    if (shard == shards_.end()) return nullptr;
    auto it = shard->second->services.find(name);
    return it == shard->second->services.end() ? nullptr : it->second.get();
  }
  // A namespace that exists (a Namespace object, or any Service in it).
  bool has_namespace(std::string_view ns) const {
    return shards_.find(ns) != shards_.end() || (listed_ && listed_->find(ns) != listed_->end());
  }
  // f(row) for each PTR row of `ip`, Service rows first (no allocation).
  template <typename F>
  void for_each_reverse(const Ip& ip, F&& f) const {
    const auto& bucket = ptr_[bucket_of(ip)];
    if (!bucket) return;
    if (ip.v6) {
      auto it = std::lower_bound(bucket->v6.begin(), bucket->v6.end(), ip, [](const PtrRow& r, const Ip& a) { return r.ip < a; });
      for (; it != bucket->v6.end() && it->ip == ip; ++it) f(*it);
      return;
    }
    const uint32_t a = ip.v4_host_order();
    auto it = std::lower_bound(bucket->v4.begin(), bucket->v4.end(), a, [](const PtrBucket::V4& r, uint32_t x) { return r.addr < x; });
    for (; it != bucket->v4.end() && it->addr == a; ++it) f(PtrRow{ip, it->slice, it->endpoint, it->records});
  }
  // The same rows as a vector (tests, fuzzers).
  std::vector<PtrRow> reverse(const Ip& ip) const {
    std::vector<PtrRow> rows;
    for_each_reverse(ip, [&](const PtrRow& r) { rows.push_back(r); });
    return rows;
  }
  // `pods verified`: a pod of namespace `ns` has address `ip`.
  bool has_pod(std::string_view ns, const Ip& ip) const { return pods_ && pods_->has(ip, ns); }
  const PodIndex& pods() const {
    static const PodIndex none;
    return pods_ ? *pods_ : none;
  }
  size_t size() const { return services_; }  // Services served
  template <typename F>
  void for_each_service(F&& f) const {
    for (const auto& [ns, shard] : shards_)
      for (const auto& [name, rec] : shard->services) f(*rec);
  }

 private:
  static constexpr size_t kPtrBuckets = 1024;
  static size_t bucket_of(const Ip& ip) { return std::hash<std::string_view>{}(ip.key()) % kPtrBuckets; }

  std::unordered_map<std::string, std::shared_ptr<const NamespaceShard>, StringHash, std::equal_to<>> shards_;
  std::shared_ptr<const std::set<std::string, std::less<>>> listed_;  // wanted Namespace objects
  std::array<std::shared_ptr<const PtrBucket>, kPtrBuckets> ptr_;
  std::shared_ptr<const PodIndex> pods_;
  size_t services_ = 0;
};

}  // namespace skycore::plugins::kubernetes

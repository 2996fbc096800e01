#include "plugins/kubernetes/snapshot.h"

#include <algorithm>
#include <map>

namespace skycore::plugins::kubernetes {
namespace {

// PTR rows of one address: Service rows first, then by Service and endpoint,
// so an answer's order does not depend on the order of watch events.
bool row_before(const PtrRow& a, const PtrRow& b) {
  if (a.ip != b.ip) return a.ip < b.ip;
  if (a.names_service() != b.names_service()) return a.names_service();
  if (a.records != b.records) {
    const Service& x = a.records->service();
    const Service& y = b.records->service();
    if (x.ns != y.ns) return x.ns < y.ns;
    return x.name < y.name;
  }
  return a.slice < b.slice || (a.slice == b.slice && a.endpoint < b.endpoint);
}

}  // namespace

Snapshot::Snapshot(const Objects& objects, const BuildOptions& options) {
  ObjectCache cache;
  cache.load(objects);
  const bool stop = false;
  cache.wait_and_read(stop, std::chrono::milliseconds(0), [&](const ObjectState& state, const Changes& changes, size_t) {
    *this = next(nullptr, state, changes, options);
  });
}

Snapshot Snapshot::next(const Snapshot* prev, const ObjectState& state, const Changes& changes,
                        const BuildOptions& o) {
  Snapshot s = prev ? *prev : Snapshot();
  if (!prev || changes.namespaces) {
    auto listed = std::make_shared<std::set<std::string, std::less<>>>();
    for (const auto& ns : state.namespaces())
      if (o.wanted(ns)) listed->insert(ns);
    s.listed_ = std::move(listed);
  }
  if ((!prev || changes.pods) && (o.pod_index || o.pods_verified))
    s.pods_ = std::make_shared<const PodIndex>(state.pods(), o.pods_verified);

  // Shards this batch changes (copied once each), and per PTR bucket the
  // records whose rows leave it and the rows that join it.
  std::unordered_map<std::string, std::shared_ptr<NamespaceShard>> writable;
  struct Touched {
    std::vector<const ServiceRecords*> gone;
    std::vector<PtrRow> rows;
  };
  std::map<size_t, Touched> buckets;
  for (const std::string& key : changes.services) {
    auto [ns, name] = split_key(key);
    const ServiceRecords* old = s.service(ns, name);
    std::shared_ptr<const ServiceRecords> rec;
    if (auto svc = state.service_ptr(key); svc && o.wanted(ns))
      rec = std::make_shared<const ServiceRecords>(std::move(svc), state.slices_of(key), o);
    if (!old && !rec) continue;
    auto& shard = writable[std::string(ns)];
    if (!shard) {
      auto it = s.shards_.find(ns);
      shard = it == s.shards_.end() ? std::make_shared<NamespaceShard>() : std::make_shared<NamespaceShard>(*it->second);
    }
    if (old) {
      old->for_each_ptr([&](const Ip& ip, size_t, size_t) { buckets[bucket_of(ip)].gone.push_back(old); });
      shard->services.erase(name);
      --s.services_;
    }
    if (rec) {
      const ServiceRecords* r = rec.get();
      r->for_each_ptr([&](const Ip& ip, size_t si, size_t ei) {
        if (si != SIZE_MAX && (si >= PtrRow::kService || ei > UINT16_MAX)) return;
        buckets[bucket_of(ip)].rows.push_back(
            PtrRow{ip, si == SIZE_MAX ? PtrRow::kService : uint16_t(si), uint16_t(ei), r});
      });
      shard->services.emplace(r->service().name, std::move(rec));
      ++s.services_;
    }
  }
  for (auto& [ns, shard] : writable) {
    if (shard->services.empty()) s.shards_.erase(ns);
    else s.shards_[ns] = std::move(shard);
  }
  // The old records are still alive (the previous snapshot holds them), so
  // comparing their addresses is safe; rows of unchanged records stay.
  for (auto& [b, t] : buckets) {
    std::sort(t.gone.begin(), t.gone.end());
    std::sort(t.rows.begin(), t.rows.end(), row_before);  // the new rows only; the kept ones are sorted
    std::vector<PtrRow> merged;
    auto fresh = t.rows.begin();
    auto keep = [&](const PtrRow& row) {
      if (std::binary_search(t.gone.begin(), t.gone.end(), row.records)) return;
      while (fresh != t.rows.end() && row_before(*fresh, row)) merged.push_back(*fresh++);
      merged.push_back(row);
    };
    if (const auto& held = s.ptr_[b]) {
      merged.reserve(t.rows.size() + held->v4.size() + held->v6.size());
      for (const auto& r : held->v4) keep(PtrRow{Ip::from_v4_host_order(r.addr), r.slice, r.endpoint, r.records});  // IPv4 sorts first
      for (const auto& r : held->v6) keep(r);
    }
    merged.insert(merged.end(), fresh, t.rows.end());
    if (merged.empty()) {
      s.ptr_[b].reset();
      continue;
    }
    auto bucket = std::make_shared<PtrBucket>();
    for (const PtrRow& r : merged) {
      if (r.ip.v6) bucket->v6.push_back(r);
      else bucket->v4.push_back({r.ip.v4_host_order(), r.slice, r.endpoint, r.records});
    }
    bucket->v4.shrink_to_fit();
    bucket->v6.shrink_to_fit();
    s.ptr_[b] = std::move(bucket);
  }
  return s;
}

}  // namespace skycore::plugins::kubernetes

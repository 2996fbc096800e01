#include "plugins/cache/store.h"

#include "core/plugin/fnv1a.h"

#include <algorithm>
#include <cstring>

#include "core/wire/header.h"

namespace skycore::plugins::cache {

Key make_key(const wire::Query& q) {
  Key k;
  k.qname = q.qname_lower;
  k.qtype = q.qtype;
  k.qclass = q.qclass;
  k.flags = static_cast<uint8_t>((q.edns.do_bit ? 1 : 0) | ((q.flags & wire::flag::CD) ? 2 : 0));
  // Over the lowercased name and the rest of the key.
  k.hash = Fnv1a().bytes(k.qname.wire()).u16(k.qtype).u16(k.qclass).byte(k.flags).h;
  return k;
}

Store::Store(StoreLimits limits, size_t workers) : limits_(limits), counters_(workers) {
  // Reserved up to a modest size: a large capacity grows the map as entries
  // arrive instead of claiming all of its memory at start-up.
  const size_t per_shard = (limits_.capacity[0] + limits_.capacity[1]) / kShards + 1;
  for (auto& s : shards_) s.map.reserve(std::min<size_t>(per_shard, 16384));
}

size_t Store::entries(Kind k) const {
  size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mu);
    n += s.count[static_cast<size_t>(k)];
  }
  return n;
}

CounterTotals Store::counters() const {
  CounterTotals t;
  for (size_t i = 0; i < 3; ++i) {
    t.hits[i] = counters_.sum([i](const Counters& c) { return c.hits[i].get(); });
    t.evictions[i] = counters_.sum([i](const Counters& c) { return c.evictions[i].get(); });
    t.inserts[i] = counters_.sum([i](const Counters& c) { return c.inserts[i].get(); });
  }
  t.misses = counters_.sum([](const Counters& c) { return c.misses.get(); });
  t.prefetches = counters_.sum([](const Counters& c) { return c.prefetches.get(); });
  t.stale = counters_.sum([](const Counters& c) { return c.stale.get(); });
  return t;
}

Hit Store::lookup(const Key& key, Clock::time_point now, std::span<uint8_t> out, bool allow_stale,
                  uint16_t worker, bool verifying) {
  Counters& counters = counters_[worker];
  Shard& s = shard(key.hash);
  std::lock_guard lock(s.mu);
  auto it = s.map.find(key.hash);
  if (it == s.map.end() || !(it->second.key == key)) {
    counters.misses.add();
    return {};
  }
  Entry& e = it->second;
  auto age = static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(now - e.stored).count());
  Hit hit;
  hit.kind = e.kind;
  if (age >= e.lifetime) {
    bool within = limits_.serve_stale.count() > 0 &&
                  age < e.lifetime + static_cast<uint32_t>(limits_.serve_stale.count());
    if (!allow_stale || !within || e.wire.size() > out.size()) {
      if (!within) {  // past any use: drop it now
        --s.count[static_cast<size_t>(e.kind)];
        s.map.erase(it);
      }
      counters.misses.add();
      return {};
    }
    hit.found = Found::stale;
  } else {
    if (e.wire.size() > out.size()) return {};
    hit.found = Found::fresh;
  }
  std::memcpy(out.data(), e.wire.data(), e.wire.size());
  hit.len = e.wire.size();
  // Age every TTL in place; never promise more than we will keep it.
  uint32_t remaining = hit.found == Found::stale ? limits_.stale_ttl : e.lifetime - age;
  for (size_t i = 0; i < e.ttl_offsets.size(); ++i) {
    uint32_t ttl = e.ttls[i];
    if (hit.found == Found::stale) ttl = limits_.stale_ttl;
    else if (!limits_.keepttl) ttl = std::min(ttl > age ? ttl - age : 0, remaining);
    wire::store32(out.data() + e.ttl_offsets[i], ttl);
  }
  if (hit.found == Found::stale) {
    if (!verifying) counters.stale.add();
  } else {
    counters.hits[static_cast<size_t>(e.kind)].add();
  }
  // Prefetch: popular (AMOUNT hits with no gap of the window or more between
  // them, as CoreDNS defines it) and nearly expired.
  if (limits_.prefetch_amount > 0 && hit.found == Found::fresh && !e.prefetching) {
    if (now - e.last_hit >= limits_.prefetch_window) e.window_hits = 0;
    e.last_hit = now;
    ++e.window_hits;
    // CoreDNS's threshold: PERCENTAGE of the original TTL, rounded up, so a
    // 5 s TTL at 10% prefetches with 1 s left (it never did when compared
    // unrounded: 1 s is 20%).
    uint64_t threshold = (uint64_t(e.lifetime) * limits_.prefetch_percentage + 99) / 100;
    if (e.window_hits >= limits_.prefetch_amount && remaining <= threshold) {
      e.prefetching = true;
      hit.prefetch_due = true;
      counters.prefetches.add();
    }
  }
  if (hit.found == Found::stale && !e.prefetching && now >= e.recheck_after) {
    e.prefetching = true;  // one refresh at a time
    hit.prefetch_due = true;
  }
  return hit;
}

void Store::refresh_failed(const Key& key, Clock::time_point now) {
  Shard& s = shard(key.hash);
  std::lock_guard lock(s.mu);
  auto it = s.map.find(key.hash);
  if (it == s.map.end() || !(it->second.key == key)) return;
  it->second.prefetching = false;
  it->second.recheck_after = now + limits_.failure_recheck;
}

void Store::prefetch_done(const Key& key) {
  Shard& s = shard(key.hash);
  std::lock_guard lock(s.mu);
  auto it = s.map.find(key.hash);
  if (it != s.map.end() && it->second.key == key) it->second.prefetching = false;
}

void Store::evict_one(Shard& s, Kind kind, Counters& counters) {
  // Random eviction, as CoreDNS does. Not the map's first entry: in
  // libstdc++ that is usually the newest one, so the cache kept whatever
  // it held first (until its TTL ran out) and every new answer churned
  // through one slot. A random bucket, then the first entry of this kind
  // from there on.
  const size_t buckets = s.map.bucket_count();
  if (buckets == 0) return;
  s.rng ^= s.rng << 13;
  s.rng ^= s.rng >> 7;
  s.rng ^= s.rng << 17;
  const size_t start = s.rng % buckets;
  for (size_t i = 0; i < buckets; ++i) {
    const size_t b = (start + i) % buckets;
    for (auto it = s.map.begin(b); it != s.map.end(b); ++it) {
      if (it->second.kind != kind) continue;
      const uint64_t key = it->first;
      s.map.erase(key);
      --s.count[static_cast<size_t>(kind)];
      counters.evictions[static_cast<size_t>(kind)].add();
      return;
    }
  }
}

void Store::insert(const Key& key, std::span<const uint8_t> msg, Analysis a, Clock::time_point now,
                   uint16_t worker) {
  Counters& counters = counters_[worker];
  Entry e{key, a.kind, {msg.begin(), msg.end()}, std::move(a.ttl_offsets), {}, a.ttl, now, now, 0, false};
  e.ttls.reserve(e.ttl_offsets.size());
  for (uint16_t off : e.ttl_offsets) e.ttls.push_back(wire::load32(e.wire.data() + off));
  size_t k = static_cast<size_t>(a.kind);
  // The capacity is split over the shards exactly, so it stays a hard limit
  // even when it is smaller than the number of shards.
  size_t index = key.hash % kShards;
  size_t per_shard = limits_.capacity[k] / kShards + (index < limits_.capacity[k] % kShards ? 1 : 0);
  if (per_shard == 0) return;
  Shard& s = shard(key.hash);
  std::lock_guard lock(s.mu);
  auto it = s.map.find(key.hash);
  if (limits_.prefer_positive && a.kind != Kind::success && it != s.map.end() && it->second.key == key &&
      it->second.kind == Kind::success) {
    // serve_stale_policy prefer_positive: the last good answer stays while
    // it may still be served stale.
    const Entry& old = it->second;
    auto age = std::chrono::duration_cast<std::chrono::seconds>(now - old.stored);
    if (age < std::chrono::seconds(old.lifetime) + limits_.serve_stale) return;
  }
  if (it != s.map.end()) {  // refresh (or a hash collision: the newer answer wins)
    --s.count[static_cast<size_t>(it->second.kind)];
    s.map.erase(it);
  }
  while (s.count[k] >= per_shard) evict_one(s, a.kind, counters);
  s.map.emplace(key.hash, std::move(e));
  ++s.count[k];
  counters.inserts[k].add();
}

}  // namespace skycore::plugins::cache

#include "plugins/skydns-registry/snapshot_builder.h"

#include <algorithm>

namespace skycore::plugins::skydns_registry {

void SnapshotBuilder::set(std::string_view uuid, EntryPtr e) {
  auto it = effective_.find(uuid);
  EntryPtr old = it == effective_.end() ? nullptr : it->second;
  if (old == e) return;
  if (old) {
    auto g = groups_.find(old->env_service);
    g->second.erase(old->service.uuid);
    dirty_groups_.push_back(old->env_service);
    if (g->second.empty()) groups_.erase(g);
    effective_.erase(it);  // its key views the old entry
  }
  dirty_uuids_.emplace_back(uuid);
  changed_ = true;
  if (!e) return;
  const Entry& entry = *e;
  groups_[entry.env_service].emplace(entry.service.uuid, e);
  dirty_groups_.push_back(entry.env_service);
  effective_.emplace(entry.service.uuid, std::move(e));
}

void SnapshotBuilder::set_records(std::vector<RecordPtr> records) {
  last_.records_ = std::make_shared<const RecordList>(std::move(records));
  changed_ = true;
}

EntryPtr SnapshotBuilder::get(std::string_view uuid) const {
  auto it = effective_.find(uuid);
  return it == effective_.end() ? nullptr : it->second;
}

namespace {
// Replaces (or, with null, removes) the element of `shard` for the key
// that `is` recognises, keeping the shard sorted by hash.
template <typename Shard, typename Ptr, typename Is>
void put_hashed(Shard& shard, uint64_t hash, Ptr ptr, Is is) {
  auto it = std::lower_bound(shard.begin(), shard.end(), hash,
                             [](const auto& h, uint64_t want) { return h.hash < want; });
  for (; it != shard.end() && it->hash == hash; ++it)
    if (is(*it->ptr)) break;
  bool found = it != shard.end() && it->hash == hash;
  if (found && ptr) it->ptr = std::move(ptr);
  else if (found) shard.erase(it);
  else if (ptr) shard.insert(it, {hash, std::move(ptr)});
}

// Sorted and without repeats, in place.
void unique_sorted(std::vector<std::string>& keys) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
}

// Each touched shard of `shards` is copied once from `last`, changed by
// `change(shard, key, hash)` for every key in it, and replaced.
template <typename Shard, typename Change>
void rebuild(ShardTable<Shard>& shards, const std::vector<std::string>& keys, Change change) {
  std::vector<std::pair<size_t, const std::string*>> by_shard;
  by_shard.reserve(keys.size());
  for (const auto& k : keys) by_shard.emplace_back(shard_of(key_hash(k)), &k);
  std::sort(by_shard.begin(), by_shard.end());
  std::vector<std::pair<size_t, std::shared_ptr<const Shard>>> fresh;
  for (size_t i = 0; i < by_shard.size();) {
    size_t s = by_shard[i].first;
    auto copy = std::make_shared<Shard>(shards[s]);
    for (; i < by_shard.size() && by_shard[i].first == s; ++i) change(*copy, *by_shard[i].second);
    fresh.emplace_back(s, std::move(copy));
  }
  shards.replace(fresh);
}
}  // namespace

std::shared_ptr<const Snapshot> SnapshotBuilder::build() {
  unique_sorted(dirty_groups_);
  unique_sorted(dirty_uuids_);
  rebuild(last_.groups_, dirty_groups_, [&](GroupShard& shard, const std::string& key) {
    GroupPtr group;
    auto g = groups_.find(key);
    if (g != groups_.end()) {
      auto fresh = std::make_shared<Group>();
      fresh->reserve(g->second.size());
      for (const auto& [_, e] : g->second) fresh->push_back(e);
      group = std::move(fresh);
    }
    put_hashed(shard, key_hash(key), std::move(group), [&](const Group& old) { return old.front()->env_service == key; });
  });
  rebuild(last_.uuids_, dirty_uuids_, [&](UuidShard& shard, const std::string& uuid) {
    put_hashed(shard, key_hash(uuid), get(uuid), [&](const Entry& old) { return old.service.uuid == uuid; });
  });
  dirty_groups_.clear();
  dirty_uuids_.clear();
  changed_ = false;
  last_.size_ = effective_.size();
  return std::make_shared<const Snapshot>(last_);
}

}  // namespace skycore::plugins::skydns_registry

#include "plugins/skydns-registry/snapshot_builder.h"

#include <algorithm>
#include <map>

namespace skycore::plugins::skydns_registry {

void SnapshotBuilder::set(std::string_view uuid, EntryPtr e) {
  pending_[std::string(uuid)] = std::move(e);
  changed_ = true;
}

void SnapshotBuilder::set_records(std::vector<RecordPtr> records) {
  last_.records_ = std::make_shared<const RecordList>(std::move(records));
  changed_ = true;
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

// Each touched shard of `shards` is copied once, changed by
// `change(shard, key)` for every key that falls in it, and replaced.
template <typename Shard, typename Key, typename Change>
void rebuild(ShardTable<Shard>& shards, const std::vector<Key>& keys, Change change) {
  std::vector<std::pair<size_t, const Key*>> by_shard;
  by_shard.reserve(keys.size());
  for (const auto& k : keys) by_shard.emplace_back(shard_of(key_hash(k)), &k);
  std::sort(by_shard.begin(), by_shard.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::pair<size_t, std::shared_ptr<const Shard>>> fresh;
  for (size_t i = 0; i < by_shard.size();) {
    size_t s = by_shard[i].first;
    auto copy = std::make_shared<Shard>(shards[s]);
    for (; i < by_shard.size() && by_shard[i].first == s; ++i) change(*copy, *by_shard[i].second);
    fresh.emplace_back(s, std::move(copy));
  }
  shards.replace(fresh);
}

bool by_uuid(const EntryPtr& a, std::string_view uuid) { return a->service.uuid() < uuid; }
}  // namespace

std::shared_ptr<const Snapshot> SnapshotBuilder::build() {
  // Per touched group: the uuids that leave it and the entries that join it.
  struct GroupChange {
    std::vector<std::string_view> leave;
    std::vector<EntryPtr> join;
  };
  // Keys and leaving uuids are views into old entries, alive in last_ until
  // its shards are replaced below, after this map is gone.
  std::map<std::string_view, GroupChange> groups;
  std::vector<std::string> uuids;
  for (auto& [uuid, e] : pending_) {
    const Entry* old = last_.by_uuid(uuid);
    if (old == e.get()) continue;
    if (old) {
      groups[old->env_service()].leave.push_back(old->service.uuid());
    }
    if (e) groups[e->env_service()].join.push_back(e);
    uuids.push_back(uuid);
  }
  std::vector<std::pair<std::string, GroupPtr>> rebuilt;
  for (auto& [key, change] : groups) {
    const Group* before = last_.group_by_key(key);
    auto g = std::make_shared<Group>(before ? *before : Group{});
    for (std::string_view uuid : change.leave) {
      auto it = std::lower_bound(g->begin(), g->end(), uuid, by_uuid);
      if (it != g->end() && (*it)->service.uuid() == uuid) g->erase(it);
    }
    for (auto& e : change.join) {
      auto it = std::lower_bound(g->begin(), g->end(), e->service.uuid(), by_uuid);
      if (it != g->end() && (*it)->service.uuid() == e->service.uuid()) *it = e;
      else g->insert(it, e);
    }
    rebuilt.emplace_back(std::string(key), g->empty() ? nullptr : GroupPtr(std::move(g)));
  }
  groups.clear();
  std::vector<std::string> group_keys;
  std::unordered_map<std::string, GroupPtr> group_of;
  for (auto& [key, g] : rebuilt) {
    group_keys.push_back(key);
    group_of[key] = std::move(g);
  }
  rebuild(last_.groups_, group_keys, [&](GroupShard& shard, const std::string& key) {
    put_hashed(shard, key_hash(key), group_of[key], [&](const Group& old) { return old.front()->env_service() == key; });
  });
  size_t size = last_.size_;
  for (const auto& uuid : uuids) {
    bool had = last_.by_uuid(uuid) != nullptr;
    bool has = pending_[uuid] != nullptr;
    size += has - had;
  }
  rebuild(last_.uuids_, uuids, [&](UuidShard& shard, const std::string& uuid) {
    put_hashed(shard, key_hash(uuid), pending_[uuid], [&](const Entry& old) { return old.service.uuid() == uuid; });
  });
  pending_.clear();
  changed_ = false;
  last_.size_ = size;
  return std::make_shared<const Snapshot>(last_);
}

}  // namespace skycore::plugins::skydns_registry

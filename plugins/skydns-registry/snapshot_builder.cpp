#include "plugins/skydns-registry/snapshot_builder.h"

#include <algorithm>

namespace skycore::plugins::skydns_registry {

void SnapshotBuilder::set(std::string_view uuid, EntryPtr e) {
  pending_.emplace_back(std::string(uuid), std::move(e));
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

// Each shard of `shards` that one of `items` (key, pointer) falls in is
// copied once, given every item's pointer under its key, and replaced.
template <typename Shard, typename Ptr, typename Is>
void rebuild(ShardTable<Shard>& shards, std::vector<std::pair<std::string_view, Ptr>>& items, Is is) {
  struct At {
    size_t shard;
    uint64_t hash;
    size_t item;
  };
  std::vector<At> at;
  at.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    uint64_t h = key_hash(items[i].first);
    at.push_back({shard_of(h), h, i});
  }
  std::sort(at.begin(), at.end(), [](const At& a, const At& b) { return a.shard < b.shard; });
  std::vector<std::pair<size_t, std::shared_ptr<const Shard>>> fresh;
  for (size_t i = 0; i < at.size();) {
    size_t s = at[i].shard;
    auto copy = std::make_shared<Shard>(shards[s]);
    for (; i < at.size() && at[i].shard == s; ++i) {
      auto& item = items[at[i].item];
      std::string_view key = item.first;  // (clang 14 captures no structured binding)
      put_hashed(*copy, at[i].hash, std::move(item.second), [&](const auto& old) { return is(old, key); });
    }
    fresh.emplace_back(s, std::move(copy));
  }
  shards.replace(fresh);
}

bool uuid_before(const EntryPtr& a, std::string_view uuid) { return a->service.uuid() < uuid; }
}  // namespace

std::shared_ptr<const Snapshot> SnapshotBuilder::build() {
  // The last set of a uuid wins.
  std::stable_sort(pending_.begin(), pending_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::pair<std::string_view, EntryPtr>> uuids;
  // What each touched group loses (null: the entry with that uuid leaves)
  // and gains. Views point into old entries, alive in last_ until its uuid
  // shards are replaced at the end.
  struct Edit {
    std::string_view group, uuid;
    EntryPtr join;
  };
  std::vector<Edit> edits;
  size_t size = last_.size_;
  for (size_t i = 0; i < pending_.size(); ++i) {
    if (i + 1 < pending_.size() && pending_[i + 1].first == pending_[i].first) continue;
    auto& [uuid, e] = pending_[i];
    const Entry* old = last_.by_uuid(uuid);
    if (old == e.get()) continue;
    if (old) edits.push_back({old->env_service(), old->service.uuid(), nullptr});
    if (e) edits.push_back({e->env_service(), e->service.uuid(), e});
    size += (e != nullptr) - (old != nullptr);
    uuids.emplace_back(uuid, e);
  }
  std::stable_sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) { return a.group < b.group; });
  std::vector<std::pair<std::string_view, GroupPtr>> groups;
  for (size_t i = 0; i < edits.size();) {
    std::string_view key = edits[i].group;
    const Group* before = last_.group_by_key(key);
    auto g = std::make_shared<Group>(before ? *before : Group{});
    for (; i < edits.size() && edits[i].group == key; ++i) {
      auto it = std::lower_bound(g->begin(), g->end(), edits[i].uuid, uuid_before);
      bool there = it != g->end() && (*it)->service.uuid() == edits[i].uuid;
      if (!edits[i].join) {
        if (there) g->erase(it);
      } else if (there) {
        *it = std::move(edits[i].join);
      } else {
        g->insert(it, std::move(edits[i].join));
      }
    }
    groups.emplace_back(key, g->empty() ? nullptr : GroupPtr(std::move(g)));
  }
  rebuild(last_.groups_, groups, [](const Group& old, std::string_view key) { return old.front()->env_service() == key; });
  groups.clear();
  edits.clear();
  rebuild(last_.uuids_, uuids, [](const Entry& old, std::string_view uuid) { return old.service.uuid() == uuid; });
  uuids.clear();
  pending_.clear();
  changed_ = false;
  last_.size_ = size;
  return std::make_shared<const Snapshot>(last_);
}

}  // namespace skycore::plugins::skydns_registry

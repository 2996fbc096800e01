#include "plugins/skydns-registry/snapshot_builder.h"

namespace skycore::plugins::skydns_registry {

void SnapshotBuilder::set(std::string_view uuid, EntryPtr e) {
  auto it = effective_.find(uuid);
  EntryPtr old = it == effective_.end() ? nullptr : it->second;
  if (old == e) return;
  if (old) {
    auto g = groups_.find(old->env_service);
    g->second.erase(old->service.uuid);
    dirty_groups_.insert(old->env_service);
    if (g->second.empty()) groups_.erase(g);
    effective_.erase(it);  // its key views the old entry
  }
  dirty_uuids_.insert(std::string(uuid));
  changed_ = true;
  if (!e) return;
  const Entry& entry = *e;
  groups_[entry.env_service].emplace(entry.service.uuid, e);
  dirty_groups_.insert(entry.env_service);
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

std::shared_ptr<const Snapshot> SnapshotBuilder::build() {
  // Groups first, then each touched shard once, copied from the last one.
  std::map<size_t, GroupShard> shards;
  for (const std::string& key : dirty_groups_) {
    size_t s = shard_of(key);
    auto [at, fresh] = shards.try_emplace(s);
    if (fresh) at->second = *last_.groups_[s];
    at->second.erase(key);
    auto g = groups_.find(key);
    if (g == groups_.end()) continue;
    auto group = std::make_shared<Group>();
    group->reserve(g->second.size());
    for (const auto& [_, e] : g->second) group->push_back(e);
    at->second.emplace(group->front()->env_service, std::move(group));
  }
  for (auto& [s, shard] : shards) last_.groups_[s] = std::make_shared<const GroupShard>(std::move(shard));

  std::map<size_t, UuidShard> uuids;
  for (const std::string& uuid : dirty_uuids_) {
    size_t s = shard_of(uuid);
    auto [at, fresh] = uuids.try_emplace(s);
    if (fresh) at->second = *last_.uuids_[s];
    at->second.erase(uuid);
    if (auto e = get(uuid)) at->second.emplace(e->service.uuid, std::move(e));
  }
  for (auto& [s, shard] : uuids) last_.uuids_[s] = std::make_shared<const UuidShard>(std::move(shard));

  dirty_groups_.clear();
  dirty_uuids_.clear();
  changed_ = false;
  last_.size_ = effective_.size();
  return std::make_shared<const Snapshot>(last_);
}

}  // namespace skycore::plugins::skydns_registry

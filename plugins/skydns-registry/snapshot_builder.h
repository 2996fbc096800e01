// Keeps the registry's published pieces (snapshot.h) and rebuilds only the
// ones a change touched: setting one uuid costs O(log n) here, and build()
// copies the touched group and its two shards (flat vectors of about n/256
// pointers each: one allocation apiece) and shares the rest with the
// previous snapshot. Not thread-safe: the
// registry calls it under its own lock.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "plugins/skydns-registry/snapshot.h"

namespace skycore::plugins::skydns_registry {

class SnapshotBuilder {
 public:
  // What `uuid` publishes as from the next build on (null: nothing).
  void set(std::string_view uuid, EntryPtr e);
  void set_records(std::vector<RecordPtr> records);
  // What `uuid` publishes as now (null: nothing).
  EntryPtr get(std::string_view uuid) const;
  bool changed() const { return changed_; }
  // A snapshot of everything set so far.
  std::shared_ptr<const Snapshot> build();

 private:
  // Keys that are views point into the entries their values keep alive.
  std::unordered_map<std::string_view, EntryPtr> effective_;
  std::unordered_map<std::string, std::map<std::string_view, EntryPtr>> groups_;  // by env_service
  std::vector<std::string> dirty_groups_, dirty_uuids_;  // repeats allowed until build()
  bool changed_ = false;
  Snapshot last_;
};

}  // namespace skycore::plugins::skydns_registry

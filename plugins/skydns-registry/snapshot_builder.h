// Keeps the registry's published pieces (snapshot.h) and rebuilds only the
// ones a change touched. It holds nothing per service beside the last
// snapshot itself: set() notes the change, and build() finds each changed
// uuid's old entry there, copies the groups it leaves and joins and their
// shards (flat vectors of about n/4096 pointers), and shares every other
// piece with the previous snapshot. Not thread-safe: the registry calls it
// under its own lock.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/skydns-registry/snapshot.h"

namespace skycore::plugins::skydns_registry {

class SnapshotBuilder {
 public:
  // What `uuid` publishes as from the next build on (null: nothing).
  void set(std::string_view uuid, EntryPtr e);
  void set_records(std::vector<RecordPtr> records);
  bool changed() const { return changed_; }
  // A snapshot of everything set so far.
  std::shared_ptr<const Snapshot> build();

 private:
  std::vector<std::pair<std::string, EntryPtr>> pending_;  // since the last build, in order
  bool changed_ = false;
  Snapshot last_;
};

}  // namespace skycore::plugins::skydns_registry

// An immutable view of the registry for DNS workers: services indexed by
// environment and by (environment, service), so the usual query touches one
// bucket. Built by the control plane on every change; never modified after.
#pragma once
#include <array>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/wire/name.h"
#include "plugins/skydns-registry/etcd_record.h"
#include "plugins/skydns-registry/service.h"

namespace skycore::plugins::skydns_registry {

// Label positions in a SkyDNS name, left to right.
enum Position { kUuid, kHost, kRegion, kVersion, kService, kEnvironment, kPositions };

struct Entry {
  Service service;
  std::array<std::string, kPositions> labels;  // lowercased, dashed
  std::string env_service;                     // "environment/service", an index key
  wire::Name host_name;                        // SRV target for a named host (parsed once)
  bool ip = false;
  bool v6 = false;
  std::array<uint8_t, 16> addr{};  // network order; first 4 bytes for IPv4
};
using EntryPtr = std::shared_ptr<const Entry>;
// Entries are built once per registration and shared by every snapshot
// that holds them, so publishing a change does not copy the registry.
EntryPtr make_entry(Service s);

// A query name relative to the zone, as labels left to right; "*" and "any"
// match anything. Fewer labels than positions leave the leftmost ones open.
struct Pattern {
  std::array<std::string_view, kPositions> at{};  // empty = any
  bool region_named() const { return !at[kRegion].empty(); }
};
// Builds a pattern; false if there are more labels than positions.
bool make_pattern(std::span<const std::string_view> labels, Pattern& out);

class Snapshot {
 public:
  explicit Snapshot(std::vector<EntryPtr> entries, std::vector<RecordPtr> records = {});

  // Calls f(const Entry&) for each live entry matching `p`, ignoring the
  // region label when `ignore_region` (SRV answers rank regions instead).
  template <typename F>
  void for_each_match(const Pattern& p, bool ignore_region, WallClock::time_point now, F&& f) const;
  const Entry* by_uuid(std::string_view uuid) const;
  size_t size() const { return entries_.size(); }
  // Records other CoreDNS-etcd tools wrote (usually none), in key order.
  std::span<const RecordPtr> records() const { return records_; }

 private:
  // Keys are views into the entries, which this snapshot keeps alive.
  using Index = std::unordered_map<std::string_view, std::vector<uint32_t>>;
  const std::vector<uint32_t>* bucket(const Pattern& p) const;

  std::vector<EntryPtr> entries_;
  std::vector<RecordPtr> records_;
  std::vector<uint32_t> all_;
  Index by_env_;
  Index by_env_service_;  // key: environment + '/' + service
  Index by_uuid_;
};

inline bool label_matches(std::string_view want, const std::string& have) {
  return want.empty() || want == "*" || want == "any" || want == have;
}

template <typename F>
void Snapshot::for_each_match(const Pattern& p, bool ignore_region, WallClock::time_point now,
                              F&& f) const {
  const auto* b = bucket(p);
  if (!b) return;
  for (uint32_t i : *b) {
    const Entry& e = *entries_[i];
    if (e.service.expired(now)) continue;  // gone at once, before the purge runs
    bool ok = true;
    for (int pos = 0; pos < kPositions && ok; ++pos) {
      if (ignore_region && pos == kRegion) continue;
      ok = label_matches(p.at[pos], e.labels[pos]);
    }
    if (ok) f(e);
  }
}

}  // namespace skycore::plugins::skydns_registry

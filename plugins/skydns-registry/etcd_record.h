// A record that another SkyDNS 2 / CoreDNS-etcd tool wrote under the zone and
// that is not a skycore registration: any depth below the zone, and the
// value fields CoreDNS's msg.Service has (host, port, priority, weight,
// text, mail, ttl, targetstrip, group). Served as CoreDNS's etcd plugin
// serves it: A/AAAA for an address host, CNAME for a named one, SRV and MX
// (mail) with the IP host's own name as target, TXT from text.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/wire/name.h"

namespace skycore::plugins::skydns_registry {

// The deepest name (labels below the zone) a query can name; deeper
// records are not loaded.
inline constexpr size_t kMaxLabels = 16;

struct Record {
  std::string key;
  std::vector<std::string> path;  // labels below the zone, top-down, lowercased
  std::string host;
  bool ip = false, v6 = false;
  std::array<uint8_t, 16> addr{};
  wire::Name host_name;  // for a named host, already stripped of `targetstrip` labels
  uint16_t port = 0;
  uint16_t priority = 10;  // CoreDNS's default when the value has none
  uint16_t weight = 0;     // 0: share the priority's 100 equally
  std::string text;
  bool mail = false;
  uint32_t ttl = 300;  // the value's "ttl", else CoreDNS's default
  unsigned targetstrip = 0;
  std::string group;
  int64_t revision = 0;

  // The record's own name (the key as a name), less `targetstrip` labels:
  // the SRV/MX target of an IP host. False if it does not fit.
  bool own_name(const wire::Name& zone, wire::Name& out) const;
};
using RecordPtr = std::shared_ptr<const Record>;

// Builds a record from a key (relative to the zone's path, split on '/')
// and a JSON value; nullopt with `why` when the value is not a usable object.
std::optional<RecordPtr> make_record(std::string key, std::vector<std::string> path,
                                     const std::string& value, int64_t revision, std::string& why);

// Whether the query labels (left to right, above the zone) name the record
// or a path above it; "*" and "any" match any label.
inline bool record_matches(const Record& r, std::span<const std::string_view> labels) {
  if (labels.size() > r.path.size()) return false;
  for (size_t i = 0; i < labels.size(); ++i) {
    std::string_view q = labels[labels.size() - 1 - i];
    if (q != "*" && q != "any" && q != r.path[i]) return false;
  }
  return true;
}

}  // namespace skycore::plugins::skydns_registry

// Query-name helpers every plugin that answers for zones needs: the longest
// zone a name falls in, its labels left to right (views, no copies), the
// address a reverse name stands for, and names relative to a zone.
#pragma once
#include <array>
#include <optional>
#include <span>
#include <string_view>

#include "core/plugin/ip_bytes.h"
#include "core/wire/name.h"

namespace skycore {

// The most specific of `zones` that `name` equals or lies below; null if none.
// Names compare case-insensitively.
const wire::Name* longest_zone(std::span<const wire::Name> zones, const wire::Name& name);
bool in_any_zone(std::span<const wire::Name> zones, const wire::Name& name);

// Under in-addr.arpa. or ip6.arpa.
bool is_reverse_zone(const wire::Name& zone);

// A name's labels, left to right, as views into the name (which must outlive
// this). A name of 255 bytes has at most 127 labels, so every label fits
// whatever a client sends.
class QnameLabels {
 public:
  explicit QnameLabels(const wire::Name& name);
  std::span<const std::string_view> all() const { return {at_.data(), count_}; }
  // The labels in front of `zone` (which `name` must lie in): "a.b" of a.b.zone.
  std::span<const std::string_view> above(const wire::Name& zone) const {
    return {at_.data(), count_ - std::min(count_, zone.label_count())};
  }

 private:
  std::array<std::string_view, 128> at_;
  size_t count_ = 0;
};

// The address a full reverse name stands for: d.c.b.a.in-addr.arpa. or 32
// nibbles under ip6.arpa. (`name` lowercased). A v4-mapped IPv6 name gives
// the IPv4 address, as Go's net.IP does for CoreDNS. nullopt for a partial
// name, a leading zero, a bad digit.
std::optional<IpBytes> reverse_address(const wire::Name& name);

// `zone` with the relative name `rel` ("svc1.testns.svc") in front; false
// (and `out` unspecified) if the result exceeds a name's limits.
bool join_relative(const wire::Name& zone, std::string_view rel, wire::Name& out);

}  // namespace skycore

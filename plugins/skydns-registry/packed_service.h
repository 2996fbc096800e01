// A Service as the published snapshot keeps it: its text fields (and a few
// derived ones, `extras`) one after another in one buffer, with 16-bit
// offsets, instead of seven std::strings. At 100,000 registrations that is
// the difference between about 25 MB and 50 MB. Immutable; unpack() gives
// back the Service the API shows.
#pragma once
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "plugins/skydns-registry/service.h"

namespace skycore::plugins::skydns_registry {

class PackedService {
 public:
  static constexpr size_t kMaxExtras = 4;
  // Throws std::length_error past 64 KiB of text (fields are DNS labels and
  // names; an etcd key is a few hundred bytes).
  PackedService(const Service& s, std::initializer_list<std::string_view> extras);

  std::string_view uuid() const { return field(kUuidAt); }
  std::string_view name() const { return field(kNameAt); }
  std::string_view version() const { return field(kVersionAt); }
  std::string_view environment() const { return field(kEnvironmentAt); }
  std::string_view region() const { return field(kRegionAt); }
  std::string_view host() const { return field(kHostAt); }
  std::string_view key() const { return field(kKeyAt); }
  std::string_view extra(size_t i) const { return field(kFixed + i); }

  uint16_t port = 0;
  uint32_t ttl = 0;
  WallClock::time_point expires{};
  int64_t revision = 0;
  int64_t lease = 0;
  DetailsPtr details;
  Health health = Health::passing;

  bool expired(WallClock::time_point now) const { return ttl > 0 && now >= expires; }
  uint32_t remaining(WallClock::time_point now) const;
  bool same_body(const Service& o) const {
    return name() == o.name && version() == o.version && environment() == o.environment &&
           region() == o.region && host() == o.host && port == o.port && same_details(details, o.details);
  }
  bool has_checks() const { return details && !details->checks.empty(); }
  Service unpack() const;
  operator Service() const { return unpack(); }  // NOLINT: reads as the Service it packs

 private:
  enum { kUuidAt, kNameAt, kVersionAt, kEnvironmentAt, kRegionAt, kHostAt, kKeyAt, kFixed };
  std::string_view field(size_t i) const { return std::string_view(text_).substr(at_[i], at_[i + 1] - at_[i]); }
  std::string text_;
  std::array<uint16_t, kFixed + kMaxExtras + 1> at_{};
};

}  // namespace skycore::plugins::skydns_registry

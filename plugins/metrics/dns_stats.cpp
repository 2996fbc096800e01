#include "plugins/metrics/dns_stats.h"

#include "core/wire/types.h"

namespace skycore::plugins::metrics {

const std::array<double, kDurationBounds>& duration_bounds() {
  static const auto b = [] {
    std::array<double, kDurationBounds> a{};
    for (size_t i = 0; i < a.size(); ++i) a[i] = 0.00025 * double(1u << i);
    return a;
  }();
  return b;
}

const std::array<double, kSizeBounds>& size_bounds() {
  // CoreDNS's buckets for request and response sizes.
  static const std::array<double, kSizeBounds> b = {0,    100,  200,   300,   400,   511,   1023,
                                                    2047, 4095, 8291, 16000, 32000, 48000, 64000};
  return b;
}

namespace {
constexpr uint16_t kSlotTypes[kTypeSlots - 1] = {
    wire::rrtype::A,   wire::rrtype::AAAA, wire::rrtype::CNAME, wire::rrtype::MX, wire::rrtype::NS,
    wire::rrtype::PTR, wire::rrtype::SOA,  wire::rrtype::SRV,   wire::rrtype::TXT, 43 /*DS*/,
    48 /*DNSKEY*/,     46 /*RRSIG*/,       47 /*NSEC*/,          50 /*NSEC3*/,     65 /*HTTPS*/,
    64 /*SVCB*/,       wire::rrtype::IXFR, wire::rrtype::AXFR,  wire::rrtype::ANY};
}

size_t type_slot(uint16_t qtype) {
  for (size_t i = 0; i < kTypeSlots - 1; ++i)
    if (kSlotTypes[i] == qtype) return i;
  return kTypeSlots - 1;
}

const char* type_slot_name(size_t slot) {
  if (slot >= kTypeSlots - 1) return "other";
  const char* n = wire::type_name(kSlotTypes[slot]);
  return n ? n : (slot == 13 ? "NSEC3" : "other");
}

ZoneStats& WorkerStats::zone(std::string_view server, std::string_view zone) {
  // The views point into the server's listener and zone tables, which do
  // not move: comparing addresses first makes the usual lookup a few loads.
  for (auto& z : zones)
    if (z->server_key == server.data() && z->zone_key == zone.data()) return *z;
  for (auto& z : zones)
    if (z->server == server && z->zone == zone) return *z;
  auto fresh = std::make_unique<ZoneStats>();
  fresh->server = server;
  fresh->zone = zone;
  fresh->server_key = server.data();
  fresh->zone_key = zone.data();
  std::lock_guard lock(mu);
  zones.push_back(std::move(fresh));
  return *zones.back();
}

size_t WorkerStats::plugin_slot(std::string_view plugin) {
  size_t n = plugin_count.load(std::memory_order_relaxed);
  for (size_t i = 0; i < n; ++i)
    if (plugins[i] == plugin) return i;
  if (n == kPluginSlots) return 0;
  std::lock_guard lock(mu);
  plugins[n] = plugin;
  plugin_count.store(n + 1, std::memory_order_release);
  return n;
}

}  // namespace skycore::plugins::metrics

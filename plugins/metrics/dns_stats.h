// Per-worker DNS counters for the metrics plugin. Each worker writes only its
// own (single writer: a relaxed load+store, no lock prefix, no lock); a
// scrape sums the workers. New (server, zone) pairs are added under a
// per-worker mutex the scraper also takes; that happens once per pair.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace skycore::plugins::metrics {

inline constexpr size_t kTypeSlots = 20;     // common types + "other"
inline constexpr size_t kRcodeSlots = 24;
inline constexpr size_t kPluginSlots = 16;   // distinct answering plugins (+ "" = core)
inline constexpr size_t kDurationBounds = 16;  // 0.25 ms doubling to 8.192 s
inline constexpr size_t kSizeBounds = 14;

const std::array<double, kDurationBounds>& duration_bounds();
const std::array<double, kSizeBounds>& size_bounds();
size_t type_slot(uint16_t qtype);
const char* type_slot_name(size_t slot);

struct Counter {
  std::atomic<uint64_t> v{0};
  void add(uint64_t n = 1) { v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  uint64_t get() const { return v.load(std::memory_order_relaxed); }
};

struct ZoneStats {
  std::string server, zone;
  const char* server_key = nullptr;  // the views' addresses, for a fast match
  const char* zone_key = nullptr;
  Counter requests[2][2][kTypeSlots];  // [udp|tcp][ipv4|ipv6][type]
  Counter responses[kRcodeSlots][kPluginSlots];
  Counter duration[kDurationBounds + 1];
  Counter duration_sum_ns;
  Counter request_size[2][kSizeBounds + 1], request_size_sum[2];
  Counter response_size[2][kSizeBounds + 1], response_size_sum[2];
};

class WorkerStats {
 public:
  // Finds or adds the stats for this pair (only the owning worker calls it).
  ZoneStats& zone(std::string_view server, std::string_view zone);
  // Index of the plugin name in the plugin table (adding it if new).
  size_t plugin_slot(std::string_view plugin);

  mutable std::mutex mu;  // held by writers of the vectors below and by scrapes
  std::vector<std::unique_ptr<ZoneStats>> zones;
  std::array<std::string, kPluginSlots> plugins;  // slot 0: "" (the core wrote it)
  std::atomic<size_t> plugin_count{1};
};

}  // namespace skycore::plugins::metrics

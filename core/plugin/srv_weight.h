// The one SRV weight rule of every plugin that answers SRV from data
// (kubernetes, skydns-registry): an entry's weight (100 when unset) as its
// share of the sum over its priority, scaled to 100 as CoreDNS does, but
// never 0: a weight of 0 means "almost never pick me" (RFC 2782), which no
// instance asked for, and more than 100 equal instances would all get it.
#pragma once
#include <algorithm>
#include <cstdint>

namespace skycore {

inline uint16_t srv_weight(uint64_t weight, uint64_t sum_of_priority) {
  if (sum_of_priority == 0) return 100;
  return static_cast<uint16_t>(std::clamp<uint64_t>(weight * 100 / sum_of_priority, 1, 100));
}

// n instances sharing one priority equally.
inline uint16_t srv_equal_weight(uint64_t n) { return srv_weight(1, n); }

}  // namespace skycore

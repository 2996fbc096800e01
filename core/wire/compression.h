// Remembers where names were written in an outgoing message so later names
// can point at a shared suffix (RFC 1035 4.1.4). Fixed capacity, no heap.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/wire/name.h"

namespace skycore::wire {

class CompressionTable {
 public:
  void clear() { count_ = 0; }
  size_t count() const { return count_; }
  void truncate(size_t n) { if (n < count_) count_ = n; }

  // Offset of a previously written name equal (ignoring case) to the suffix
  // of `name` starting at `suffix_at`, or 0 if none.
  uint16_t find(std::span<const uint8_t> msg, const Name& name, size_t suffix_at) const;
  // Records that a label sequence starts at `offset` (ignored past 0x3FFF or when full).
  void add(size_t offset);

 private:
  static constexpr size_t kCapacity = 64;
  uint16_t offsets_[kCapacity];
  size_t count_ = 0;
};

}  // namespace skycore::wire

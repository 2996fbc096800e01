#include "core/wire/compression.h"

namespace skycore::wire {
namespace {

// Compares the (possibly compressed) name at msg[off] with an uncompressed
// wire suffix. The message was written by us, so pointers are sane, but the
// hop bound still guards against mistakes.
bool equal_at(std::span<const uint8_t> msg, size_t off, const uint8_t* s, size_t slen) {
  size_t i = 0;
  for (int hops = 0; hops < 128; ++hops) {
    if (off >= msg.size()) return false;
    uint8_t c = msg[off];
    if ((c & 0xC0) == 0xC0) {
      if (off + 1 >= msg.size()) return false;
      off = size_t(c & 0x3F) << 8 | msg[off + 1];
      continue;
    }
    if (i >= slen || s[i] != c) return false;
    if (c == 0) return true;
    if (off + 1 + c > msg.size()) return false;
    for (size_t k = 1; k <= c; ++k)
      if (ascii_lower(msg[off + k]) != ascii_lower(s[i + k])) return false;
    off += 1 + c;
    i += 1 + c;
  }
  return false;
}

}  // namespace

uint16_t CompressionTable::find(std::span<const uint8_t> msg, const Name& name,
                                size_t suffix_at) const {
  auto w = name.wire();
  for (size_t e = 0; e < count_; ++e)
    if (equal_at(msg, offsets_[e], w.data() + suffix_at, w.size() - suffix_at)) return offsets_[e];
  return 0;
}

void CompressionTable::add(size_t offset) {
  if (offset > 0x3FFF || count_ == kCapacity) return;
  offsets_[count_++] = static_cast<uint16_t>(offset);
}

}  // namespace skycore::wire

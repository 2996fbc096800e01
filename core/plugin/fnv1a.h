// FNV-1a, 64 bits: the hash of the per-query keys (cache entries, flights of
// identical questions, rate-limit accounts). Byte at a time, no allocation.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

namespace skycore {

struct Fnv1a {
  uint64_t h = 1469598103934665603ull;
  Fnv1a& byte(uint8_t b) {
    h = (h ^ b) * 1099511628211ull;
    return *this;
  }
  Fnv1a& bytes(std::span<const uint8_t> s) {
    for (uint8_t b : s) byte(b);
    return *this;
  }
  Fnv1a& text(std::string_view s) {
    for (char c : s) byte(static_cast<uint8_t>(c));
    return *this;
  }
  Fnv1a& u16(uint16_t v) { return byte(static_cast<uint8_t>(v >> 8)).byte(static_cast<uint8_t>(v)); }
  Fnv1a& u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) byte(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
};

}  // namespace skycore

// The fixed 12-byte DNS header, read from and written to wire bytes in place.
#pragma once
#include <cstdint>
#include <span>

namespace skycore::wire {

inline uint16_t load16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline void store16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline uint32_t load32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}
inline void store32(uint8_t* p, uint32_t v) {
  store16(p, static_cast<uint16_t>(v >> 16));
  store16(p + 2, static_cast<uint16_t>(v));
}

// Bit positions in the 16-bit flags word (bytes 2-3).
namespace flag {
inline constexpr uint16_t QR = 0x8000, AA = 0x0400, TC = 0x0200, RD = 0x0100,
                          RA = 0x0080, Z = 0x0040, AD = 0x0020, CD = 0x0010;
}

// Views over a header that lives in a message buffer (at least 12 bytes).
struct HeaderView {
  const uint8_t* p;
  uint16_t id() const { return load16(p); }
  uint16_t flags() const { return load16(p + 2); }
  bool has(uint16_t f) const { return (flags() & f) != 0; }
  uint8_t opcode() const { return (p[2] >> 3) & 0x0F; }
  uint8_t rcode() const { return p[3] & 0x0F; }
  uint16_t qdcount() const { return load16(p + 4); }
  uint16_t ancount() const { return load16(p + 6); }
  uint16_t nscount() const { return load16(p + 8); }
  uint16_t arcount() const { return load16(p + 10); }
};

}  // namespace skycore::wire

#include "core/corefile/reverse_zone.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>

namespace skycore::corefile {

namespace {

std::optional<int> parse_prefix_len(std::string_view s, int max) {
  if (s.empty() || s.size() > 3) return std::nullopt;
  int n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  if (n > max) return std::nullopt;
  return n;
}

// Clears every bit at or after `bits` (the host part).
template <size_t N>
void apply_mask(std::array<uint8_t, N>& addr, int bits) {
  for (size_t i = 0; i < N; ++i) {
    int keep = std::clamp(bits - static_cast<int>(i) * 8, 0, 8);
    addr[i] &= static_cast<uint8_t>(0xFF00 >> keep);
  }
}

std::string v4_zone(const std::array<uint8_t, 4>& a, int octets) {
  std::string out;
  for (int i = octets - 1; i >= 0; --i) out += fmt::format("{}.", a[i]);
  return out + "in-addr.arpa.";
}

uint8_t nibble(const std::array<uint8_t, 16>& a, int i) {
  return i % 2 == 0 ? a[i / 2] >> 4 : a[i / 2] & 0x0F;
}

std::string v6_zone(const std::array<uint8_t, 16>& a, int nibbles) {
  std::string out;
  for (int i = nibbles - 1; i >= 0; --i) out += fmt::format("{:x}.", nibble(a, i));
  return out + "ip6.arpa.";
}

std::vector<std::string> v4_zones(std::array<uint8_t, 4> a, int bits) {
  apply_mask(a, bits);
  if (bits % 8 == 0) return {v4_zone(a, bits / 8)};
  if (bits > 24) return {v4_zone(a, 3)};
  // Enumerate the free bits between the prefix and the next octet; they
  // are the low bits of the last octet that the zone names.
  int boundary = (bits / 8 + 1) * 8;
  int last = boundary / 8 - 1;
  std::vector<std::string> out;
  for (int i = 0; i < (1 << (boundary - bits)); ++i) {
    auto b = a;
    b[last] = static_cast<uint8_t>(b[last] | i);
    out.push_back(v4_zone(b, boundary / 8));
  }
  return out;
}

std::vector<std::string> v6_zones(std::array<uint8_t, 16> a, int bits) {
  apply_mask(a, bits);
  if (bits % 4 == 0) return {v6_zone(a, bits / 4)};
  int boundary = (bits / 4 + 1) * 4;
  int last = boundary / 4 - 1;  // nibble index holding the free bits
  std::vector<std::string> out;
  for (int i = 0; i < (1 << (boundary - bits)); ++i) {
    auto b = a;
    // Even nibble indexes are the high half of their byte.
    int shift = last % 2 == 0 ? 4 : 0;
    b[last / 2] = static_cast<uint8_t>(b[last / 2] | (i << shift));
    out.push_back(v6_zone(b, boundary / 4));
  }
  return out;
}

}  // namespace

std::optional<std::vector<std::string>> reverse_zones(std::string_view cidr) {
  auto slash = cidr.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string ip(cidr.substr(0, slash));
  std::string_view len = cidr.substr(slash + 1);

  std::array<uint8_t, 4> v4{};
  if (inet_pton(AF_INET, ip.c_str(), v4.data()) == 1) {
    auto bits = parse_prefix_len(len, 32);
    if (!bits) return std::nullopt;
    return v4_zones(v4, *bits);
  }
  std::array<uint8_t, 16> v6{};
  if (inet_pton(AF_INET6, ip.c_str(), v6.data()) == 1) {
    auto bits = parse_prefix_len(len, 128);
    if (!bits) return std::nullopt;
    return v6_zones(v6, *bits);
  }
  return std::nullopt;
}

std::vector<std::string> zone_names(std::string_view text) {
  if (text.find('/') != std::string_view::npos)
    if (auto rev = reverse_zones(text)) return *rev;
  return {std::string(text)};
}

}  // namespace skycore::corefile

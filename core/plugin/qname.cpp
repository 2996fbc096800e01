#include "core/plugin/qname.h"

#include <algorithm>
#include <cstring>

namespace skycore {

const wire::Name* longest_zone(std::span<const wire::Name> zones, const wire::Name& name) {
  const wire::Name* best = nullptr;
  for (const auto& z : zones)
    if (name.is_subdomain_of(z) && (!best || z.size() > best->size())) best = &z;
  return best;
}

bool in_any_zone(std::span<const wire::Name> zones, const wire::Name& name) {
  return std::any_of(zones.begin(), zones.end(), [&](const wire::Name& z) { return name.is_subdomain_of(z); });
}

bool is_reverse_zone(const wire::Name& zone) {
  static const wire::Name v4 = *wire::Name::from_text("in-addr.arpa.");
  static const wire::Name v6 = *wire::Name::from_text("ip6.arpa.");
  return zone.is_subdomain_of(v4) || zone.is_subdomain_of(v6);
}

QnameLabels::QnameLabels(const wire::Name& name) {
  auto wire = name.wire();
  for (size_t i = 0; i < wire.size() && wire[i] != 0 && count_ < at_.size(); i += wire[i] + 1)
    at_[count_++] = {reinterpret_cast<const char*>(&wire[i + 1]), wire[i]};
}

namespace {

int digit(char c, int base) {
  if (c >= '0' && c <= '9') return c - '0';
  if (base == 16 && c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool is_v4_mapped(const std::array<uint8_t, 16>& b) {
  for (size_t i = 0; i < 10; ++i)
    if (b[i] != 0) return false;
  return b[10] == 0xff && b[11] == 0xff;
}

}  // namespace

std::optional<IpBytes> reverse_address(const wire::Name& name) {
  QnameLabels q(name);
  auto l = q.all();
  IpBytes ip;
  if (l.size() == 6 && l[4] == "in-addr" && l[5] == "arpa") {
    for (size_t i = 0; i < 4; ++i) {
      std::string_view s = l[3 - i];
      if (s.empty() || s.size() > 3 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
      unsigned v = 0;
      for (char c : s) {
        int d = digit(c, 10);
        if (d < 0) return std::nullopt;
        v = v * 10 + unsigned(d);
      }
      if (v > 255) return std::nullopt;
      ip.bytes[i] = static_cast<uint8_t>(v);
    }
    return ip;
  }
  if (l.size() == 34 && l[32] == "ip6" && l[33] == "arpa") {
    for (size_t i = 0; i < 32; ++i) {  // least significant nibble first
      int d = l[i].size() == 1 ? digit(l[i][0], 16) : -1;
      if (d < 0) return std::nullopt;
      ip.bytes[15 - i / 2] |= static_cast<uint8_t>(i % 2 ? d << 4 : d);
    }
    if (is_v4_mapped(ip.bytes)) {
      std::memmove(ip.bytes.data(), ip.bytes.data() + 12, 4);
      std::fill(ip.bytes.begin() + 4, ip.bytes.end(), 0);
      return ip;
    }
    ip.v6 = true;
    return ip;
  }
  return std::nullopt;
}

bool join_relative(const wire::Name& zone, std::string_view rel, wire::Name& out) {
  out = zone;
  while (!rel.empty()) {
    auto dot = rel.rfind('.');
    std::string_view label = dot == std::string_view::npos ? rel : rel.substr(dot + 1);
    if (!out.prepend_label(label)) return false;
    rel = dot == std::string_view::npos ? std::string_view() : rel.substr(0, dot);
  }
  return true;
}

}  // namespace skycore

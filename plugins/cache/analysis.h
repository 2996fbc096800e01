// Decides whether and for how long an answer may be cached (RFC 2308 for
// negative answers), and where its TTLs live so a hit can age them in place.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "plugins/cache/config.h"

namespace skycore::plugins::cache {

enum class Kind : uint8_t { success = 0, denial = 1, servfail = 2 };
inline constexpr const char* kind_name(Kind k) {
  return k == Kind::success ? "success" : k == Kind::denial ? "denial" : "servfail";
}

struct Analysis {
  Kind kind = Kind::success;
  uint32_t ttl = 0;                   // how long the entry lives, seconds
  std::vector<uint16_t> ttl_offsets;  // every RR's TTL field except OPT's
  uint16_t rcode = 0;
};

// `msg` is a complete response. nullopt: not cacheable (truncated, no SOA on
// a negative answer, an rcode we do not cache, malformed, or disabled).
std::optional<Analysis> analyze(std::span<const uint8_t> msg, const Config& cfg,
                                const wire::Name& qname_lower);

}  // namespace skycore::plugins::cache

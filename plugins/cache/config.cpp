#include "plugins/cache/config.h"

#include <fmt/format.h>

#include "core/plugin/zone_args.h"
#include "core/corefile/reverse_zone.h"
#include "core/corefile/bounded_args.h"
#include "core/corefile/duration.h"

#include <algorithm>
#include <charconv>

namespace skycore::plugins::cache {
namespace {

// "30", "-1", "+5": written as a number, so meant as one (never a zone).
bool looks_numeric(const std::string& s) {
  size_t i = !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
  return i < s.size() && std::all_of(s.begin() + i, s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

// TTLs are 31-bit (RFC 2181 8); capacities are bounded so the store's
// shards can be sized at start-up without running out of memory.
constexpr int64_t kMaxTtl = 2147483647;
constexpr int64_t kMaxCapacity = 100'000'000;

seconds ttl(corefile::TokenCursor& c, std::string_view what, const std::string& s, int64_t lo = 0) {
  return seconds(corefile::bounded_int(c, what, s, lo, kMaxTtl));
}

seconds duration(corefile::TokenCursor& c, std::string_view what, const std::string& s,
                 std::chrono::milliseconds hi = corefile::kMaxSetupDuration) {
  return std::chrono::duration_cast<seconds>(corefile::bounded_duration(c, what, s, std::chrono::milliseconds(0), hi));
}

// ZONES after the TTL: names or CIDRs, never another number.
std::vector<wire::Name> zones(corefile::TokenCursor& c, std::span<const std::string> args) {
  for (const auto& s : args)
    if (looks_numeric(s))
      throw c.err(fmt::format("cache: '{}' is not a zone (only the first argument may be the TTL)", s));
  return zone_args(c, "cache", args);
}

// success|denial CAPACITY [TTL [MINTTL]]
void parse_kind(corefile::TokenCursor& c, KindConfig& k) {
  auto args = c.remaining_args();
  if (args.empty() || args.size() > 3) throw c.arg_err();
  // 0 caches nothing of that kind (kubespray writes `denial 0` to turn negative caching off).
  k.capacity = static_cast<size_t>(corefile::bounded_int(c, "cache: capacity", args[0], 0, kMaxCapacity));
  if (args.size() > 1) k.max_ttl = ttl(c, "cache: TTL", args[1]);
  if (args.size() > 2) k.min_ttl = ttl(c, "cache: MINTTL", args[2]);
  if (k.min_ttl > k.max_ttl) throw c.err("cache: MINTTL is larger than TTL");
}

}  // namespace

Config parse_config(corefile::TokenCursor& c, const std::vector<std::string>& block_zones) {
  Config cfg;
  while (c.next_once()) {
    auto args = c.remaining_args();
    size_t i = 0;
    if (i < args.size() && looks_numeric(args[i])) {  // cache TTL: the max TTL of both kinds
      auto ttl = ::skycore::plugins::cache::ttl(c, "cache: TTL", args[i++], 1);  // CoreDNS: not zero or negative
      cfg.success.max_ttl = cfg.denial.max_ttl = ttl;
      if (cfg.success.min_ttl > ttl) cfg.success.min_ttl = ttl;
      if (cfg.denial.min_ttl > ttl) cfg.denial.min_ttl = ttl;
    }
    cfg.zones = zones(c, std::span<const std::string>(args).subspan(i));
    while (c.next_block()) {
      const std::string prop = c.val();
      if (prop == "success") parse_kind(c, cfg.success);
      else if (prop == "denial") parse_kind(c, cfg.denial);
      else if (prop == "prefetch") {
        auto a = c.remaining_args();
        if (a.empty() || a.size() > 3) throw c.arg_err();
        cfg.prefetch_amount = static_cast<uint64_t>(corefile::bounded_int(c, "cache: prefetch amount", a[0], 1, kMaxTtl));
        for (size_t k = 1; k < a.size(); ++k) {
          if (a[k].ends_with('%')) {
            cfg.prefetch_percentage =
                static_cast<unsigned>(corefile::bounded_int(c, "cache: prefetch percentage", a[k].substr(0, a[k].size() - 1), 0, 100));
          } else {
            cfg.prefetch_window = duration(c, "cache: prefetch", a[k]);
          }
        }
      } else if (prop == "serve_stale") {
        // serve_stale [DURATION] [immediate [RESPONSE_TTL [FAILURE_RECHECK]]]
        // serve_stale [DURATION] verify [VERIFY_TIMEOUT [RESPONSE_TTL [FAILURE_RECHECK]]]
        auto a = c.remaining_args();
        if (a.size() > 5) throw c.arg_err();
        cfg.serve_stale = a.empty() ? seconds(3600) : duration(c, "cache: serve_stale", a[0]);
        size_t i = 2;
        if (a.size() >= 2) {
          if (a[1] == "immediate") cfg.stale_mode = StaleMode::immediate;
          else if (a[1] == "verify") cfg.stale_mode = StaleMode::verify;
          else throw c.err(fmt::format("cache: serve_stale: unknown mode '{}' (want immediate or verify)", a[1]));
        }
        if (cfg.stale_mode == StaleMode::verify && i < a.size()) {
          auto d = corefile::parse_duration(a[i]);
          if (!d || *d > std::chrono::seconds(60))
            throw c.err(fmt::format("cache: serve_stale: verify timeout '{}': want a duration up to 60s", a[i]));
          cfg.verify_timeout = *d;
          ++i;
        }
        if (i < a.size()) cfg.stale_ttl = duration(c, "cache: serve_stale response TTL", a[i++], std::chrono::hours(1));
        if (i < a.size())
          cfg.failure_recheck = duration(c, "cache: serve_stale failure recheck", a[i++], std::chrono::minutes(5));
        if (i < a.size()) throw c.arg_err();
      } else if (prop == "serve_stale_policy") {
        auto a = c.remaining_args();
        if (a.size() != 1) throw c.arg_err();
        if (a[0] != "prefer_positive")
          throw c.err(fmt::format("cache: serve_stale_policy: unknown policy '{}' (want prefer_positive)", a[0]));
        cfg.prefer_positive = true;
      } else if (prop == "servfail") {
        auto a = c.remaining_args();
        if (a.size() != 1) throw c.arg_err();
        cfg.servfail_ttl = duration(c, "cache: servfail", a[0], std::chrono::minutes(5));  // CoreDNS's cap
      } else if (prop == "disable") {
        auto a = c.remaining_args();
        if (a.empty()) throw c.arg_err();
        KindConfig* k = a[0] == "success" ? &cfg.success : a[0] == "denial" ? &cfg.denial : nullptr;
        if (!k) throw c.err(fmt::format("cache: disable: unknown type '{}'", a[0]));
        if (a.size() == 1) k->disabled_everywhere = true;
        for (auto& z : zones(c, std::span<const std::string>(a).subspan(1))) k->disabled_zones.push_back(z);
      } else if (prop == "keepttl") {
        if (c.next_arg()) throw c.arg_err();
        cfg.keepttl = true;
      } else {
        throw c.unknown_property();
      }
    }
  }
  if (cfg.prefer_positive && cfg.serve_stale.count() == 0)
    throw c.err("cache: serve_stale_policy needs serve_stale");
  if (cfg.zones.empty())
    for (const auto& z : block_zones) cfg.zones.push_back(*wire::Name::from_text(z));
  return cfg;
}

}  // namespace skycore::plugins::cache

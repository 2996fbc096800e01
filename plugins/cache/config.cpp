#include "plugins/cache/config.h"

#include <fmt/format.h>

#include "core/corefile/reverse_zone.h"
#include "core/corefile/duration.h"

#include <algorithm>
#include <charconv>

namespace skycore::plugins::cache {
namespace {

bool is_number(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

uint64_t number(corefile::TokenCursor& c, const std::string& s) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) throw c.err(fmt::format("cache: '{}' is not a number", s));
  return v;
}

seconds duration(corefile::TokenCursor& c, const std::string& s) {
  auto d = corefile::parse_duration(s);
  if (!d) throw c.err(fmt::format("cache: '{}' is not a duration", s));
  return std::chrono::duration_cast<seconds>(*d);
}

wire::Name zone(corefile::TokenCursor& c, const std::string& s) {
  auto n = wire::Name::from_text(s);
  if (!n) throw c.err(fmt::format("cache: '{}' is not a domain name", s));
  n->lowercase();
  return *n;
}

// success|denial CAPACITY [TTL [MINTTL]]
void parse_kind(corefile::TokenCursor& c, KindConfig& k) {
  auto args = c.remaining_args();
  if (args.empty() || args.size() > 3) throw c.arg_err();
  k.capacity = number(c, args[0]);
  if (k.capacity == 0) throw c.err("cache: capacity must be at least 1");
  if (args.size() > 1) k.max_ttl = seconds(number(c, args[1]));
  if (args.size() > 2) k.min_ttl = seconds(number(c, args[2]));
  if (k.min_ttl > k.max_ttl) throw c.err("cache: MINTTL is larger than TTL");
}

}  // namespace

Config parse_config(corefile::TokenCursor& c, const std::vector<std::string>& block_zones) {
  Config cfg;
  int seen = 0;
  while (c.next()) {
    if (++seen > 1) throw c.err("plugin 'cache' can only be used once per server block");
    auto args = c.remaining_args();
    size_t i = 0;
    if (i < args.size() && is_number(args[i])) {  // cache TTL: the max TTL of both kinds
      auto ttl = seconds(number(c, args[i++]));
      cfg.success.max_ttl = cfg.denial.max_ttl = ttl;
      if (cfg.success.min_ttl > ttl) cfg.success.min_ttl = ttl;
      if (cfg.denial.min_ttl > ttl) cfg.denial.min_ttl = ttl;
    }
    for (; i < args.size(); ++i)
      for (const auto& z : corefile::zone_names(args[i])) cfg.zones.push_back(zone(c, z));
    while (c.next_block()) {
      const std::string prop = c.val();
      if (prop == "success") parse_kind(c, cfg.success);
      else if (prop == "denial") parse_kind(c, cfg.denial);
      else if (prop == "prefetch") {
        auto a = c.remaining_args();
        if (a.empty() || a.size() > 3) throw c.arg_err();
        cfg.prefetch_amount = number(c, a[0]);
        if (cfg.prefetch_amount == 0) throw c.err("cache: prefetch amount must be positive");
        for (size_t k = 1; k < a.size(); ++k) {
          if (a[k].ends_with('%')) {
            cfg.prefetch_percentage = static_cast<unsigned>(number(c, a[k].substr(0, a[k].size() - 1)));
            if (cfg.prefetch_percentage > 100) throw c.err("cache: prefetch percentage above 100%");
          } else {
            cfg.prefetch_window = duration(c, a[k]);
          }
        }
      } else if (prop == "serve_stale") {
        auto a = c.remaining_args();
        if (a.size() > 2) throw c.arg_err();
        cfg.serve_stale = a.empty() ? seconds(3600) : duration(c, a[0]);
        if (a.size() == 2) {
          if (a[1] == "immediate") cfg.stale_mode = StaleMode::immediate;
          else if (a[1] == "verify") cfg.stale_mode = StaleMode::verify;
          else throw c.err(fmt::format("cache: serve_stale: unknown mode '{}'", a[1]));
        }
      } else if (prop == "servfail") {
        auto a = c.remaining_args();
        if (a.size() != 1) throw c.arg_err();
        cfg.servfail_ttl = duration(c, a[0]);
        if (cfg.servfail_ttl > seconds(300)) throw c.err("cache: servfail is capped at 5m");
      } else if (prop == "disable") {
        auto a = c.remaining_args();
        if (a.empty()) throw c.arg_err();
        KindConfig* k = a[0] == "success" ? &cfg.success : a[0] == "denial" ? &cfg.denial : nullptr;
        if (!k) throw c.err(fmt::format("cache: disable: unknown type '{}'", a[0]));
        if (a.size() == 1) k->disabled_everywhere = true;
        for (size_t z = 1; z < a.size(); ++z)
          for (const auto& name : corefile::zone_names(a[z])) k->disabled_zones.push_back(zone(c, name));
      } else if (prop == "keepttl") {
        if (c.next_arg()) throw c.arg_err();
        cfg.keepttl = true;
      } else {
        throw c.unknown_property();
      }
    }
  }
  if (cfg.zones.empty())
    for (const auto& z : block_zones) cfg.zones.push_back(*wire::Name::from_text(z));
  return cfg;
}

}  // namespace skycore::plugins::cache

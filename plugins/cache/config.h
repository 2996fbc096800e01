// The cache plugin's configuration (CoreDNS's options and defaults).
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/corefile/token_cursor.h"
#include "core/wire/name.h"

namespace skycore::plugins::cache {

using std::chrono::seconds;

struct KindConfig {
  size_t capacity = 9984;
  seconds max_ttl{3600};
  seconds min_ttl{5};
  std::vector<wire::Name> disabled_zones;  // `disable success|denial ZONES`
  bool disabled_everywhere = false;        // `disable success|denial` with no zones
};

enum class StaleMode { immediate, verify };

struct Config {
  std::vector<wire::Name> zones;  // empty: the server block's zones
  KindConfig success;
  KindConfig denial;
  // prefetch: entries hit `prefetch_amount` times with no gap of
  // `prefetch_window` or more between hits are refreshed once
  // `prefetch_percentage` % or less of their TTL is left.
  size_t prefetch_amount = 0;  // 0: off
  seconds prefetch_window{60};
  unsigned prefetch_percentage = 10;
  seconds serve_stale{0};      // 0: off
  StaleMode stale_mode = StaleMode::immediate;
  // verify VERIFY_TIMEOUT: how long a client waits for the refresh before
  // it gets the stale answer (the refresh carries on); 0: as long as it takes.
  std::chrono::milliseconds verify_timeout{0};
  seconds stale_ttl{30};       // RESPONSE_TTL: the TTL of stale answers (RFC 8767's 30 s)
  seconds failure_recheck{0};  // FAILURE_RECHECK: no new refresh this long after one failed
  // serve_stale_policy prefer_positive: a stale answer with records beats
  // a refresh that brings NXDOMAIN, NODATA or an error.
  bool prefer_positive = false;
  seconds servfail_ttl{5};     // 0: SERVFAIL is not cached
  bool keepttl = false;
  // The clock entries age by (tests inject their own).
  std::chrono::steady_clock::time_point (*clock)() = &std::chrono::steady_clock::now;

  Config() { denial.max_ttl = seconds(1800); }
};

// Parses the `cache` directive(s) at the cursor; `block_zones` are the
// server block's zones. Throws corefile::Error.
Config parse_config(corefile::TokenCursor& c, const std::vector<std::string>& block_zones);

}  // namespace skycore::plugins::cache

#include <doctest/doctest.h>

#include "core/corefile/duration.h"

using skycore::corefile::parse_duration;
using namespace std::chrono_literals;

TEST_CASE("durations are spelled as in CoreDNS Corefiles") {
  CHECK(parse_duration("500ms") == 500ms);
  CHECK(parse_duration("0.5s") == 500ms);
  CHECK(parse_duration("10s") == 10s);
  CHECK(parse_duration("5m") == 5min);
  CHECK(parse_duration("1h30m") == 90min);
  CHECK_FALSE(parse_duration(""));
  CHECK(parse_duration("0") == 0ms);    // Go's one exception to the unit rule
  CHECK_FALSE(parse_duration("10"));    // a unit is required
  CHECK_FALSE(parse_duration("00"));
  CHECK_FALSE(parse_duration("s"));
  CHECK_FALSE(parse_duration("1d"));
  CHECK_FALSE(parse_duration("1.2.3s"));
}

TEST_CASE("durations print as Go prints them") {
  using skycore::corefile::format_duration;
  CHECK(format_duration(5s) == "5s");
  CHECK(format_duration(1500ms) == "1.5s");
  CHECK(format_duration(500ms) == "500ms");
  CHECK(format_duration(90s) == "1m30s");
  CHECK(format_duration(3600s) == "1h0m0s");
  CHECK(format_duration(0ms) == "0s");
}

TEST_CASE("durations beyond Go's int64 nanoseconds are refused, never wrapped to negative") {
  CHECK(parse_duration("2562047h") == std::chrono::hours(2562047));
  CHECK_FALSE(parse_duration("2562048h").has_value());
  CHECK_FALSE(parse_duration("2562047h47m17s").has_value());
  CHECK_FALSE(parse_duration("99999999999999999999h").has_value());
  CHECK_FALSE(parse_duration("1000000h1000000h1000000h").has_value());
}

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

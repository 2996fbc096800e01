#include <doctest/doctest.h>

#include "core/plugin/http_probe.h"
#include "core/plugin/metrics.h"
#include "plugins/metrics/dns_stats.h"
#include "plugins/metrics/exposition.h"

using namespace skycore;

TEST_CASE("metrics addresses and type slots") {
  using namespace skycore::plugins::metrics;
  CHECK(valid_listen_address("localhost:9153"));
  CHECK(valid_listen_address(":9153"));
  CHECK(valid_listen_address("10.0.0.1:80"));
  CHECK(valid_listen_address("[::1]:80"));
  CHECK_FALSE(valid_listen_address("::1:80"));
  CHECK_FALSE(valid_listen_address("999.0.0.1:9153"));  // was 231.0.0.1 (octets wrapped)
  CHECK_FALSE(valid_listen_address("example.org:9153"));
  CHECK_FALSE(valid_listen_address("nonsense"));
  CHECK_FALSE(valid_listen_address("host:99999"));
  CHECK(std::string(type_slot_name(type_slot(1))) == "A");
  CHECK(std::string(type_slot_name(type_slot(50))) == "NSEC3");
  CHECK(std::string(type_slot_name(type_slot(65280))) == "other");
  CHECK(duration_bounds().front() == 0.00025);
  CHECK(duration_bounds().back() == doctest::Approx(8.192));
}

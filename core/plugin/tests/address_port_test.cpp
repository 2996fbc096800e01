// parse_address_port: the address-with-optional-port forms Corefiles use.
#include "core/plugin/address_port.h"

#include <doctest/doctest.h>

using namespace skycore;

TEST_CASE("parse_address_port: IPv4, IPv6, bracketed, mapped, and what it refuses") {
  auto a = parse_address_port("10.0.0.1", 53);
  REQUIRE(a);
  CHECK(a->ip.to_string() == "10.0.0.1");
  CHECK(a->port == 53);
  a = parse_address_port("10.0.0.1:5353", 53);
  REQUIRE(a);
  CHECK(a->port == 5353);
  a = parse_address_port("fd00::1", 53);  // bare IPv6: no port
  REQUIRE(a);
  CHECK(a->ip.to_string() == "fd00::1");
  a = parse_address_port("[fd00::1]:853", 53);
  REQUIRE(a);
  CHECK(a->port == 853);
  a = parse_address_port("::ffff:192.0.2.1", 53);
  REQUIRE(a);
  CHECK(a->ip.is_v4());
  for (const char* bad : {"", "host.example", "10.0.0.1:", "10.0.0.1:0", "10.0.0.1:70000", "[fd00::1", "[fd00::1]x",
                          "10.0.0.1:53x"})
    CHECK_FALSE(parse_address_port(bad, 53));
}

#include <doctest/doctest.h>

#include "core/corefile/port.h"

using skycore::corefile::split_host_port;

TEST_CASE("split_host_port: names, addresses, brackets, optional ports") {
  auto hp = split_host_port("etcd.example:2379");
  REQUIRE(hp);
  CHECK(hp->host == "etcd.example");
  CHECK(hp->port == 2379);
  hp = split_host_port("10.0.0.1");
  REQUIRE(hp);
  CHECK(hp->host == "10.0.0.1");
  CHECK_FALSE(hp->port);
  hp = split_host_port("[fd00::1]:6443");
  REQUIRE(hp);
  CHECK(hp->host == "fd00::1");
  CHECK(hp->port == 6443);
  hp = split_host_port("fd00::1");  // a bare IPv6 address has no port
  REQUIRE(hp);
  CHECK(hp->host == "fd00::1");
  CHECK_FALSE(hp->port);
  CHECK_FALSE(split_host_port(""));
  CHECK_FALSE(split_host_port(":53"));
  CHECK_FALSE(split_host_port("host:"));
  CHECK_FALSE(split_host_port("host:0"));
  CHECK_FALSE(split_host_port("host:70000"));
  CHECK_FALSE(split_host_port("[fd00::1"));
  CHECK_FALSE(split_host_port("[fd00::1]x"));
}

#include "core/corefile/zone_key.h"

#include <doctest/doctest.h>

#include "core/corefile/error.h"
#include "core/corefile/reverse_zone.h"

using namespace skycore::corefile;

namespace {

std::vector<ZoneKey> parse(const std::string& text) {
  return parse_zone_key(Token{text, "Corefile", 4});
}

std::vector<std::string> zones(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& k : parse(text)) out.push_back(k.zone);
  return out;
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const Error& e) {
    CHECK(e.line() == 4);
    CHECK(e.file() == "Corefile");
    return e.message();
  }
  return "no error";
}

}  // namespace

TEST_CASE("zone keys: names, ports and transport") {
  auto root = parse(".");
  REQUIRE(root.size() == 1);
  CHECK(root[0].zone == ".");
  CHECK(root[0].port.empty());
  CHECK(root[0].transport == "dns");

  auto k = parse(".:53");
  CHECK(k[0].zone == ".");
  CHECK(k[0].port == "53");

  k = parse("example.org:1053");
  CHECK(k[0].zone == "example.org.");
  CHECK(k[0].port == "1053");

  k = parse("dns://Example.ORG.:1053");
  CHECK(k[0].transport == "dns");
  CHECK(k[0].zone == "example.org.");
  CHECK(k[0].port == "1053");

  k = parse("DNS://a.b");
  CHECK(k[0].zone == "a.b.");
  CHECK(k[0].port.empty());

  CHECK(parse("x.org:0053")[0].port == "53");
  CHECK(to_string(parse("example.org:53")[0]) == "example.org.:53");
  CHECK(to_string(parse("example.org")[0]) == "example.org.");
}

TEST_CASE("zone keys: DNS over TLS and over HTTPS") {
  auto t = parse("tls://Example.org:8853");
  CHECK(t[0].transport == "tls");
  CHECK(t[0].zone == "example.org.");
  CHECK(t[0].port == "8853");
  auto h = parse("HTTPS://.");
  CHECK(h[0].transport == "https");
  CHECK(h[0].port.empty());  // the plan gives it 443
}

TEST_CASE("zone keys: errors") {
  CHECK(error_of("grpc://example.org:443").find("unsupported transport 'grpc'") != std::string::npos);
  CHECK(error_of("https3://a.b").find("unsupported transport") != std::string::npos);
  CHECK(error_of("quic://a.b").find("unsupported transport") != std::string::npos);
  CHECK(error_of("example.org:65536").find("invalid port") != std::string::npos);
  CHECK(error_of("example.org:abc").find("invalid port 'abc'") != std::string::npos);
  CHECK(error_of("example.org:").find("expecting data after last colon") != std::string::npos);
  CHECK(error_of(":53").find("empty zone") != std::string::npos);
  CHECK(error_of("a..b").find("empty label") != std::string::npos);
  CHECK(error_of("example.org{").find("not a valid domain name") != std::string::npos);
  CHECK(error_of(std::string(64, 'a') + ".org").find("label longer than 63") != std::string::npos);
  CHECK(error_of("10.0.0.0/33").find("invalid CIDR") != std::string::npos);
  CHECK(error_of("10.0.0/8").find("invalid CIDR") != std::string::npos);
  CHECK(error_of("fd00::/129").find("invalid CIDR") != std::string::npos);
  CHECK(error_of("10.0.0.0/").find("invalid CIDR") != std::string::npos);
  CHECK(parse("example.org:65535")[0].port == "65535");
}

TEST_CASE("zone keys: IPv4 CIDRs become in-addr.arpa zones") {
  CHECK(zones("10.0.0.0/24") == std::vector<std::string>{"0.0.10.in-addr.arpa."});
  CHECK(zones("10.0.0.0/8") == std::vector<std::string>{"10.in-addr.arpa."});
  CHECK(zones("192.168.1.7/32") == std::vector<std::string>{"7.1.168.192.in-addr.arpa."});
  CHECK(zones("0.0.0.0/0") == std::vector<std::string>{"in-addr.arpa."});
  SUBCASE("host bits are ignored") {
    CHECK(zones("10.1.2.3/16") == std::vector<std::string>{"1.10.in-addr.arpa."});
  }
  SUBCASE("non-octet prefixes widen to the next octet boundary") {
    CHECK(zones("10.0.0.0/15") ==
          std::vector<std::string>{"0.10.in-addr.arpa.", "1.10.in-addr.arpa."});
    CHECK(zones("172.16.0.0/12").size() == 16);
    CHECK(zones("172.16.0.0/12").front() == "16.172.in-addr.arpa.");
    CHECK(zones("172.16.0.0/12").back() == "31.172.in-addr.arpa.");
    CHECK(zones("10.0.4.0/22") ==
          std::vector<std::string>{"4.0.10.in-addr.arpa.", "5.0.10.in-addr.arpa.",
                                   "6.0.10.in-addr.arpa.", "7.0.10.in-addr.arpa."});
  }
  SUBCASE("longer than /24 gives the enclosing /24") {
    CHECK(zones("10.0.0.128/25") == std::vector<std::string>{"0.0.10.in-addr.arpa."});
    CHECK(zones("10.0.3.5/30") == std::vector<std::string>{"3.0.10.in-addr.arpa."});
  }
  SUBCASE("port after the prefix, same port on every zone") {
    auto k = parse("dns://10.0.0.0/15:1053");
    REQUIRE(k.size() == 2);
    CHECK(k[0].port == "1053");
    CHECK(k[1].port == "1053");
    CHECK(k[1].zone == "1.10.in-addr.arpa.");
  }
}

TEST_CASE("zone keys: IPv6 CIDRs become ip6.arpa zones on nibble boundaries") {
  CHECK(zones("fd00::/64") ==
        std::vector<std::string>{"0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa."});
  CHECK(zones("2001:db8::/32") == std::vector<std::string>{"8.b.d.0.1.0.0.2.ip6.arpa."});
  CHECK(zones("::/0") == std::vector<std::string>{"ip6.arpa."});
  SUBCASE("non-nibble prefixes widen to the next nibble") {
    CHECK(zones("2001:db8::/31") ==
          std::vector<std::string>{"8.b.d.0.1.0.0.2.ip6.arpa.", "9.b.d.0.1.0.0.2.ip6.arpa."});
    auto z = zones("fd00::/6");  // free bits: the low 2 of the second nibble
    CHECK(z == std::vector<std::string>{"c.f.ip6.arpa.", "d.f.ip6.arpa.", "e.f.ip6.arpa.",
                                        "f.f.ip6.arpa."});
  }
  SUBCASE("port after an IPv6 prefix") {
    auto k = parse("fd00::/8:53");
    REQUIRE(k.size() == 1);
    CHECK(k[0].zone == "d.f.ip6.arpa.");
    CHECK(k[0].port == "53");
  }
}

TEST_CASE("zone_names: a CIDR is its reverse zones, a name itself") {
  using skycore::corefile::zone_names;
  CHECK(zone_names("10.0.0.0/8") == std::vector<std::string>{"10.in-addr.arpa."});
  CHECK(zone_names("10.0.0.0/15").size() == 2);
  CHECK(zone_names("example.org") == std::vector<std::string>{"example.org"});
  CHECK(zone_names("not/a-cidr") == std::vector<std::string>{"not/a-cidr"});
}

TEST_CASE("reverse_zones rejects what is not a CIDR") {
  CHECK_FALSE(reverse_zones("example.org").has_value());
  CHECK_FALSE(reverse_zones("10.0.0.0/-1").has_value());
  CHECK_FALSE(reverse_zones("10.0.0.0/+8").has_value());
  CHECK_FALSE(reverse_zones("10.0.0.0/8/8").has_value());
  CHECK(reverse_zones("10.0.0.0/8").has_value());
}

#include "core/plugin/qname.h"

#include <doctest/doctest.h>

#include <vector>

using namespace skycore;

namespace {
wire::Name name(const char* text) { return *wire::Name::from_text(text); }
}  // namespace

TEST_CASE("reverse names give their address; partial, padded or foreign ones none") {
  auto a = reverse_address(name("4.3.2.1.in-addr.arpa."));
  REQUIRE(a);
  CHECK(a->key() == std::string_view("\x01\x02\x03\x04", 4));
  auto b = reverse_address(
      name("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.e.f.ip6.arpa."));
  REQUIRE(b);
  CHECK(b->v6);
  CHECK(b->key() == std::string_view("\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16));
  auto mapped = reverse_address(
      name("2.0.0.0.0.0.a.0.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa."));
  REQUIRE(mapped);
  CHECK(mapped->key() == std::string_view("\x0a\x00\x00\x02", 4));
  for (const char* bad :
       {"3.2.1.in-addr.arpa.", "4.3.2.01.in-addr.arpa.", "4.3.2.256.in-addr.arpa.",
        "5.4.3.2.1.in-addr.arpa.", "4.3.2.1.in-addr.example.", "a.3.2.1.in-addr.arpa.",
        "example.org.", "in-addr.arpa.",
        "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.e.g.ip6.arpa.",
        "10.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.e.f.ip6.arpa."})
    CHECK_MESSAGE(!reverse_address(name(bad)), bad);
}

TEST_CASE("the longest zone wins; labels above it, left to right") {
  std::vector<wire::Name> zones{name("example.org."), name("sub.example.org."), name(".")};
  auto q = name("a.b.sub.example.org.");
  REQUIRE(longest_zone(zones, q));
  CHECK(longest_zone(zones, q)->to_text() == "sub.example.org.");
  CHECK(longest_zone(std::span(zones).first(2), name("example.net.")) == nullptr);
  QnameLabels labels(q);
  auto above = labels.above(*longest_zone(zones, q));
  REQUIRE(above.size() == 2);
  CHECK(above[0] == "a");
  CHECK(above[1] == "b");
  CHECK(labels.all().size() == 5);
  wire::Name joined;
  REQUIRE(join_relative(name("cluster.local."), "svc.ns.svc", joined));
  CHECK(joined.to_text() == "svc.ns.svc.cluster.local.");
  std::string long_label(63, 'x');
  std::string rel = long_label + "." + long_label + "." + long_label + "." + long_label;
  CHECK_FALSE(join_relative(name("cluster.local."), rel, joined));  // over 255 bytes
  CHECK(is_reverse_zone(name("10.in-addr.arpa.")));
  CHECK_FALSE(is_reverse_zone(name("arpa.")));
}

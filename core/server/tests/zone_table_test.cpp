#include <doctest/doctest.h>

#include "core/server/zone_table.h"

using namespace skycore;
using namespace skycore::server;

namespace {
wire::Name lower(const char* s) {
  auto n = *wire::Name::from_text(s);
  n.lowercase();
  return n;
}
}  // namespace

TEST_CASE("most specific zone wins, root catches the rest") {
  Chain a({}), b({}), root({});
  ZoneTable t;
  t.add("example.org.", &a);
  t.add(".", &root);
  t.add("svc.example.org.", &b);
  CHECK(t.match(lower("x.svc.example.org"))->chain == &b);
  CHECK(t.match(lower("svc.example.org"))->chain == &b);
  CHECK(t.match(lower("www.example.org"))->chain == &a);
  CHECK(t.match(lower("example.org"))->chain == &a);
  CHECK(t.match(lower("notexample.org"))->chain == &root);
  CHECK(t.match(lower("Svc.EXAMPLE.org"))->zone_text == "svc.example.org.");
}

TEST_CASE("no matching zone means nothing (REFUSED)") {
  Chain a({});
  ZoneTable t;
  t.add("example.org.", &a);
  CHECK(t.match(lower("example.net")) == nullptr);
  CHECK(t.match(lower("org")) == nullptr);
  CHECK(t.match(lower("ample.org")) == nullptr);
}

TEST_CASE("a zone cannot be added twice") {
  Chain a({});
  ZoneTable t;
  t.add("example.org.", &a);
  CHECK_THROWS_AS(t.add("EXAMPLE.org.", &a), std::invalid_argument);
}

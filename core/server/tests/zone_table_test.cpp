#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

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

TEST_CASE("many zones on one address: the same answers through the hashed lookup") {
  Chain many({}), special({}), root({});
  ZoneTable t;
  for (int i = 0; i < 20000; ++i) t.add("z" + std::to_string(i) + ".example.org.", &many);
  t.add("deep.z7.example.org.", &special);
  t.add(".", &root);
  CHECK(t.size() == 20002);
  CHECK(t.match(lower("www.z19999.example.org"))->zone_text == "z19999.example.org.");
  CHECK(t.match(lower("a.deep.z7.example.org"))->chain == &special);
  CHECK(t.match(lower("z7.example.org"))->chain == &many);
  CHECK(t.match(lower("other.example.org"))->chain == &root);
  CHECK_THROWS_AS(t.add("Z5.example.org.", &many), std::invalid_argument);
  ZoneTable no_root;
  for (int i = 0; i < 100; ++i) no_root.add("z" + std::to_string(i) + ".test.", &many);
  CHECK(no_root.match(lower("example.org")) == nullptr);
}

TEST_CASE("a copied or moved zone table answers from its own routes") {
  Chain a({}), root({});
  std::vector<ZoneTable> tables(1);
  tables[0].add("example.org.", &a);
  tables[0].add(".", &root);
  for (int i = 0; i < 10; ++i) tables.emplace_back();  // reallocates: the first table moves or is copied
  const ZoneRoute* r = tables[0].match(lower("www.example.org"));
  REQUIRE(r != nullptr);
  CHECK(r->chain == &a);
  ZoneTable copy = tables[0];
  const ZoneRoute* c = copy.match(lower("www.example.org"));
  CHECK(c != r);  // its own route, not the original's
  CHECK(c->chain == &a);
}

#include "plugins/any/any.h"

#include <doctest/doctest.h>

#include "core/plugin/testing.h"

SKYCORE_PLUGIN_SETUP(any)

using namespace skycore;
using namespace skycore::wire;

TEST_CASE("any: ANY gets RFC 8482's HINFO, other types go on") {
  plugins::any::Any a;
  testing::StubNext next;
  testing::TestQuery q("Example.org.", rrtype::ANY);
  testing::run(a, q.req, next);
  auto m = q.message();
  REQUIRE(m.records.size() == 1);
  CHECK(m.records[0].type == 13);
  CHECK(m.records[0].ttl == 8482);
  CHECK(m.records[0].owner.to_text() == "Example.org.");
  CHECK(next.calls == 0);
  testing::TestQuery a_q("example.org.", rrtype::A);
  testing::run(a, a_q.req, next);
  CHECK(next.calls == 1);
  CHECK(testing::SetupRun(". {\n any x\n}\n", "any", &plugins::any::setup).error ==
        "Corefile:2: wrong argument count or unexpected line ending after 'x'");
}

#include "plugins/chaos/chaos.h"

#include <doctest/doctest.h>

#include "core/plugin/testing.h"

SKYCORE_PLUGIN_SETUP(chaos)

using namespace skycore;
using namespace skycore::wire;
using skycore::testing::TestQuery;
using S = std::vector<std::string>;

namespace {
// A CH-class question (TestQuery asks IN): the class bytes patched in place.
struct ChQuery : TestQuery {
  ChQuery(const char* qname, uint16_t qtype) : TestQuery(qname, qtype) {
    auto p = const_cast<uint8_t*>(req.packet.data());
    p[req.packet.size() - 1] = rrclass::CH;
    REQUIRE(parse_query(req.packet, req.query) == QueryStatus::ok);
    restart();
  }
};
}  // namespace

TEST_CASE("chaos: version, authors and host name for CH TXT; anything else goes on") {
  plugins::chaos::Chaos c("skycore-test", {"a", "b"}, "node1");
  testing::StubNext next;
  ChQuery v("version.bind.", rrtype::TXT);
  testing::run(c, v.req, next);
  CHECK(v.texts(Section::answer, rrtype::TXT) == S{"\"skycore-test\""});
  CHECK(v.message().records.at(0).cls == rrclass::CH);
  ChQuery a("Authors.Bind.", rrtype::TXT);
  testing::run(c, a.req, next);
  CHECK(a.texts(Section::answer, rrtype::TXT) == S{"\"a\"", "\"b\""});
  ChQuery h("id.server.", rrtype::TXT);
  testing::run(c, h.req, next);
  CHECK(h.texts(Section::answer, rrtype::TXT) == S{"\"node1\""});
  CHECK(next.calls == 0);

  TestQuery in_class("version.bind.", rrtype::TXT);  // IN: not ours
  testing::run(c, in_class.req, next);
  ChQuery other("example.bind.", rrtype::TXT);
  testing::run(c, other.req, next);
  ChQuery a_type("version.bind.", rrtype::A);
  testing::run(c, a_type.req, next);
  CHECK(next.calls == 3);
}

TEST_CASE("chaos setup: VERSION and AUTHORS, once per block") {
  auto run = [](const char* text) { return testing::SetupRun(text, "chaos", &plugins::chaos::setup); };
  CHECK(run(". {\n chaos\n}\n").error.empty());
  CHECK(run(". {\n chaos v1 alice bob\n}\n").error.empty());
  CHECK(run(". {\n chaos\n chaos\n}\n").error == "Corefile:3: plugin 'chaos' can only be used once per server block");
  CHECK(run(". {\n chaos {\n  x\n }\n}\n").error.starts_with("Corefile:3:"));
}

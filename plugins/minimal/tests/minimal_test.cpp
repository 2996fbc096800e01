#include "plugins/minimal/minimal.h"

#include <doctest/doctest.h>

#include "core/plugin/testing.h"

SKYCORE_PLUGIN_SETUP(minimal)

using namespace skycore;
using namespace skycore::wire;

namespace {
// An answer with records in every section, as a recursive upstream sends.
void full_answer(Request& req) {
  const uint8_t ip[4] = {192, 0, 2, 1};
  auto ns = *Name::from_text("ns.example.org.");
  req.response.add_a(Section::answer, req.query.qname, 60, ip);
  req.response.add_name_rr(Section::authority, *Name::from_text("example.org."), rrtype::NS, 60, ns);
  req.response.add_a(Section::additional, ns, 60, ip);
  req.response.add_opt(1232, 0, false);
}
}  // namespace

TEST_CASE("minimal: a positive answer keeps its answer section and OPT only") {
  plugins::minimal::Minimal m(1);
  testing::StubNext next(rcode::NOERROR);
  next.write = full_answer;
  testing::TestQuery q("www.example.org.", rrtype::A);
  testing::run(m, q.req, next);
  CHECK(q.count(Section::answer) == 1);
  CHECK(q.count(Section::authority) == 0);
  CHECK(q.count(Section::additional) == 1);  // the OPT
  CHECK(q.message().records.back().type == rrtype::OPT);

  // NODATA and NXDOMAIN keep their SOA (negative answers are not touched).
  testing::StubNext negative(rcode::NXDOMAIN);
  negative.write = [](Request& req) {
    auto z = *Name::from_text("example.org.");
    req.response.add_soa(Section::authority, z, 60, z, z, 1, 2, 3, 4, 5);
  };
  testing::TestQuery nx("nx.example.org.", rrtype::A);
  testing::run(m, nx.req, negative);
  CHECK(nx.count(Section::authority) == 1);
  CHECK(testing::SetupRun(". {\n minimal\n}\n", "minimal", &plugins::minimal::setup).error.empty());
}

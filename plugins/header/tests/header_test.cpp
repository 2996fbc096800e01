// header through the plugin test kit: response rules on what the chain
// wrote, query rules seen by the rest of the chain and undone after, the
// older selector-less syntax, and setup errors.
#include "plugins/header/header.h"

#include <doctest/doctest.h>

#include "core/plugin/testing.h"
#include "core/wire/header.h"

SKYCORE_PLUGIN_SETUP(header)

using namespace skycore;
using namespace skycore::wire;
using skycore::testing::TestQuery;

namespace {

testing::SetupRun setup_of(const std::string& body) {
  return testing::SetupRun(". {\n" + body + "\n}\n", "header", &plugins::header::setup);
}

}  // namespace

TEST_CASE("header response rules: set ra aa, clear rd, later rules win") {
  auto run = setup_of(" header {\n  response set ra aa\n  response clear rd\n  response clear aa\n  response set aa\n }");
  REQUIRE(run.plugin);
  testing::StubNext next(rcode::NOERROR);
  TestQuery q("example.org.", rrtype::A);  // RD set by the client
  testing::run(*run.plugin, q.req, next);
  CHECK((q.flags() & flag::RA) != 0);
  CHECK((q.flags() & flag::AA) != 0);
  CHECK((q.flags() & flag::RD) == 0);
  CHECK(q.rcode() == rcode::NOERROR);
}

TEST_CASE("header query rules: the rest of the chain sees them, the plugins before do not") {
  auto run = setup_of(" header {\n  query clear rd\n }");
  REQUIRE(run.plugin);
  testing::StubNext next(rcode::NOERROR);
  uint16_t seen = 0xFFFF;
  next.write = [&](Request& req) { seen = req.query.flags; };
  TestQuery q("example.org.", rrtype::A);
  testing::run(*run.plugin, q.req, next);
  CHECK((seen & flag::RD) == 0);
  CHECK((q.req.query.flags & flag::RD) != 0);  // restored
  CHECK((q.flags() & flag::RD) != 0);          // the response still echoes the client's RD
}

TEST_CASE("header: the older syntax without a selector is for responses; unanswered queries are left alone") {
  auto run = setup_of(" header {\n  set ra\n }");
  REQUIRE(run.plugin);
  testing::StubNext next(rcode::SERVFAIL, false);
  TestQuery q("example.org.", rrtype::A);
  auto r = testing::run(*run.plugin, q.req, next);
  CHECK_FALSE(r.answered);
  CHECK((q.flags() & flag::RA) == 0);
  testing::StubNext answering(rcode::NOERROR);
  TestQuery q2("example.org.", rrtype::A);
  testing::run(*run.plugin, q2.req, answering);
  CHECK((q2.flags() & flag::RA) != 0);
}

TEST_CASE("header setup errors carry FILE:LINE") {
  CHECK(setup_of(" header").error == "Corefile:2: header: no rules (want `query|response set|clear FLAG...` in a block)");
  CHECK(setup_of(" header {\n }").error.starts_with("Corefile:3: header: no rules"));
  CHECK(setup_of(" header {\n  response set\n }").error == "Corefile:3: header: no flags to set");
  CHECK(setup_of(" header {\n  query foo rd\n }").error == "Corefile:3: header: unknown flag action 'foo', should be set or clear");
  CHECK(setup_of(" header {\n  query set ad\n }").error == "Corefile:3: header: unknown flag 'ad': want aa, ra or rd");
  CHECK(setup_of(" header ignored {\n  QuErY SeT RD aa\n  ReSpOnSe ClEaR RA\n }").plugin);
  CHECK(setup_of(" header {}\n header {\n  query set rd\n }").plugin);
}

#include "plugins/nsid/nsid.h"

#include <doctest/doctest.h>

#include "core/plugin/testing.h"
#include "core/wire/record.h"

SKYCORE_PLUGIN_SETUP(nsid)

using namespace skycore;
using namespace skycore::wire;
using skycore::testing::TestQuery;

namespace {

// A query whose OPT carries `options` (TestQuery's OPT has none).
struct OptionQuery : TestQuery {
  OptionQuery(const std::vector<uint8_t>& options) : TestQuery("a.test.", rrtype::A, edns()) {
    std::vector<uint8_t> buf(512);
    MessageWriter w(buf, buf.size());
    w.start_query(1, flag::RD, *Name::from_text("a.test."), rrtype::A, rrclass::IN);
    w.add_opt(1232, 0, false, options);
    packet.assign(w.data().begin(), w.data().end());
    req.packet = packet;
    REQUIRE(parse_query(req.packet, req.query) == QueryStatus::ok);
    restart();
  }
  static testing::QueryOptions edns() {
    testing::QueryOptions o;
    o.edns_size = 1232;
    return o;
  }
  std::vector<uint8_t> packet;
};

std::vector<uint8_t> response_options(const TestQuery& q) {
  auto o = opt_record(q.req.response.data());
  REQUIRE(o);
  return {o->options.begin(), o->options.end()};
}

}  // namespace

TEST_CASE("nsid: only a query that asks gets the option; an upstream OPT keeps its options") {
  plugins::nsid::Nsid n("node-7");
  testing::StubNext next(rcode::NOERROR);
  OptionQuery asks({0, 3, 0, 0});
  testing::run(n, asks.req, next);
  CHECK(response_options(asks) == std::vector<uint8_t>{0, 3, 0, 6, 'n', 'o', 'd', 'e', '-', '7'});

  // An answer that already has an OPT with an EDE (as forward's upstream's).
  testing::StubNext upstream(rcode::NOERROR);
  upstream.write = [](Request& req) { req.response.add_opt(1232, 0, false, std::vector<uint8_t>{0, 15, 0, 2, 0, 21}); };
  OptionQuery again({0, 3, 0, 0});
  testing::run(n, again.req, upstream);
  CHECK(response_options(again) ==
        std::vector<uint8_t>{0, 15, 0, 2, 0, 21, 0, 3, 0, 6, 'n', 'o', 'd', 'e', '-', '7'});

  OptionQuery other({0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8});  // a cookie, no NSID
  testing::run(n, other.req, next);
  CHECK_FALSE(opt_record(other.req.response.data()));  // untouched: the core adds its own OPT later
}

TEST_CASE("nsid setup: DATA words joined, once per block") {
  testing::SetupRun ok(". {\n nsid Use The Force\n}\n", "nsid", &plugins::nsid::setup);
  CHECK(ok.error.empty());
  testing::SetupRun twice(". {\n nsid a\n nsid b\n}\n", "nsid", &plugins::nsid::setup);
  CHECK(twice.error == "Corefile:3: plugin 'nsid' can only be used once per server block");
}

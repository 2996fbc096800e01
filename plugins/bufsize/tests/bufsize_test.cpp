#include "plugins/bufsize/bufsize.h"

#include <doctest/doctest.h>

#include "core/plugin/testing.h"

SKYCORE_PLUGIN_SETUP(bufsize)

using namespace skycore;
using namespace skycore::wire;
using skycore::testing::QueryOptions;
using skycore::testing::TestQuery;

TEST_CASE("bufsize setup: SIZE in 512-4096, default 1232, lines in errors") {
  auto run = [](const char* text) { return testing::SetupRun(text, "bufsize", &plugins::bufsize::setup); };
  auto bare = run(". {\n bufsize\n}\n");
  REQUIRE(bare.plugin);
  CHECK(dynamic_cast<plugins::bufsize::Bufsize&>(*bare.plugin).size() == 1232);
  auto small = run(". {\n bufsize 512\n}\n");
  REQUIRE(small.plugin);
  CHECK(dynamic_cast<plugins::bufsize::Bufsize&>(*small.plugin).size() == 512);
  CHECK(run(". {\n bufsize 511\n}\n").error.starts_with("Corefile:2: bufsize: SIZE"));
  CHECK(run(". {\n bufsize 4097\n}\n").error.starts_with("Corefile:2: bufsize: SIZE"));
  CHECK(run(". {\n bufsize 1232 1232\n}\n").error.starts_with("Corefile:2:"));
  CHECK(run(". {\n bufsize\n bufsize\n}\n").error ==
        "Corefile:3: plugin 'bufsize' can only be used once per server block");
}

TEST_CASE("bufsize lowers an EDNS client's size over UDP only, and never raises it") {
  plugins::bufsize::Bufsize cap(600);
  testing::StubNext next;
  TestQuery udp("a.example.", rrtype::A, QueryOptions{.edns_size = 1232});
  testing::run(cap, udp.req, next);
  CHECK(udp.req.query.edns.udp_size == 600);
  CHECK(udp.req.max_size == 600);
  CHECK(udp.req.response.limit() == 600);

  TestQuery tcp("a.example.", rrtype::A, QueryOptions{.transport = Transport::tcp, .edns_size = 4096});
  testing::run(cap, tcp.req, next);
  CHECK(tcp.req.query.edns.udp_size == 600);
  CHECK(tcp.req.max_size == kMaxMessage);

  TestQuery plain("a.example.", rrtype::A);
  testing::run(cap, plain.req, next);
  CHECK_FALSE(plain.req.query.edns.present);
  CHECK(plain.req.max_size == 512);

  plugins::bufsize::Bufsize big(4096);
  TestQuery small("a.example.", rrtype::A, QueryOptions{.edns_size = 800});
  testing::run(big, small.req, next);
  CHECK(small.req.query.edns.udp_size == 800);
  CHECK(next.calls == 4);
}

// The core's finish(): the one place that completes a response whichever
// plugin built it. OPT for EDNS clients (theirs kept when a message carried
// one), none for others, the bare rcode when nobody answered, and room for
// the OPT kept through a plugin's fresh start.
#include "core/server/finish.h"

#include <doctest/doctest.h>

#include "core/plugin/testing.h"
#include "core/server/query_handler.h"
#include "core/wire/record.h"

using namespace skycore;
using namespace skycore::wire;
using skycore::testing::QueryOptions;
using skycore::testing::TestQuery;

namespace {
// As the core hands a query to the chain: OPT space reserved for EDNS clients.
void as_core_does(TestQuery& q) {
  if (q.req.query.edns.present) q.req.response.reserve(kOptRecordSize);
}
size_t opt_count(const TestQuery& q) {
  size_t n = 0;
  for (const auto& r : q.message().records) n += r.type == rrtype::OPT;
  return n;
}
// A whole reply from elsewhere (an upstream) with `opt` and `answers` A records.
std::vector<uint8_t> upstream_reply(const TestQuery& q, bool opt, int answers) {
  std::vector<uint8_t> buf(65535);
  MessageWriter w(buf, buf.size());
  w.start_response(q.req.query, q.req.packet);
  const uint8_t ip[4] = {192, 0, 2, 1};
  for (int i = 0; i < answers; ++i) w.add_a(Section::answer, q.req.query.qname, 60, std::span<const uint8_t, 4>(ip));
  if (opt) w.add_opt(4096, 0, true);
  buf.resize(w.size());
  return buf;
}
}  // namespace

TEST_CASE("finish: an EDNS client gets one OPT; a client without EDNS none, even from an upstream's message") {
  TestQuery built("a.example.", rrtype::A, QueryOptions{.edns_size = 1232});
  as_core_does(built);
  auto f = server::finish(built.req, Result::written("x", rcode::NOERROR));
  CHECK(opt_count(built) == 1);
  CHECK(f.size == built.req.response.size());
  CHECK(f.sent);

  TestQuery plain("a.example.", rrtype::A);
  as_core_does(plain);
  auto reply = upstream_reply(plain, /*opt=*/true, 1);
  REQUIRE(plain.req.response.assign(reply));
  server::finish(plain.req, Result::written("x", rcode::NOERROR));
  CHECK(opt_count(plain) == 0);
  CHECK(plain.count(Section::answer) == 1);

  TestQuery edns("a.example.", rrtype::A, QueryOptions{.edns_size = 1232});
  as_core_does(edns);
  auto theirs = upstream_reply(edns, /*opt=*/true, 1);
  REQUIRE(edns.req.response.assign(theirs));
  server::finish(edns.req, Result::written("x", rcode::NOERROR));
  CHECK(opt_count(edns) == 1);  // the upstream's, kept (its options, its extended rcode)
}

TEST_CASE("finish: nobody answered: the bare rcode, extended bits in the OPT") {
  TestQuery q("a.example.", rrtype::A, QueryOptions{.edns_size = 1232});
  as_core_does(q);
  q.req.response.add_a(Section::answer, q.req.query.qname, 60, std::span<const uint8_t, 4>(std::array<uint8_t, 4>{1, 2, 3, 4}));
  auto f = server::finish(q.req, Result::unanswered("x", rcode::BADVERS));
  CHECK(q.count(Section::answer) == 0);  // what a plugin left behind is not sent
  CHECK(f.rcode == rcode::BADVERS);
  auto m = q.message();
  REQUIRE(opt_count(q) == 1);
  for (const auto& r : m.records)
    if (r.type == rrtype::OPT) CHECK((r.ttl >> 24) == (rcode::BADVERS >> 4));
  CHECK(f.flags == HeaderView{q.req.response.data().data()}.flags());
}

TEST_CASE("finish: a message cut to the client's size keeps room for the OPT, however the plugin started") {
  for (bool restart : {false, true}) {
    TestQuery q("a.example.", rrtype::A, QueryOptions{.edns_size = 512});
    as_core_does(q);
    if (restart) q.req.response.start_response(q.req.query, q.req.packet);  // forward's `next` path
    const uint8_t ip[4] = {192, 0, 2, 1};
    while (q.req.response.add_a(Section::answer, q.req.query.qname, 60, std::span<const uint8_t, 4>(ip))) {
    }
    server::finish(q.req, Result::written("x", rcode::NOERROR));
    CHECK(q.req.response.size() <= 512);
    CHECK(opt_count(q) == 1);
    CHECK((q.flags() & flag::TC) != 0);
  }
  // An upstream's whole message without OPT, larger than the client takes.
  TestQuery big("a.example.", rrtype::A, QueryOptions{.edns_size = 512});
  as_core_does(big);
  auto reply = upstream_reply(big, /*opt=*/false, 60);
  REQUIRE(big.req.response.assign(reply));
  server::finish(big.req, Result::written("x", rcode::NOERROR));
  CHECK(big.req.response.size() <= 512);
  CHECK(opt_count(big) == 1);
  CHECK((big.flags() & flag::TC) != 0);
}

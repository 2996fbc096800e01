#include <doctest/doctest.h>

#include <array>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/wire/header.h"
#include "core/wire/query.h"
#include "core/wire/record.h"
#include "core/wire/writer.h"
#include "plugins/loadbalance/shuffle.h"

using namespace skycore;
using namespace skycore::wire;
using namespace skycore::plugins::loadbalance;

namespace {
Name N(const char* s) { return *Name::from_text(s); }

// A response to `qname` with: a CNAME to target, 4 A records of target, 3 MX
// records of qname (the second spelled out in full, the others compressed
// against it), as a resolver's answer might look.
std::vector<uint8_t> response() {
  std::array<uint8_t, 512> qb{};
  MessageWriter qw(qb, qb.size());
  qw.start_query(7, flag::RD, N("www.example.org"), rrtype::A, rrclass::IN);
  Query q;
  REQUIRE(parse_query(qw.data(), q) == QueryStatus::ok);
  std::array<uint8_t, 1024> b{};
  MessageWriter w(b, b.size());
  w.start_response(q, qw.data());
  w.add_name_rr(Section::answer, N("www.example.org"), rrtype::CNAME, 60, N("web.example.org"));
  for (uint8_t i = 1; i <= 4; ++i) {
    const uint8_t ip[4] = {192, 0, 2, i};
    w.add_a(Section::answer, N("web.example.org"), 60, std::span<const uint8_t, 4>(ip));
  }
  w.add_mx(Section::answer, N("www.example.org"), 60, 10, N("mx1.example.org"));
  w.add_mx(Section::answer, N("www.example.org"), 60, 20, N("mx2.example.org"));
  w.add_mx(Section::answer, N("www.example.org"), 60, 30, N("mx3.example.org"));
  return {w.data().begin(), w.data().end()};
}

// The answer records as text, in order.
std::vector<std::string> answers(const std::vector<uint8_t>& msg) {
  ParsedMessage m;
  REQUIRE(parse_message(msg, m));
  std::vector<std::string> out;
  for (const auto& rr : m.records)
    if (rr.section == Section::answer) out.push_back(rr.owner.to_text() + " " + rdata_to_text(msg, rr));
  return out;
}
}  // namespace

TEST_CASE("loadbalance: addresses change order, the message stays valid, the CNAME stays first") {
  const auto original = response();
  const auto before = answers(original);
  Rng rng{12345};
  std::set<std::vector<std::string>> orders;
  for (int i = 0; i < 50; ++i) {
    auto msg = original;
    CHECK(shuffle_answers(msg, rng) >= 4);
    auto after = answers(msg);  // parses: names and pointers still valid
    REQUIRE(after.size() == before.size());
    CHECK(after.front() == before.front());  // the CNAME
    CHECK(std::multiset<std::string>(after.begin(), after.end()) ==
          std::multiset<std::string>(before.begin(), before.end()));
    orders.insert(after);
  }
  CHECK(orders.size() > 5);
}

TEST_CASE("loadbalance: MX records move when they can, and stay when their lengths differ") {
  // In response() every exchange is compressed against the question's
  // example.org, so the three MX are the same length and may move.
  const auto original = response();
  Rng rng{99};
  std::set<std::string> first_mx;
  for (int i = 0; i < 30; ++i) {
    auto msg = original;
    shuffle_answers(msg, rng);
    first_mx.insert(answers(msg)[5]);
  }
  CHECK(first_mx.size() > 1);

  // Exchanges under a name the question does not share: the first is spelled
  // out, the second points into it. Different lengths: left alone.
  std::array<uint8_t, 512> qb{};
  MessageWriter qw(qb, qb.size());
  qw.start_query(7, flag::RD, N("www.example.org"), rrtype::MX, rrclass::IN);
  Query q;
  REQUIRE(parse_query(qw.data(), q) == QueryStatus::ok);
  std::array<uint8_t, 512> b{};
  MessageWriter w(b, b.size());
  w.start_response(q, qw.data());
  w.add_mx(Section::answer, N("www.example.org"), 60, 10, N("a.mail.example.net"));
  w.add_mx(Section::answer, N("www.example.org"), 60, 20, N("b.mail.example.net"));
  std::vector<uint8_t> msg(w.data().begin(), w.data().end());
  const auto before = answers(msg);
  for (int i = 0; i < 10; ++i) {
    CHECK(shuffle_answers(msg, rng) == 0);
    CHECK(answers(msg) == before);
  }
}

TEST_CASE("loadbalance: short, single-record and unreadable messages are untouched") {
  Rng rng{1};
  std::vector<uint8_t> tiny = {1, 2, 3};
  CHECK(shuffle_answers(tiny, rng) == 0);
  auto msg = response();
  msg.resize(msg.size() - 3);  // cut inside the last record
  auto copy = msg;
  CHECK(shuffle_answers(msg, rng) == 0);
  CHECK(msg == copy);
}

TEST_CASE("loadbalance: [A, MX, CNAME] becomes CNAME, A, MX as CoreDNS orders it") {
  std::array<uint8_t, 512> qb{};
  MessageWriter qw(qb, qb.size());
  qw.start_query(7, flag::RD, N("www.example.org"), rrtype::A, rrclass::IN);
  Query q;
  REQUIRE(parse_query(qw.data(), q) == QueryStatus::ok);
  std::array<uint8_t, 1024> b{};
  MessageWriter w(b, b.size());
  w.start_response(q, qw.data());
  const uint8_t ip[4] = {192, 0, 2, 1};
  w.add_a(Section::answer, N("www.example.org"), 60, std::span<const uint8_t, 4>(ip));
  w.add_mx(Section::answer, N("www.example.org"), 60, 10, N("mx.example.org"));
  w.add_name_rr(Section::answer, N("www.example.org"), rrtype::CNAME, 60, N("alias.example.org"));
  w.add_soa(Section::authority, N("example.org"), 60, N("ns.example.org"), N("h.example.org"), 1, 2, 3, 4, 5);
  std::vector<uint8_t> msg(w.data().begin(), w.data().end());
  Rng rng{1};
  shuffle_answers(msg, rng);
  auto after = answers(msg);  // parses: every name still valid
  REQUIRE(after.size() == 3);
  CHECK(after[0] == "www.example.org. alias.example.org.");
  CHECK(after[1] == "www.example.org. 192.0.2.1");
  CHECK(after[2] == "www.example.org. 10 mx.example.org.");
}

TEST_CASE("loadbalance weighted: the first address follows the weights, the rest and the MX stay") {
  std::string why;
  auto w = parse_weights("# weights\nweb.example.org\n192.0.2.1 3\n192.0.2.3 1\n", why);
  REQUIRE(w);  // 192.0.2.2 and .4 weigh 1 (not listed)
  Policy p;
  p.weights = &*w;
  const auto original = response();
  Rng rng{7};
  std::map<std::string, int> first;
  for (int i = 0; i < 6000; ++i) {
    auto msg = original;
    shuffle_answers(msg, rng, p);
    auto after = answers(msg);
    first[after[1]]++;  // after the CNAME
    CHECK(after.back() == answers(original).back());  // MX untouched
  }
  // 3 : 1 : 1 : 1 of 6000: about 3000 and 1000 each.
  CHECK(first["web.example.org. 192.0.2.1"] > 2700);
  CHECK(first["web.example.org. 192.0.2.1"] < 3300);
  CHECK(first["web.example.org. 192.0.2.3"] > 800);
  CHECK(first["web.example.org. 192.0.2.3"] < 1200);
}

TEST_CASE("loadbalance weighted: weights file errors") {
  std::string why;
  CHECK_FALSE(parse_weights("192.0.2.1 3\n", why));
  CHECK(why == "line 1: an address before any domain");
  CHECK_FALSE(parse_weights("a.example\n192.0.2.1 300\n", why));
  CHECK(why == "line 2: weight '300' is not from 1 to 255");
  CHECK_FALSE(parse_weights("a.example\nnot-an-ip 3\n", why));
  CHECK(why == "line 2: 'not-an-ip' is not an IP address");
  CHECK_FALSE(parse_weights("a.example\n192.0.2.1 3 4\n", why));
}

TEST_CASE("loadbalance prefer: addresses in the subnets first, each group in its order") {
  Subnet s;
  s.net.bytes = {192, 0, 2, 3};
  s.bits = 32;
  Subnet t;
  t.net.bytes = {192, 0, 2, 1};
  t.bits = 32;
  std::vector<Subnet> nets{s, t};
  Policy p;
  p.weights = nullptr;
  p.prefer = nets;
  Weights none;
  Policy keep_order;  // weighted with no weights: only the prefer partition shows
  keep_order.weights = &none;
  keep_order.prefer = nets;
  for (int i = 0; i < 20; ++i) {
    auto msg = response();
    Rng rng{uint64_t(100 + i)};
    shuffle_answers(msg, rng, p);
    auto after = answers(msg);
    std::set<std::string> front{after[1], after[2]};
    CHECK(front == std::set<std::string>{"web.example.org. 192.0.2.1", "web.example.org. 192.0.2.3"});
  }
  auto msg = response();
  Rng rng{1};
  // Moving one address first can change the order; with equal weights the
  // order among the rest is the original's.
  shuffle_answers(msg, rng, keep_order);
  auto after = answers(msg);
  CHECK((after[1] == "web.example.org. 192.0.2.1" || after[1] == "web.example.org. 192.0.2.3"));
}

TEST_CASE("loadbalance limit_answers keeps the first N answer records") {
  auto msg = response();
  size_t len = limit_answers(msg, 3);
  msg.resize(len);
  auto after = answers(msg);
  CHECK(after.size() == 3);
  CHECK(after[0] == "www.example.org. web.example.org.");
  auto again = response();
  CHECK(limit_answers(again, 20) == again.size());  // fewer than the limit: unchanged
}

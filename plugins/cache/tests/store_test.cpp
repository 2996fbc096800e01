#include <doctest/doctest.h>

#include <array>
#include <random>
#include <string>
#include <vector>

#include "core/wire/header.h"
#include "core/wire/record.h"
#include "core/wire/writer.h"
#include "plugins/cache/store.h"

using namespace skycore;
using namespace skycore::wire;
using namespace skycore::plugins::cache;
using namespace std::chrono_literals;

namespace {
Name N(const char* s) { return *Name::from_text(s); }

Query make_query(const char* qname, uint16_t qtype = rrtype::A, bool do_bit = false) {
  Query q;
  q.qname = N(qname);
  q.qname_lower = q.qname;
  q.qname_lower.lowercase();
  q.qtype = qtype;
  q.qclass = rrclass::IN;
  q.edns.present = do_bit;
  q.edns.do_bit = do_bit;
  return q;
}

// A response with one A record of `ttl`, or a negative one with an SOA.
std::vector<uint8_t> answer(const Query& q, uint32_t ttl, uint16_t rcode = rcode::NOERROR,
                            bool with_soa = false, uint32_t soa_ttl = 60, uint32_t minimum = 30) {
  std::array<uint8_t, 512> qb{};
  MessageWriter qw(qb, qb.size());
  qw.start_query(1, flag::RD, q.qname, q.qtype, q.qclass);
  Query parsed;
  REQUIRE(parse_query(qw.data(), parsed) == QueryStatus::ok);
  std::array<uint8_t, 512> b{};
  MessageWriter w(b, b.size());
  w.start_response(parsed, qw.data());
  w.set_rcode(rcode);
  const uint8_t ip[4] = {192, 0, 2, 1};
  if (rcode == rcode::NOERROR && !with_soa) w.add_a(Section::answer, q.qname, ttl, std::span<const uint8_t, 4>(ip));
  if (with_soa)
    w.add_soa(Section::authority, N("example.org"), soa_ttl, N("ns.example.org"), N("h.example.org"), 1, 2,
              3, 4, minimum);
  return {w.data().begin(), w.data().end()};
}

uint32_t first_ttl(std::span<const uint8_t> msg) {
  ParsedMessage m;
  REQUIRE(parse_message(msg, m));
  REQUIRE(!m.records.empty());
  return m.records[0].ttl;
}

Config config() { return Config{}; }

struct Fixture {
  Config cfg = config();
  StoreLimits limits;
  Clock::time_point t0 = Clock::now();
  std::array<uint8_t, 4096> out{};

  void put(Store& s, const Query& q, const std::vector<uint8_t>& msg, Clock::time_point at) {
    auto a = analyze(msg, cfg, q.qname_lower);
    REQUIRE(a);
    s.insert(make_key(q), msg, *a, at);
  }
};
}  // namespace

TEST_CASE("keys separate qtype, DO and CD, and ignore case") {
  auto a = make_key(make_query("www.example.org"));
  CHECK(a == make_key(make_query("WWW.Example.ORG")));
  CHECK_FALSE(a == make_key(make_query("www.example.org", rrtype::AAAA)));
  CHECK_FALSE(a == make_key(make_query("www.example.org", rrtype::A, true)));
  auto cd = make_query("www.example.org");
  cd.flags = flag::CD;
  CHECK_FALSE(a == make_key(cd));
}

TEST_CASE("TTLs age with the injected clock and the entry expires") {
  Fixture f;
  Store s(f.limits);
  auto q = make_query("www.example.org");
  f.put(s, q, answer(q, 300), f.t0);
  auto key = make_key(q);
  auto hit = s.lookup(key, f.t0 + 10s, f.out, false);
  REQUIRE(hit.found == Found::fresh);
  CHECK(first_ttl({f.out.data(), hit.len}) == 290);
  hit = s.lookup(key, f.t0 + 299s, f.out, false);
  REQUIRE(hit.found == Found::fresh);
  CHECK(first_ttl({f.out.data(), hit.len}) == 1);
  CHECK(s.lookup(key, f.t0 + 300s, f.out, false).found == Found::miss);
}

TEST_CASE("TTL is clamped to [min, max] and never served above what is left") {
  Fixture f;
  f.cfg.success.max_ttl = 30s;
  Store s(f.limits);
  auto q = make_query("long.example.org");
  f.put(s, q, answer(q, 86400), f.t0);
  auto hit = s.lookup(make_key(q), f.t0 + 5s, f.out, false);
  REQUIRE(hit.found == Found::fresh);
  CHECK(first_ttl({f.out.data(), hit.len}) == 25);
  auto a = analyze(answer(q, 0), f.cfg, q.qname_lower);
  REQUIRE(a);
  CHECK(a->ttl == 5);  // min TTL
}

TEST_CASE("negative answers live min(SOA TTL, SOA MINIMUM); without SOA they are not cached") {
  Fixture f;
  auto q = make_query("nx.example.org");
  auto a = analyze(answer(q, 0, rcode::NXDOMAIN, true, 60, 30), f.cfg, q.qname_lower);
  REQUIRE(a);
  CHECK(a->kind == Kind::denial);
  CHECK(a->ttl == 30);
  a = analyze(answer(q, 0, rcode::NXDOMAIN, true, 20, 900), f.cfg, q.qname_lower);
  REQUIRE(a);
  CHECK(a->ttl == 20);
  CHECK_FALSE(analyze(answer(q, 0, rcode::NXDOMAIN, false), f.cfg, q.qname_lower));
  auto nodata = make_query("www.example.org", rrtype::AAAA);
  a = analyze(answer(nodata, 0, rcode::NOERROR, true, 60, 30), f.cfg, nodata.qname_lower);
  REQUIRE(a);
  CHECK(a->kind == Kind::denial);

  Store s(f.limits);
  f.put(s, q, answer(q, 0, rcode::NXDOMAIN, true, 60, 30), f.t0);
  auto hit = s.lookup(make_key(q), f.t0 + 10s, f.out, false);
  REQUIRE(hit.found == Found::fresh);
  CHECK(first_ttl({f.out.data(), hit.len}) == 20);  // counts down from 30
}

TEST_CASE("truncated answers, REFUSED and disabled kinds are not cacheable") {
  Fixture f;
  auto q = make_query("www.example.org");
  auto msg = answer(q, 60);
  msg[2] |= 0x02;  // TC
  CHECK_FALSE(analyze(msg, f.cfg, q.qname_lower));
  CHECK_FALSE(analyze(answer(q, 60, rcode::REFUSED), f.cfg, q.qname_lower));
  auto sf = analyze(answer(q, 60, rcode::SERVFAIL), f.cfg, q.qname_lower);
  REQUIRE(sf);
  CHECK(sf->kind == Kind::servfail);
  CHECK(sf->ttl == 5);
  f.cfg.servfail_ttl = 0s;
  CHECK_FALSE(analyze(answer(q, 60, rcode::SERVFAIL), f.cfg, q.qname_lower));
  f.cfg.success.disabled_zones.push_back(N("example.org"));
  CHECK_FALSE(analyze(answer(q, 60), f.cfg, q.qname_lower));
}

TEST_CASE("capacity is a hard limit and full kinds evict") {
  Fixture f;
  f.limits.capacity[0] = 40;
  Store s(f.limits);
  for (int i = 0; i < 400; ++i) {
    std::string name = "n";
    name += std::to_string(i) + ".example.org";
    auto q = make_query(name.c_str());
    f.put(s, q, answer(q, 300), f.t0);
  }
  CHECK(s.entries(Kind::success) <= 40);
  CHECK(s.entries(Kind::success) >= 30);
  CHECK(s.counters().evictions[0] >= 360);
}

TEST_CASE("capacity smaller than the shard count still holds") {
  Fixture f;
  f.limits.capacity[0] = 3;
  Store s(f.limits);
  for (int i = 0; i < 100; ++i) {
    std::string name = "s";
    name += std::to_string(i) + ".example.org";
    auto q = make_query(name.c_str());
    f.put(s, q, answer(q, 300), f.t0);
  }
  CHECK(s.entries(Kind::success) <= 3);
}

TEST_CASE("serve_stale answers expired entries with TTL 30 inside the window only") {
  Fixture f;
  f.limits.serve_stale = 3600s;
  Store s(f.limits);
  auto q = make_query("www.example.org");
  f.put(s, q, answer(q, 60), f.t0);
  auto key = make_key(q);
  CHECK(s.lookup(key, f.t0 + 120s, f.out, false).found == Found::miss);  // stale not allowed
  auto hit = s.lookup(key, f.t0 + 120s, f.out, true);
  REQUIRE(hit.found == Found::stale);
  CHECK(first_ttl({f.out.data(), hit.len}) == 30);
  CHECK(hit.prefetch_due);  // one background refresh
  CHECK_FALSE(s.lookup(key, f.t0 + 121s, f.out, true).prefetch_due);
  CHECK(s.lookup(key, f.t0 + 60s + 3601s, f.out, true).found == Found::miss);
}

TEST_CASE("prefetch fires once for popular entries close to expiry") {
  Fixture f;
  f.limits.prefetch_amount = 3;
  f.limits.prefetch_percentage = 10;
  Store s(f.limits);
  auto q = make_query("hot.example.org");
  f.put(s, q, answer(q, 100), f.t0);
  auto key = make_key(q);
  CHECK_FALSE(s.lookup(key, f.t0 + 1s, f.out, false).prefetch_due);   // 1 hit, far from expiry
  CHECK_FALSE(s.lookup(key, f.t0 + 2s, f.out, false).prefetch_due);   // 2 hits
  CHECK_FALSE(s.lookup(key, f.t0 + 50s, f.out, false).prefetch_due);  // 3 hits, 50% left
  CHECK(s.lookup(key, f.t0 + 95s, f.out, false).prefetch_due);        // 4 hits, 5% left
  CHECK_FALSE(s.lookup(key, f.t0 + 96s, f.out, false).prefetch_due);  // already running
  s.prefetch_done(key);
  CHECK(s.lookup(key, f.t0 + 97s, f.out, false).prefetch_due);
}

TEST_CASE("prefetch 1 with a 5 s TTL refetches when a hit comes with 1 s left (CoreDNS's rounded-up 10%)") {
  Fixture f;
  f.limits.prefetch_amount = 1;
  f.limits.prefetch_percentage = 10;
  Store s(f.limits);
  auto q = make_query("short.example.org");
  f.put(s, q, answer(q, 5), f.t0);
  auto key = make_key(q);
  CHECK_FALSE(s.lookup(key, f.t0 + 1s, f.out, false).prefetch_due);  // 4 s left of 5
  CHECK(s.lookup(key, f.t0 + 4s, f.out, false).prefetch_due);        // 1 s left: ceil(0.5) = 1
}

TEST_CASE("NOTIMP is cached briefly as a server error, as CoreDNS") {
  Fixture f;
  auto q = make_query("notimp.example.org");
  auto a = analyze(answer(q, 0, rcode::NOTIMP), f.cfg, q.qname_lower);
  REQUIRE(a);
  CHECK(a->kind == Kind::servfail);
  CHECK(a->ttl == 5);
}

TEST_CASE("eviction is random: a full cache still takes in what is popular now") {
  // 1 000 entries filled with names nobody asks for again, then
  // Zipf-distributed lookups over 10 000 other names. Evicting the newest
  // entry (what taking the hash map's first entry did) keeps the stale
  // names forever and hits a few percent; a random eviction lets the popular
  // names in and hits most of the time.
  Fixture f;
  f.limits.capacity[0] = 1000;
  Store s(f.limits);
  for (int i = 0; i < 1000; ++i) {
    auto q = make_query(("old" + std::to_string(i) + ".example.org").c_str());
    f.put(s, q, answer(q, 3600), f.t0);
  }
  std::vector<Query> queries;
  std::vector<std::vector<uint8_t>> answers;
  for (int i = 0; i < 10000; ++i) {
    queries.push_back(make_query(("n" + std::to_string(i) + ".example.org").c_str()));
    answers.push_back(answer(queries.back(), 3600));
  }
  std::vector<double> w;
  for (int i = 0; i < 10000; ++i) w.push_back(1.0 / (i + 1));
  std::mt19937 rng(7);
  std::discrete_distribution<int> zipf(w.begin(), w.end());
  int hits = 0;
  const int n = 60000;
  for (int i = 0; i < n; ++i) {
    int k = zipf(rng);
    if (s.lookup(make_key(queries[k]), f.t0, f.out, false).found == Found::fresh) ++hits;
    else f.put(s, queries[k], answers[k], f.t0);
  }
  CHECK(s.entries(Kind::success) <= 1000);
  CHECK(hits > n / 2);  // random replacement: about 60 %; the ideal (the 1 000 most popular): 76 %
}

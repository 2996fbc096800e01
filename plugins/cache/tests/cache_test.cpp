// Cache::serve with an injected clock, through the plugin test kit: TTLs
// age, entries expire, popular ones are prefetched, stale ones served while
// the upstream fails. No sleeping: the test moves the clock.
#include "plugins/cache/cache.h"

#include <doctest/doctest.h>

#include "core/corefile/parser.h"
#include "core/plugin/testing.h"

using namespace skycore;
using namespace skycore::wire;
using namespace skycore::plugins::cache;
using skycore::testing::StubNext;
using skycore::testing::TestQuery;

namespace {
std::chrono::steady_clock::time_point g_now = std::chrono::steady_clock::time_point() + std::chrono::hours(1);
std::chrono::steady_clock::time_point test_clock() { return g_now; }
void advance(int seconds) { g_now += std::chrono::seconds(seconds); }

Config config(const char* body) {
  std::string text = std::string("example.org {\n cache ") + body + "\n}\n";
  auto cfg = corefile::parse_string(text, "Corefile", ".");
  corefile::TokenCursor c(corefile::directive_tokens(cfg.blocks.at(0), "cache"));
  Config out = parse_config(c, {"example.org."});
  out.clock = &test_clock;
  return out;
}

// The upstream: one A record with TTL 300.
void upstream_answer(StubNext& up) {
  up.write = [](Request& req) {
    const uint8_t ip[4] = {192, 0, 2, 7};
    req.response.add_a(Section::answer, req.query.qname, 300, std::span<const uint8_t, 4>(ip));
  };
}

uint32_t ask(Cache& cache, StubNext& up, const char* qname = "www.example.org.") {
  TestQuery q(qname, rrtype::A);
  testing::run(cache, q.req, up);
  auto m = q.message();
  REQUIRE(m.records.size() >= 1);
  CHECK(q.texts(Section::answer, rrtype::A) == std::vector<std::string>{"192.0.2.7"});
  return m.records[0].ttl;
}
}  // namespace

TEST_CASE("cache: a hit's TTL ages with the clock; past it, the upstream is asked again") {
  Cache cache(config(""), 1);
  StubNext up;
  upstream_answer(up);
  up.answer(rcode::NOERROR);
  CHECK(ask(cache, up) == 300);
  CHECK(up.calls == 1);
  advance(100);
  CHECK(ask(cache, up) == 200);
  CHECK(up.calls == 1);  // from the cache
  advance(201);
  CHECK(ask(cache, up) == 300);
  CHECK(up.calls == 2);  // expired: asked again
}

TEST_CASE("cache: a popular entry near its end is refreshed in the background") {
  Cache cache(config("{\n  prefetch 2 10m 10%\n }"), 1);
  StubNext up;
  upstream_answer(up);
  up.answer(rcode::NOERROR);
  ask(cache, up, "pf.example.org.");
  ask(cache, up, "pf.example.org.");  // a second hit: popular
  CHECK(up.calls == 1);
  advance(275);  // 25 s of 300 left: under 10 %
  CHECK(ask(cache, up, "pf.example.org.") == 25);  // answered from the cache...
  CHECK(up.calls == 2);                           // ...and refreshed behind it
  advance(1);
  CHECK(ask(cache, up, "pf.example.org.") == 299);  // the refreshed entry
  CHECK(up.calls == 2);
}

TEST_CASE("cache: serve_stale answers an expired entry while the upstream fails") {
  Cache cache(config("{\n  serve_stale 1h\n }"), 1);
  StubNext up;
  upstream_answer(up);
  up.answer(rcode::NOERROR);
  ask(cache, up, "st.example.org.");
  advance(400);  // expired 100 s ago
  up.answer(rcode::SERVFAIL, /*answered=*/false);
  CHECK(ask(cache, up, "st.example.org.") == 30);  // stale, with RFC 8767's TTL
  CHECK(up.calls == 2);                            // a refresh was tried behind it
  advance(3600);  // past serve_stale: gone
  TestQuery q("st.example.org.", rrtype::A);
  CHECK(testing::run(cache, q.req, up).rcode == rcode::SERVFAIL);
  CHECK(up.calls == 3);
}

TEST_CASE("cache: serve_stale immediate RESPONSE_TTL FAILURE_RECHECK") {
  Cache cache(config("{\n  serve_stale 1h immediate 10s 60s\n }"), 1);
  StubNext up;
  upstream_answer(up);
  up.answer(rcode::NOERROR);
  ask(cache, up, "rt.example.org.");
  advance(400);
  up.answer(rcode::SERVFAIL, false);
  CHECK(ask(cache, up, "rt.example.org.") == 10);  // RESPONSE_TTL
  CHECK(up.calls == 2);                            // the refresh behind it failed
  advance(30);
  CHECK(ask(cache, up, "rt.example.org.") == 10);
  CHECK(up.calls == 2);  // within FAILURE_RECHECK: no new refresh
  advance(31);
  ask(cache, up, "rt.example.org.");
  CHECK(up.calls == 3);  // past it: one more try
}

TEST_CASE("cache: serve_stale verify asks first; VERIFY_TIMEOUT 0 waits for the answer") {
  Cache cache(config("{\n  serve_stale 1h verify\n }"), 1);
  StubNext up;
  upstream_answer(up);
  up.answer(rcode::NOERROR);
  ask(cache, up, "v.example.org.");
  advance(400);
  CHECK(ask(cache, up, "v.example.org.") == 300);  // refreshed before answering: fresh TTL
  CHECK(up.calls == 2);
  advance(400);
  up.answer(rcode::SERVFAIL, false);
  CHECK(ask(cache, up, "v.example.org.") == 30);  // refresh failed: stale
  CHECK(up.calls == 3);
  auto t = cache.store().counters();
  CHECK(t.stale == 1);
}

TEST_CASE("cache: serve_stale_policy prefer_positive keeps the last answer over NXDOMAIN") {
  for (const char* mode : {"immediate", "verify"}) {
    CAPTURE(mode);
    Cache cache(config((std::string("{\n  serve_stale 1h ") + mode + "\n  serve_stale_policy prefer_positive\n }").c_str()), 1);
    StubNext up;
    upstream_answer(up);
    up.answer(rcode::NOERROR);
    ask(cache, up, "pp.example.org.");
    advance(400);
    // The name is gone upstream: NXDOMAIN, no records.
    up.write = [](Request&) {};
    up.answer(rcode::NXDOMAIN);
    CHECK(ask(cache, up, "pp.example.org.") == 30);  // still the last good answer
    CHECK(ask(cache, up, "pp.example.org.") == 30);
    advance(3600);  // past the stale window: the NXDOMAIN shows
    TestQuery q("pp.example.org.", rrtype::A);
    testing::run(cache, q.req, up);
    CHECK(q.rcode() == rcode::NXDOMAIN);
  }
  // Without the policy a verified NXDOMAIN is what the client gets.
  Cache plain(config("{\n  serve_stale 1h verify\n }"), 1);
  StubNext up;
  upstream_answer(up);
  up.answer(rcode::NOERROR);
  ask(plain, up, "np.example.org.");
  advance(400);
  up.write = [](Request&) {};
  up.answer(rcode::NXDOMAIN);
  TestQuery q("np.example.org.", rrtype::A);
  testing::run(plain, q.req, up);
  CHECK(q.rcode() == rcode::NXDOMAIN);
}

TEST_CASE("cache: serve_stale option errors") {
  auto error = [](const char* body) {
    try {
      config(body);
    } catch (const corefile::Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(error("{\n  serve_stale 1h sometimes\n }").find("unknown mode 'sometimes'") != std::string::npos);
  CHECK(error("{\n  serve_stale 1h verify 2m\n }").find("verify timeout '2m'") != std::string::npos);
  CHECK(error("{\n  serve_stale 1h immediate 30s 10m\n }").find("failure recheck") != std::string::npos);
  CHECK(error("{\n  serve_stale 1h immediate 30s 1m 5\n }").find("wrong argument count") != std::string::npos);
  CHECK(error("{\n  serve_stale_policy prefer_positive\n }").find("serve_stale_policy needs serve_stale") != std::string::npos);
  CHECK(error("{\n  serve_stale 1h\n  serve_stale_policy prefer_latest\n }").find("unknown policy") != std::string::npos);
  CHECK(error("{\n  serve_stale 1h verify 100ms 30s 30s\n  serve_stale_policy prefer_positive\n }").empty());
}

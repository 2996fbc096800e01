#include "plugins/rrl/rrl.h"

#include <doctest/doctest.h>

#include "core/plugin/testing.h"

SKYCORE_PLUGIN_SETUP(rrl)

using namespace skycore;
using namespace skycore::plugins::rrl;

TEST_CASE("rrl accounts: a second's allowance, then debt up to the window, then credit") {
  Accounts acc(64);
  Limits l;
  l.per_second[size_t(Category::response)] = 5;
  l.window_s = 2;
  const uint64_t k = 42;
  for (int i = 0; i < 5; ++i) CHECK(acc.debit(k, Category::response, 0, l) == 0);
  CHECK(acc.debit(k, Category::response, 0, l) == 1);  // the 6th in the same instant
  CHECK(acc.debit(k, Category::response, 0, l) == 2);
  for (int i = 0; i < 100; ++i) acc.debit(k, Category::response, 0, l);  // debt stops at -10
  CHECK(acc.debit(k, Category::response, 2'000'000, l) > 0);  // 2 s of credit pays the debt, not the next one
  CHECK(acc.debit(k, Category::response, 2'400'000, l) == 0);  // 0.4 s more: 2 responses' worth
  CHECK(acc.debit(7, Category::response, 0, l) == 0);  // another account is not touched
  l.per_second[size_t(Category::nodata)] = 0;  // 0: not limited at all
  for (int i = 0; i < 50; ++i) CHECK(acc.debit(k, Category::nodata, 0, l) == 0);
}

TEST_CASE("rrl accounts: a full bucket gives its oldest account away") {
  Accounts acc(64);  // 16 buckets of 4
  Limits l;
  l.per_second[size_t(Category::response)] = 1;
  // Keys landing in one bucket: the same bits above the lowest (bucket = (key >> 1) & mask & ~3).
  auto key = [](uint64_t i) { return (i << 7) | 0; };
  for (uint64_t i = 0; i < 4; ++i) acc.debit(key(i), Category::response, int64_t(i), l);
  CHECK(acc.debit(key(0), Category::response, 10, l) == 1);  // still tracked: limited
  acc.debit(key(9), Category::response, 20, l);               // evicts the oldest: key(1)
  CHECK(acc.debit(key(1), Category::response, 30, l) == 0);   // a fresh account
}

TEST_CASE("rrl: categories from the response header") {
  std::array<uint8_t, 12> h{};
  auto set = [&](uint8_t rcode, uint16_t an, uint16_t ns, bool aa) {
    h[2] = aa ? 0x04 : 0;
    h[3] = rcode;
    h[6] = uint8_t(an >> 8), h[7] = uint8_t(an);
    h[8] = uint8_t(ns >> 8), h[9] = uint8_t(ns);
    return categorize(h);
  };
  CHECK(set(0, 1, 0, true) == Category::response);
  CHECK(set(0, 0, 1, true) == Category::nodata);
  CHECK(set(0, 0, 0, false) == Category::nodata);
  CHECK(set(0, 0, 2, false) == Category::referral);
  CHECK(set(3, 0, 1, true) == Category::nxdomain);
  CHECK(set(2, 0, 0, false) == Category::error);
  CHECK(set(5, 0, 0, false) == Category::error);
}

TEST_CASE("rrl: a flood is limited, slip 2 truncates every other limited answer, TCP never") {
  testing::SetupRun run(". {\n rrl {\n  responses-per-second 2\n  slip-ratio 2\n }\n}\n", "rrl", &setup);
  REQUIRE_MESSAGE(run.error.empty(), run.error);
  Plugin& p = *run.plugin;
  struct Tally {
    int answered = 0, truncated = 0, dropped = 0;
  };
  auto flood = [&](Transport t, const char* from, int n) {
    Tally tally;
    for (int i = 0; i < n; ++i) {
      testing::QueryOptions o;
      o.transport = t;
      o.remote = asio::ip::make_address(from);
      testing::TestQuery q("www.example.org.", wire::rrtype::A, o);
      testing::StubNext next(wire::rcode::NOERROR);  // answers with a record
      q.req.received = std::chrono::steady_clock::time_point(std::chrono::seconds(100));  // one instant
      testing::run(p, q.req, next);
      if (q.req.response.size() == 0) ++tally.dropped;
      else if (q.flags() & wire::flag::TC) ++tally.truncated;
      else ++tally.answered;
    }
    return tally;
  };
  Tally udp = flood(Transport::udp, "192.0.2.1", 12);
  CHECK(udp.answered == 2);
  CHECK(udp.truncated == 5);
  CHECK(udp.dropped == 5);
  CHECK(flood(Transport::udp, "198.51.100.1", 2).answered == 2);  // another /24: its own allowance
  CHECK(flood(Transport::udp, "192.0.2.200", 1).answered == 0);   // the same /24: the same account
  CHECK(flood(Transport::tcp, "192.0.2.1", 10).answered == 10);
}

TEST_CASE("rrl: options, defaults and errors") {
  testing::SetupRun run(". {\n rrl example.org {\n  responses-per-second 10\n  nxdomains-per-second 3\n"
                        "  window 5\n  ipv4-prefix-length 32\n  ipv6-prefix-length 64\n  slip-ratio 0\n"
                        "  requests-per-second 100\n  max-table-size 5000\n  report-only\n }\n}\n",
                        "rrl", &setup);
  REQUIRE_MESSAGE(run.error.empty(), run.error);
  const Config& c = static_cast<Rrl&>(*run.plugin).config();
  CHECK(c.limits.per_second[size_t(Category::response)] == 10);
  CHECK(c.limits.per_second[size_t(Category::nodata)] == 10);  // defaults to responses-per-second
  CHECK(c.limits.per_second[size_t(Category::nxdomain)] == 3);
  CHECK(c.limits.per_second[size_t(Category::request)] == 100);
  CHECK(c.limits.window_s == 5);
  CHECK(c.ipv4_prefix == 32);
  CHECK(c.ipv6_prefix == 64);
  CHECK(c.slip == 0);
  CHECK(c.table_size == 5000);
  CHECK(c.report_only);
  auto err = [](const char* body) {
    return testing::SetupRun(std::string(". {\n rrl {\n  ") + body + "\n }\n}\n", "rrl", &setup).error;
  };
  CHECK(err("ipv4-prefix-length 33").find("Corefile:3: rrl: ipv4-prefix-length") == 0);
  CHECK(err("responses-per-second -1").find("Corefile:3: rrl: responses-per-second") == 0);
  CHECK(err("bogus 1").find("Corefile:3:") == 0);
  CHECK(err("window").find("Corefile:3:") == 0);
}

#include <doctest/doctest.h>

#include "core/server/tests/test_support.h"
#include "core/wire/header.h"

using namespace skycore;
using namespace skycore::wire;

namespace {
const char* kCorefile = R"(example.org {
    whoami
}
empty.test {
    errors
}
)";

const RecordView* find_opt(const ParsedMessage& m) {
  for (auto& r : m.records)
    if (r.type == rrtype::OPT) return &r;
  return nullptr;
}
}  // namespace

TEST_CASE("dispatch: inside a zone answers, outside is REFUSED") {
  auto plan = test::plan_from(kCorefile);
  REQUIRE(plan.listeners.size() == 1);
  auto& l = plan.listeners[0];
  auto ok = test::run_query(l, test::make_query("www.example.org", rrtype::A));
  REQUIRE(ok.parsed);
  CHECK(ok.msg.rcode == rcode::NOERROR);
  CHECK((ok.msg.flags & flag::AA) != 0);
  auto refused = test::run_query(l, test::make_query("www.example.net", rrtype::A));
  REQUIRE(refused.parsed);
  CHECK(refused.msg.rcode == rcode::REFUSED);
  CHECK(refused.msg.id == 0x4242);
}

TEST_CASE("a chain that answers nothing gives SERVFAIL") {
  auto plan = test::plan_from(kCorefile);
  auto a = test::run_query(plan.listeners[0], test::make_query("x.empty.test", rrtype::A));
  REQUIRE(a.parsed);
  CHECK(a.msg.rcode == rcode::SERVFAIL);
}

TEST_CASE("EDNS: OPT echoed with our size and the DO bit") {
  auto plan = test::plan_from(kCorefile);
  auto a = test::run_query(plan.listeners[0], test::make_query("www.example.org", rrtype::A, 4096, true));
  REQUIRE(a.parsed);
  auto* opt = find_opt(a.msg);
  REQUIRE(opt);
  CHECK(opt->cls == 1232);
  CHECK((opt->ttl & 0x8000) != 0);
  auto plain = test::run_query(plan.listeners[0], test::make_query("www.example.org", rrtype::A));
  REQUIRE(plain.parsed);
  CHECK(find_opt(plain.msg) == nullptr);
}

TEST_CASE("EDNS version 1 gets BADVERS in the OPT's extended rcode") {
  auto plan = test::plan_from(kCorefile);
  auto pkt = test::make_query("www.example.org", rrtype::A, 1232);
  pkt[pkt.size() - 5] = 1;  // the OPT TTL's second byte is the version
  auto a = test::run_query(plan.listeners[0], pkt);
  REQUIRE(a.parsed);
  auto* opt = find_opt(a.msg);
  REQUIRE(opt);
  CHECK((opt->ttl >> 24) == (rcode::BADVERS >> 4));
  CHECK(a.msg.rcode == (rcode::BADVERS & 0xF));
}

TEST_CASE("malformed queries: FORMERR keeps the ID, short packets get nothing") {
  auto plan = test::plan_from(kCorefile);
  auto pkt = test::make_query("www.example.org", rrtype::A);
  pkt.push_back(0xFF);  // trailing garbage
  auto a = test::run_query(plan.listeners[0], pkt);
  REQUIRE(a.parsed);
  CHECK(a.msg.rcode == rcode::FORMERR);
  CHECK(a.msg.id == 0x4242);
  std::vector<uint8_t> tiny = {1, 2, 3};
  CHECK(test::run_query(plan.listeners[0], tiny).bytes.empty());
}

#include <doctest/doctest.h>

#include <array>
#include <vector>

#include "core/wire/header.h"
#include "core/wire/writer.h"
#include "plugins/forward/exchange.h"

using namespace skycore;
using namespace skycore::wire;
using namespace skycore::plugins::forward;

namespace {
std::vector<uint8_t> reply_for(const char* qname, uint16_t id, uint16_t qtype = rrtype::A) {
  std::array<uint8_t, 512> b{};
  MessageWriter w(b, b.size());
  w.start_query(id, flag::QR | flag::RD, *Name::from_text(qname), qtype, rrclass::IN);
  return {w.data().begin(), w.data().end()};
}
Query query_for(const char* qname) {
  Query q;
  q.qname = *Name::from_text(qname);
  q.qtype = rrtype::A;
  q.qclass = rrclass::IN;
  return q;
}
}  // namespace

TEST_CASE("only a reply with our ID and our question is accepted") {
  auto q = query_for("www.example.org");
  CHECK(reply_matches(reply_for("www.example.org", 77), 77, q));
  CHECK(reply_matches(reply_for("WWW.Example.ORG", 77), 77, q));  // 0x20 case games are fine
  CHECK_FALSE(reply_matches(reply_for("www.example.org", 78), 77, q));
  CHECK_FALSE(reply_matches(reply_for("evil.example.org", 77), 77, q));
  CHECK_FALSE(reply_matches(reply_for("www.example.org", 77, rrtype::AAAA), 77, q));
  auto not_a_response = reply_for("www.example.org", 77);
  not_a_response[2] &= 0x7F;  // clear QR
  CHECK_FALSE(reply_matches(not_a_response, 77, q));
  auto short_one = reply_for("www.example.org", 77);
  short_one.resize(20);
  CHECK_FALSE(reply_matches(short_one, 77, q));
}

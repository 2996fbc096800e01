#include <doctest/doctest.h>

#include <array>
#include <vector>

#include "core/wire/header.h"
#include "core/wire/record.h"
#include "core/wire/writer.h"

using namespace skycore::wire;

namespace {
Name N(const char* s) { return *Name::from_text(s); }

std::vector<uint8_t> query_packet(const char* qname, uint16_t qtype) {
  std::array<uint8_t, 512> buf{};
  MessageWriter w(buf, buf.size());
  w.start_query(0xBEEF, flag::RD, N(qname), qtype, rrclass::IN);
  return {w.data().begin(), w.data().end()};
}
}  // namespace

TEST_CASE("every supported type round-trips through writer and parser") {
  auto pkt = query_packet("Svc.example.org", rrtype::ANY);
  Query q;
  REQUIRE(parse_query(pkt, q) == QueryStatus::ok);
  std::array<uint8_t, 4096> buf{};
  MessageWriter w(buf, buf.size());
  w.start_response(q, pkt);
  w.set_flag(flag::AA);
  auto owner = N("svc.example.org");
  const uint8_t v4[4] = {192, 0, 2, 1};
  const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  std::string_view txt[] = {"hello world", "a\"b"};
  const uint8_t opaque[] = {0xab, 0xcd};
  CHECK(w.add_a(Section::answer, owner, 300, std::span<const uint8_t, 4>(v4)));
  CHECK(w.add_aaaa(Section::answer, owner, 300, std::span<const uint8_t, 16>(v6)));
  CHECK(w.add_name_rr(Section::answer, owner, rrtype::CNAME, 60, N("target.example.org")));
  CHECK(w.add_name_rr(Section::answer, owner, rrtype::PTR, 60, N("ptr.example.net")));
  CHECK(w.add_name_rr(Section::answer, owner, rrtype::NS, 60, N("ns1.example.org")));
  CHECK(w.add_mx(Section::answer, owner, 60, 10, N("mail.example.org")));
  CHECK(w.add_srv(Section::answer, owner, 60, 10, 50, 8080, N("host.example.org")));
  CHECK(w.add_txt(Section::answer, owner, 60, txt));
  CHECK(w.add_opaque(Section::answer, owner, 65280, rrclass::IN, 60, opaque));
  CHECK(w.add_soa(Section::authority, N("example.org"), 30, N("ns.dns.example.org"),
                  N("hostmaster.example.org"), 2024, 7200, 1800, 86400, 30));
  CHECK(w.add_opt(1232, 0, true));

  ParsedMessage m;
  REQUIRE(parse_message(w.data(), m));
  CHECK(m.id == 0xBEEF);
  CHECK((m.flags & flag::QR) != 0);
  CHECK((m.flags & flag::AA) != 0);
  CHECK((m.flags & flag::RD) != 0);
  CHECK(m.qname.to_text() == "Svc.example.org.");
  REQUIRE(m.records.size() == 11);
  std::vector<std::string> got;
  for (auto& rr : m.records) got.push_back(rdata_to_text(w.data(), rr));
  CHECK(got[0] == "192.0.2.1");
  CHECK(got[1] == "2001:db8::1");
  CHECK(got[2] == "target.example.org.");
  CHECK(got[3] == "ptr.example.net.");
  CHECK(got[4] == "ns1.example.org.");
  CHECK(got[5] == "10 mail.example.org.");
  CHECK(got[6] == "10 50 8080 host.example.org.");
  CHECK(got[7] == "\"hello world\" \"a\\\"b\"");
  CHECK(got[8] == "\\# 2 abcd");
  CHECK(got[9] == "ns.dns.example.org. hostmaster.example.org. 2024 7200 1800 86400 30");
  CHECK(m.records[9].section == Section::authority);
  CHECK(m.records[10].type == rrtype::OPT);
  CHECK(m.records[10].cls == 1232);
  CHECK(m.records[0].ttl == 300);
  // Owner names compress onto the question and keep the client's case.
  CHECK(m.records[0].owner.to_text() == "Svc.example.org.");
}

TEST_CASE("compression makes repeated names cheap") {
  auto pkt = query_packet("example.org", rrtype::NS);
  Query q;
  REQUIRE(parse_query(pkt, q) == QueryStatus::ok);
  std::array<uint8_t, 512> buf{};
  MessageWriter w(buf, buf.size());
  w.start_response(q, pkt);
  size_t before = w.size();
  CHECK(w.add_name_rr(Section::answer, N("example.org"), rrtype::NS, 60, N("ns1.example.org")));
  // owner = pointer (2) + type/class/ttl/rdlen (10) + "ns1" label (4) + pointer (2)
  CHECK(w.size() - before == 18);
}

TEST_CASE("a record that does not fit is rolled back and sets TC") {
  auto pkt = query_packet("big.example.org", rrtype::TXT);
  Query q;
  REQUIRE(parse_query(pkt, q) == QueryStatus::ok);
  std::array<uint8_t, 512> buf{};
  MessageWriter w(buf, 512);
  w.start_response(q, pkt);
  std::string chunk(200, 'x');
  std::string_view one[] = {chunk};
  int added = 0;
  while (w.add_txt(Section::answer, N("big.example.org"), 60, one)) ++added;
  CHECK(added == 2);
  CHECK(w.truncated());
  CHECK(w.size() <= 512);
  ParsedMessage m;
  REQUIRE(parse_message(w.data(), m));
  CHECK(m.records.size() == 2);
  CHECK((m.flags & flag::TC) != 0);
}

TEST_CASE("an additional record that does not fit is dropped without TC") {
  auto pkt = query_packet("x.example.org", rrtype::A);
  Query q;
  REQUIRE(parse_query(pkt, q) == QueryStatus::ok);
  std::array<uint8_t, 512> buf{};
  MessageWriter w(buf, 100);
  w.start_response(q, pkt);
  std::string chunk(200, 'x');
  std::string_view one[] = {chunk};
  CHECK_FALSE(w.add_txt(Section::additional, N("x.example.org"), 60, one));
  CHECK_FALSE(w.truncated());
  ParsedMessage m;
  REQUIRE(parse_message(w.data(), m));
  CHECK(m.records.empty());
}

TEST_CASE("reserved space keeps room for OPT") {
  auto pkt = query_packet("x.example.org", rrtype::TXT);
  Query q;
  REQUIRE(parse_query(pkt, q) == QueryStatus::ok);
  std::array<uint8_t, 512> buf{};
  MessageWriter w(buf, 512);
  w.start_response(q, pkt);
  w.reserve(11);
  std::string chunk(100, 'x');
  std::string_view one[] = {chunk};
  while (w.add_txt(Section::answer, N("x.example.org"), 60, one)) {}
  CHECK(w.add_opt(1232, 0, false));
  CHECK(w.size() <= 512);
  ParsedMessage m;
  REQUIRE(parse_message(w.data(), m));
  CHECK(m.records.back().type == rrtype::OPT);
}

TEST_CASE("sections only move forward") {
  auto pkt = query_packet("x.example.org", rrtype::A);
  Query q;
  REQUIRE(parse_query(pkt, q) == QueryStatus::ok);
  std::array<uint8_t, 512> buf{};
  MessageWriter w(buf, 512);
  w.start_response(q, pkt);
  const uint8_t v4[4] = {10, 0, 0, 1};
  CHECK(w.add_a(Section::additional, N("x.example.org"), 1, std::span<const uint8_t, 4>(v4)));
  CHECK_FALSE(w.add_a(Section::answer, N("x.example.org"), 1, std::span<const uint8_t, 4>(v4)));
}

TEST_CASE("assign truncates an oversized message to the records that fit") {
  auto pkt = query_packet("x.example.org", rrtype::TXT);
  Query q;
  REQUIRE(parse_query(pkt, q) == QueryStatus::ok);
  std::array<uint8_t, 4096> big{};
  MessageWriter w(big, big.size());
  w.start_response(q, pkt);
  std::string chunk(250, 'y');
  std::string_view one[] = {chunk};
  for (int i = 0; i < 6; ++i) REQUIRE(w.add_txt(Section::answer, N("x.example.org"), 1, one));
  std::array<uint8_t, 512> small{};
  MessageWriter s(small, 512);
  REQUIRE(s.assign(w.data()));
  CHECK(s.truncated());
  ParsedMessage m;
  REQUIRE(parse_message(s.data(), m));
  CHECK(m.records.size() == 1);  // one 250-byte TXT fits in 512, two do not
  CHECK(m.qname.to_text() == "x.example.org.");
  CHECK((m.flags & flag::TC) != 0);
}

TEST_CASE("remove_opt drops the OPT record and keeps the rest") {
  auto pkt = query_packet("x.example.org", rrtype::A);
  Query q;
  REQUIRE(parse_query(pkt, q) == QueryStatus::ok);
  std::array<uint8_t, 512> buf{};
  MessageWriter w(buf, 512);
  w.start_response(q, pkt);
  const uint8_t v4[4] = {10, 0, 0, 1};
  REQUIRE(w.add_a(Section::answer, N("x.example.org"), 5, std::span<const uint8_t, 4>(v4)));
  REQUIRE(w.add_opt(1232, 0, true));
  REQUIRE(w.add_a(Section::additional, N("y.example.org"), 5, std::span<const uint8_t, 4>(v4)));
  size_t n = remove_opt(w.mutable_data());
  CHECK(n == w.size() - 11);
  ParsedMessage m;
  REQUIRE(parse_message(std::span<const uint8_t>(buf.data(), n), m));
  REQUIRE(m.records.size() == 2);
  CHECK(m.records[1].owner.to_text() == "y.example.org.");
  CHECK(remove_opt(std::span<uint8_t>(buf.data(), n)) == n);  // nothing left to remove
}

TEST_CASE("adopt takes a message in place and truncates it to the limit") {
  auto pkt = query_packet("x.example.org", rrtype::TXT);
  Query q;
  REQUIRE(parse_query(pkt, q) == QueryStatus::ok);
  std::array<uint8_t, 4096> buf{};
  MessageWriter big(buf, buf.size());
  big.start_response(q, pkt);
  std::string chunk(250, 'z');
  std::string_view one[] = {chunk};
  for (int i = 0; i < 4; ++i) REQUIRE(big.add_txt(Section::answer, N("x.example.org"), 1, one));
  size_t len = big.size();
  MessageWriter fits(buf, 4096);
  REQUIRE(fits.adopt(len));
  CHECK(fits.size() == len);
  CHECK_FALSE(fits.truncated());
  MessageWriter small(buf, 512);
  REQUIRE(small.adopt(len));
  CHECK(small.truncated());
  ParsedMessage m;
  REQUIRE(parse_message(small.data(), m));
  CHECK(m.records.size() == 1);
  CHECK(m.qname.to_text() == "x.example.org.");
}

TEST_CASE("a whole message too big for the client keeps the records that fit, its OPT, and TC") {
  auto pkt = query_packet("big.example.org", rrtype::A);
  Query q;
  REQUIRE(parse_query(pkt, q) == QueryStatus::ok);
  std::array<uint8_t, 4096> big{};
  MessageWriter src(big, big.size());
  src.start_response(q, pkt);
  for (uint8_t i = 0; i < 60; ++i) {
    const uint8_t ip[4] = {10, 0, 0, i};
    REQUIRE(src.add_a(Section::answer, q.qname, 60, std::span<const uint8_t, 4>(ip)));
  }
  REQUIRE(src.add_opt(1232, 0, false));
  auto whole = src.data();
  REQUIRE(whole.size() > 512);

  for (bool in_place : {false, true}) {
    std::array<uint8_t, 4096> buf{};
    MessageWriter w(buf, 512);
    if (in_place) {
      std::copy(whole.begin(), whole.end(), buf.begin());
      REQUIRE(w.adopt(whole.size()));
    } else {
      REQUIRE(w.assign(whole));
    }
    CHECK(w.size() <= 512);
    HeaderView h{buf.data()};
    CHECK(h.has(flag::TC));
    ParsedMessage m;
    REQUIRE(parse_message(w.data(), m));
    size_t answers = 0, opts = 0;
    for (auto& rr : m.records) {
      answers += rr.section == Section::answer;
      opts += rr.type == rrtype::OPT;
    }
    CHECK(answers == h.ancount());
    CHECK(answers > 25);  // 16 bytes each after the question: ~29 fit
    CHECK(opts == 1);
  }
  // Only additional records cut: no TC (RFC 2181 9).
  std::array<uint8_t, 4096> big2{};
  MessageWriter s2(big2, big2.size());
  s2.start_response(q, pkt);
  const uint8_t ip[4] = {10, 0, 0, 1};
  REQUIRE(s2.add_a(Section::answer, q.qname, 60, std::span<const uint8_t, 4>(ip)));
  for (int i = 0; i < 60; ++i) REQUIRE(s2.add_a(Section::additional, N("glue.example.org"), 60, std::span<const uint8_t, 4>(ip)));
  std::array<uint8_t, 4096> buf{};
  MessageWriter w(buf, 512);
  REQUIRE(w.assign(s2.data()));
  CHECK_FALSE(HeaderView{buf.data()}.has(flag::TC));
  CHECK(HeaderView{buf.data()}.ancount() == 1);
}

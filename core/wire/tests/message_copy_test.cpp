#include "core/wire/message_copy.h"

#include <doctest/doctest.h>

#include <vector>

#include "core/wire/header.h"
#include "core/wire/record.h"

using namespace skycore::wire;

namespace {

struct Renamer final : RecordEdits {
  Name from = *Name::from_text("svc.cluster.local."), to = *Name::from_text("a-much-longer-alias.example.");
  void swap(Name& n) {
    if (n.equals_ignore_case(from)) n = to;
  }
  void owner(Name& n) override { swap(n); }
  void value(Name& n, uint16_t) override { swap(n); }
  void ttl(uint32_t& t) override { t = 7; }
};

}  // namespace

TEST_CASE("copy_message: names inside rdata are decompressed, changed and written again") {
  std::vector<uint8_t> qbuf(512), mbuf(1024), out(1024);
  MessageWriter qw(qbuf, qbuf.size());
  qw.start_query(7, flag::RD, *Name::from_text("svc.cluster.local."), rrtype::MX, rrclass::IN);
  Query q;
  REQUIRE(parse_query(qw.data(), q) == QueryStatus::ok);

  // An answer whose MX, CNAME and SOA names are compressed against the question.
  MessageWriter mw(mbuf, mbuf.size());
  mw.start_response(q, qw.data());
  mw.set_flag(flag::AA);
  auto svc = *Name::from_text("svc.cluster.local.");
  auto mail = *Name::from_text("mail.svc.cluster.local.");
  REQUIRE(mw.add_mx(Section::answer, svc, 60, 10, svc));
  REQUIRE(mw.add_name_rr(Section::answer, mail, rrtype::CNAME, 60, svc));
  REQUIRE(mw.add_soa(Section::authority, *Name::from_text("cluster.local."), 60, svc, mail, 1, 2, 3, 4, 5));
  REQUIRE(mw.add_opt(1232, 0, false));

  MessageWriter ow(out, out.size());
  Renamer edits;
  REQUIRE(copy_message(mw.data(), q, qw.data(), ow, edits));
  ParsedMessage m;
  REQUIRE(parse_message(ow.data(), m));
  CHECK(m.id == 7);
  CHECK((m.flags & flag::AA) != 0);
  CHECK(m.qname.to_text() == "svc.cluster.local.");
  REQUIRE(m.records.size() == 4);
  CHECK(m.records[0].owner.to_text() == "a-much-longer-alias.example.");
  CHECK(rdata_to_text(ow.data(), m.records[0]) == "10 a-much-longer-alias.example.");
  CHECK(rdata_to_text(ow.data(), m.records[1]) == "a-much-longer-alias.example.");
  CHECK(m.records[1].owner.to_text() == "mail.svc.cluster.local.");  // only the exact name was edited
  CHECK(rdata_to_text(ow.data(), m.records[2]).starts_with("a-much-longer-alias.example. mail.svc.cluster.local. 1 2 3 4 5"));
  CHECK(m.records[2].ttl == 7);
  CHECK(m.records[3].type == rrtype::OPT);  // copied untouched
  CHECK(m.records[3].cls == 1232);
}

TEST_CASE("copy_message: a message that cannot be walked is refused") {
  std::vector<uint8_t> qbuf(512), out(1024);
  MessageWriter qw(qbuf, qbuf.size());
  qw.start_query(1, 0, *Name::from_text("a.test."), rrtype::A, rrclass::IN);
  Query q;
  REQUIRE(parse_query(qw.data(), q) == QueryStatus::ok);
  std::vector<uint8_t> bad(qw.data().begin(), qw.data().end());
  bad[7] = 1;  // ANCOUNT 1 with no record behind it
  MessageWriter ow(out, out.size());
  RecordEdits none;
  CHECK_FALSE(copy_message(bad, q, qw.data(), ow, none));
}

#include <doctest/doctest.h>

#include <array>
#include <vector>

#include "core/wire/header.h"
#include "core/wire/record.h"
#include "core/wire/writer.h"
#include "plugins/cache/sanity.h"

using namespace skycore;
using namespace skycore::wire;
using namespace skycore::plugins::cache;

namespace {
Name N(const char* s) { return *Name::from_text(s); }
constexpr uint32_t kNow = 1'800'000'000;

struct Reply {
  std::array<uint8_t, 1024> b{};
  std::array<uint8_t, 512> qb{};
  MessageWriter w{b, b.size()};
  Query q;
  explicit Reply(const char* qname, uint16_t qtype = rrtype::A) {
    MessageWriter qw(qb, qb.size());
    qw.start_query(1, flag::RD, N(qname), qtype, rrclass::IN);
    REQUIRE(parse_query(qw.data(), q) == QueryStatus::ok);
    w.start_response(q, qw.data());
  }
  Reply& cname(const char* from, const char* to) {
    REQUIRE(w.add_name_rr(Section::answer, N(from), rrtype::CNAME, 60, N(to)));
    return *this;
  }
  Reply& a(const char* owner) {
    const uint8_t ip[4] = {192, 0, 2, 1};
    REQUIRE(w.add_a(Section::answer, N(owner), 60, std::span<const uint8_t, 4>(ip)));
    return *this;
  }
  Reply& mx(const char* owner) {
    REQUIRE(w.add_mx(Section::answer, N(owner), 60, 10, N("mail.example.org")));
    return *this;
  }
  Reply& rrsig(uint32_t inception, uint32_t expiration) {
    std::vector<uint8_t> rd = {0, 1, 8, 2, 0, 0, 0, 60};
    for (uint32_t v : {expiration, inception})
      for (int s = 24; s >= 0; s -= 8) rd.push_back(static_cast<uint8_t>(v >> s));
    rd.insert(rd.end(), {0, 1, 0, 0xAB});  // key tag, root signer, a byte of signature
    REQUIRE(w.add_opaque(Section::answer, q.qname, 46, rrclass::IN, 60, rd));
    return *this;
  }
  Reply& soa() {
    REQUIRE(w.add_soa(Section::authority, N("example.org"), 60, N("ns.example.org"), N("h.example.org"), 1, 2, 3, 4, 30));
    return *this;
  }
  bool fit() const { return fit_to_cache(w.data(), q.qname_lower, q.qtype, kNow); }
};
}  // namespace

TEST_CASE("CNAME chains CoreDNS declines to cache") {
  CHECK(Reply("www.example.org").cname("www.example.org", "b.example.org").a("b.example.org").fit());
  CHECK(Reply("WWW.example.org").cname("www.Example.org", "b.example.org").a("B.example.org").fit());
  CHECK_FALSE(Reply("www.example.org").cname("www.example.org", "b.example.org").fit());  // dangles
  CHECK(Reply("www.example.org").cname("www.example.org", "b.example.org").soa().fit());  // NODATA at the end
  CHECK_FALSE(Reply("www.example.org").cname("www.example.org", "b.example.org").mx("b.example.org").fit());
  CHECK_FALSE(Reply("www.example.org")
                  .cname("www.example.org", "b.example.org")
                  .cname("b.example.org", "www.example.org")
                  .a("www.example.org")
                  .fit());  // a loop
  CHECK_FALSE(Reply("www.example.org")
                  .cname("www.example.org", "b.example.org")
                  .cname("www.example.org", "c.example.org")
                  .a("b.example.org")
                  .fit());  // two targets
  CHECK(Reply("www.example.org", rrtype::CNAME).cname("www.example.org", "b.example.org").fit());
  CHECK(Reply("plain.example.org").a("plain.example.org").fit());
}

TEST_CASE("an RRSIG outside its validity period is not cached") {
  CHECK(Reply("s.example.org").a("s.example.org").rrsig(kNow - 3600, kNow + 3600).fit());
  CHECK_FALSE(Reply("s.example.org").a("s.example.org").rrsig(kNow - 7200, kNow - 3600).fit());  // expired
  CHECK_FALSE(Reply("s.example.org").a("s.example.org").rrsig(kNow + 3600, kNow + 7200).fit());  // not yet
}

// RecordBuilder through a minimal backend: the one SRV weight rule, the
// additional section, and the CNAME fallback for address questions.
#include "core/plugin/record_builder.h"

#include <doctest/doctest.h>

#include "core/plugin/service_answerer.h"
#include "core/plugin/testing.h"

using namespace skycore;
using namespace skycore::wire;
using S = std::vector<std::string>;

TEST_CASE("srv_weight: a share of the priority scaled to 100, never 0") {
  CHECK(srv_weight(100, 100) == 100);
  CHECK(srv_weight(100, 300) == 33);
  CHECK(srv_weight(100, 100 * 150) == 1);  // 150 equal instances: 0 would mean "almost never"
  CHECK(srv_weight(10, 0) == 100);
}

namespace {
// Entries as a test sets them, for any name in example.org.
class Fixed final : public Plugin, private ServiceBackend {
 public:
  explicit Fixed(std::vector<ServiceEntry> e) : entries_(std::move(e)), answerer_("fixed", {*Name::from_text("example.org.")}, *this, {}, 1) {}
  std::string_view name() const override { return "fixed"; }
  asio::awaitable<Result> serve(Request& req, Next next) override { return answerer_.serve(req, next); }

 private:
  Lookup services(const ServiceQuery&, std::vector<ServiceEntry>& out) override {
    out = entries_;
    return Lookup::found;
  }
  uint32_t serial(const ServiceQuery&) const override { return 1; }
  uint32_t min_ttl(const ServiceQuery&) const override { return 30; }
  std::vector<ServiceEntry> entries_;
  ServiceAnswerer answerer_;
};

ServiceEntry srv(const char* target, uint16_t prio, uint16_t weight, const IpBytes* ip = nullptr) {
  ServiceEntry e;
  e.target = *Name::from_text(target);
  e.port = 80;
  e.priority = prio;
  e.weight = weight;
  e.ttl = 60;
  if (ip) {
    e.addr = *ip;
    e.use_addr = true;
  }
  return e;
}
}  // namespace

TEST_CASE("SRV: weights per priority, then every target's address in the additional section") {
  IpBytes ip;
  ip.bytes[0] = 10, ip.bytes[3] = 1;
  Fixed p({srv("a.example.org.", 10, 0, &ip), srv("b.example.org.", 10, 300), srv("c.example.org.", 20, 0)});
  testing::TestQuery q("svc.example.org.", rrtype::SRV);
  testing::run(p, q.req);
  CHECK(q.texts(Section::answer, rrtype::SRV) ==
        S{"10 25 80 a.example.org.", "10 75 80 b.example.org.", "20 100 80 c.example.org."});
  CHECK(q.texts(Section::additional, rrtype::A) == S{"10.0.0.1"});
}

TEST_CASE("A: the addresses of the family asked; else one CNAME to a named host; else NODATA") {
  IpBytes v6;
  v6.v6 = true;
  v6.bytes[15] = 1;
  ServiceEntry named = srv("host.example.net.", 0, 0);
  named.cname_fallback = true;
  Fixed p({srv("x.example.org.", 0, 0, &v6), named});
  testing::TestQuery a("svc.example.org.", rrtype::A);
  testing::run(p, a.req);
  CHECK(a.texts(Section::answer, rrtype::CNAME) == S{"host.example.net."});
  testing::TestQuery aaaa("svc.example.org.", rrtype::AAAA);
  testing::run(p, aaaa.req);
  CHECK(aaaa.texts(Section::answer, rrtype::AAAA) == S{"::1"});
  CHECK(aaaa.texts(Section::answer, rrtype::CNAME).empty());

  Fixed none({srv("x.example.org.", 0, 0, &v6)});
  testing::TestQuery nodata("svc.example.org.", rrtype::A);
  testing::run(none, nodata.req);
  CHECK(nodata.count(Section::answer) == 0);
  CHECK(nodata.texts(Section::authority, rrtype::SOA) ==
        S{"ns.dns.example.org. hostmaster.example.org. 1 7200 1800 86400 30"});
}

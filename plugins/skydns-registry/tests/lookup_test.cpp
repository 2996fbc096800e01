#include <doctest/doctest.h>

#include <array>
#include <map>

#include "core/wire/header.h"
#include "core/wire/record.h"
#include "core/wire/writer.h"
#include "core/plugin/service_answerer.h"
#include "core/plugin/testing.h"
#include "plugins/skydns-registry/lookup.h"

using namespace skycore;
using namespace skycore::wire;
using namespace skycore::plugins::skydns_registry;
using namespace std::chrono_literals;

namespace {
const auto kNow = WallClock::now();  // registrations below are made at this instant

Service svc(const char* uuid, const char* name, const char* region, const char* host, uint32_t ttl = 60) {
  Service s;
  s.uuid = uuid;
  s.name = name;
  s.environment = "prod";
  s.region = region;
  s.host = host;
  s.port = 8080;
  s.ttl = ttl;
  s.version = "1";
  s.expires = kNow + std::chrono::seconds(ttl);
  REQUIRE_FALSE(normalise(s));
  return s;
}

std::vector<EntryPtr> entries(std::vector<Service> services) {
  std::vector<EntryPtr> out;
  for (auto& s : services) out.push_back(make_entry(std::move(s)));
  return out;
}

// The plugin's look-ups over a fixed snapshot and clock, answered through
// the core's ServiceAnswerer as the plugin is.
class SnapshotPlugin final : public Plugin, private ServiceBackend {
 public:
  SnapshotPlugin(const Snapshot& snap, WallClock::time_point now)
      : snap_(snap), now_(now), answerer_("skydns-registry", {*Name::from_text("skydns.local")}, *this, {}, 1) {}
  std::string_view name() const override { return "skydns-registry"; }
  asio::awaitable<Result> serve(Request& req, Next next) override { return answerer_.serve(req, next); }

 private:
  uint16_t answer_type(uint16_t t) const override { return t == rrtype::ANY ? rrtype::SRV : t; }
  Lookup services(const ServiceQuery& q, std::vector<ServiceEntry>& out) override {
    return lookup(q, snap_, now_, out);
  }
  uint32_t serial(const ServiceQuery&) const override { return 7; }
  uint32_t min_ttl(const ServiceQuery&) const override { return kSoaTtl; }
  const Snapshot& snap_;
  WallClock::time_point now_;
  ServiceAnswerer answerer_;
};

struct Asked {
  testing::TestQuery q;
  Request& req;
  ParsedMessage msg;
  uint16_t rcode = 0;

  Asked(const Snapshot& snap, const char* qname, uint16_t qtype, WallClock::time_point now, bool big = false)
      : q(qname, qtype, {.transport = big ? Transport::tcp : Transport::udp}), req(q.req) {
    SnapshotPlugin plugin(snap, now);
    rcode = testing::run(plugin, req).rcode;
    msg = q.message();
  }
  std::vector<std::string> texts(Section s, uint16_t type) const { return q.texts(s, type); }
};
}  // namespace

TEST_CASE("SRV: priority 10 weight 100/n; a named region ranks the others 20") {
  auto now = kNow;
  Snapshot snap(entries({svc("a1", "db", "east", "10.0.0.1"), svc("a2", "db", "east", "10.0.0.2"),
                 svc("a3", "db", "west", "db3.example.com")}));
  Asked all(snap, "db.prod.skydns.local", rrtype::SRV, now);
  CHECK(all.rcode == rcode::NOERROR);
  auto srv = all.texts(Section::answer, rrtype::SRV);
  REQUIRE(srv.size() == 3);
  CHECK(std::count(srv.begin(), srv.end(), "10 33 8080 a1.skydns.local.") == 1);
  CHECK(std::count(srv.begin(), srv.end(), "10 33 8080 db3.example.com.") == 1);
  // IP hosts get <uuid>.<zone> targets with their address in the additional section.
  CHECK(all.texts(Section::additional, rrtype::A).size() == 2);
  CHECK((all.msg.flags & flag::AA) != 0);

  Asked east(snap, "east.1.db.prod.skydns.local", rrtype::SRV, now);
  auto ranked = east.texts(Section::answer, rrtype::SRV);
  REQUIRE(ranked.size() == 3);
  CHECK(std::count(ranked.begin(), ranked.end(), "10 50 8080 a1.skydns.local.") == 1);
  CHECK(std::count(ranked.begin(), ranked.end(), "10 50 8080 a2.skydns.local.") == 1);
  CHECK(std::count(ranked.begin(), ranked.end(), "20 100 8080 db3.example.com.") == 1);
}

TEST_CASE("SRV: more than 100 instances on one name still get weight 1, never 0") {
  std::vector<Service> many;
  for (int i = 0; i < 150; ++i)
    many.push_back(svc(("u" + std::to_string(i)).c_str(), "web", "east", ("host" + std::to_string(i) + ".example.com").c_str()));
  Snapshot snap(entries(std::move(many)));
  Asked all(snap, "web.prod.skydns.local", rrtype::SRV, kNow, /*big=*/true);
  auto srv = all.texts(Section::answer, rrtype::SRV);
  REQUIRE(srv.size() == 150);
  for (const auto& s : srv) CHECK(s.starts_with("10 1 8080 "));
}

TEST_CASE("SRV: 1,000 instances truncate over UDP with the weights of the whole set, and come whole over TCP") {
  std::vector<Service> many;
  for (int i = 0; i < 1000; ++i) {
    std::string host = "10.1." + std::to_string(i / 256) + "." + std::to_string(i % 256);
    many.push_back(svc(("u" + std::to_string(i)).c_str(), "big", i % 4 ? "east" : "west", host.c_str()));
  }
  Snapshot snap(entries(std::move(many)));
  Asked udp(snap, "east.1.big.prod.skydns.local", rrtype::SRV, kNow);
  CHECK((udp.msg.flags & flag::TC) != 0);
  CHECK(udp.q.req.response.data().size() <= 512);
  auto part = udp.texts(Section::answer, rrtype::SRV);
  REQUIRE(part.size() >= 5);
  // 750 east (priority 10) share 100, 250 west (20) share 100: as in the whole answer.
  for (const auto& s : part) CHECK((s.starts_with("10 1 8080 ") || s.starts_with("20 1 8080 ")));
  CHECK(udp.texts(Section::additional, rrtype::A).empty());  // no use in a truncated reply

  Asked tcp(snap, "east.1.big.prod.skydns.local", rrtype::SRV, kNow, /*big=*/true);
  CHECK((tcp.msg.flags & flag::TC) == 0);
  auto whole = tcp.texts(Section::answer, rrtype::SRV);
  CHECK(whole.size() == 1000);
  CHECK(std::count_if(whole.begin(), whole.end(), [](const std::string& s) { return s.starts_with("20 "); }) == 250);
}

TEST_CASE("A answers for IP hosts, the uuid name alone, TTL counts down") {
  auto now = kNow;
  Snapshot snap(entries({svc("a1", "db", "east", "10.0.0.1", 60), svc("a2", "db", "east", "2001:db8::2", 60)}));
  Asked a(snap, "db.prod.skydns.local", rrtype::A, now + 10s);
  CHECK(a.texts(Section::answer, rrtype::A) == std::vector<std::string>{"10.0.0.1"});
  CHECK(a.msg.records.at(0).ttl == 50);
  Asked aaaa(snap, "db.prod.skydns.local", rrtype::AAAA, now);
  CHECK(aaaa.texts(Section::answer, rrtype::AAAA) == std::vector<std::string>{"2001:db8::2"});
  Asked one(snap, "a2.skydns.local", rrtype::AAAA, now);
  CHECK(one.texts(Section::answer, rrtype::AAAA) == std::vector<std::string>{"2001:db8::2"});
}

TEST_CASE("NXDOMAIN and NODATA carry the SOA; expired services are gone") {
  auto now = kNow;
  Snapshot snap(entries({svc("a1", "db", "east", "10.0.0.1", 60)}));
  Asked nx(snap, "nothing.prod.skydns.local", rrtype::A, now);
  CHECK(nx.rcode == rcode::NXDOMAIN);
  CHECK(nx.msg.rcode == rcode::NXDOMAIN);
  CHECK(nx.texts(Section::authority, rrtype::SOA).size() == 1);
  Asked nodata(snap, "db.prod.skydns.local", rrtype::TXT, now);
  CHECK(nodata.rcode == rcode::NOERROR);
  CHECK(nodata.texts(Section::answer, rrtype::TXT).empty());
  CHECK(nodata.texts(Section::authority, rrtype::SOA).size() == 1);
  Asked later(snap, "db.prod.skydns.local", rrtype::A, now + 61s);
  CHECK(later.rcode == rcode::NXDOMAIN);
  Asked apex(snap, "skydns.local", rrtype::SOA, now);
  CHECK(apex.texts(Section::answer, rrtype::SOA).at(0) ==
        "ns.dns.skydns.local. hostmaster.skydns.local. 7 7200 1800 86400 30");
}

TEST_CASE("an SRV answer over registrations allocates nothing per query once warm") {
  Snapshot snap(entries({svc("a1", "db", "east", "10.0.0.1"), svc("a2", "db", "east", "10.0.0.2"),
                         svc("a3", "db", "west", "db3.example.com")}));
  SnapshotPlugin plugin(snap, kNow);
  testing::StubNext next;
  testing::Runner run(plugin, next);
  testing::TestQuery q("east.1.db.prod.skydns.local.", rrtype::SRV);
  auto counted = [&](int n) {
    long before = testing::allocation_count();
    for (int i = 0; i < n; ++i) {
      q.restart();
      run(q.req);
    }
    return testing::allocation_count() - before;
  };
  counted(100);  // warm: the worker's scratch, the runner's frames
  // Asio's frame recycling allocates now and then (a few per thousand); an
  // allocation per query would be a thousand.
  CHECK(counted(1000) < 50);
  CHECK(q.texts(Section::answer, rrtype::SRV).size() == 3);
}

namespace {
Service with_details(Service s, const char* ports, const char* tags, const char* checks, Health h) {
  DetailsPtr d;
  REQUIRE_FALSE(details_from_json(ports, tags, checks, d));
  s.details = d;
  s.health = h;
  return s;
}
const char* kCheck = R"([{"TCP":"127.0.0.1:9"}])";
}  // namespace

TEST_CASE("health: critical instances are left out of SRV and A; warning ones get a tenth of the weight") {
  Snapshot snap(entries({with_details(svc("p1", "api", "east", "10.0.0.1"), "", "", kCheck, Health::passing),
                         with_details(svc("w1", "api", "east", "10.0.0.2"), "", "", kCheck, Health::warning),
                         with_details(svc("c1", "api", "east", "10.0.0.3"), "", "", kCheck, Health::critical),
                         svc("n1", "api", "west", "10.0.0.4")}));  // no checks: passing
  Asked srv(snap, "api.prod.skydns.local", rrtype::SRV, kNow);
  auto answer = srv.texts(Section::answer, rrtype::SRV);
  REQUIRE(answer.size() == 3);
  // A priority with a warning instance answers the units: 100, 10, 100.
  CHECK(std::count(answer.begin(), answer.end(), "10 100 8080 p1.skydns.local.") == 1);
  CHECK(std::count(answer.begin(), answer.end(), "10 10 8080 w1.skydns.local.") == 1);
  CHECK(std::count(answer.begin(), answer.end(), "10 100 8080 n1.skydns.local.") == 1);
  Asked a(snap, "api.prod.skydns.local", rrtype::A, kNow);
  auto addrs = a.texts(Section::answer, rrtype::A);
  CHECK(addrs.size() == 3);
  CHECK(std::count(addrs.begin(), addrs.end(), "10.0.0.3") == 0);
  // Asked by uuid, a critical instance still answers: the name is its own.
  Asked one(snap, "c1.skydns.local", rrtype::A, kNow);
  CHECK(one.texts(Section::answer, rrtype::A) == std::vector<std::string>{"10.0.0.3"});
}

TEST_CASE("health: a warning instance keeps a tenth of the weight among 60 passing ones") {
  // On SkyDNS's 100/n scale 60 passing instances get weight 1 each, and a
  // tenth of that cannot be said.
  std::vector<Service> many;
  for (int i = 0; i < 60; ++i)
    many.push_back(with_details(svc(("p" + std::to_string(i)).c_str(), "big", "east", "10.1.0.1"), "", "", kCheck,
                                Health::passing));
  many.push_back(with_details(svc("w", "big", "east", "10.1.0.2"), "", "", kCheck, Health::warning));
  Snapshot snap(entries(std::move(many)));
  Asked srv(snap, "big.prod.skydns.local", rrtype::SRV, kNow, /*big=*/true);
  auto answer = srv.texts(Section::answer, rrtype::SRV);
  REQUIRE(answer.size() == 61);
  CHECK(std::count_if(answer.begin(), answer.end(), [](auto& a) { return a.starts_with("10 100 8080 p"); }) == 60);
  CHECK(std::count(answer.begin(), answer.end(), "10 10 8080 w.skydns.local.") == 1);
}

TEST_CASE("health: when every instance is critical, all are answered as equals") {
  Snapshot snap(entries({with_details(svc("c1", "api", "east", "10.0.0.1"), "", "", kCheck, Health::critical),
                         with_details(svc("c2", "api", "east", "10.0.0.2"), "", "", kCheck, Health::critical)}));
  Asked srv(snap, "api.prod.skydns.local", rrtype::SRV, kNow);
  auto answer = srv.texts(Section::answer, rrtype::SRV);
  REQUIRE(answer.size() == 2);
  CHECK(answer[0].starts_with("10 50 8080 "));
  Asked a(snap, "api.prod.skydns.local", rrtype::A, kNow);
  CHECK(a.texts(Section::answer, rrtype::A).size() == 2);
}

TEST_CASE("named ports: _http._tcp.<name> answers SRV with that port, for the instances that have it") {
  Snapshot snap(entries({with_details(svc("a1", "web", "east", "10.0.0.1"), R"({"http":80,"grpc":9090})", "", "",
                                      Health::passing),
                         with_details(svc("a2", "web", "west", "10.0.0.2"), R"({"grpc":9091})", "", "", Health::passing),
                         svc("a3", "web", "east", "10.0.0.3")}));
  Asked grpc(snap, "_grpc._tcp.web.prod.skydns.local", rrtype::SRV, kNow);
  auto answer = grpc.texts(Section::answer, rrtype::SRV);
  REQUIRE(answer.size() == 2);
  CHECK(std::count(answer.begin(), answer.end(), "10 50 9090 a1.skydns.local.") == 1);
  CHECK(std::count(answer.begin(), answer.end(), "10 50 9091 a2.skydns.local.") == 1);
  // Region priority works as today under the prefix.
  Asked east(snap, "_grpc._tcp.east.1.web.prod.skydns.local", rrtype::SRV, kNow);
  auto ranked = east.texts(Section::answer, rrtype::SRV);
  CHECK(std::count(ranked.begin(), ranked.end(), "10 100 9090 a1.skydns.local.") == 1);
  CHECK(std::count(ranked.begin(), ranked.end(), "20 100 9091 a2.skydns.local.") == 1);
  Asked http(snap, "_HTTP._tcp.web.prod.skydns.local", rrtype::SRV, kNow);
  CHECK(http.texts(Section::answer, rrtype::SRV) == std::vector<std::string>{"10 100 80 a1.skydns.local."});
  Asked none(snap, "_ftp._tcp.web.prod.skydns.local", rrtype::SRV, kNow);
  CHECK(none.rcode == rcode::NXDOMAIN);
  // `_tcp.<name>` has names below it: NODATA, not NXDOMAIN (RFC 8020).
  for (const char* ent : {"_tcp.web.prod.skydns.local", "_udp.east.1.web.prod.skydns.local"}) {
    Asked between(snap, ent, rrtype::SRV, kNow);
    CHECK(between.rcode == rcode::NOERROR);
    CHECK(between.texts(Section::answer, rrtype::SRV).empty());
    CHECK(between.texts(Section::authority, rrtype::SOA).size() == 1);
  }
  Asked nothing_below(snap, "_tcp.mail.prod.skydns.local", rrtype::SRV, kNow);
  CHECK(nothing_below.rcode == rcode::NXDOMAIN);
}

TEST_CASE("tags: <tag>.tag.<name> selects by tag, with wildcards as today") {
  Snapshot snap(entries({with_details(svc("a1", "web", "east", "10.0.0.1"), "", R"(["Primary","v2"])", "",
                                      Health::passing),
                         with_details(svc("a2", "web", "west", "10.0.0.2"), "", R"(["v2"])", "", Health::passing),
                         svc("a3", "web", "east", "10.0.0.3")}));
  Asked primary(snap, "primary.tag.web.prod.skydns.local", rrtype::A, kNow);
  CHECK(primary.texts(Section::answer, rrtype::A) == std::vector<std::string>{"10.0.0.1"});
  Asked v2(snap, "v2.tag.*.prod.skydns.local", rrtype::SRV, kNow);
  CHECK(v2.texts(Section::answer, rrtype::SRV).size() == 2);
  Asked any(snap, "*.tag.web.prod.skydns.local", rrtype::SRV, kNow);
  CHECK(any.texts(Section::answer, rrtype::SRV).size() == 3);
  Asked missing(snap, "canary.tag.web.prod.skydns.local", rrtype::SRV, kNow);
  CHECK(missing.rcode == rcode::NXDOMAIN);
  Asked between(snap, "tag.web.prod.skydns.local", rrtype::A, kNow);
  CHECK(between.rcode == rcode::NOERROR);
  CHECK(between.texts(Section::answer, rrtype::A).empty());
  Asked nothing_below(snap, "tag.mail.prod.skydns.local", rrtype::A, kNow);
  CHECK(nothing_below.rcode == rcode::NXDOMAIN);
}

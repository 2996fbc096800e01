#include "plugins/rewrite/rewrite.h"

#include <doctest/doctest.h>

#include "core/plugin/testing.h"

SKYCORE_PLUGIN_SETUP(rewrite)

using namespace skycore;
using namespace skycore::wire;
using skycore::testing::TestQuery;
using S = std::vector<std::string>;

namespace {

// The rewrite plugin of a one-block Corefile whose body is `body`.
std::unique_ptr<Plugin> rewrite_of(const std::string& body) {
  testing::SetupRun run(". {\n" + body + "\n}\n", "rewrite", &plugins::rewrite::setup);
  INFO(run.error);
  REQUIRE(run.plugin);
  return std::move(run.plugin);
}

std::string setup_error(const std::string& body) {
  return testing::SetupRun(". {\n" + body + "\n}\n", "rewrite", &plugins::rewrite::setup).error;
}

// A backend that answers the question it is given with one A record
// (10.0.0.1) owned by that name, as the rest of a chain would.
void answer_a(Request& req) {
  const uint8_t ip[4] = {10, 0, 0, 1};
  req.response.add_a(Section::answer, req.query.qname, 300, ip);
}

std::vector<std::string> owners(const TestQuery& q) {
  S out;
  for (const auto& r : q.message().records)
    if (r.type != rrtype::OPT) out.push_back(r.owner.to_text());
  return out;
}

}  // namespace

TEST_CASE("rewrite name exact: the chain sees the new name, the client only its own") {
  auto p = rewrite_of("rewrite name legacy-api.company.com api.production.svc.cluster.local");
  testing::StubNext next(rcode::NOERROR);
  next.write = answer_a;
  TestQuery q("Legacy-API.company.com.", rrtype::A);
  testing::run(*p, q.req, next);
  CHECK(next.qnames == S{"api.production.svc.cluster.local."});
  auto m = q.message();
  CHECK(m.qname.to_text() == "Legacy-API.company.com.");  // the client's case kept
  CHECK(owners(q) == S{"Legacy-API.company.com."});
  CHECK(q.texts(Section::answer, rrtype::A) == S{"10.0.0.1"});
  CHECK(q.req.query.qname.to_text() == "Legacy-API.company.com.");  // restored for the plugins before

  TestQuery other("other.company.com.", rrtype::A);
  testing::run(*p, other.req, next);
  CHECK(next.qnames.back() == "other.company.com.");
}

TEST_CASE("rewrite name regex with answer name and value (Gardener's search-path fix)") {
  auto p = rewrite_of(R"(rewrite stop {
    name regex (^(?:[^\.]+\.)+)svc\.cluster\.local\.svc\.cluster\.local {1}svc.cluster.local
    answer name (^(?:[^\.]+\.)+)svc\.cluster\.local {1}svc.cluster.local.svc.cluster.local
    answer value (^(?:[^\.]+\.)+)svc\.cluster\.local {1}svc.cluster.local.svc.cluster.local
  })");
  testing::StubNext next(rcode::NOERROR);
  next.write = [](Request& req) {
    req.response.add_name_rr(Section::answer, req.query.qname, rrtype::CNAME, 30,
                             *Name::from_text("web.prod.svc.cluster.local."));
    const uint8_t ip[4] = {10, 0, 0, 2};
    req.response.add_a(Section::answer, *Name::from_text("web.prod.svc.cluster.local."), 30, ip);
  };
  TestQuery q("api.prod.svc.cluster.local.svc.cluster.local.", rrtype::A);
  testing::run(*p, q.req, next);
  CHECK(next.qnames == S{"api.prod.svc.cluster.local."});
  CHECK(q.message().qname.to_text() == "api.prod.svc.cluster.local.svc.cluster.local.");
  CHECK(owners(q) == S{"api.prod.svc.cluster.local.svc.cluster.local.",
                       "web.prod.svc.cluster.local.svc.cluster.local."});
  CHECK(q.texts(Section::answer, rrtype::CNAME) == S{"web.prod.svc.cluster.local.svc.cluster.local."});
}

TEST_CASE("rewrite name suffix with answer auto maps owners and values back") {
  auto p = rewrite_of("rewrite name suffix example1.com cluster.local answer auto");
  testing::StubNext next(rcode::NOERROR);
  next.write = [](Request& req) {
    req.response.add_srv(Section::answer, req.query.qname, 30, 0, 100, 80,
                         *Name::from_text("pod.web.cluster.local."));
  };
  TestQuery q("_http._tcp.web.example1.com.", rrtype::SRV);
  testing::run(*p, q.req, next);
  CHECK(next.qnames == S{"_http._tcp.web.cluster.local."});
  CHECK(owners(q) == S{"_http._tcp.web.example1.com."});
  CHECK(q.texts(Section::answer, rrtype::SRV) == S{"0 100 80 pod.web.example1.com."});
}

TEST_CASE("rewrite name substring without answer rules leaves answers as the chain wrote them") {
  auto p = rewrite_of("rewrite name substring service.us-west-1.example.org service.us-west-1.consul");
  testing::StubNext next(rcode::NOERROR);
  next.write = answer_a;
  TestQuery q("ftp.service.us-west-1.example.org.", rrtype::A);
  testing::run(*p, q.req, next);
  CHECK(next.qnames == S{"ftp.service.us-west-1.consul."});
  CHECK(q.message().qname.to_text() == "ftp.service.us-west-1.example.org.");  // question always restored
  CHECK(owners(q) == S{"ftp.service.us-west-1.consul."});                   // as in CoreDNS
}

TEST_CASE("rewrite prefix answer auto, continue and stop") {
  auto p = rewrite_of("rewrite continue name prefix old new answer auto\n"
                      "rewrite name suffix .a.test .b.test answer auto\n"
                      "rewrite name exact never.test reached.test");
  testing::StubNext next(rcode::NOERROR);
  next.write = answer_a;
  TestQuery q("old.x.a.test.", rrtype::A);
  testing::run(*p, q.req, next);
  CHECK(next.qnames == S{"new.x.b.test."});  // both applied, in order
  CHECK(owners(q) == S{"old.x.a.test."});    // and both reverted, in reverse

  auto stop = rewrite_of("rewrite name exact a.test b.test\nrewrite name exact b.test c.test");
  TestQuery s("a.test.", rrtype::A);
  testing::run(*stop, s.req, next);
  CHECK(next.qnames.back() == "b.test.");  // stop is the default
}

TEST_CASE("rewrite ttl, rcode, type and class") {
  auto p = rewrite_of("rewrite continue ttl regex (.*)\\.coredns\\.rocks 15\n"
                      "rewrite continue rcode suffix coredns.rocks SERVFAIL NOERROR\n"
                      "rewrite type ANY HINFO");
  testing::StubNext next(rcode::SERVFAIL);
  next.write = answer_a;
  TestQuery q("www.coredns.rocks.", rrtype::A);
  Result r = testing::run(*p, q.req, next);
  CHECK(q.message().records.at(0).ttl == 15);
  CHECK(q.rcode() == rcode::NOERROR);
  CHECK(r.rcode == rcode::NOERROR);

  auto range = rewrite_of("rewrite ttl example.com. 30-300");
  testing::StubNext n2(rcode::NOERROR);
  n2.write = answer_a;  // TTL 300 stays, below 30 would rise
  TestQuery t("example.com.", rrtype::A);
  testing::run(*range, t.req, n2);
  CHECK(t.message().records.at(0).ttl == 300);
  auto cap = rewrite_of("rewrite ttl example.com. -30");
  TestQuery t2("example.com.", rrtype::A);
  testing::run(*cap, t2.req, n2);
  CHECK(t2.message().records.at(0).ttl == 30);

  testing::StubNext seen(rcode::NOERROR);
  uint16_t type_seen = 0;
  seen.write = [&](Request& req) { type_seen = req.query.qtype; };
  TestQuery any("x.test.", rrtype::ANY);
  testing::run(*p, any.req, seen);
  CHECK(type_seen == 13);                      // HINFO downstream
  CHECK(any.message().qtype == rrtype::ANY);  // ANY to the client
}

TEST_CASE("rewrite edns0: options reach the upstream side of the chain") {
  auto p = rewrite_of("rewrite continue edns0 local set 0xffee 0x61626364\n"
                      "rewrite continue edns0 subnet set 24 56\n"
                      "rewrite continue edns0 local append 0xffee zzzz\n"
                      "rewrite edns0 nsid set");
  testing::StubNext next(rcode::NOERROR);
  std::vector<uint8_t> seen;
  next.write = [&](Request& req) { seen.assign(req.edns_options.begin(), req.edns_options.end()); };
  testing::QueryOptions o;
  o.remote = asio::ip::make_address("192.0.2.77");
  TestQuery q("x.test.", rrtype::A, o);
  testing::run(*p, q.req, next);
  const std::vector<uint8_t> want = {0xff, 0xee, 0, 4, 'a', 'b', 'c', 'd',   // local (append skipped)
                                     0, 8, 0, 7, 0, 1, 24, 0, 192, 0, 2,     // ECS 192.0.2.0/24
                                     0, 3, 0, 0};                            // NSID
  CHECK(seen == want);
  CHECK(q.req.edns_options.empty());  // nothing dangles after the chain

  auto var = rewrite_of("rewrite edns0 local set 0xffee {client_ip}");
  TestQuery v("x.test.", rrtype::A, o);
  testing::run(*var, v.req, next);
  CHECK(seen == std::vector<uint8_t>{0xff, 0xee, 0, 4, 192, 0, 2, 77});
}

TEST_CASE("rewrite cname: the target is rewritten and the rest of the answer looked up again") {
  auto p = rewrite_of("rewrite cname exact old.cdn.test. new.cdn.test.");
  testing::StubNext next(rcode::NOERROR);
  next.write = [](Request& req) {
    req.response.add_name_rr(Section::answer, req.query.qname, rrtype::CNAME, 30, *Name::from_text("old.cdn.test."));
    const uint8_t ip[4] = {10, 0, 0, 9};
    req.response.add_a(Section::answer, *Name::from_text("old.cdn.test."), 30, ip);
  };
  // The server's own resolution of the new target, as the core offers it.
  struct Resolver final : InternalResolver {
    asio::awaitable<std::vector<uint8_t>> resolve(const Request&, const Name& n, uint16_t qt) const override {
      asked = n.to_text();
      std::vector<uint8_t> buf(512);
      MessageWriter w(buf, buf.size());
      w.start_query(0, 0, n, qt, rrclass::IN);
      const uint8_t ip[4] = {10, 0, 0, 10};
      w.add_a(Section::answer, n, 60, ip);
      co_return std::vector<uint8_t>(w.data().begin(), w.data().end());
    }
    mutable std::string asked;
  } resolver;
  TestQuery q("www.test.", rrtype::A);
  q.req.resolver = &resolver;
  testing::run(*p, q.req, next);
  CHECK(resolver.asked == "new.cdn.test.");
  CHECK(q.texts(Section::answer, rrtype::CNAME) == S{"new.cdn.test."});
  CHECK(q.texts(Section::answer, rrtype::A) == S{"10.0.0.10"});
}

TEST_CASE("rewrite: a name that is no longer a domain name fails the query, nothing else") {
  auto p = rewrite_of("rewrite name regex (.*)\\.bad\\.test {1}..x");
  testing::StubNext next(rcode::NOERROR);
  TestQuery q("a.bad.test.", rrtype::A);
  Result r = testing::run(*p, q.req, next);
  CHECK_FALSE(r.answered);
  CHECK(r.rcode == rcode::SERVFAIL);
  CHECK(r.error.find("invalid name after rewrite") != std::string::npos);
  CHECK(next.calls == 0);
  CHECK(q.req.query.qname.to_text() == "a.bad.test.");
}

// Exact, prefix, suffix and substring rules, regex matches without groups
// and EDNS options cost no allocation; a regex that fills groups costs what
// RE2's submatch search allocates (documented in the README).
TEST_CASE("rewrite: a warm rewritten query allocates nothing") {
  testing::StubNext next(rcode::NOERROR);
  next.write = answer_a;
  // Allocations per 100 queries for `qname` through `plugin`, once warm.
  auto cost = [&](Plugin& plugin, const char* qname) {
    testing::Runner run(plugin, next);
    TestQuery q(qname, rrtype::A);
    for (int i = 0; i < 10; ++i) {
      q.restart();
      run(q.req);
    }
    next.qnames.clear();
    next.qnames.reserve(200);
    long before = testing::allocation_count();
    for (int i = 0; i < 100; ++i) {
      q.restart();
      run(q.req);
    }
    return testing::allocation_count() - before;
  };
  // The kit's own cost (a coroutine spawn, the stub's copy of each name).
  struct Pass final : Plugin {
    std::string_view name() const override { return "pass"; }
    asio::awaitable<Result> serve(Request& req, Next next) override { co_return co_await next(req); }
  } pass;
  const long harness = cost(pass, "web.ns.my.domain.");
  auto p = rewrite_of("rewrite continue name suffix my.domain svc.cluster.local answer auto\n"
                      "rewrite continue name exact web.ns.svc.cluster.local web.ns.svc.cluster.local\n"
                      "rewrite continue ttl regex (.*)\\.cluster\\.local 15\n"
                      "rewrite edns0 subnet set 24 56");
  CHECK(cost(*p, "web.ns.my.domain.") == harness);
  TestQuery q("web.ns.my.domain.", rrtype::A);
  testing::run(*p, q.req, next);
  CHECK(owners(q) == S{"web.ns.my.domain."});
  CHECK(q.message().records.at(0).ttl == 15);

  auto groups = rewrite_of("rewrite name regex (.*)\\.other\\.domain {1}.svc.cluster.local");
  CHECK(cost(*groups, "web.ns.my.domain.") == harness);  // no match: nothing
}

TEST_CASE("rewrite setup: CoreDNS's syntax and its errors at FILE:LINE") {
  CHECK(setup_error("rewrite name a.test b.test").empty());
  CHECK(setup_error("rewrite stop name website.tld website.namespace.svc.cluster.local").empty());
  CHECK(setup_error("rewrite name suffix example1.com cluster.local answer auto").empty());
  CHECK(setup_error("rewrite edns0 local set 0xffee {client_ip}").empty());
  CHECK(setup_error("rewrite edns0 local set 0xffee abcd revert").empty());
  CHECK(setup_error("rewrite edns0 subnet unset").empty());
  CHECK(setup_error("rewrite class CH IN").empty());
  CHECK(setup_error("rewrite rcode regex (.*)\\.coredns\\.rocks 2 0").empty());
  CHECK(setup_error("rewrite cname regex (.*).cdn.example.net. {1}.other.cdn.com.").empty());
  CHECK(setup_error("rewrite name stop a.test b.test") ==
        "Corefile:2: rewrite: name rule supports only exact, prefix, suffix, substring, and regex name "
        "matching, received: stop");  // kubespray's documented order, refused by CoreDNS too
  CHECK(setup_error("rewrite bogus a b") == "Corefile:2: rewrite: invalid rule type \"bogus\"");
  CHECK(setup_error("rewrite name regex ([a-z] x") .find("invalid regex matching pattern") != std::string::npos);
  CHECK(setup_error("rewrite name regex (a).test {2}.test").find("more subexpressions") != std::string::npos);
  CHECK(setup_error("rewrite name regex (a) b answer auto answer name (x) y").find("cannot be combined") !=
        std::string::npos);
  CHECK(setup_error("rewrite ttl a.test 300-30") == "Corefile:2: rewrite: invalid TTL '300-30' for a ttl rule");
  CHECK(setup_error("rewrite type ANY NOPE") == "Corefile:2: rewrite: invalid type \"NOPE\"");
  CHECK(setup_error("rewrite edns0 subnet set 33 56") == "Corefile:2: rewrite: invalid IPv4 bit mask length 33");
  CHECK(setup_error("rewrite edns0 local set 0xffee {nope}").find("unsupported variable") != std::string::npos);
  CHECK(setup_error("rewrite stop") == "Corefile:2: rewrite: stop rule must begin with a rule type");
  CHECK(setup_error("rewrite answer name a b") == "Corefile:2: rewrite: response rewrites must begin with a name rule");
}

#include "plugins/template/template.h"

#include <doctest/doctest.h>

#include "core/plugin/testing.h"
#include "plugins/template/go_template.h"

SKYCORE_PLUGIN_SETUP(template_)

using namespace skycore;
using namespace skycore::wire;
using skycore::testing::TestQuery;
using S = std::vector<std::string>;

namespace {

testing::SetupRun setup_of(const std::string& body, const std::string& zone = ".") {
  return testing::SetupRun(zone + " {\n" + body + "\n}\n", "template", &plugins::template_::setup);
}

std::unique_ptr<Plugin> template_of(const std::string& body, const std::string& zone = ".") {
  auto run = setup_of(body, zone);
  INFO(run.error);
  REQUIRE(run.plugin);
  return std::move(run.plugin);
}

}  // namespace

TEST_CASE("template: AKS's NXDOMAIN for search-path expansions under internal.cloudapp.net") {
  auto p = template_of(R"T(template ANY ANY internal.cloudapp.net {
      match "^(?:[^.]+\.){4,}internal\.cloudapp\.net\.$"
      rcode NXDOMAIN
      fallthrough
    }
    template ANY ANY reddog.microsoft.com {
      rcode NXDOMAIN
    })T");
  testing::StubNext next(rcode::NOERROR);
  TestQuery deep("db.default.svc.cluster.local.internal.cloudapp.net.", rrtype::A);
  CHECK(testing::run(*p, deep.req, next).rcode == rcode::NXDOMAIN);
  CHECK(deep.rcode() == rcode::NXDOMAIN);
  CHECK((deep.flags() & flag::AA) != 0);
  CHECK(next.calls == 0);

  TestQuery shallow("vm1.internal.cloudapp.net.", rrtype::A);  // fewer labels: falls through
  testing::run(*p, shallow.req, next);
  CHECK(next.calls == 1);

  TestQuery reddog("anything.reddog.microsoft.com.", rrtype::AAAA);
  testing::run(*p, reddog.req, next);
  CHECK(reddog.rcode() == rcode::NXDOMAIN);
  TestQuery other("example.org.", rrtype::A);
  testing::run(*p, other.req, next);
  CHECK(next.calls == 2);  // outside every template's zone
}

TEST_CASE("template: answers from named groups, parseInt, additional and authority") {
  auto p = template_of(R"T(template IN A example {
      match "^ip0a(?P<b>[a-f0-9]{2})(?P<c>[a-f0-9]{2})(?P<d>[a-f0-9]{2})[.]example[.]$"
      match (^|[.])ip-(?P<a>[0-9]*)-(?P<b>[0-9]*)-(?P<c>[0-9]*)-(?P<d>[0-9]*)[.]example[.]$
      answer "{{ .Name }} 60 IN A 10.{{ parseInt .Group.b 16 8 }}.{{ parseInt .Group.c 16 8 }}.{{ parseInt .Group.d 16 8 }}"
      authority "example. 60 IN NS ns0.example."
      additional "ns0.example. 60 IN A 203.0.113.8"
      fallthrough
    }
    template IN MX example {
      match ^ip-10-(?P<b>[0-9]*)-(?P<c>[0-9]*)-(?P<d>[0-9]*)[.]example[.]$
      answer "{{ .Name }} 60 IN MX 10 {{ .Name }}"
      additional "{{ .Name }} 60 IN A 10.{{ .Group.b }}.{{ .Group.c }}.{{ .Group.d }}"
    }
    template IN TXT example {
      answer "{{ .Name }} 5 IN TXT \"zone {{ .Zone }}\" \"{{ .Class }} {{ .Type }} {{ .Remote }}\" {{ index .Match 0 }}"
    })T");
  testing::StubNext next(rcode::NOERROR);
  TestQuery hex("IP0a7b7c7d.example.", rrtype::A);
  testing::run(*p, hex.req, next);
  CHECK(hex.texts(Section::answer, rrtype::A) == S{"10.123.124.125"});
  CHECK(hex.texts(Section::authority, rrtype::NS) == S{"ns0.example."});
  CHECK(hex.texts(Section::additional, rrtype::A) == S{"203.0.113.8"});
  CHECK(hex.message().records.at(0).ttl == 60);

  TestQuery mx("ip-10-1-2-3.example.", rrtype::MX);
  testing::run(*p, mx.req, next);
  CHECK(mx.texts(Section::answer, rrtype::MX) == S{"10 ip-10-1-2-3.example."});
  CHECK(mx.texts(Section::additional, rrtype::A) == S{"10.1.2.3"});

  TestQuery txt("t.example.", rrtype::TXT);
  testing::run(*p, txt.req, next);
  CHECK(txt.texts(Section::answer, rrtype::TXT) ==
        S{"\"zone example.\" \"IN TXT 127.0.0.1\" \"t.example.\""});

  // parseInt out of range fails the template: SERVFAIL, counted, not answered.
  TestQuery bad("ip0affffzz.example.", rrtype::A);  // no match at all: falls through
  testing::run(*p, bad.req, next);
  CHECK(next.calls == 1);
  // The MX template has no fallthrough: a name it does not match is SERVFAIL.
  TestQuery nomx("other.example.", rrtype::MX);
  Result r = testing::run(*p, nomx.req, next);
  CHECK_FALSE(r.answered);
  CHECK(r.rcode == rcode::SERVFAIL);
}

TEST_CASE("template: an RR the template makes invalid is SERVFAIL with the reason") {
  auto p = template_of(R"T(template IN A bad.test {
      answer "{{ .Name }} 60 IN A not-an-address"
    })T");
  TestQuery q("x.bad.test.", rrtype::A);
  testing::StubNext next;
  Result r = testing::run(*p, q.req, next);
  CHECK_FALSE(r.answered);
  CHECK(r.error.find("invalid resource record 'x.bad.test. 60 IN A not-an-address'") != std::string::npos);
}

TEST_CASE("template: ederror adds RFC 8914's option for EDNS clients") {
  auto p = template_of(R"T(template ANY ANY invalid {
      rcode NXDOMAIN
      authority "invalid. 60 {{ .Class }} SOA ns.invalid. hostmaster.invalid. (1 60 60 60 60)"
      ederror 21 "Blocked according to RFC2606"
    })T");
  testing::QueryOptions o;
  o.edns_size = 1232;
  TestQuery q("x.invalid.", rrtype::A, o);
  testing::StubNext next;
  testing::run(*p, q.req, next);
  CHECK(q.rcode() == rcode::NXDOMAIN);
  CHECK(q.texts(Section::authority, rrtype::SOA) == S{"ns.invalid. hostmaster.invalid. 1 60 60 60 60"});
  auto m = q.message();
  const auto& opt = m.records.back();
  REQUIRE(opt.type == rrtype::OPT);
  auto rdata = q.req.response.data().subspan(opt.rdata_offset, opt.rdlength);
  REQUIRE(rdata.size() == 6 + 28);
  CHECK(rdata[1] == 15);  // EDE
  CHECK(rdata[5] == 21);
}

TEST_CASE("template: a warm answer without groups allocates nothing") {
  auto p = template_of(R"T(template IN A example {
      match "^ip-[0-9-]+[.]example[.]$"
      answer "{{ .Name }} 60 IN A 192.0.2.1"
    })T");
  testing::StubNext next;
  testing::Runner run(*p, next);
  TestQuery q("ip-1-2-3-4.example.", rrtype::A);
  for (int i = 0; i < 10; ++i) {
    q.restart();
    run(q.req);
  }
  struct Pass final : Plugin {
    std::string_view name() const override { return "pass"; }
    asio::awaitable<Result> serve(Request& req, Next) override { co_return Result::written("pass", 0); }
  } pass;
  testing::Runner bare(pass, next);
  for (int i = 0; i < 10; ++i) bare(q.req);
  long before = testing::allocation_count();
  for (int i = 0; i < 100; ++i) bare(q.req);
  const long harness = testing::allocation_count() - before;
  before = testing::allocation_count();
  for (int i = 0; i < 100; ++i) {
    q.restart();
    run(q.req);
  }
  CHECK(testing::allocation_count() - before == harness);
  CHECK(q.texts(Section::answer, rrtype::A) == S{"192.0.2.1"});
}

TEST_CASE("template setup: CoreDNS's syntax and errors at FILE:LINE") {
  CHECK(setup_of("template ANY ANY {\n rcode NXDOMAIN\n}").error.empty());
  CHECK(setup_of("template IN A example {\n match \"([\"\n}").error.find("Corefile:3: template: could not parse regex") == 0);
  CHECK(setup_of("template IN BOGUS").error == "Corefile:2: template: invalid RR class BOGUS");
  CHECK(setup_of("template XX A").error == "Corefile:2: template: invalid query class XX");
  CHECK(setup_of("template IN A {\n rcode WHAT\n}").error == "Corefile:3: template: unknown rcode WHAT");
  CHECK(setup_of("template IN A {\n answer \"{{ .Nope }} 60 IN A 1.2.3.4\"\n}").error.find("unsupported template action") !=
        std::string::npos);
  CHECK(setup_of("template IN A {\n var ip group('ip')\n}").error.find("not supported") != std::string::npos);
  CHECK(setup_of("template IN A {\n bogus\n}").error == "Corefile:3: unknown property 'bogus'");
}

TEST_CASE("go template subset: trim markers, index, missing groups") {
  using plugins::template_::GoTemplate;
  using plugins::template_::TemplateData;
  auto t = GoTemplate::parse("a {{- .Name -}} b {{ index .Match 1 }}|{{ .Group.none }}|{{ parseInt (index .Match 1) 0 16 }}");
  re2::StringPiece groups[2] = {"all", "0x1f"};
  TemplateData d;
  d.name = "n.";
  d.groups = groups;
  d.group_count = 2;
  std::string out;
  REQUIRE(t.render(d, out));
  CHECK(out == "an.b 0x1f||31");
  d.group_count = 1;  // index past the end fails, as in Go
  out.clear();
  CHECK_FALSE(t.render(d, out));
}

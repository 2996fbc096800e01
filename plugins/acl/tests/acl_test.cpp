#include "plugins/acl/acl.h"

#include <doctest/doctest.h>

#include "core/plugin/testing.h"

SKYCORE_PLUGIN_SETUP(acl)

using namespace skycore;
using namespace skycore::wire;
using plugins::acl::Acl;

namespace {

std::unique_ptr<Plugin> make(const std::string& body) {
  testing::SetupRun run("example.org {\n" + body + "}\n", "acl", &plugins::acl::setup);
  REQUIRE_MESSAGE(run.error.empty(), run.error);
  return std::move(run.plugin);
}

std::string error_of(const std::string& body) {
  return testing::SetupRun("example.org {\n" + body + "}\n", "acl", &plugins::acl::setup).error;
}

struct Outcome {
  uint16_t rcode;
  bool sent;      // false: dropped
  bool passed;    // reached the next plugin
};

Outcome ask(Plugin& p, const char* from, uint16_t qtype = rrtype::A, const char* name = "www.example.org.") {
  testing::QueryOptions o;
  o.remote = asio::ip::make_address(from);
  testing::TestQuery q(name, qtype, o);
  testing::StubNext next(rcode::NOERROR);
  testing::run(p, q.req, next);
  const bool sent = q.req.response.size() > 0;
  return {sent ? q.rcode() : uint16_t(0), sent, next.calls == 1};
}

}  // namespace

TEST_CASE("acl: the first matching rule decides; no match goes on") {
  auto p = make(" acl {\n  allow net 10.0.1.0/24\n  block type A net 10.0.0.0/16\n  filter type AAAA net 10.0.0.0/8\n  drop net 192.0.2.7\n }\n");
  CHECK(ask(*p, "10.0.1.5").passed);                      // allow comes first
  Outcome b = ask(*p, "10.0.2.5");
  CHECK((b.sent && b.rcode == rcode::REFUSED && !b.passed));
  CHECK(ask(*p, "10.0.2.5", rrtype::MX).passed);          // block names A only; filter AAAA only
  Outcome f = ask(*p, "10.9.0.1", rrtype::AAAA);
  CHECK((f.sent && f.rcode == rcode::NOERROR && !f.passed));
  CHECK(ask(*p, "10.9.0.1", rrtype::A).passed);
  Outcome d = ask(*p, "192.0.2.7");
  CHECK((!d.sent && !d.passed));
  CHECK(ask(*p, "192.0.2.8").passed);                     // a lone address is a /32
  CHECK(ask(*p, "::1").passed);                           // IPv4 networks hold no IPv6 client
  CHECK(ask(*p, "10.0.2.5", rrtype::A, "www.example.net.").passed);  // outside the zones
}

TEST_CASE("acl: prefixes that do not end on a byte, IPv6, '*' and several policies") {
  auto p = make(" acl {\n  block net 172.16.0.0/12 2001:db8:8000::/33\n }\n acl {\n  allow net 127.0.0.1\n  block type * net *\n }\n");
  CHECK_FALSE(ask(*p, "172.31.255.255").passed);
  CHECK(ask(*p, "127.0.0.1").passed);                       // the second policy allows it
  CHECK_FALSE(ask(*p, "172.32.0.1").passed);                // past /12, then blocked by '*'
  CHECK_FALSE(ask(*p, "2001:db8:ffff::1").passed);          // inside the /33
  CHECK(ask(*p, "2001:db8:7fff::1").rcode == rcode::REFUSED); // outside: the catch-all blocks it
}

TEST_CASE("acl: bad rules are file:line errors") {
  CHECK(error_of(" acl {\n  deny net 10.0.0.0/8\n }\n") ==
        "Corefile:3: acl: unknown action 'deny' (allow, block, filter or drop)");
  CHECK(error_of(" acl {\n  block net 10.0.0.0/33\n }\n") == "Corefile:3: acl: not a network: '10.0.0.0/33'");
  CHECK(error_of(" acl {\n  block net ten\n }\n") == "Corefile:3: acl: not an address or a network: 'ten'");
  CHECK(error_of(" acl {\n  block type BOGUS\n }\n") == "Corefile:3: acl: unknown query type 'BOGUS'");
  CHECK(error_of(" acl {\n  block 10.0.0.0/8\n }\n") ==
        "Corefile:3: acl: '10.0.0.0/8' after 'block': expected 'type' or 'net'");
}

#include "plugins/local/local.h"

#include <doctest/doctest.h>

#include "core/plugin/testing.h"

SKYCORE_PLUGIN_SETUP(local)

using namespace skycore;
using namespace skycore::wire;
using S = std::vector<std::string>;

TEST_CASE("local: RFC 6761's names answered here") {
  plugins::local::Local l(true, 1);
  testing::StubNext next;
  auto ask = [&](const char* name, uint16_t type, plugins::local::Local& p) {
    auto q = std::make_unique<testing::TestQuery>(name, type);
    testing::run(p, q->req, next);
    return q;
  };
  CHECK(ask("localhost.", rrtype::A, l)->texts(Section::answer, rrtype::A) == S{"127.0.0.1"});
  CHECK(ask("localhost.", rrtype::AAAA, l)->texts(Section::answer, rrtype::AAAA) == S{"::1"});
  CHECK(ask("app.localhost.", rrtype::A, l)->texts(Section::answer, rrtype::A) == S{"127.0.0.1"});
  CHECK(ask("localhost.example.org.", rrtype::A, l)->texts(Section::answer, rrtype::A) == S{"127.0.0.1"});
  CHECK(ask("1.0.0.127.in-addr.arpa.", rrtype::PTR, l)->texts(Section::answer, rrtype::PTR) == S{"localhost."});
  auto nx = ask("5.0.0.127.in-addr.arpa.", rrtype::PTR, l);
  CHECK(nx->rcode() == rcode::NXDOMAIN);
  CHECK(nx->message().records.at(0).owner.to_text() == "127.in-addr.arpa.");
  CHECK(ask("localhost.", rrtype::NS, l)->texts(Section::answer, rrtype::NS) == S{"localhost."});
  CHECK(l.localhost_requests() == 2);
  CHECK(next.calls == 0);
  ask("example.org.", rrtype::A, l);
  CHECK(next.calls == 1);

  plugins::local::Local strict(false, 1);
  ask("localhost.example.org.", rrtype::A, strict);
  CHECK(next.calls == 2);  // localhost_prefix off: not ours

  CHECK(testing::SetupRun(". {\n local {\n  localhost_prefix maybe\n }\n}\n", "local", &plugins::local::setup).error ==
        "Corefile:3: local: localhost_prefix takes on or off, not 'maybe'");
}

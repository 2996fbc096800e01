#include <doctest/doctest.h>
#include <unistd.h>

#include <fstream>

#include "core/corefile/parser.h"
#include "plugins/forward/config.h"

using namespace skycore;
using namespace skycore::plugins::forward;

namespace {
Config parse(const std::string& body) {
  auto cfg = corefile::parse_string(". {\n" + body + "\n}\n", "Corefile", ".");
  corefile::TokenCursor c(corefile::directive_tokens(cfg.blocks.at(0), "forward"));
  REQUIRE(c.next());
  return parse_config(c);
}
std::string error_of(const std::string& body) {
  try {
    parse(body);
  } catch (const corefile::Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("forward: defaults follow CoreDNS") {
  auto c = parse("forward . 127.0.0.1");
  CHECK(c.from.is_root());
  REQUIRE(c.to.size() == 1);
  CHECK(c.to[0].port == 53);
  CHECK(c.to[0].label == "127.0.0.1:53");
  CHECK(c.max_fails == 2);
  CHECK(c.health_interval == milliseconds(500));
  CHECK(c.expire == milliseconds(10'000));
  CHECK(c.policy == Policy::random);
  CHECK(c.max_concurrent == 0);
  CHECK(c.try_timeout == milliseconds(2'000));
  CHECK(c.total_timeout == milliseconds(5'000));
}

TEST_CASE("forward: upstream forms") {
  auto c = parse("forward Example.ORG dns://10.0.0.1:5353 tls://9.9.9.9 [::1]:54 ::2");
  CHECK(c.from_text == "example.org.");
  REQUIRE(c.to.size() == 4);
  CHECK(c.to[0].label == "10.0.0.1:5353");
  CHECK(c.to[1].tls);
  CHECK(c.to[1].port == 853);
  CHECK(c.to[1].label == "tls://9.9.9.9:853");
  CHECK(c.to[2].label == "[::1]:54");
  CHECK(c.to[3].port == 53);
}

TEST_CASE("forward: every option") {
  auto c = parse(R"(forward . 127.0.0.1 127.0.0.2 {
    except skip.example.org other.example
    force_tcp
    expire 20s
    max_fails 3
    health_check 250ms no_rec domain probe.example
    policy sequential
    max_concurrent 100
    next SERVFAIL NXDOMAIN
  })");
  CHECK(c.except.size() == 2);
  CHECK(c.force_tcp);
  CHECK(c.expire == milliseconds(20'000));
  CHECK(c.max_fails == 3);
  CHECK(c.health_interval == milliseconds(250));
  CHECK_FALSE(c.health_rd);
  CHECK(c.health_domain.to_text() == "probe.example.");
  CHECK(c.policy == Policy::sequential);
  CHECK(c.max_concurrent == 100);
  CHECK(c.next_rcodes == std::vector<uint16_t>{2, 3});
}

TEST_CASE("forward: resolv.conf targets") {
  // A file of this process's own: test binaries may run side by side.
  const std::string path = "/tmp/resolv.test." + std::to_string(getpid()) + ".conf";
  std::ofstream(path) << "# comment\nsearch example\nnameserver 127.0.0.9\nnameserver ::1\n";
  auto c = parse("forward . " + path);
  std::remove(path.c_str());
  REQUIRE(c.to.size() == 2);
  CHECK(c.to[0].label == "127.0.0.9:53");
  CHECK(c.to[1].label == "[::1]:53");
}

TEST_CASE("forward: configuration errors name the line") {
  CHECK(error_of("forward . not-an-ip") == "Corefile:2: forward: not an IP address or file: 'not-an-ip'");
  CHECK(error_of("forward .") == "Corefile:2: wrong argument count or unexpected line ending after '.'");
  CHECK(error_of("forward . 1.2.3.4 {\n policy fastest\n}") == "Corefile:3: forward: unknown policy 'fastest'");
  CHECK(error_of("forward . 1.2.3.4 {\n bogus\n}") == "Corefile:3: unknown property 'bogus'");
  CHECK(error_of("forward . 1.2.3.4 {\n tls\n}") == "Corefile:4: forward: 'tls' needs at least one tls:// upstream");
  CHECK(error_of("forward . 1.2.3.4 {\n next FOO\n}") == "Corefile:3: forward: next: unknown rcode 'FOO'");
  CHECK(error_of("forward . 1.2.3.4 {\n expire 10\n}") == "Corefile:3: forward: expire: '10' is not a duration");
  CHECK(error_of("forward . 1.2.3.4:0").find("not an IP address") != std::string::npos);
}

TEST_CASE("forward: a CIDR names its reverse zones (FROM: the first, as CoreDNS; except: all)") {
  auto c = parse("forward 10.0.0.0/8 127.0.0.1 {\n except 172.16.0.0/15 \n}");
  CHECK(c.from.to_text() == "10.in-addr.arpa.");
  REQUIRE(c.except.size() == 2);
  CHECK(c.except[0].to_text() == "16.172.in-addr.arpa.");
  CHECK(c.except[1].to_text() == "17.172.in-addr.arpa.");
}

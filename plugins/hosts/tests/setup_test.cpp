#include "core/plugin/setup.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "core/corefile/parser.h"
#include "core/plugin/testing.h"
#include "plugins/hosts/hosts.h"

SKYCORE_PLUGIN_SETUP(hosts)

using namespace skycore;
using namespace skycore::plugins::hosts;

namespace {

struct SetupRun : testing::SetupRun {
  explicit SetupRun(const std::string& text, bool validate_only = true)
      : testing::SetupRun(text, "hosts", &plugins::hosts::setup, validate_only) {}
  Hosts& hosts() {
    REQUIRE(plugin);
    return dynamic_cast<Hosts&>(*plugin);
  }
};

std::string error_of(const std::string& body) {
  return SetupRun("example.org {\n" + body + "\n}\n").error;
}

std::vector<std::string> zones_text(const std::vector<wire::Name>& zones) {
  std::vector<std::string> out;
  for (const auto& z : zones) out.push_back(z.to_text());
  return out;
}

using S = std::vector<std::string>;

}  // namespace

TEST_CASE("hosts setup: defaults follow CoreDNS") {
  SetupRun r("Example.ORG {\n hosts\n}\n");
  REQUIRE(r.error.empty());
  const Config& c = r.hosts().config();
  CHECK(c.path == "/etc/hosts");
  CHECK(zones_text(c.zones) == S{"example.org."});
  CHECK_FALSE(c.fallthrough.enabled);
  CHECK_FALSE(c.fallthrough_unsupported);
  CHECK(c.ttl == 3600);
  CHECK(c.reverse);
  CHECK(c.reload == std::chrono::seconds(5));
}

TEST_CASE("hosts setup: FILE, ZONES (CIDRs too) and every option") {
  SetupRun r(R"(. {
  hosts /nonexistent/hosts example.org 10.0.0.0/15 {
    10.0.0.1 A.example.org
    ::1 b.example.org c.example.org
    ttl 60
    no_reverse
    reload 1.5s
    fallthrough example.org 192.168.0.0/16
    fallthrough_unsupported
  }
})");
  REQUIRE(r.error.empty());
  const Config& c = r.hosts().config();
  CHECK(c.path == "/nonexistent/hosts");
  CHECK(zones_text(c.zones) == S{"example.org.", "0.10.in-addr.arpa.", "1.10.in-addr.arpa."});
  CHECK(c.fallthrough.enabled);
  CHECK(zones_text(c.fallthrough.zones) == S{"example.org.", "168.192.in-addr.arpa."});
  CHECK(c.fallthrough_unsupported);
  CHECK(c.ttl == 60);
  CHECK_FALSE(c.reverse);
  CHECK(c.reload == std::chrono::milliseconds(1500));
  // 3 names inline, no PTR data (no_reverse)
  CHECK(r.hosts().entries() == 3);

  SetupRun bare(". {\n hosts {\n  fallthrough\n  reload 0\n }\n}\n");
  REQUIRE(bare.error.empty());
  CHECK(bare.hosts().config().fallthrough.enabled);
  CHECK(bare.hosts().config().fallthrough.zones.empty());  // every zone
  CHECK(bare.hosts().config().fallthrough.covers(*skycore::wire::Name::from_text("any.where.")));
  CHECK(bare.hosts().config().reload.count() == 0);
}

TEST_CASE("hosts setup: outside validation the file is read at once and reloaded after start-up") {
  auto path = (std::filesystem::temp_directory_path() / "skycore-hosts-setup.txt").string();
  std::ofstream(path) << "10.0.0.1 a.example.org b.example.net\n";
  SetupRun r(
      "example.org {\n hosts " + path + " {\n  10.0.0.2 c.example.org\n  reload 50ms\n }\n}\n",
      false);
  REQUIRE(r.error.empty());
  CHECK(r.hosts().entries() == 2 + 2);  // b.example.net is outside the block's zone
  CHECK(r.up.size() == 1);
  CHECK(r.down.size() == 1);
  for (auto& f : r.up) f();
  for (auto& f : r.down) f();
  std::filesystem::remove(path);
}

TEST_CASE("hosts setup: errors name the Corefile line") {
  CHECK(error_of(" hosts {\n  ttl\n }") == "Corefile:3: hosts: ttl needs a time in seconds");
  CHECK(error_of(" hosts {\n  ttl abc\n }") ==
        "Corefile:3: hosts: ttl 'abc' is not a number of seconds");
  CHECK(error_of(" hosts {\n  ttl 0\n }") ==
        "Corefile:3: hosts: ttl '0' is invalid: want 1 to 65535");
  CHECK(error_of(" hosts {\n  ttl 65536\n }") ==
        "Corefile:3: hosts: ttl '65536' is invalid: want 1 to 65535");
  CHECK(error_of(" hosts {\n  ttl 5 6\n }").starts_with("Corefile:3: wrong argument count"));
  CHECK(error_of(" hosts {\n  reload\n }") ==
        "Corefile:3: hosts: reload needs a duration (zero seconds to disable)");
  CHECK(error_of(" hosts {\n\n  reload 5x\n }") ==
        "Corefile:4: hosts: reload: '5x' is not a duration");
  CHECK(error_of(" hosts {\n  reload -1s\n }") ==
        "Corefile:3: hosts: invalid negative duration for reload '-1s'");
  CHECK(error_of(" hosts {\n  no_reverse please\n }")
            .starts_with("Corefile:3: wrong argument count"));
  CHECK(error_of(" hosts {\n  tll 30\n }") ==
        "Corefile:3: hosts: 'tll' is neither a property nor an IP address");
  CHECK(error_of(" hosts {\n  10.0.0.1\n }") ==
        "Corefile:3: hosts: '10.0.0.1' needs one or more names");
  CHECK(error_of(" hosts {\n  10.0.0.1 a..b\n }") ==
        "Corefile:3: hosts: 'a..b' is not a valid host name");
  CHECK(error_of(" hosts {\n  fallthrough\n  10.0.0.1 a.example.org\n }") ==
        "Corefile:4: unknown property '10.0.0.1'");
  CHECK(error_of(" hosts {\n  fallthrough_unsupported\n }") ==
        "Corefile:3: hosts: fallthrough_unsupported requires fallthrough");
  CHECK(error_of(" hosts {\n  fallthrough\n  fallthrough_unsupported x\n }")
            .starts_with("Corefile:4: wrong argument"));
  CHECK(error_of(" hosts /etc/hosts 10.0.0.0/33") ==
        "Corefile:2: hosts: '10.0.0.0/33' is not a CIDR");
  CHECK(error_of(" hosts /etc/hosts a..b") == "Corefile:2: hosts: 'a..b' is not a domain name");
  CHECK(error_of(" hosts\n hosts") ==
        "Corefile:3: plugin 'hosts' can only be used once per server block");
}

TEST_CASE("hosts setup: a FILE that cannot be looked at is an error; a missing one only warns") {
  CHECK(error_of(" hosts /nonexistent/hosts").empty());
  auto file = (std::filesystem::temp_directory_path() / "skycore-hosts-not-a-dir").string();
  std::ofstream(file) << "";
  CHECK(error_of(" hosts " + file + "/hosts") ==
        "Corefile:2: hosts: unable to access hosts file '" + file + "/hosts': Not a directory");
  std::filesystem::remove(file);
}

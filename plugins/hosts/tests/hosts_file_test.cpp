#include "plugins/hosts/hosts_file.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using namespace skycore;
using namespace skycore::plugins::hosts;

namespace {

wire::Name name(const char* text) { return *wire::Name::from_text(text); }

const std::vector<wire::Name> kRoot{wire::Name()};

std::vector<std::string> v4_text(const HostsTable& t, const char* n) {
  std::vector<std::string> out;
  for (const auto& ip : t.v4(name(n))) {
    char buf[INET_ADDRSTRLEN];
    out.emplace_back(inet_ntop(AF_INET, ip.data(), buf, sizeof buf));
  }
  return out;
}

std::vector<std::string> v6_text(const HostsTable& t, const char* n) {
  std::vector<std::string> out;
  for (const auto& ip : t.v6(name(n))) {
    char buf[INET6_ADDRSTRLEN];
    out.emplace_back(inet_ntop(AF_INET6, ip.data(), buf, sizeof buf));
  }
  return out;
}

std::vector<std::string> names_of(const HostsTable& t, const char* addr) {
  std::vector<std::string> out;
  for (const auto& w : t.names(*parse_address(addr)))
    out.push_back(
        wire::Name::from_wire_unchecked({reinterpret_cast<const uint8_t*>(w.data()), w.size()})
            .to_text());
  return out;
}

using S = std::vector<std::string>;

// Go's own hosts test data, which CoreDNS's tests reuse.
const char* kHosts = R"(255.255.255.255	broadcasthost
	127.0.0.2	odin
	127.0.0.3	odin  # inline comment
	::2             odin
	127.1.1.1	thor
	# aliases
	127.1.1.2	ullr ullrhost
	fe80::1%lo0	localhost
	# Bogus entries that must be ignored.
	123.123.123	loki
	321.321.321.321)";

}  // namespace

TEST_CASE("hosts: addresses parse as Go's net.ParseIP does") {
  auto a = parse_address("10.0.0.1");
  REQUIRE(a);
  CHECK_FALSE(a->v6);
  CHECK(a->key() == std::string_view("\x0a\x00\x00\x01", 4));
  auto b = parse_address("fe80::1%eth0");
  REQUIRE(b);
  CHECK(b->v6);
  CHECK(b->bytes[0] == 0xfe);
  CHECK(b->bytes[15] == 1);
  auto mapped = parse_address("::FFFF:10.0.0.2");  // IPv4-mapped: an IPv4 address
  REQUIRE(mapped);
  CHECK_FALSE(mapped->v6);
  CHECK(mapped->key() == std::string_view("\x0a\x00\x00\x02", 4));
  for (const char* bad : {"010.0.0.1", "1.2.3", "1.2.3.4.5", "256.0.0.1", "example.org", "%lo0", "",
                          "1::2::3", "10.0.0.1/8"})
    CHECK_MESSAGE(!parse_address(bad), bad);
}

TEST_CASE("hosts: the file format — comments, aliases, IPv6 zones, bogus lines") {
  HostsTable t = parse_hosts(kHosts, {kRoot, true});
  CHECK(v4_text(t, "odin.") == S{"127.0.0.2", "127.0.0.3"});
  CHECK(v6_text(t, "odin.") == S{"::2"});
  CHECK(v4_text(t, "thor.") == S{"127.1.1.1"});
  CHECK(v6_text(t, "thor.").empty());
  CHECK(v4_text(t, "ullr.") == S{"127.1.1.2"});
  CHECK(v4_text(t, "ullrhost.") == S{"127.1.1.2"});
  CHECK(v6_text(t, "localhost.") == S{"fe80::1"});
  CHECK(v4_text(t, "loki.").empty());
  CHECK(v4_text(t, "broadcasthost.") == S{"255.255.255.255"});
  CHECK(names_of(t, "127.1.1.2") == S{"ullr.", "ullrhost."});
  CHECK(names_of(t, "::2") == S{"odin."});
  CHECK(names_of(t, "fe80::1") == S{"localhost."});
  CHECK(names_of(t, "123.123.123.0").empty());
  // 8 addresses of names + 8 names of addresses.
  CHECK(t.entries() == 16);
}

TEST_CASE("hosts: names are lowercased; lines end at # and CR; a name repeats across lines") {
  HostsTable t = parse_hosts(
      "127.0.0.1\tPreserveMe PreserveMe.local.\r\n::1 PreserveMe#no-space-comment\n"
      "127.0.0.3 localhost\n127.0.0.1 PRESERVEME\n#127.0.0.9 commented\n   \n\n10.9.9.9",
      {kRoot, true});
  CHECK(v4_text(t, "preserveme.") == S{"127.0.0.1"});  // the repeated pair is kept once
  CHECK(v6_text(t, "preserveme.") == S{"::1"});
  CHECK(v4_text(t, "preserveme.local.") == S{"127.0.0.1"});
  CHECK(v6_text(t, "no-space-comment.").empty());
  CHECK(v4_text(t, "commented.").empty());
  CHECK(names_of(t, "127.0.0.1") == S{"preserveme.", "preserveme.local."});
  CHECK(names_of(t, "10.9.9.9").empty());
}

TEST_CASE("hosts: only names inside the zones are kept, and no_reverse drops PTR data") {
  std::vector<wire::Name> zones{name("example.org."), name("example.net.")};
  HostsTable t = parse_hosts("10.0.0.1 a.example.org b.example.com example.net\n", {zones, false});
  CHECK(v4_text(t, "a.example.org.") == S{"10.0.0.1"});
  CHECK(v4_text(t, "example.net.") == S{"10.0.0.1"});
  CHECK(v4_text(t, "b.example.com.").empty());
  CHECK(names_of(t, "10.0.0.1").empty());
  HostsTable r = parse_hosts("10.0.0.1 a.example.org b.example.com\n", {zones, true});
  CHECK(names_of(r, "10.0.0.1") == S{"a.example.org."});
}

TEST_CASE("hosts: a wildcard owner stands for one label, per family, and has no PTR") {
  HostsTable t = parse_hosts(
      "192.168.1.10 *.example.com\n192.168.1.11 a.example.com\n::1 b.example.com\n", {kRoot, true});
  CHECK(v4_text(t, "a.example.com.") == S{"192.168.1.11"});
  CHECK(v4_text(t, "apps.example.com.") == S{"192.168.1.10"});
  CHECK(v4_text(t, "b.example.com.") == S{"192.168.1.10"});  // b has only an IPv6 address
  CHECK(v6_text(t, "b.example.com.") == S{"::1"});
  CHECK(v4_text(t, "example.com.").empty());
  CHECK(v4_text(t, "deep.apps.example.com.").empty());
  CHECK(names_of(t, "192.168.1.10").empty());
  CHECK(v4_text(t, ".").empty());
}

TEST_CASE("hosts: add_entry reports what CoreDNS would skip") {
  HostsTable t;
  ParseOptions opt{kRoot, true};
  std::vector<std::string_view> ok{"10.0.0.1", "a.example", "bad..name"};
  std::vector<std::string_view> short_line{"10.0.0.1"};
  std::vector<std::string_view> bad_ip{"10.0.0.256", "x.example"};
  CHECK(add_entry(t, ok, opt));
  CHECK_FALSE(add_entry(t, short_line, opt));
  CHECK_FALSE(add_entry(t, bad_ip, opt));
  CHECK(v4_text(t, "a.example.") == S{"10.0.0.1"});
  CHECK(t.entries() == 2);
}

TEST_CASE("hosts: the file is re-read only when its mtime or size changes") {
  auto path = (std::filesystem::temp_directory_path() / "skycore-hosts-read.txt").string();
  std::filesystem::remove(path);
  FileRead missing = read_if_changed(path, {});
  CHECK(missing.status == FileRead::Status::failed);
  CHECK(missing.err_no == ENOENT);
  CHECK(missing.error.find("skycore-hosts-read.txt") != std::string::npos);

  std::ofstream(path) << "10.0.0.1 a\n";
  FileRead first = read_if_changed(path, {});
  REQUIRE(first.status == FileRead::Status::changed);
  CHECK(first.text == "10.0.0.1 a\n");
  CHECK(first.stamp.size == 11);
  CHECK(read_if_changed(path, first.stamp).status == FileRead::Status::unchanged);
  std::ofstream(path) << "10.0.0.2 bb\n";
  FileRead second = read_if_changed(path, first.stamp);
  CHECK(second.status == FileRead::Status::changed);
  CHECK(second.text == "10.0.0.2 bb\n");
  std::filesystem::remove(path);

  auto dir = std::filesystem::temp_directory_path().string();
  FileRead is_dir = read_if_changed(dir, {});
  CHECK(is_dir.status == FileRead::Status::failed);
  CHECK(is_dir.err_no == EISDIR);
}

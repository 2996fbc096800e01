#include "plugins/hosts/hosts.h"

#include <doctest/doctest.h>

#include <array>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/wire/header.h"
#include "core/wire/record.h"

using namespace skycore;
using namespace skycore::wire;
using namespace skycore::plugins::hosts;

namespace {

// One query and the response the plugin writes for it.
struct Exchange {
  std::array<uint8_t, 512> qbuf{};
  std::array<uint8_t, 4096> rbuf{};
  std::vector<uint8_t> packet;
  Request req;

  Exchange(const char* qname, uint16_t qtype, size_t limit = 4096) {
    MessageWriter w(qbuf, qbuf.size());
    w.start_query(7, flag::RD, *Name::from_text(qname), qtype, rrclass::IN);
    packet.assign(w.data().begin(), w.data().end());
    req.packet = packet;
    REQUIRE(parse_query(packet, req.query) == QueryStatus::ok);
    req.response.reset(rbuf, limit);
    req.response.start_response(req.query, packet);
  }
  ParsedMessage parsed() const {
    ParsedMessage m;
    REQUIRE(parse_message(req.response.data(), m));
    return m;
  }
  // "TYPE TTL RDATA" of each answer record.
  std::vector<std::string> answers() const {
    std::vector<std::string> out;
    auto m = parsed();
    for (const auto& r : m.records) {
      CHECK(r.section == Section::answer);
      CHECK(r.owner.to_text() == req.query.qname.to_text());
      std::string type = r.type == rrtype::A      ? "A"
                         : r.type == rrtype::AAAA ? "AAAA"
                         : r.type == rrtype::PTR  ? "PTR"
                                                  : "?";
      out.push_back(type + " " + std::to_string(r.ttl) + " " +
                    rdata_to_text(req.response.data(), r));
    }
    return out;
  }
  bool authoritative() const { return (parsed().flags & flag::AA) != 0; }
};

using S = std::vector<std::string>;

Name name(const char* text) { return *Name::from_text(text); }

HostsTable table(const char* text, const Config& cfg) {
  return parse_hosts(text, {cfg.zones, cfg.reverse});
}

Config config(std::vector<const char*> zones = {"."}) {
  Config cfg;
  cfg.path = "/nonexistent/skycore-hosts-test";
  for (auto z : zones) cfg.zones.push_back(name(z));
  return cfg;
}

const char* kInline =
    "10.0.0.1 example.org www.example.org\n"
    "::1 v6only.example.org\n"
    "10.0.0.3 fallthrough-example.org\n"
    "::FFFF:10.0.0.2 example.com\n"
    "5.6.7.8 *.apps.example.org\n";

Action ask(Hosts& h, Exchange& x) { return h.answer(x.req); }

}  // namespace

TEST_CASE("hosts: A and AAAA answers with AA and the ttl; the owner keeps the query's case") {
  Config cfg = config();
  cfg.ttl = 60;
  Hosts h(cfg, table(kInline, cfg), 1);
  Exchange a("WWW.Example.org", rrtype::A);
  REQUIRE(ask(h, a) == Action::written);
  CHECK(a.answers() == S{"A 60 10.0.0.1"});
  CHECK(a.authoritative());
  CHECK(a.parsed().rcode == rcode::NOERROR);
  Exchange aaaa("v6only.example.org", rrtype::AAAA);
  REQUIRE(ask(h, aaaa) == Action::written);
  CHECK(aaaa.answers() == S{"AAAA 60 ::1"});
  Exchange mapped("example.com", rrtype::A);
  REQUIRE(ask(h, mapped) == Action::written);
  CHECK(mapped.answers() == S{"A 60 10.0.0.2"});
  Exchange wild("x.apps.example.org", rrtype::A);
  REQUIRE(ask(h, wild) == Action::written);
  CHECK(wild.answers() == S{"A 60 5.6.7.8"});
}

TEST_CASE("hosts: a known name without the asked type is an empty NOERROR, without SOA") {
  Config cfg = config();
  Hosts h(cfg, table(kInline, cfg), 1);
  for (uint16_t t : {rrtype::AAAA, rrtype::MX, rrtype::TXT}) {
    Exchange x("example.org", t);
    REQUIRE(ask(h, x) == Action::written);
    CHECK(x.parsed().records.empty());
    CHECK(x.authoritative());
  }
  Exchange v4("v6only.example.org", rrtype::A);
  REQUIRE(ask(h, v4) == Action::written);
  CHECK(v4.parsed().records.empty());
}

TEST_CASE(
    "hosts: an unknown name in the zones is SERVFAIL without fallthrough, passed on with it") {
  Config cfg = config();
  Hosts plain(cfg, table(kInline, cfg), 1);
  Exchange x("nope.example.org", rrtype::A);
  CHECK(ask(plain, x) == Action::servfail);
  Exchange apex("apps.example.org", rrtype::A);  // a wildcard does not cover its own apex
  CHECK(ask(plain, apex) == Action::servfail);

  cfg.fallthrough = {true, {name("example.org.")}};
  Hosts fall(cfg, table(kInline, cfg), 1);
  Exchange y("nope.example.org", rrtype::A);
  CHECK(ask(fall, y) == Action::next);
  Exchange z("nope.example.net", rrtype::A);  // outside the fallthrough zones
  CHECK(ask(fall, z) == Action::servfail);
  Exchange known("example.org", rrtype::MX);  // known names never fall through...
  CHECK(ask(fall, known) == Action::written);

  cfg.fallthrough_unsupported = true;  // ...unless asked for other types with this
  Hosts unsupported(cfg, table(kInline, cfg), 1);
  Exchange mx("example.org", rrtype::MX);
  CHECK(ask(unsupported, mx) == Action::next);
  Exchange aaaa("example.org", rrtype::AAAA);
  CHECK(ask(unsupported, aaaa) == Action::written);
}

TEST_CASE("hosts: names outside the zones go to the next plugin, whatever fallthrough says") {
  Config cfg = config({"example.org."});
  Hosts h(cfg, table(kInline, cfg), 1);
  Exchange inside("www.example.org", rrtype::A);
  CHECK(ask(h, inside) == Action::written);
  Exchange outside("example.com", rrtype::A);  // dropped at parse time, and outside anyway
  CHECK(ask(h, outside) == Action::next);
  Exchange nowhere("nope.example.net", rrtype::A);
  CHECK(ask(h, nowhere) == Action::next);
}

TEST_CASE("hosts: PTR for known addresses, whether or not the reverse zone is listed") {
  Config cfg = config({"example.org."});
  cfg.ttl = 30;
  Hosts h(cfg, table(kInline, cfg), 1);
  Exchange v4("1.0.0.10.in-addr.arpa", rrtype::PTR);
  REQUIRE(ask(h, v4) == Action::written);
  CHECK(v4.answers() == S{"PTR 30 example.org.", "PTR 30 www.example.org."});
  CHECK(v4.authoritative());
  Exchange v6("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa",
              rrtype::PTR);
  REQUIRE(ask(h, v6) == Action::written);
  CHECK(v6.answers() == S{"PTR 30 v6only.example.org."});
  Exchange unknown("9.0.0.10.in-addr.arpa", rrtype::PTR);  // always passed on, never SERVFAIL
  CHECK(ask(h, unknown) == Action::next);
  Exchange wild("8.7.6.5.in-addr.arpa", rrtype::PTR);  // wildcards have no PTR
  CHECK(ask(h, wild) == Action::next);
  Exchange not_reverse("www.example.org", rrtype::PTR);
  CHECK(ask(h, not_reverse) == Action::next);

  cfg.reverse = false;
  Hosts no_reverse(cfg, table(kInline, cfg), 1);
  Exchange none("1.0.0.10.in-addr.arpa", rrtype::PTR);
  CHECK(ask(no_reverse, none) == Action::next);
  Exchange a("www.example.org", rrtype::A);
  CHECK(ask(no_reverse, a) == Action::written);
}

TEST_CASE("hosts: file entries come first, inline ones follow, nothing twice") {
  auto path = (std::filesystem::temp_directory_path() / "skycore-hosts-merge.txt").string();
  std::ofstream(path) << "10.0.0.9 example.org\n10.0.0.1 example.org\n";
  Config cfg = config();
  cfg.path = path;
  Hosts h(cfg, table(kInline, cfg), 1);
  h.file().reload();
  Exchange a("example.org", rrtype::A);
  REQUIRE(ask(h, a) == Action::written);
  CHECK(a.answers() == S{"A 3600 10.0.0.9", "A 3600 10.0.0.1"});
  Exchange ptr("1.0.0.10.in-addr.arpa", rrtype::PTR);
  REQUIRE(ask(h, ptr) == Action::written);
  CHECK(ptr.answers() == S{"PTR 3600 example.org.", "PTR 3600 www.example.org."});
  CHECK(h.entries() == 4 + 11);
  std::filesystem::remove(path);
}

TEST_CASE("hosts: records that do not fit are dropped whole and TC is set") {
  std::string many;
  for (int i = 0; i < 100; ++i) many += "10.1.0." + std::to_string(i) + " big.example.org\n";
  Config cfg = config();
  Hosts h(cfg, parse_hosts(many, {cfg.zones, true}), 1);
  Exchange x("big.example.org", rrtype::A, 512);
  REQUIRE(ask(h, x) == Action::written);
  auto m = x.parsed();
  CHECK((m.flags & flag::TC) != 0);
  CHECK(m.records.size() > 10);
  CHECK(m.records.size() < 100);
}

TEST_CASE(
    "hosts: a reload publishes a new table that every worker picks up; a failed one keeps it") {
  auto path = (std::filesystem::temp_directory_path() / "skycore-hosts-reload.txt").string();
  std::ofstream(path) << "10.0.0.1 a.example.org\n";
  Config cfg = config();
  cfg.path = path;
  Hosts h(cfg, HostsTable(), 2);
  h.file().reload();
  auto a_of = [&](uint16_t worker) {
    Exchange x("a.example.org", rrtype::A);
    x.req.worker = worker;
    return ask(h, x) == Action::written ? x.answers() : S{"servfail"};
  };
  CHECK(a_of(0) == S{"A 3600 10.0.0.1"});
  CHECK(a_of(1) == S{"A 3600 10.0.0.1"});
  uint64_t v = h.file().version();

  std::ofstream(path)
      << "10.0.0.22 a.example.org\n";  // another size: noticed even within one mtime tick
  h.file().reload();
  CHECK(h.file().version() == v + 1);
  CHECK(a_of(0) == S{"A 3600 10.0.0.22"});
  CHECK(a_of(1) == S{"A 3600 10.0.0.22"});
  h.file().reload();  // unchanged: nothing published
  CHECK(h.file().version() == v + 1);

  std::filesystem::remove(path);  // unreadable: the previous entries stay
  h.file().reload();
  CHECK(h.file().version() == v + 1);
  CHECK(a_of(0) == S{"A 3600 10.0.0.22"});

  std::ofstream(path) << "10.0.0.33 a.example.org\n";
  h.file().reload();
  CHECK(a_of(1) == S{"A 3600 10.0.0.33"});
  CHECK(h.file().reload_timestamp() > 0);
  std::filesystem::remove(path);
}

namespace {
class Answers final : public Plugin {  // what a next plugin would do
 public:
  std::string_view name() const override { return "next"; }
  asio::awaitable<Result> serve(Request&, Next) override {
    co_return Result::written(name(), rcode::REFUSED);
  }
};

Result run(const Chain& chain, Request& req) {
  asio::io_context io;
  Result out;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { out = co_await chain.serve(req); }, asio::detached);
  io.run();
  return out;
}
}  // namespace

TEST_CASE("hosts: serve() answers, fails or calls the next plugin") {
  Config cfg = config();
  cfg.fallthrough = {true, {name("example.org.")}};
  std::vector<std::unique_ptr<Plugin>> plugins;
  plugins.push_back(std::make_unique<Hosts>(cfg, table(kInline, cfg), 1));
  plugins.push_back(std::make_unique<Answers>());
  Chain chain(std::move(plugins));

  Exchange known("example.org", rrtype::A);
  Result r = run(chain, known.req);
  CHECK(r.answered);
  CHECK(r.plugin == "hosts");
  CHECK(r.rcode == rcode::NOERROR);

  Exchange fall("nope.example.org", rrtype::A);
  r = run(chain, fall.req);
  CHECK(r.plugin == "next");
  CHECK(r.rcode == rcode::REFUSED);

  Exchange fail("nope.example.net", rrtype::A);
  r = run(chain, fail.req);
  CHECK_FALSE(r.answered);
  CHECK(r.plugin == "hosts");
  CHECK(r.rcode == rcode::SERVFAIL);
  CHECK(r.error.empty());
}

TEST_CASE("hosts: lookups on two workers while the file is rewritten and re-read") {
  auto path = (std::filesystem::temp_directory_path() / "skycore-hosts-race.txt").string();
  std::ofstream(path) << "10.0.0.1 a.example.org\n";
  Config cfg = config();
  cfg.path = path;
  Hosts h(cfg, HostsTable(), 2);
  h.file().reload();
  h.file().start(std::chrono::milliseconds(1));
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  auto reader = [&](uint16_t worker) {
    while (!done.load()) {
      Exchange x("a.example.org", rrtype::A);
      x.req.worker = worker;
      if (ask(h, x) != Action::written || x.parsed().records.size() != 1) ++bad;
    }
  };
  std::thread r0(reader, 0), r1(reader, 1);
  for (int i = 0; i < 200; ++i) {  // replaced whole, as editors do: never seen half-written
    std::ofstream(path + ".new") << "10.0.0." << i << " a.example.org\n"
                                 << std::string(i % 7, '#') << "\n";
    std::filesystem::rename(path + ".new", path);
  }
  done = true;
  r0.join();
  r1.join();
  h.file().stop();
  CHECK(bad.load() == 0);
  std::filesystem::remove(path);
}

#include <doctest/doctest.h>

#include <array>

#include "core/wire/header.h"
#include "core/wire/record.h"
#include "core/plugin/testing.h"
#include "plugins/whoami/whoami.h"

SKYCORE_PLUGIN_SETUP(whoami)

using namespace skycore;
using namespace skycore::wire;

namespace {
struct Fixture {
  std::array<uint8_t, 512> qbuf{};
  std::array<uint8_t, 512> rbuf{};
  std::vector<uint8_t> packet;
  Request req;

  Fixture(const char* remote, Transport t) {
    MessageWriter w(qbuf, qbuf.size());
    w.start_query(7, flag::RD, *Name::from_text("Who.Example.org"), rrtype::A, rrclass::IN);
    packet.assign(w.data().begin(), w.data().end());
    req.packet = packet;
    REQUIRE(parse_query(packet, req.query) == QueryStatus::ok);
    req.response.reset(rbuf, rbuf.size());
    req.response.start_response(req.query, packet);
    req.remote_addr = asio::ip::make_address(remote);
    req.remote_port = 5353;
    req.transport = t;
  }
};
}  // namespace

TEST_CASE("whoami: A and _udp SRV in the additional section, AA, TTL 0") {
  Fixture f("192.0.2.7", Transport::udp);
  plugins::whoami::write_answer(f.req);
  ParsedMessage m;
  REQUIRE(parse_message(f.req.response.data(), m));
  CHECK((m.flags & flag::AA) != 0);
  REQUIRE(m.records.size() == 2);
  CHECK(m.records[0].section == Section::additional);
  CHECK(m.records[0].type == rrtype::A);
  CHECK(m.records[0].ttl == 0);
  CHECK(m.records[0].owner.to_text() == "Who.Example.org.");
  CHECK(rdata_to_text(f.req.response.data(), m.records[0]) == "192.0.2.7");
  CHECK(m.records[1].owner.to_text() == "_udp.Who.Example.org.");
  CHECK(rdata_to_text(f.req.response.data(), m.records[1]) == "0 0 5353 .");
}

TEST_CASE("whoami: AAAA for IPv6 clients and _tcp over TCP") {
  Fixture f("2001:db8::5", Transport::tcp);
  plugins::whoami::write_answer(f.req);
  ParsedMessage m;
  REQUIRE(parse_message(f.req.response.data(), m));
  REQUIRE(m.records.size() == 2);
  CHECK(m.records[0].type == rrtype::AAAA);
  CHECK(rdata_to_text(f.req.response.data(), m.records[0]) == "2001:db8::5");
  CHECK(m.records[1].owner.to_text() == "_tcp.Who.Example.org.");
}

TEST_CASE("whoami setup: once per server block, no arguments") {
  auto error = [](const char* text) { return testing::SetupRun(text, "whoami", &plugins::whoami::setup).error; };
  CHECK(error(". {\n whoami\n}\n").empty());
  CHECK(error(". {\n whoami\n whoami\n}\n") == "Corefile:3: plugin 'whoami' can only be used once per server block");
}

#include <doctest/doctest.h>

#include <array>
#include <string>

#include "core/wire/header.h"
#include "core/wire/writer.h"
#include "plugins/log/format.h"
#include "plugins/log/line_sink.h"

using namespace skycore;
using namespace skycore::plugins::log;

TEST_CASE("the default line is CoreDNS's common log format") {
  std::array<uint8_t, 512> qb{}, rb{};
  wire::MessageWriter qw(qb, qb.size());
  qw.start_query(29008, wire::flag::RD, *wire::Name::from_text("example.org"), wire::rrtype::A, wire::rrclass::IN);
  qw.add_opt(1232, 0, false);
  Request req;
  req.packet = qw.data();
  REQUIRE(wire::parse_query(req.packet, req.query) == wire::QueryStatus::ok);
  req.response.reset(rb, rb.size());
  req.response.start_response(req.query, req.packet);
  req.response.set_flag(wire::flag::RA);
  req.remote_addr = asio::ip::make_address("127.0.0.1");
  req.remote_port = 50759;
  // What the core's finish() reports for this response with its OPT added.
  Finished o{true, wire::rcode::NOERROR, wire::HeaderView{req.response.data().data()}.flags(),
             req.response.size() + 11, std::chrono::microseconds(237)};
  std::array<char, 512> buf;
  size_t n = render(parse_format("{common}"), req, o, buf);
  CHECK(std::string(buf.data(), n) ==
        "[INFO] 127.0.0.1:50759 - 29008 \"A IN example.org. udp 40 false 1232\" NOERROR qr,rd,ra " +
            std::to_string(req.response.size() + 11) + " 0.000237s\n");  // + the OPT the core adds
  n = render(parse_format("{>opcode} {unknown} {local} {/kubernetes/client-namespace}"), req, o, buf);
  CHECK(std::string(buf.data(), n) == "[INFO] 0 {unknown} 0.0.0.0 -\n");
  req.remote_addr = asio::ip::make_address("::1");
  n = render(parse_format("{remote}"), req, o, buf);
  CHECK(std::string(buf.data(), n) == "[INFO] [::1]\n");
  // The core's bare answer when no plugin wrote one.
  Finished bare{true, wire::rcode::SERVFAIL, uint16_t(wire::flag::QR | wire::flag::RD), 40, std::chrono::seconds(1)};
  n = render(parse_format("{rcode} {>rflags} {rsize} {duration}"), req, bare, buf);
  CHECK(std::string(buf.data(), n) == "[INFO] SERVFAIL qr,rd 40 1s\n");
}

TEST_CASE("a full ring drops lines instead of blocking") {
  LineSink sink(1, -1);  // never started: nothing drains it
  std::string line(1000, 'x');
  size_t pushed = 0;
  while (sink.push(0, line)) ++pushed;
  CHECK(pushed == LineSink::kRingBytes / 1000);
  CHECK(sink.dropped() == 1);
}

TEST_CASE("{json} writes one object per query with the common format's fields") {
  std::array<uint8_t, 512> qb{}, rb{};
  wire::MessageWriter qw(qb, qb.size());
  // A name with a dot, a quote, a backslash and a control byte inside labels.
  const uint8_t odd[] = {5, 'a', '.', '"', '\\', 1, 3, 'o', 'r', 'g', 0};
  auto name = wire::Name::from_wire_unchecked({odd, sizeof odd});
  qw.start_query(7, wire::flag::RD, name, wire::rrtype::AAAA, wire::rrclass::IN);
  qw.add_opt(1232, 0, true);
  Request req;
  req.packet = qw.data();
  REQUIRE(wire::parse_query(req.packet, req.query) == wire::QueryStatus::ok);
  req.response.reset(rb, rb.size());
  req.response.start_response(req.query, req.packet);
  req.remote_addr = asio::ip::make_address("::1");
  req.remote_port = 5353;
  req.local_addr = asio::ip::make_address("127.0.0.1");
  Finished o{true, wire::rcode::NXDOMAIN, uint16_t(wire::flag::QR | wire::flag::RD | wire::flag::AA), 99,
             std::chrono::microseconds(1500)};
  std::array<char, 1024> buf;
  size_t n = render(parse_format("{json}"), req, o, buf);
  CHECK(std::string(buf.data(), n) ==
        "{\"level\":\"info\",\"plugin\":\"log\",\"remote\":\"::1\",\"port\":5353,\"id\":7,\"type\":\"AAAA\","
        // The presentation form a\.\"\\\001.org. with its backslashes and quote escaped for JSON.
        "\"class\":\"IN\"," R"("name":"a\\.\\\"\\\\\\001.org.",)" "\"proto\":\"udp\",\"size\":" +
            std::to_string(req.packet.size()) +
            ",\"do\":true,\"bufsize\":1232,\"rcode\":\"NXDOMAIN\",\"rflags\":\"qr,aa,rd\",\"rsize\":99,"
            "\"duration\":0.0015,\"local\":\"127.0.0.1\",\"opcode\":0}\n");
  // Too long for the buffer: an empty object, never broken JSON.
  std::array<char, 64> small;
  n = render(parse_format("{json}"), req, o, small);
  CHECK(std::string(small.data(), n) == "{}\n");
  // {json} inside other text is not the JSON format.
  CHECK(parse_format("x {json}").size() == 1);
  CHECK(parse_format("x {json}")[0].field == Field::literal);
}

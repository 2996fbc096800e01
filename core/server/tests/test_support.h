// Helpers for server unit tests: build a plan from Corefile text and run
// one query through the core's handler.
#pragma once
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>

#include <array>
#include <vector>

#include "core/corefile/parser.h"
#include "core/server/query_handler.h"
#include "core/server/server_plan.h"
#include "core/wire/header.h"
#include "core/wire/record.h"
#include "core/wire/writer.h"

namespace skycore::test {

inline server::ServerPlan plan_from(const char* corefile, uint16_t port = 1053) {
  server::PlanOptions opts;
  opts.default_port = port;
  return server::build_plan(corefile::parse_string(corefile, "Corefile", "."), opts);
}

// A query packet built with our writer (round trips are tested in wire_tests).
inline std::vector<uint8_t> make_query(const char* qname, uint16_t qtype, int edns_size = -1,
                                       bool do_bit = false) {
  std::array<uint8_t, 512> buf{};
  wire::MessageWriter w(buf, buf.size());
  w.start_query(0x4242, wire::flag::RD, *wire::Name::from_text(qname), qtype, wire::rrclass::IN);
  if (edns_size >= 0) w.add_opt(static_cast<uint16_t>(edns_size), 0, do_bit);
  return {w.data().begin(), w.data().end()};
}

struct Answer {
  std::vector<uint8_t> bytes;
  wire::ParsedMessage msg;
  bool parsed = false;
};

inline Answer run_query(const server::ListenerSpec& spec, const std::vector<uint8_t>& pkt,
                        Transport t = Transport::udp) {
  asio::io_context io;
  std::vector<uint8_t> out(65535);
  Request req;
  req.transport = t;
  req.packet = pkt;
  req.response_storage = out;
  req.remote_addr = asio::ip::make_address("127.0.0.1");
  req.remote_port = 40000;
  asio::co_spawn(io, server::handle_query(req, spec.zones), asio::detached);
  io.run();
  Answer a;
  a.bytes.assign(req.response.data().begin(), req.response.data().end());
  a.parsed = wire::parse_message(a.bytes, a.msg);
  return a;
}

}  // namespace skycore::test

// The plugin test kit: build a Request as the core would, run a plugin with
// a stub for the rest of the chain, and read the response back. For unit
// tests only (it allocates freely).
//
//   testing::TestQuery q("svc.ns.svc.cluster.local.", wire::rrtype::A);
//   testing::StubNext next;                 // answers REFUSED, counts calls
//   Result r = testing::run(plugin, q.req, next);
//   CHECK(q.texts(wire::Section::answer, wire::rrtype::A) == ...);
#pragma once
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/corefile/parser.h"
#include "core/plugin/plugin.h"
#include "core/plugin/setup.h"
#include "core/wire/header.h"
#include "core/wire/record.h"
#include "core/wire/writer.h"

namespace skycore::testing {

// Heap allocations made so far by this test binary (counted by the
// operator new in tests/unit_main.cpp).
long allocation_count();

struct QueryOptions {
  Transport transport = Transport::udp;
  uint16_t edns_size = 0;  // 0: no EDNS
  bool do_bit = false;
  uint16_t id = 1;
  uint16_t flags = wire::flag::RD;
  uint16_t worker = 0;
  asio::ip::address remote = asio::ip::make_address("127.0.0.1");
  asio::ip::address local = asio::ip::make_address("127.0.0.1");
};

// A query as the core hands it to a chain: parsed, the response started,
// max_size as the client allows (512, its EDNS size, or 65535 over TCP).
class TestQuery {
 public:
  TestQuery(std::string_view qname, uint16_t qtype, QueryOptions o = {})
      : qbuf_(512), rbuf_(wire::kMaxMessage) {
    wire::MessageWriter qw(qbuf_, qbuf_.size());
    REQUIRE(qw.start_query(o.id, o.flags, *wire::Name::from_text(qname), qtype, wire::rrclass::IN));
    if (o.edns_size) REQUIRE(qw.add_opt(o.edns_size, 0, o.do_bit));
    packet_.assign(qw.data().begin(), qw.data().end());
    req.packet = packet_;
    REQUIRE(wire::parse_query(req.packet, req.query) == wire::QueryStatus::ok);
    req.transport = o.transport;
    req.worker = o.worker;
    req.remote_addr = o.remote;
    req.remote_port = 53000;
    req.local_addr = o.local;
    req.local_port = 53;
    size_t max = wire::kMaxUdpPlain;
    if (o.transport == Transport::tcp) max = wire::kMaxMessage;
    else if (o.edns_size) max = std::clamp<size_t>(o.edns_size, wire::kMaxUdpPlain, wire::kDefaultUdpCap);
    req.max_size = static_cast<uint16_t>(max);
    req.response_storage = rbuf_;
    req.response.reset(rbuf_, req.max_size);
    req.response.start_response(req.query, req.packet);
  }
  TestQuery(const TestQuery&) = delete;
  // Starts the response again, to ask the same question once more.
  void restart() {
    req.response.reset(rbuf_, req.max_size);
    req.response.start_response(req.query, req.packet);
  }

  Request req;

  wire::ParsedMessage message() const {
    wire::ParsedMessage m;
    REQUIRE(wire::parse_message(req.response.data(), m));
    return m;
  }
  uint16_t rcode() const { return message().rcode; }
  uint16_t flags() const { return message().flags; }
  // Each record of `type` in `section` as rdata text ("10 50 8080 a1.zone.").
  std::vector<std::string> texts(wire::Section section, uint16_t type) const {
    auto m = message();
    std::vector<std::string> out;
    for (const auto& r : m.records)
      if (r.section == section && r.type == type) out.push_back(wire::rdata_to_text(req.response.data(), r));
    return out;
  }
  size_t count(wire::Section section) const {
    auto m = message();
    return std::count_if(m.records.begin(), m.records.end(), [&](const auto& r) { return r.section == section; });
  }

 private:
  std::vector<uint8_t> qbuf_, packet_, rbuf_;
};

// The rest of the chain: records what reached it and answers with `rcode`
// (written), or leaves the query unanswered.
class StubNext final : public Plugin {
 public:
  explicit StubNext(uint16_t rcode = wire::rcode::REFUSED, bool answer = true) : rcode_(rcode), answer_(answer) {}
  std::string_view name() const override { return "stub"; }
  asio::awaitable<Result> serve(Request& req, Next) override {
    ++calls;
    qnames.push_back(req.query.qname.to_text());
    if (!answer_) co_return Result::unanswered(name(), rcode_);
    req.response.set_rcode(rcode_);
    if (write) write(req);
    co_return Result::written(name(), rcode_);
  }
  int calls = 0;
  std::vector<std::string> qnames;
  // Adds records to a written answer (an upstream's reply, say).
  std::function<void(Request&)> write;
  void answer(uint16_t rcode, bool answered = true) {
    rcode_ = rcode;
    answer_ = answered;
  }

 private:
  uint16_t rcode_;
  bool answer_;
};

namespace detail {
class Borrowed final : public Plugin {  // lets a test keep its plugin
 public:
  explicit Borrowed(Plugin& p) : p_(p) {}
  std::string_view name() const override { return p_.name(); }
  asio::awaitable<Result> serve(Request& req, Next next) override { return p_.serve(req, next); }

 private:
  Plugin& p_;
};
}  // namespace detail

// Runs `chain` on `io` until the query is done, then whatever that left
// ready to run (a background refresh that needs no I/O). Work that never
// ends by itself (an upstream socket's timers) stays behind for the next call.
inline Result run(asio::io_context& io, const Chain& chain, Request& req) {
  Result out;
  bool done = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        out = co_await chain.serve(req);
        done = true;
      },
      asio::detached);
  io.restart();
  while (!done && io.run_one()) {
  }
  io.poll();
  return out;
}
inline Result run(const Chain& chain, Request& req) {
  asio::io_context io;
  return run(io, chain, req);
}

// `plugin` with `next` behind it, kept for many queries (an allocation
// count then sees only what the plugin does per query).
class Runner {
 public:
  Runner(Plugin& plugin, StubNext& next) : chain_(plugins(plugin, next)) {}
  Result operator()(Request& req) { return run(io_, chain_, req); }
  // The executor queries run on (a plugin's per-worker sockets live here).
  asio::io_context& io() { return io_; }

 private:
  static std::vector<std::unique_ptr<Plugin>> plugins(Plugin& plugin, StubNext& next) {
    std::vector<std::unique_ptr<Plugin>> v;
    v.push_back(std::make_unique<detail::Borrowed>(plugin));
    v.push_back(std::make_unique<detail::Borrowed>(next));
    return v;
  }
  asio::io_context io_{1};
  Chain chain_;
};

// Runs `plugin` with `next` behind it.
inline Result run(Plugin& plugin, Request& req, StubNext& next) { return Runner(plugin, next)(req); }

inline Result run(Plugin& plugin, Request& req) {
  StubNext next;
  return run(plugin, req, next);
}

// One directive's setup run on Corefile text (its first server block), as
// the core runs it with -validate (or for real): the plugin, or the error.
//   testing::SetupRun run(". {\n hosts {\n  ttl 0\n }\n}\n", "hosts", &plugins::hosts::setup);
//   CHECK(run.error == "Corefile:3: ...");
struct SetupRun {
  corefile::Config cfg;
  BlockSettings settings;
  std::vector<std::function<void()>> up, down;
  std::unique_ptr<Plugin> plugin;
  std::string error;

  SetupRun(const std::string& text, std::string_view directive, SetupFn setup, bool validate_only = true) {
    cfg = corefile::parse_string(text, "Corefile", ".");
    corefile::TokenCursor c(corefile::directive_tokens(cfg.blocks.at(0), directive));
    SetupContext ctx{c, cfg.blocks[0], settings, up, down, validate_only};
    try {
      plugin = setup(ctx);
    } catch (const corefile::Error& e) {
      error = e.what();
    }
  }
};

}  // namespace skycore::testing

// Declares a plugin folder's setup function (the build's directive table
// calls it; a plugin's own tests call it directly): SKYCORE_PLUGIN_SETUP(hosts).
#define SKYCORE_PLUGIN_SETUP(ident) \
  namespace skycore::plugins::ident { std::unique_ptr<Plugin> setup(SetupContext&); }

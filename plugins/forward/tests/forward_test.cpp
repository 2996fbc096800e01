// Forward::serve against scripted upstreams on 127.0.0.1 (real UDP and TCP
// sockets on threads of their own), through the plugin test kit: the next
// upstream after one that never answers, TC over UDP retried over TCP,
// max_fails marking an upstream down, a spoofed reply ignored.
#include "plugins/forward/forward.h"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <thread>

#include "core/corefile/parser.h"
#include "core/plugin/testing.h"
#include "core/wire/header.h"

using namespace skycore;
using namespace skycore::wire;
using namespace skycore::plugins::forward;
using skycore::testing::TestQuery;

namespace {

// A reply to `query` with one A record, or just the header flags given.
std::vector<uint8_t> reply(std::span<const uint8_t> query, uint16_t extra_flags = 0, bool record = true) {
  Query q;
  REQUIRE(parse_query(query, q) == QueryStatus::ok);
  std::vector<uint8_t> out(512);
  MessageWriter w(out, out.size());
  w.start_response(q, query);
  w.set_flag(extra_flags);
  const uint8_t ip[4] = {192, 0, 2, 9};
  if (record) w.add_a(Section::answer, q.qname, 60, std::span<const uint8_t, 4>(ip));
  out.resize(w.size());
  return out;
}

int bound_socket(int type, uint16_t& port) {
  int fd = socket(AF_INET, type, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

// An upstream whose UDP replies (zero or more per query) come from a script;
// with `tcp`, a TCP listener on the same port answers every query whole.
class ScriptedUpstream {
 public:
  using Script = std::function<std::vector<std::vector<uint8_t>>(std::span<const uint8_t>)>;
  ScriptedUpstream(Script udp, bool tcp = false) : script_(std::move(udp)) {
    udp_ = bound_socket(SOCK_DGRAM, port_);
    if (tcp) {
      tcp_ = bound_socket(SOCK_STREAM, port_);
      listen(tcp_, 4);
    }
    thread_ = std::thread([this] { loop(); });
  }
  ~ScriptedUpstream() {
    stop_ = true;
    thread_.join();
    close(udp_);
    if (tcp_ >= 0) close(tcp_);
  }
  uint16_t port() const { return port_; }
  std::atomic<int> udp_queries{0}, tcp_queries{0};

 private:
  void loop() {
    while (!stop_) {
      pollfd p[2] = {{udp_, POLLIN, 0}, {tcp_, POLLIN, 0}};
      if (poll(p, tcp_ >= 0 ? 2 : 1, 20) <= 0) continue;
      if (p[0].revents & POLLIN) {
        uint8_t in[512];
        sockaddr_in from{};
        socklen_t flen = sizeof from;
        ssize_t n = recvfrom(udp_, in, sizeof in, 0, reinterpret_cast<sockaddr*>(&from), &flen);
        if (n <= 0) continue;
        ++udp_queries;
        for (const auto& r : script_({in, size_t(n)}))
          sendto(udp_, r.data(), r.size(), 0, reinterpret_cast<sockaddr*>(&from), flen);
      }
      if (tcp_ >= 0 && (p[1].revents & POLLIN)) serve_tcp();
    }
  }
  void serve_tcp() {
    int c = accept(tcp_, nullptr, nullptr);
    if (c < 0) return;
    timeval tv{2, 0};
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    uint8_t len[2];
    std::vector<uint8_t> q;
    if (recv(c, len, 2, MSG_WAITALL) == 2) {
      q.resize(size_t(len[0]) << 8 | len[1]);
      if (recv(c, q.data(), q.size(), MSG_WAITALL) == ssize_t(q.size())) {
        ++tcp_queries;
        auto r = reply(q);
        uint8_t out_len[2] = {uint8_t(r.size() >> 8), uint8_t(r.size())};
        send(c, out_len, 2, 0);
        send(c, r.data(), r.size(), 0);
      }
    }
    close(c);
  }
  Script script_;
  uint16_t port_ = 0;
  int udp_ = -1, tcp_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

Config config(const std::string& line) {
  std::string text = ". {\n forward . " + line + "\n}\n";
  auto cfg = corefile::parse_string(text, "Corefile", ".");
  corefile::TokenCursor c(corefile::directive_tokens(cfg.blocks.at(0), "forward"));
  REQUIRE(c.next());
  return parse_config(c);
}

std::string to(uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

struct Rig {
  explicit Rig(const std::string& line)
      : fwd(std::make_unique<Forward>(config(line), 1)), run(std::make_unique<testing::Runner>(*fwd, next)) {
    fwd->worker_started(0, run->io().get_executor());
  }
  // The worker's sockets and timers belong to the runner's io_context:
  // closed and destroyed before it.
  ~Rig() {
    fwd->worker_stopping(0);
    run->io().restart();
    run->io().poll();
    fwd.reset();
  }
  Result ask(TestQuery& q) { return (*run)(q.req); }
  std::unique_ptr<Forward> fwd;
  testing::StubNext next;
  std::unique_ptr<testing::Runner> run;
};

}  // namespace

TEST_CASE("forward: an upstream that never answers costs one try; the next one answers") {
  ScriptedUpstream silent([](auto) { return std::vector<std::vector<uint8_t>>{}; });
  ScriptedUpstream good([](auto q) { return std::vector<std::vector<uint8_t>>{reply(q)}; });
  Rig rig(to(silent.port()) + " " + to(good.port()) + " {\n  policy sequential\n  health_check 0\n }");
  TestQuery q("www.example.org.", rrtype::A);
  auto r = rig.ask(q);
  CHECK(r.rcode == rcode::NOERROR);
  CHECK(q.texts(Section::answer, rrtype::A) == std::vector<std::string>{"192.0.2.9"});
  CHECK(silent.udp_queries == 1);
  CHECK(good.udp_queries == 1);
  CHECK(rig.fwd->upstreams()[0]->total(&UpstreamCounters::failures) == 1);
}

TEST_CASE("forward: a truncated UDP reply is asked again over TCP, of the same upstream") {
  ScriptedUpstream up([](auto q) { return std::vector<std::vector<uint8_t>>{reply(q, flag::TC, false)}; }, /*tcp=*/true);
  Rig rig(to(up.port()));
  TestQuery q("big.example.org.", rrtype::A);
  rig.ask(q);
  CHECK(up.udp_queries == 1);
  CHECK(up.tcp_queries == 1);
  CHECK((q.flags() & flag::TC) == 0);
  CHECK(q.texts(Section::answer, rrtype::A) == std::vector<std::string>{"192.0.2.9"});
}

TEST_CASE("forward: a reply with another ID is dropped as spoofed; the real one is used") {
  ScriptedUpstream up([](auto q) {
    auto forged = reply(q);
    forged[0] ^= 0xFF;  // wrong ID, sent first
    return std::vector<std::vector<uint8_t>>{forged, reply(q)};
  });
  Rig rig(to(up.port()));
  TestQuery q("www.example.org.", rrtype::A);
  CHECK(rig.ask(q).rcode == rcode::NOERROR);
  CHECK(q.texts(Section::answer, rrtype::A) == std::vector<std::string>{"192.0.2.9"});
  CHECK(rig.fwd->upstreams()[0]->total(&UpstreamCounters::spoofed) == 1);
}

TEST_CASE("forward: max_fails failures in a row mark an upstream down; it is tried last") {
  ScriptedUpstream dead([](auto) { return std::vector<std::vector<uint8_t>>{}; });
  ScriptedUpstream good([](auto q) { return std::vector<std::vector<uint8_t>>{reply(q)}; });
  Rig rig(to(dead.port()) + " " + to(good.port()) + " {\n  policy sequential\n  max_fails 2\n }");
  for (int i = 0; i < 2; ++i) {
    TestQuery q("www.example.org.", rrtype::A);
    rig.ask(q);
  }
  CHECK(dead.udp_queries == 2);
  CHECK(rig.fwd->upstreams()[0]->down.load());
  TestQuery q("www.example.org.", rrtype::A);
  CHECK(rig.ask(q).rcode == rcode::NOERROR);
  CHECK(dead.udp_queries == 2);  // down: the healthy one first
  CHECK(good.udp_queries == 3);
}

// The whoami path over UDP must not touch the heap per query once warm: the
// test binary's operator new counts allocations (tests/unit_main.cpp) while
// real packets go through a real worker socket.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <thread>

#include "core/plugin/testing.h"
#include "core/server/server.h"
#include "core/server/tests/test_support.h"

using namespace skycore;

namespace {
sockaddr_in loopback_address(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// Binds `fd` to 127.0.0.1:`port` (0: any free one); the port bound, or 0.
uint16_t bind_loopback(int fd, uint16_t port = 0) {
  sockaddr_in a = loopback_address(port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return 0;
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

// A socket of `type` with a 2 s receive timeout (a lost reply fails the test, never hangs it).
int client_socket(int type) {
  int fd = socket(AF_INET, type, 0);
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

// A port free for both UDP and TCP (the server listens on both): another
// process may hold the TCP side of a UDP port that looks free.
uint16_t free_udp_port() {
  for (;;) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    uint16_t port = bind_loopback(fd);
    close(fd);
    int t = socket(AF_INET, SOCK_STREAM, 0);
    bool tcp_free = bind_loopback(t, port) == port;
    close(t);
    if (tcp_free) return port;
  }
}
}  // namespace

namespace {
// Sends `warm` then `counted` queries through a real worker; returns the
// allocations made during the counted ones.
long allocations_per_run(const char* corefile_body, int warm, int counted) {
  uint16_t port = free_udp_port();
  std::string text = std::string(". {\n bind 127.0.0.1\n") + corefile_body + "}\n";
  auto plan = test::plan_from(text.c_str(), port);
  server::Server srv(std::move(plan), 1);
  srv.start();

  int fd = client_socket(SOCK_DGRAM);
  sockaddr_in to = loopback_address(port);
  auto q = test::make_query("whoami.example.org", wire::rrtype::A, 1232);
  uint8_t reply[1500];
  auto round_trip = [&] {
    sendto(fd, q.data(), q.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    return recv(fd, reply, sizeof reply, 0);
  };
  for (int i = 0; i < warm; ++i) REQUIRE(round_trip() > 0);  // warm every slot and cache
  long before = testing::allocation_count();
  int answered = 0;
  for (int i = 0; i < counted; ++i) answered += round_trip() > 0;
  long during = testing::allocation_count() - before;
  close(fd);
  srv.stop();
  CHECK(answered == counted);
  return during;
}
}  // namespace

TEST_CASE("whoami over UDP allocates nothing per query") {
  CHECK(allocations_per_run(" whoami\n", 2000, 5000) == 0);
}

// rrl over 1 response a second, slip 1: all but the first are limited and
// go out empty with TC (so each still gets a reply to count), and acl
// checks every query against its rules on the way.
TEST_CASE("rate-limited answers (rrl) behind acl allocate nothing per query") {
  CHECK(allocations_per_run(" acl {\n  block net 10.0.0.0/8\n  allow net 127.0.0.0/8\n }\n"
                            " rrl {\n  responses-per-second 1\n  slip-ratio 1\n }\n whoami\n", 2000, 5000) == 0);
}

namespace {
// A minimal upstream on its own thread: answers every query with one A
// record (TTL 300), built with our writer on the stack, so the cache in
// front of it has something to keep. It allocates nothing either.
struct StaticUpstream {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  uint16_t port = 0;
  std::thread thread;
  std::atomic<bool> stop{false};
  StaticUpstream() {
    port = bind_loopback(fd);
    timeval tv{0, 100'000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    thread = std::thread([this] { serve(); });
  }
  ~StaticUpstream() {
    stop = true;
    thread.join();
    close(fd);
  }
  void serve() {
    uint8_t in[1500], out[1500];
    while (!stop) {
      sockaddr_in from{};
      socklen_t flen = sizeof from;
      ssize_t n = recvfrom(fd, in, sizeof in, 0, reinterpret_cast<sockaddr*>(&from), &flen);
      if (n <= 0) continue;
      wire::Query q;
      if (wire::parse_query({in, size_t(n)}, q) != wire::QueryStatus::ok) continue;
      wire::MessageWriter w({out, sizeof out}, sizeof out);
      w.start_response(q, {in, size_t(n)});
      const uint8_t ip[4] = {192, 0, 2, 1};
      w.add_a(wire::Section::answer, q.qname, 300, std::span<const uint8_t, 4>(ip));
      sendto(fd, out, w.size(), 0, reinterpret_cast<sockaddr*>(&from), flen);
    }
  }
};
}  // namespace

// The cache's headline path: a hit copies the stored answer into the slot's
// buffer and patches it; no heap.
TEST_CASE("cache hits over UDP allocate nothing per query") {
  StaticUpstream up;
  std::string body = " cache\n forward . 127.0.0.1:" + std::to_string(up.port) + "\n";
  CHECK(allocations_per_run(body.c_str(), 1000, 3000) == 0);
}

// Forwarding without a cache, with one upstream down (a closed port: the
// first tries fail at once and max_fails 1 marks it down): every query
// goes to the healthy one. Ordering the upstreams healthy-first used
// std::stable_partition, which took a buffer from the heap on every query
// once an upstream was down.
TEST_CASE("forwarded queries with an upstream down allocate nothing per query") {
  StaticUpstream up;
  std::string body = " forward . 127.0.0.1:" + std::to_string(free_udp_port()) + " 127.0.0.1:" +
                     std::to_string(up.port) + " {\n  policy sequential\n  max_fails 1\n  health_check 1h\n }\n";
  CHECK(allocations_per_run(body.c_str(), 1000, 3000) == 0);
}

// hosts answering several addresses, shuffled in place by loadbalance.
TEST_CASE("hosts answers shuffled by loadbalance allocate nothing per query") {
  const char* body =
      " loadbalance\n"
      " hosts /nonexistent/hosts {\n"
      "  192.0.2.1 whoami.example.org\n  192.0.2.2 whoami.example.org\n  192.0.2.3 whoami.example.org\n"
      "  reload 0\n }\n";
  CHECK(allocations_per_run(body, 1000, 3000) == 0);
}

// The plugins that observe the finished response (metrics counts it, errors
// looks for an error) add nothing to the heap either.
TEST_CASE("whoami observed by metrics and errors allocates nothing per query") {
  std::string body = " prometheus 127.0.0.1:" + std::to_string(free_udp_port()) + "\n errors\n whoami\n";
  CHECK(allocations_per_run(body.c_str(), 2000, 5000) == 0);
}

// rewrite in front of hosts: the question rewritten on the way in, the
// answer rebuilt under the client's name on the way out, EDNS options added.
TEST_CASE("rewritten queries answered by hosts allocate nothing per query") {
  const char* body =
      " rewrite continue name suffix example.org example.net answer auto\n"
      " rewrite edns0 subnet set 24 56\n"
      " hosts /nonexistent/hosts {\n  192.0.2.1 whoami.example.net\n  reload 0\n }\n";
  CHECK(allocations_per_run(body, 1000, 3000) == 0);
}

TEST_CASE("whoami over TCP allocates nothing per query once warm") {
  // One connection, one query at a time (RFC 7766 framing): once the worker's
  // buffers are warm, reading, answering and writing reuse them.
  uint16_t port = free_udp_port();
  auto plan = test::plan_from(". {\n bind 127.0.0.1\n whoami\n}\n", port);
  server::Server srv(std::move(plan), 1);
  srv.start();
  int fd = client_socket(SOCK_STREAM);
  sockaddr_in to = loopback_address(port);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0);
  auto q = test::make_query("whoami.example.org", wire::rrtype::A, 0);
  std::vector<uint8_t> framed(2 + q.size());
  framed[0] = static_cast<uint8_t>(q.size() >> 8);
  framed[1] = static_cast<uint8_t>(q.size());
  std::copy(q.begin(), q.end(), framed.begin() + 2);
  uint8_t reply[1500];
  auto round_trip = [&] {
    if (send(fd, framed.data(), framed.size(), 0) != ssize_t(framed.size())) return false;
    uint8_t len[2];
    if (recv(fd, len, 2, MSG_WAITALL) != 2) return false;
    size_t n = size_t(len[0]) << 8 | len[1];
    return n <= sizeof reply && recv(fd, reply, n, MSG_WAITALL) == ssize_t(n);
  };
  for (int i = 0; i < 500; ++i) REQUIRE(round_trip());
  long before = testing::allocation_count();
  int answered = 0;
  for (int i = 0; i < 2000; ++i) answered += round_trip();
  long during = testing::allocation_count() - before;
  close(fd);
  srv.stop();
  CHECK(answered == 2000);
  CHECK(during == 0);
}

// The whoami path over UDP must not touch the heap per query once warm: a
// global operator new counts allocations while real packets go through a
// real worker socket.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "core/server/server.h"
#include "core/server/tests/test_support.h"

namespace {
std::atomic<long> g_allocations{0};
}

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using namespace skycore;

namespace {
uint16_t free_udp_port() {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}
}  // namespace

TEST_CASE("whoami over UDP allocates nothing per query") {
  uint16_t port = free_udp_port();
  auto plan = test::plan_from(". {\n bind 127.0.0.1\n whoami\n}\n", port);
  server::Server srv(std::move(plan), 1);
  srv.start();

  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  auto q = test::make_query("whoami.example.org", wire::rrtype::A, 1232);
  uint8_t reply[1500];
  auto round_trip = [&] {
    sendto(fd, q.data(), q.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    return recv(fd, reply, sizeof reply, 0);
  };
  for (int i = 0; i < 2000; ++i) REQUIRE(round_trip() > 0);  // warm every receive coroutine
  long before = g_allocations.load();
  int answered = 0;
  for (int i = 0; i < 5000; ++i) answered += round_trip() > 0;
  long during = g_allocations.load() - before;
  close(fd);
  srv.stop();
  CHECK(answered == 5000);
  CHECK(during == 0);
}

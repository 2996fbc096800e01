#include "plugins/loop/loop.h"

#include "core/plugin/plugin_log.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <vector>

namespace skycore::plugins::loop {
namespace {

constexpr uint16_t kHinfo = 13;

uint64_t random64() {
  uint64_t v = 0;
  if (getrandom(&v, sizeof v, 0) != sizeof v) v = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  return v;
}

}  // namespace

Loop::Loop(wire::Name zone, std::string address, uint16_t port)
    : zone_(std::move(zone)), address_(std::move(address)), port_(port) {
  qname_ = zone_;
  qname_.prepend_label(std::to_string(random64() >> 1));
  qname_.prepend_label(std::to_string(random64() >> 1));
}

Loop::~Loop() { stop(); }

asio::awaitable<Result> Loop::serve(Request& req, Next next) {
  if (!disabled_.load(std::memory_order_relaxed) && req.query.qtype == kHinfo &&
      req.query.qname_lower.equals_ignore_case(qname_)) {
    if (seen_.fetch_add(1) + 1 > 2) {
      plugin_log("loop", LogLevel::fatal,
                 "Loop ({}:{} -> {}:{}) detected for zone \"{}\", see "
                 "https://coredns.io/plugins/loop#troubleshooting. Query: \"HINFO {}\"",
                 req.remote_addr.to_string(), req.remote_port, address_, port_, zone_.to_text(), qname_.to_text());
      std::_Exit(1);  // as CoreDNS's log.Fatal: a looping server must not run
    }
  }
  co_return co_await next(req);
}

void Loop::start() { task_.start(); }

void Loop::stop() { task_.stop(); }

// One query every 2 s (the server may not serve yet when this starts) until
// one is answered, for at most 30 s.
void Loop::probe() {
  std::vector<uint8_t> q(12, 0);
  uint64_t id = random64();
  q[0] = static_cast<uint8_t>(id);
  q[1] = static_cast<uint8_t>(id >> 8);
  q[2] = 0x01;  // RD
  q[5] = 1;
  auto w = qname_.wire();
  q.insert(q.end(), w.begin(), w.end());
  q.insert(q.end(), {0, kHinfo, 0, 1});

  sockaddr_storage ss{};
  socklen_t len = 0;
  std::string target = address_.empty() ? "127.0.0.1" : address_;
  if (target.find(':') != std::string::npos) {
    auto* a6 = reinterpret_cast<sockaddr_in6*>(&ss);
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(port_);
    if (inet_pton(AF_INET6, target == "::" ? "::1" : target.c_str(), &a6->sin6_addr) != 1) return;
    len = sizeof *a6;
  } else {
    auto* a4 = reinterpret_cast<sockaddr_in*>(&ss);
    a4->sin_family = AF_INET;
    a4->sin_port = htons(port_);
    if (inet_pton(AF_INET, target == "0.0.0.0" ? "127.0.0.1" : target.c_str(), &a4->sin_addr) != 1) return;
    len = sizeof *a4;
  }
  int fd = ::socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!task_.sleep_for(std::chrono::milliseconds(0))) break;  // stopping
    ::sendto(fd, q.data(), q.size(), 0, reinterpret_cast<sockaddr*>(&ss), len);
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 2000) == 1) {
      uint8_t buf[512];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n >= 2 && buf[0] == q[0] && buf[1] == q[1]) {
        // Answered: no loop so far. A loop through a slow upstream may
        // still bring the query back; watch 2 s more, as CoreDNS does.
        task_.sleep_for(std::chrono::seconds(2));
        break;
      }
    }
  }
  ::close(fd);
  disabled_ = true;
}

}  // namespace skycore::plugins::loop

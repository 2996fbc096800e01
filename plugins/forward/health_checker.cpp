#include "plugins/forward/health_checker.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include "core/wire/header.h"
#include "core/wire/writer.h"
#include "plugins/forward/query_ids.h"
#include "plugins/forward/stream_pool.h"
#include "plugins/forward/udp_channel.h"
#include "plugins/forward/worker_state.h"

namespace skycore::plugins::forward {

HealthChecker::HealthChecker(const Config& cfg, std::vector<std::unique_ptr<Upstream>>& upstreams,
                             asio::ssl::context* tls)
    : cfg_(cfg), upstreams_(upstreams), tls_(tls) {}

HealthChecker::~HealthChecker() { stop(); }

void HealthChecker::start() {
  if (running_.exchange(true)) return;
  work_ = std::make_unique<asio::executor_work_guard<asio::io_context::executor_type>>(io_.get_executor());
  thread_ = std::thread([this] { io_.run(); });
}

void HealthChecker::stop() {
  if (!running_.exchange(false)) return;
  work_.reset();
  io_.stop();
  thread_.join();
}

void HealthChecker::probe_until_up(Upstream& u) {
  if (!running_) return;
  asio::post(io_, [this, &u] { asio::co_spawn(io_, probe_loop(u), asio::detached); });
}

asio::awaitable<void> HealthChecker::probe_loop(Upstream& u) {
  auto ex = co_await asio::this_coro::executor;
  QueryIds ids;
  // The probe uses the transport real queries use.
  std::shared_ptr<UdpChannel> udp;
  std::shared_ptr<StreamExchange> stream;
  if (u.address.tls || u.address.https || cfg_.force_tcp) {
    stream = make_stream_exchange(ex, u.address, tls_, cfg_);
    stream->start();
  } else {
    udp = std::make_shared<UdpChannel>(ex, asio::ip::udp::endpoint(u.address.ip, u.address.port), ids,
                                       u.counters[u.health_slot].spoofed);
    udp->start();
  }
  std::array<uint8_t, 512> qbuf{};
  wire::MessageWriter w(qbuf, qbuf.size());
  wire::Query probe;
  probe.qname = cfg_.health_domain;
  probe.qtype = wire::rrtype::NS;
  probe.qclass = wire::rrclass::IN;
  w.start_query(0, cfg_.health_rd ? wire::flag::RD : 0, probe.qname, probe.qtype, probe.qclass);
  std::vector<uint8_t> reply(65535);
  asio::steady_timer pause(ex);
  asio::error_code ec;
  while (running_ && u.down.load()) {
    auto started = Clock::now();
    auto deadline = started + std::max(cfg_.health_interval, milliseconds(1000));
    std::span<uint8_t> q(qbuf.data(), w.size());
    ExchangeResult r = udp ? co_await udp->exchange(q, probe, reply, deadline)
                           : co_await stream->exchange(q, ids.next(), probe, reply, deadline);
    if (r.ok()) {  // any answer at all means it is serving again
      u.fails = 0;
      u.down = false;
      break;
    }
    u.counters[u.health_slot].healthcheck_failures.add();
    // Never faster than every 100 ms, whatever the interval: a refused port
    // fails at once, and a zero pause would spin a whole CPU.
    pause.expires_at(started + std::max(cfg_.health_interval, milliseconds(100)));
    co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (udp) udp->close();
  if (stream) stream->close();
}

}  // namespace skycore::plugins::forward

#include "plugins/forward/forward.h"

#include <asio/redirect_error.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <cstring>

#include "core/wire/header.h"
#include "core/wire/record.h"
#include "core/wire/writer.h"
#include "plugins/forward/tls_context.h"

namespace skycore::plugins::forward {
namespace {

// The query we send: the client's question, RD/CD as the client set them,
// and EDNS with our 1232-byte size and the client's DO bit. Client options
// (cookies, ECS) are not passed on; options a plugin set for the upstream
// (rewrite edns0) are.
size_t build_upstream_query(const Request& req, std::span<uint8_t> buf) {
  wire::MessageWriter w(buf, buf.size());
  uint16_t flags = req.query.flags & (wire::flag::RD | wire::flag::CD);
  w.start_query(0, flags, req.query.qname, req.query.qtype, req.query.qclass);
  w.add_opt(wire::kDefaultUdpCap, 0, req.query.edns.do_bit, req.edns_options);
  return w.size();
}

// A query's place in its upstream's max_concurrent_per_upstream count.
struct Holding {
  Upstream* u;
  Holding(Upstream& up, bool counted) : u(counted ? &up : nullptr) {
    if (u) u->in_flight.fetch_add(1, std::memory_order_relaxed);
  }
  ~Holding() {
    if (u) u->in_flight.fetch_sub(1, std::memory_order_relaxed);
  }
  Holding(const Holding&) = delete;
  Holding& operator=(const Holding&) = delete;
};

// use_caps_for_id: each letter of the question's name in the query we send
// upper or lower case at random (kernel randomness, as the IDs).
void randomize_case(std::span<uint8_t> query, size_t name_len, QueryIds& random) {
  uint8_t* name = query.data() + wire::kHeaderSize;
  uint16_t bits = 0;
  int left = 0;
  for (size_t i = 0; i < name_len;) {
    const size_t label = name[i++];
    for (size_t end = i + label; i < end; ++i) {
      const uint8_t c = name[i];
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) continue;
      if (left == 0) {
        bits = random.next();
        left = 16;
      }
      name[i] = (bits & 1) ? static_cast<uint8_t>(c & ~0x20) : static_cast<uint8_t>(c | 0x20);
      bits >>= 1;
      --left;
    }
  }
}

// Counts this query against max_concurrent for as long as it lives.
// (its worker's count: a coroutine resumes on the worker that started it).
struct InFlight {
  WorkerCounter& n;
  explicit InFlight(WorkerCounter& c) : n(c) { n.add(1); }
  ~InFlight() { n.add(~uint64_t{0}); }  // minus one, modulo 2^64
};

}  // namespace

namespace {
std::unique_ptr<asio::ssl::context> tls_for(const Config& cfg) {
  for (const auto& a : cfg.to)
    if (a.tls || a.https) return make_tls_context(cfg.tls);
  return nullptr;
}
std::vector<std::unique_ptr<Upstream>> upstreams_for(const Config& cfg, size_t workers) {
  std::vector<std::unique_ptr<Upstream>> out;
  for (const auto& a : cfg.to) out.push_back(std::make_unique<Upstream>(a, workers));
  return out;
}
}  // namespace

Forward::Forward(Config cfg, size_t workers)
    : cfg_(std::move(cfg)),
      tls_(tls_for(cfg_)),
      upstreams_(upstreams_for(cfg_, workers)),
      workers_(workers),
      health_(cfg_, upstreams_, tls_.get()),
      in_flight_(workers),
      rejects_(workers),
      broken_(workers),
      coalesced_(workers) {}

Forward::~Forward() { health_.stop(); }

void Forward::worker_started(uint16_t worker, asio::any_io_executor ex) {
  workers_[worker] = std::make_unique<WorkerState>(ex, worker, cfg_, upstreams_, tls_.get());
}

void Forward::worker_stopping(uint16_t worker) {
  if (workers_[worker]) workers_[worker]->close();
}

bool Forward::should_forward(const wire::Name& qname_lower) const {
  if (!qname_lower.is_subdomain_of(cfg_.from)) return false;
  for (const auto& e : cfg_.except)
    if (qname_lower.is_subdomain_of(e)) return false;
  return true;
}

size_t Forward::order(WorkerState& ws, std::array<uint8_t, 16>& out, uint16_t worker) const {
  size_t n = upstreams_.size();
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(i);
  switch (cfg_.policy) {
    case Policy::random: std::shuffle(out.begin(), out.begin() + n, ws.rng()); break;
    case Policy::round_robin: std::rotate(out.begin(), out.begin() + ws.next_round_robin() % n, out.begin() + n); break;
    case Policy::sequential: break;
  }
  // Healthy upstreams first, in policy order; if none is healthy, one at
  // random. (Not std::stable_partition: it allocates a buffer per call.)
  size_t healthy = 0;
  for (size_t i = 0; i < n; ++i) {
    uint8_t u = out[i];
    if (upstreams_[u]->down.load(std::memory_order_relaxed)) continue;
    std::move_backward(out.begin() + healthy, out.begin() + i, out.begin() + i + 1);  // keep the order
    out[healthy++] = u;
  }
  if (healthy > 0) return healthy;
  broken_[worker].add();
  if (cfg_.failfast_all_unhealthy) return 0;
  out[0] = static_cast<uint8_t>(ws.rng()() % n);
  return 1;
}

void Forward::record_failure(Upstream& u, uint16_t worker) {
  u.counters[worker].failures.add();
  int fails = u.fails.fetch_add(1, std::memory_order_relaxed) + 1;
  // health_check 0 turns checking off (as CoreDNS): an upstream is never
  // marked down, since nothing would ever bring it back.
  if (cfg_.max_fails > 0 && cfg_.health_interval.count() > 0 && fails >= cfg_.max_fails && !u.down.exchange(true))
    health_.probe_until_up(u);
}

void Forward::record_success(Upstream& u) {
  if (u.fails.load(std::memory_order_relaxed) != 0) u.fails.store(0, std::memory_order_relaxed);
  if (u.down.load(std::memory_order_relaxed)) u.down.store(false, std::memory_order_relaxed);
}

asio::awaitable<ExchangeResult> Forward::attempt(WorkerState& ws, size_t upstream, bool use_stream,
                                                 Request& req, std::span<uint8_t> query,
                                                 std::vector<uint8_t>& big,
                                                 Clock::time_point deadline) {
  if (!use_stream) {
    // The reply lands straight in the client's response buffer.
    co_return co_await ws.pick_udp(upstream).exchange(query, req.query, req.response_buffer(), deadline);
  }
  // Streams may carry up to 64 KiB: read aside, then copy what the client takes.
  big.resize(65535);
  co_return co_await ws.link(upstream).stream->exchange(query, ws.ids().next(), req.query, big, deadline);
}

asio::awaitable<bool> Forward::follow(Request& req, Coalescer::Follower& f, int slot, Clock::time_point deadline) {
  asio::error_code ec;
  f.timer.expires_at(deadline);
  co_await f.timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  if (!f.landed && coalescer_.leave(slot, &f)) co_return false;  // our deadline came first
  while (!f.landed) {  // the leader has taken us: its answer is posted to us
    f.timer.expires_at(Clock::time_point::max());
    co_await f.timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (f.reply.size() < wire::kHeaderSize || !req.response.assign(f.reply)) co_return false;
  // Our ID and our question's case, as for an answer of our own.
  auto out = req.response_buffer();
  wire::store16(out.data(), req.query.id);
  std::memcpy(out.data() + wire::kHeaderSize, req.query.qname.wire().data(), req.query.qname.size());
  co_return true;
}

asio::awaitable<Result> Forward::serve(Request& req, Next next) {
  if (!should_forward(req.query.qname_lower)) co_return co_await next(req);
  WorkerState* ws = req.worker < workers_.size() ? workers_[req.worker].get() : nullptr;
  if (!ws) co_return Result::unanswered(name(), wire::rcode::SERVFAIL, "forward: worker not started");
  InFlight counted(in_flight_[req.worker]);
  if (cfg_.max_concurrent > 0 && in_flight() > cfg_.max_concurrent) {
    rejects_[req.worker].add();
    co_return Result::unanswered(name(), wire::rcode::REFUSED, "concurrent queries exceeded maximum");
  }

  std::array<uint8_t, 320> qbuf;  // header + 255-octet name + 4 + OPT
  size_t qlen = build_upstream_query(req, qbuf);
  std::span<uint8_t> query(qbuf.data(), qlen);
  if (cfg_.caps_for_id) randomize_case(query, req.query.qname.size(), ws->ids());
  std::vector<uint8_t> big;  // only for TCP/TLS replies
  const auto start = Clock::now();
  // A `cancel` deadline ends the wait sooner (it is not the upstreams' fault).
  const auto deadline = std::min(start + cfg_.total_timeout, req.deadline);
  std::array<uint8_t, 16> candidates;
  size_t n = order(*ws, candidates, req.worker);
  if (n == 0) co_return Result::unanswered(name(), wire::rcode::SERVFAIL, "forward: no healthy upstream");
  // The same question already in flight: wait for its answer. If that
  // leader gets none, ask on our own (until our own deadline).
  Coalescer::Join join = coalescer_.join(req, co_await asio::this_coro::executor);
  if (join.follower) {
    coalesced_[req.worker].add();
    const bool answered = co_await follow(req, *join.follower, join.slot, deadline);
    if (answered) {
      co_return Result::written(name(), wire::HeaderView{req.response_buffer().data()}.rcode());
    }
    join = {};
  }
  Leading leading(coalescer_, join.slot);
  if (cfg_.max_connect_attempts > 0) n = std::min(n, size_t(cfg_.max_connect_attempts));
  ExchangeError last = ExchangeError::timeout;

  // Each candidate gets one try, as in CoreDNS, until one answers or the
  // query's overall deadline passes.
  for (size_t i = 0; i < n && Clock::now() < deadline; ++i) {
    size_t idx = candidates[i];
    Upstream& u = *upstreams_[idx];
    bool use_stream = u.address.tls || u.address.https || cfg_.force_tcp ||
                      (req.transport == Transport::tcp && !cfg_.prefer_udp);
    auto try_deadline = std::min(Clock::now() + cfg_.try_timeout, deadline);
    UpstreamCounters& counters = u.counters[req.worker];
    // At its cap (a dead one fills it): on to the next, while there is one;
    // the last is asked anyway (the cap spreads load; max_concurrent bounds it).
    if (cfg_.max_per_upstream && i + 1 < n && u.in_flight.load(std::memory_order_relaxed) >= cfg_.max_per_upstream) {
      counters.busy.add();
      last = ExchangeError::overload;
      continue;
    }
    Holding held(u, cfg_.max_per_upstream > 0);
    counters.requests.add();
    ExchangeResult r = co_await attempt(*ws, idx, use_stream, req, query, big, try_deadline);
    if (r.ok() && !use_stream && wire::HeaderView{req.response_buffer().data()}.has(wire::flag::TC)) {
      // Truncated over UDP: ask the same upstream again over TCP.
      use_stream = true;
      r = co_await attempt(*ws, idx, true, req, query, big, std::min(Clock::now() + cfg_.try_timeout, deadline));
    }
    if (!r.ok()) {
      last = r.error;
      if (r.error == ExchangeError::closed) break;
      if (Clock::now() >= req.deadline) break;  // cancelled: no upstream to blame
      record_failure(u, req.worker);
      continue;
    }
    record_success(u);
    auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
    counters.duration_us.add(static_cast<uint64_t>(elapsed.count()));
    size_t b = 0;
    for (double bound = 250; b < 16 && double(elapsed.count()) > bound; bound *= 2) ++b;
    counters.duration_buckets[b].add();

    std::span<uint8_t> reply = use_stream ? std::span<uint8_t>(big.data(), r.len)
                                          : req.response_buffer().first(r.len);
    wire::HeaderView head{reply.data()};
    uint16_t rcode = head.rcode();
    counters.rcodes[rcode].add();
    // `failover RCODE...`: such an answer sends us on to our next upstream;
    // the last one's answer stands whatever it is.
    if (i + 1 < n && Clock::now() < deadline &&
        std::find(cfg_.failover_rcodes.begin(), cfg_.failover_rcodes.end(), rcode) != cfg_.failover_rcodes.end())
      continue;
    // `next RCODE...`: the block's next forward tries; with none after us
    // the upstream's answer stands, as in CoreDNS.
    const bool nodata = rcode == wire::rcode::NOERROR && head.ancount() == 0;
    if (cfg_.forward_follows &&
        (std::find(cfg_.next_rcodes.begin(), cfg_.next_rcodes.end(), rcode) != cfg_.next_rcodes.end() ||
         (cfg_.next_on_nodata && nodata))) {
      req.response.start_response(req.query, req.packet);  // the next plugin starts afresh
      co_return co_await next(req);
    }
    leading.land(reply);  // to the questions that waited for this one
    // Restore the client's ID and the exact case of its question.
    wire::store16(reply.data(), req.query.id);
    std::memcpy(reply.data() + wire::kHeaderSize, req.query.qname.wire().data(), req.query.qname.size());
    // The upstream's OPT stays for an EDNS client (its options, its extended
    // rcode); the core removes it for one without EDNS.
    if (use_stream) req.response.assign(reply);
    else req.response.adopt(reply.size());
    co_return Result::written(name(), rcode);
  }
  req.response.start_response(req.query, req.packet);
  co_return Result::unanswered(name(), wire::rcode::SERVFAIL,
                               std::string("forward: ") + error_text(last));
}

}  // namespace skycore::plugins::forward

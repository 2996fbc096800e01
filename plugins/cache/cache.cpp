#include "plugins/cache/cache.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/this_coro.hpp>

#include <cstring>
#include <memory>

#include <ctime>

#include "core/wire/header.h"
#include "plugins/cache/sanity.h"
#include "core/wire/record.h"

namespace skycore::plugins::cache {
namespace {


StoreLimits limits_from(const Config& c) {
  StoreLimits l;
  l.capacity[0] = c.success.capacity;
  l.capacity[1] = c.denial.capacity;
  l.capacity[2] = c.denial.capacity;
  l.serve_stale = c.serve_stale;
  l.prefetch_amount = c.prefetch_amount;
  l.prefetch_window = c.prefetch_window;
  l.prefetch_percentage = c.prefetch_percentage;
  l.keepttl = c.keepttl;
  return l;
}

// A query of our own, for background refreshes: owns its buffers.
struct BackgroundQuery {
  std::vector<uint8_t> packet;
  std::vector<uint8_t> out = std::vector<uint8_t>(wire::kMaxMessage);
  Request req;
};

}  // namespace

Cache::Cache(Config cfg, size_t workers) : cfg_(std::move(cfg)), store_(limits_from(cfg_), workers) {}

bool Cache::in_zones(const wire::Name& qname) const {
  for (const auto& z : cfg_.zones)
    if (qname.is_subdomain_of(z)) return true;
  return false;
}

void Cache::answer_from_cache(Request& req, size_t len) const {
  auto buf = req.response_buffer();
  wire::store16(buf.data(), req.query.id);
  // The stored question is the first asker's; give this client its own case.
  std::memcpy(buf.data() + wire::kHeaderSize, req.query.qname.wire().data(), req.query.qname.size());
  // As CoreDNS: AA set (some stubs drop non-authoritative replies); AD only
  // for a client that asked for DNSSEC (DO) or set AD itself (RFC 6840 5.8).
  uint16_t flags = wire::HeaderView{buf.data()}.flags() | wire::flag::AA;
  if (!req.query.edns.do_bit && !(req.query.flags & wire::flag::AD)) flags &= ~wire::flag::AD;
  wire::store16(buf.data() + 2, flags);
  // Truncated to the client's size if need be; the core adds the OPT.
  req.response.adopt(len);
}

void Cache::remember(Request& req, const Key& key) {
  // This reply goes out with TTLs no longer than the cache will keep it, so
  // a client does not see 300 now and 10 on the next (cached) answer.
  if (!cfg_.keepttl) {
    if (auto first = analyze(req.response.data(), cfg_, req.query.qname_lower)) {
      auto out = req.response.mutable_data();
      for (uint16_t off : first->ttl_offsets)
        wire::store32(out.data() + off, std::min(wire::load32(out.data() + off), first->ttl));
    }
  }
  // Stored without OPT (each hit adds the client's own) and with ID 0.
  auto msg = req.response.data();
  std::vector<uint8_t> copy(msg.begin(), msg.end());
  copy.resize(wire::remove_opt(copy));
  auto a = analyze(copy, cfg_, req.query.qname_lower);
  if (!a) return;
  if (!fit_to_cache(copy, req.query.qname_lower, req.query.qtype, static_cast<uint32_t>(std::time(nullptr)))) return;
  wire::store16(copy.data(), 0);
  store_.insert(key, copy, std::move(*a), cfg_.clock(), req.worker);
}

void Cache::refresh_in_background(const Request& req, const Key& key, Next next,
                                  asio::any_io_executor ex) {
  auto job = std::make_shared<BackgroundQuery>();
  job->packet.assign(req.packet.begin(), req.packet.end());
  Request& r = job->req;
  r.packet = job->packet;
  r.query = req.query;
  r.copy_origin(req);
  r.transport = req.transport;
  r.zone = req.zone;
  r.max_size = wire::kMaxMessage;
  r.response_storage = job->out;
  r.response.reset(job->out, wire::kMaxMessage);
  r.response.start_response(r.query, r.packet);
  auto run = [this, job, key, next]() -> asio::awaitable<void> {
    Result res = co_await next(job->req);
    // A failed refresh keeps what we have (RFC 8767): stale data beats an error.
    if (res.answered && job->req.response.rcode() != wire::rcode::SERVFAIL) remember(job->req, key);
    store_.prefetch_done(key);
  };
  asio::co_spawn(ex, run, asio::detached);
}

asio::awaitable<Result> Cache::serve(Request& req, Next next) {
  if (!in_zones(req.query.qname_lower)) co_return co_await next(req);
  Key key = make_key(req.query);
  bool stale_first = cfg_.serve_stale.count() > 0 && cfg_.stale_mode == StaleMode::immediate;
  Hit hit = store_.lookup(key, cfg_.clock(), req.response_buffer(), stale_first, req.worker);
  if (hit.found != Found::miss) {
    uint16_t rcode = wire::HeaderView{req.response_buffer().data()}.rcode();
    answer_from_cache(req, hit.len);
    if (hit.prefetch_due) refresh_in_background(req, key, next, co_await asio::this_coro::executor);
    co_return Result::written(name(), rcode);
  }

  Result res = co_await next(req);
  bool failed = !res.answered || res.rcode == wire::rcode::SERVFAIL;
  if (failed && cfg_.serve_stale.count() > 0 && cfg_.stale_mode == StaleMode::verify) {
    // verify: the upstream was tried first and failed; fall back to stale.
    Hit stale = store_.lookup(key, cfg_.clock(), req.response_buffer(), true, req.worker);
    if (stale.found == Found::stale) {
      answer_from_cache(req, stale.len);
      store_.prefetch_done(key);
      co_return Result::written(name(), wire::HeaderView{req.response_buffer().data()}.rcode());
    }
  }
  if (res.answered) remember(req, key);
  co_return res;
}

}  // namespace skycore::plugins::cache

#include "plugins/cache/cache.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
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
  l.stale_ttl = static_cast<uint32_t>(c.stale_ttl.count());
  l.failure_recheck = c.failure_recheck;
  l.prefer_positive = c.prefer_positive;
  return l;
}

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

namespace {

bool positive(std::span<const uint8_t> msg) {
  if (msg.size() < wire::kHeaderSize) return false;
  wire::HeaderView h{msg.data()};
  return h.rcode() == wire::rcode::NOERROR && h.ancount() > 0;
}

}  // namespace

bool Cache::usable_refresh(const Result& res, std::span<const uint8_t> msg, Kind stale_kind) const {
  if (!res.answered || res.rcode == wire::rcode::SERVFAIL) return false;
  // prefer_positive: NXDOMAIN, NODATA or an error do not displace an answer.
  if (cfg_.prefer_positive && stale_kind == Kind::success && !positive(msg)) return false;
  return true;
}

std::shared_ptr<Cache::Refresh> Cache::refresh_in_background(const Request& req, const Key& key, Kind stale_kind,
                                                             Next next, asio::any_io_executor ex) {
  auto job = std::make_shared<Refresh>(ex);
  job->packet.assign(req.packet.begin(), req.packet.end());
  Request& r = job->req;
  r.packet = job->packet;
  r.query = req.query;
  r.copy_origin(req);
  r.deadline = std::chrono::steady_clock::time_point::max();  // the client's deadline is not the refresh's
  r.transport = req.transport;
  r.zone = req.zone;
  r.max_size = wire::kMaxMessage;
  r.response_storage = job->out;
  r.response.reset(job->out, wire::kMaxMessage);
  r.response.start_response(r.query, r.packet);
  auto run = [this, job, key, next, stale_kind]() -> asio::awaitable<void> {
    Result res = co_await next(job->req);
    // A failed refresh keeps what we have (RFC 8767): stale data beats an error.
    job->usable = usable_refresh(res, job->req.response.data(), stale_kind);
    job->result = res;
    if (job->usable) {
      remember(job->req, key);
      store_.prefetch_done(key);
    } else {
      store_.refresh_failed(key, cfg_.clock());
    }
    job->done = true;
    job->finished.cancel();  // wakes a client waiting for it (verify VERIFY_TIMEOUT)
  };
  asio::co_spawn(ex, run, asio::detached);
  return job;
}

asio::awaitable<Result> Cache::serve(Request& req, Next next) {
  if (!in_zones(req.query.qname_lower)) co_return co_await next(req);
  Key key = make_key(req.query);
  const bool stale = cfg_.serve_stale.count() > 0;
  Hit hit = store_.lookup(key, cfg_.clock(), req.response_buffer(), stale, req.worker,
                          cfg_.stale_mode == StaleMode::verify);
  if (hit.found == Found::fresh || (hit.found == Found::stale && cfg_.stale_mode == StaleMode::immediate) ||
      (hit.found == Found::stale && !hit.prefetch_due)) {
    // Fresh; or stale and `immediate`; or stale while another query's
    // refresh runs or a failed one's recheck time has not passed: answer now.
    uint16_t rcode = wire::HeaderView{req.response_buffer().data()}.rcode();
    if (hit.found == Found::stale && cfg_.stale_mode == StaleMode::verify) store_.count_stale(req.worker);
    answer_from_cache(req, hit.len);
    if (hit.prefetch_due) refresh_in_background(req, key, hit.kind, next, co_await asio::this_coro::executor);
    co_return Result::written(name(), rcode);
  }
  if (hit.found == Found::stale) {
    store_.count_miss(req.worker);  // asked upstream first; a stale answer after counts as one too
    co_return co_await verify(req, key, hit, next);
  }

  Result res = co_await next(req);
  if (res.answered) remember(req, key);
  co_return res;
}

// serve_stale verify: the refresh first; the stale entry only when it fails
// (or, with VERIFY_TIMEOUT, when it takes longer than that).
asio::awaitable<Result> Cache::verify(Request& req, const Key& key, const Hit& stale, Next next) {
  // The lookup copied the stale entry over the started response: start again.
  req.response.start_response(req.query, req.packet);
  auto serve_stale = [&]() {
    Hit again = store_.lookup(key, cfg_.clock(), req.response_buffer(), true, req.worker);
    if (again.found == Found::miss) return false;
    if (again.prefetch_due) store_.prefetch_done(key);  // this lookup does not start another refresh
    answer_from_cache(req, again.len);
    return true;
  };
  if (cfg_.verify_timeout.count() > 0) {
    auto job = refresh_in_background(req, key, stale.kind, next, co_await asio::this_coro::executor);
    if (!job->done) {
      job->finished.expires_after(cfg_.verify_timeout);
      asio::error_code ec;
      co_await job->finished.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (job->done && job->usable) {
      req.response.assign(job->req.response.data());
      wire::store16(req.response.mutable_data().data(), req.query.id);
      co_return job->result;
    }
    if (serve_stale()) co_return Result::written(name(), wire::HeaderView{req.response.data().data()}.rcode());
    req.response.start_response(req.query, req.packet);
    co_return co_await next(req);  // the entry went meanwhile: ask as for a miss
  }
  Result res = co_await next(req);
  if (usable_refresh(res, req.response.data(), stale.kind)) {
    remember(req, key);
    store_.prefetch_done(key);
    co_return res;
  }
  store_.refresh_failed(key, cfg_.clock());
  if (serve_stale()) co_return Result::written(name(), wire::HeaderView{req.response.data().data()}.rcode());
  co_return res;
}

}  // namespace skycore::plugins::cache
